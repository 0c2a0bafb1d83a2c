"""Context: everything aws-login takes from the outside world, in one object.

Core modules receive what they need from here as arguments, so tests can run the whole
program in-process with their own streams, clock and environment.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from aws_login.log import DebugLog

if TYPE_CHECKING:
    import random

    from aws_login.clients import AwsClients
    from aws_login.retry import RetryPolicy


class NoChoice(Exception):
    """Context.choose got no valid answer: end of input (`ended`), or too many wrong ones."""

    def __init__(self, ended: bool) -> None:
        super().__init__("end of input" if ended else "no valid answer")
        self.ended = ended


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
                 signin_timeout: float = 300.0) -> None:
        """`sleep`, `monotonic` and `rng` (None: a fresh one) make the retry policy's timing:
        a test that fakes the sleep should fake the monotonic clock with it."""
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
        self.log = DebugLog(stderr)
        self.argv: tuple[str, ...] = ()  # the command line's words, set by cli.main
        self._clients: AwsClients | None = None
        self._retry: RetryPolicy | None = None

    @classmethod
    def from_process(cls) -> Context:
        return cls(environ=os.environ, stdout=sys.stdout, stderr=sys.stderr, stdin=sys.stdin)

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

            self._clients = AwsClients(self.log, self.retry, self.environ)
        return self._clients

    @property
    def cache_dir(self) -> Path:
        """aws-login's private cache folder (AWS_LOGIN_CACHE_DIR overrides the platform's)."""
        from aws_login.paths import cache_dir

        return Path(cache_dir(self.environ))

    def browser_available(self) -> bool:
        return _browser_available(self.environ)

    def stdin_is_terminal(self) -> bool:
        return _is_terminal(self.stdin)

    def stderr_is_terminal(self) -> bool:
        return _is_terminal(self.stderr)

    def warn(self, message: str) -> None:
        self.stderr.write(f"aws-login: {message}\n")
        self.stderr.flush()

    def choose(self, heading: str, options: Sequence[tuple[str, str]], question: str, *,
               attempts: int = 3) -> int:
        """Ask a person to pick one of `options` (answer, description): the heading and the
        numbered descriptions go to stderr, then `question [1-N]: `; a line of stdin answers
        with the number or the answer itself. Returns the index chosen; raises NoChoice."""
        lines = [heading] + [f"  {number}) {description}"
                             for number, (_, description) in enumerate(options, start=1)]
        self.stderr.write("\n".join(lines) + "\n")
        count = len(options)
        for _ in range(attempts):
            self.stderr.write(f"{question} [1-{count}]: ")
            self.stderr.flush()
            line = self.stdin.readline()
            if not line:
                self.stderr.write("\n")  # Ctrl-D echoes no line break; keep what follows apart
                raise NoChoice(ended=True)
            answer = line.strip()
            if answer.isdecimal() and 1 <= int(answer) <= count:
                return int(answer) - 1
            for index, (value, _) in enumerate(options):
                if answer == value:
                    return index
            shown = answer if len(answer) <= 80 else answer[:77] + "..."
            self.warn(f"{shown!r} is not one of 1-{count}")
        raise NoChoice(ended=False)

    def prompt_secret(self, question: str) -> str:
        """Ask on stderr and read a line from stdin without echo when it is a terminal."""
        if self.stdin is sys.stdin and self.stdin_is_terminal():
            import getpass

            return getpass.getpass(question, stream=self.stderr)
        self.stderr.write(question)
        self.stderr.flush()
        return self.stdin.readline().strip()


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
