"""Context: everything aws-login takes from the outside world, in one object.

Core modules receive what they need from here as arguments, so tests can run the whole
program in-process with their own streams, clock and environment.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from aws_login.log import DebugLog

if TYPE_CHECKING:
    import random

    from aws_login.clients import AwsClients
    from aws_login.prompts import PromptService
    from aws_login.prompts.options import PromptSettings
    from aws_login.retry import RetryPolicy


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _open_url(url: str) -> bool:
    import webbrowser  # only when a browser is really wanted

    return webbrowser.open(url)


def _browser_available(environ: Mapping[str, str]) -> bool:
    """Whether opening a browser can work here (not over SSH without a display, say)."""
    if environ.get("BROWSER"):
        return True
    if sys.platform in ("win32", "darwin"):
        return not (environ.get("SSH_CONNECTION") or environ.get("SSH_TTY"))
    return bool(environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"))


class Context:
    def __init__(self, environ: Mapping[str, str], stdout: TextIO, stderr: TextIO,
                 stdin: TextIO, *, now: Callable[[], datetime] = _utc_now,
                 sleep: Callable[[float], None] = time.sleep,
                 monotonic: Callable[[], float] = time.monotonic,
                 rng: random.Random | None = None,
                 open_url: Callable[[str], bool] = _open_url,
                 signin_timeout: float = 300.0, tty: str | None = "/dev/tty",
                 mfa_timeout: float = 60.0) -> None:
        """`sleep`, `monotonic` and `rng` (None: a fresh one) make the retry policy's timing:
        a test that fakes the sleep should fake the monotonic clock with it. `tty`: the
        controlling terminal to ask on when stdin/stderr are not one (None: never);
        `mfa_timeout`: how long --mfa-process and ykman may take to give a code."""
        self.environ = environ
        self.stdout = stdout
        self.stderr = stderr
        self.stdin = stdin
        self.now = now
        self.sleep = sleep
        self.monotonic = monotonic
        self._rng = rng
        self.open_url = open_url
        self.signin_timeout = signin_timeout  # how long a browser sign-in may take
        self.tty_path = tty
        self.mfa_timeout = mfa_timeout
        self.prompt_settings: PromptSettings | None = None  # set from the options, if any
        self._prompt: PromptService | None = None
        self.log = DebugLog(stderr)
        self.argv: tuple[str, ...] = ()  # the command line's words, set by cli.main
        self._owns_process_environment = False  # see export_to_children
        self._clients: AwsClients | None = None
        self._retry: RetryPolicy | None = None
        # What this run keeps between acquisitions of the same plan: a credential server
        # (serve, runas --server) renews for hours in one process, e.g. from a JumpCloud
        # session still signed in. A one-shot command acquires once, so it stays unused.
        self.memory: dict[str, object] = {}

    @classmethod
    def from_process(cls) -> Context:
        ctx = cls(environ=os.environ, stdout=sys.stdout, stderr=sys.stderr, stdin=sys.stdin)
        ctx._owns_process_environment = True
        return ctx

    def export_to_children(self, name: str, value: str) -> None:
        """Set a variable that every program aws-login starts inherits (botocore's
        credential_process, runas's program). Only the real process's Context does: a test's
        in-process run must not change the test's environment."""
        if self._owns_process_environment:
            os.environ[name] = value

    @property
    def retry(self) -> RetryPolicy:
        """The retry policy of every network call, on this context's clock, sleep and rng."""
        if self._retry is None:
            import random

            from aws_login.retry import RetryPolicy

            rng = self._rng if self._rng is not None else random.Random()
            self._retry = RetryPolicy(self.sleep, self.monotonic, rng, self.log)
        return self._retry

    @property
    def clients(self) -> AwsClients:
        """The one factory of AWS clients; created on first use so a fast path never pays."""
        if self._clients is None:
            from aws_login.clients import AwsClients

            self._clients = AwsClients(self.log, self.retry, self.environ,
                                       self._ask_for_botocore)
        return self._clients

    @property
    def cache_dir(self) -> Path:
        """aws-login's private cache folder (AWS_LOGIN_CACHE_DIR overrides the platform's)."""
        from aws_login.paths import cache_dir

        return Path(cache_dir(self.environ))

    @property
    def data_dir(self) -> Path:
        """aws-login's private data folder (AWS_LOGIN_DATA_DIR overrides the platform's)."""
        from aws_login.paths import data_dir

        return Path(data_dir(self.environ))

    def browser_available(self) -> bool:
        return _browser_available(self.environ)

    def stdin_is_terminal(self) -> bool:
        return _is_terminal(self.stdin)

    def stderr_is_terminal(self) -> bool:
        return _is_terminal(self.stderr)

    def warn(self, message: str) -> None:
        self.stderr.write(f"aws-login: {message}\n")
        self.stderr.flush()

    @property
    def prompt(self) -> PromptService:
        """The one way to ask the person anything (aws_login/prompts); built on first use, so
        a cache hit never imports it."""
        if self._prompt is None:
            from aws_login.prompts import PromptService
            from aws_login.prompts.options import from_environment

            settings = self.prompt_settings or from_environment(self.environ)
            self._prompt = PromptService(self, settings)
        return self._prompt

    def _ask_for_botocore(self, question: str) -> str:
        """botocore's own question, the MFA code of a profile's role_arn + mfa_serial, asked
        through the prompt service like every other."""
        self.prompt.require(
            "the profile's mfa_serial needs an MFA code",
            "run it at a terminal, or start from the profile's source_profile with "
            "--assume-roles ROLE_ARN --mfa-serial ARN and --mfa-token CODE or --mfa-process "
            "COMMAND")
        return self.prompt.ask_secret(question)

    def close(self) -> None:
        """The end of the run: take down what the prompt service still shows."""
        if self._prompt is not None:
            self._prompt.close()


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
