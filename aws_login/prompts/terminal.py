"""Asking on a terminal, one line at a time: `LineChannel` holds the dialogue (the question,
the numbered list, three tries), subclasses say where the lines go. `TerminalChannel` uses
the run's own stdin and stderr (today's behaviour; stdout stays the product's).

Secrets are read with the terminal's echo off (`EchoOff`). Its mode is put back on every way
out of the question, Ctrl-C included, and also when the run ends while a question is still
open: a credential server's renewal may be waiting for a code in its own thread when
`runas --server`'s child exits, and the person's shell must not be left without echo.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING, Any

from aws_login.prompts.channel import TRIES, Channel, NoAnswer, Shown

if TYPE_CHECKING:
    from aws_login.context import Context


class EchoOff:
    """Turns a terminal's echo off for a secret, and on again when the question ends or the
    channel closes, whichever comes first."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: dict[int, list[Any]] = {}  # descriptor -> the mode to put back

    @contextmanager
    def on(self, fd: int) -> Iterator[None]:
        import termios

        saved = termios.tcgetattr(fd)
        quiet = list(saved)
        quiet[3] = (quiet[3] & ~termios.ECHO) | termios.ECHONL  # the Enter still moves on
        with self._lock:
            self._open[fd] = saved
        termios.tcsetattr(fd, termios.TCSAFLUSH, quiet)
        try:
            yield
        finally:
            self._put_back(fd)

    def close(self) -> None:
        """The end of the run: put back the mode of every question still open."""
        with self._lock:
            open_now = list(self._open)
        for fd in open_now:
            self._put_back(fd)

    def _put_back(self, fd: int) -> None:
        import termios

        with self._lock:
            saved = self._open.pop(fd, None)
        if saved is not None:
            with suppress(OSError, termios.error):  # a terminal gone: nothing to put back
                termios.tcsetattr(fd, termios.TCSADRAIN, saved)


class LineChannel(Channel):
    def _write(self, text: str) -> None:
        raise NotImplementedError

    def _answer(self, question: str, secret: bool) -> str | None:
        """Write `question`, read one line (without echo when `secret`); None at end of input."""
        raise NotImplementedError

    def ask(self, question: str, *, secret: bool) -> str:
        line = self._answer(question, secret)
        if line is None:
            self._write("\n")  # Ctrl-D echoes no line break; keep the error on its own line
            raise NoAnswer(question, "end of input")
        return line.strip()

    def choose(self, question: str, options: Sequence[str], heading: str | None,
               names: Sequence[str] = ()) -> int:
        lines = [] if heading is None else [heading]
        lines += [f"  {index}) {option}" for index, option in enumerate(options, start=1)]
        self._write("\n".join(lines) + "\n")
        for _ in range(TRIES):
            line = self._answer(f"{question} [1-{len(options)}]: ", False)
            if line is None:
                self._write("\n")
                raise NoAnswer(question, "end of input")
            answer = line.strip()
            if answer.isdecimal() and 1 <= int(answer) <= len(options):
                return int(answer) - 1
            if answer in options:
                return options.index(answer)
            if answer in names:
                return list(names).index(answer)
            shown = answer if len(answer) <= 80 else answer[:77] + "..."
            self._write(f"aws-login: {shown!r} is not one of 1-{len(options)}\n")
        raise NoAnswer(question, f"{TRIES} answers were not one of 1-{len(options)}")

    def show(self, message: str) -> Shown:
        self._write(f"aws-login: {message}\n")
        return Shown()

    def note(self, message: str) -> None:
        self._write(f"aws-login: {message}\n")


class TerminalChannel(LineChannel):
    name = "terminal"

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx
        self._echo = EchoOff()

    def _write(self, text: str) -> None:
        self._ctx.stderr.write(text)
        self._ctx.stderr.flush()

    def _answer(self, question: str, secret: bool) -> str | None:
        if secret and self._ctx.stdin is sys.stdin and self._ctx.stdin_is_terminal():
            with self._echo.on(sys.stdin.fileno()):
                self._write(question)
                line = sys.stdin.readline()
            return line if line else None
        self._write(question)
        line = self._ctx.stdin.readline()
        return line if line else None

    def close(self) -> None:
        self._echo.close()
