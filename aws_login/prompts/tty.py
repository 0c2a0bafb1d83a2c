"""Asking on the controlling terminal (/dev/tty) when stdin and stderr are not a terminal:
the credential_process case, where the SDK captures stderr but the person sits at the shell.

Secrets are read with the terminal's echo turned off (terminal.EchoOff); its mode is put back
on every way out, Ctrl-C included, and when the run ends with the question still open."""

from __future__ import annotations

import os

from aws_login.prompts.terminal import EchoOff, LineChannel

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
        self._echo = EchoOff()

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
        with self._echo.on(self._fd):
            self._write(question)
            return self._read_line()

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
        self._echo.close()
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
