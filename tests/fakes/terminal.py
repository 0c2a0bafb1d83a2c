"""A person at a terminal, for a child process: a pseudo-terminal that is the child's
CONTROLLING terminal (/dev/tty), while its stdin is a pipe and its stdout and stderr are
captured, exactly as an SDK runs a credential_process helper from an interactive shell.

    with PtySession([sys.executable, "-m", "aws_login", ...], env) as person:
        person.wait_for("MFA code for")   # what the terminal shows, read until it appears
        person.press("123456\\n")
        result = person.finish()
"""

from __future__ import annotations

import fcntl
import os
import select
import signal
import subprocess
import termios
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType

WAIT_LIMIT = 60.0  # a state that never comes fails the test after this long, not hangs it


@dataclass
class Finished:
    code: int
    out: str
    err: str
    screen: str  # everything the terminal showed


class PtySession:
    def __init__(self, argv: Sequence[str], env: Mapping[str, str]) -> None:
        self.master, slave = os.openpty()

        def take_terminal() -> None:  # in the child, after setsid (start_new_session)
            fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
            # A terminal's program takes Ctrl-C: not the ignored SIGINT that a test run
            # started in the background (`build-tools/test &` in a script) hands down.
            signal.signal(signal.SIGINT, signal.SIG_DFL)

        self.process = subprocess.Popen(
            list(argv), env=dict(env), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, start_new_session=True, preexec_fn=take_terminal,
            pass_fds=(slave,))
        os.close(slave)
        self._screen = b""

    def echo_is_on(self) -> bool:
        """The terminal's ECHO flag (the master sees the slave's settings)."""
        return bool(termios.tcgetattr(self.master)[3] & termios.ECHO)

    @property
    def screen(self) -> str:
        return self._screen.decode("utf-8", "replace")

    def wait_for(self, text: str) -> str:
        """Read the terminal until `text` appears on it; returns the screen so far."""
        deadline = time.monotonic() + WAIT_LIMIT
        while text not in self.screen:
            left = deadline - time.monotonic()
            if left <= 0 or not self._read(left):
                raise AssertionError(f"the terminal never showed {text!r}; it showed "
                                     f"{self.screen!r} (exit {self.process.poll()})")
        return self.screen

    def press(self, text: str) -> None:
        os.write(self.master, text.encode())

    def finish(self) -> Finished:
        out, err = self.process.communicate(timeout=WAIT_LIMIT)
        while self._read(0):
            pass
        return Finished(self.process.returncode, out.decode(), err.decode(), self.screen)

    def _read(self, timeout: float) -> bool:
        """Read what the terminal shows; False when nothing more can come."""
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return False
        try:
            chunk = os.read(self.master, 4096)
        except OSError:  # EIO: the child closed its side
            return False
        self._screen += chunk
        return bool(chunk)

    def __enter__(self) -> PtySession:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.communicate()
        os.close(self.master)
