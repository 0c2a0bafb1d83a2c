"""Asking on the controlling terminal (/dev/tty) when stdin and stderr are not a terminal:
the credential_process case, where the SDK captures stderr but the person sits at the shell.

Secrets are read with the terminal's echo turned off (termios); its mode is put back on
every way out, Ctrl-C included."""

from __future__ import annotations

import os

from aws_login.prompts.terminal import LineChannel

_MAX_LINE = 4096  # nobody types more for a code or a number


def open_tty(path: str) -> int | None:
    """A read/write descriptor of the controlling terminal; None when the process has none."""
    try:
        fd = os.open(path, os.O_RDWR | getattr(os, "O_NOCTTY", 0))
    except OSError:
        return None
    if not os.isatty(fd):
        os.close(fd)
        return None
    return fd


class TtyChannel(LineChannel):
    name = "tty"

    def __init__(self, fd: int) -> None:
        self._fd: int | None = fd

    def _write(self, text: str) -> None:
        assert self._fd is not None
        data = text.encode("utf-8", "replace")
        while data:
            data = data[os.write(self._fd, data):]

    def _answer(self, question: str, secret: bool) -> str | None:
        assert self._fd is not None
        if not secret:
            self._write(question)
            return self._read_line()
        import termios

        saved = termios.tcgetattr(self._fd)
        quiet = list(saved)
        quiet[3] = (quiet[3] & ~termios.ECHO) | termios.ECHONL  # the Enter still moves on
        termios.tcsetattr(self._fd, termios.TCSAFLUSH, quiet)
        try:
            self._write(question)
            return self._read_line()
        finally:
            termios.tcsetattr(self._fd, termios.TCSADRAIN, saved)

    def _read_line(self) -> str | None:
        assert self._fd is not None
        data = b""
        while not data.endswith(b"\n") and len(data) < _MAX_LINE:
            chunk = os.read(self._fd, _MAX_LINE)
            if not chunk:  # Ctrl-D
                return data.decode("utf-8", "replace") if data else None
            data += chunk
        return data.decode("utf-8", "replace").split("\n", 1)[0]

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
