"""Context: everything aws-login takes from the outside world, in one object.

Core modules receive what they need from here as arguments, so tests can run the whole
program in-process with their own streams, clock and environment.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, TextIO

from aws_login.log import DebugLog

if TYPE_CHECKING:
    from aws_login.aws import AwsClients


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _open_url(url: str) -> bool:
    import webbrowser  # only when a browser is really wanted

    return webbrowser.open(url)


@dataclass
class Context:
    environ: Mapping[str, str]
    stdout: TextIO
    stderr: TextIO
    stdin: TextIO
    now: Callable[[], datetime] = _utc_now
    open_url: Callable[[str], bool] = _open_url
    log: DebugLog = field(init=False)
    _clients: AwsClients | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.log = DebugLog(self.stderr)

    @classmethod
    def from_process(cls) -> Context:
        return cls(environ=os.environ, stdout=sys.stdout, stderr=sys.stderr, stdin=sys.stdin)

    @property
    def clients(self) -> AwsClients:
        """The one factory of AWS clients; created on first use so a fast path never pays."""
        if self._clients is None:
            from aws_login.aws import AwsClients

            self._clients = AwsClients(self.log)
        return self._clients

    def stdin_is_terminal(self) -> bool:
        try:
            return self.stdin.isatty()
        except (AttributeError, ValueError):
            return False

    def warn(self, message: str) -> None:
        self.stderr.write(f"aws-login: {message}\n")
        self.stderr.flush()

    def prompt_secret(self, question: str) -> str:
        """Ask on stderr and read a line from stdin without echo when it is a terminal."""
        if self.stdin is sys.stdin and self.stdin_is_terminal():
            import getpass

            return getpass.getpass(question, stream=self.stderr)
        self.stderr.write(question)
        self.stderr.flush()
        return self.stdin.readline().strip()
