"""Asking on a terminal, one line at a time: `LineChannel` holds the dialogue (the question,
the numbered list, three tries), subclasses say where the lines go. `TerminalChannel` uses
the run's own stdin and stderr (today's behaviour; stdout stays the product's)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from aws_login.prompts.channel import TRIES, Channel, NoAnswer, Shown

if TYPE_CHECKING:
    from aws_login.context import Context


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

    def _write(self, text: str) -> None:
        self._ctx.stderr.write(text)
        self._ctx.stderr.flush()

    def _answer(self, question: str, secret: bool) -> str | None:
        if secret and self._ctx.stdin is sys.stdin and self._ctx.stdin_is_terminal():
            import getpass  # restores the echo itself, also on Ctrl-C

            try:
                return getpass.getpass(question, stream=self._ctx.stderr)
            except EOFError:
                return None
        self._write(question)
        line = self._ctx.stdin.readline()
        return line if line else None
