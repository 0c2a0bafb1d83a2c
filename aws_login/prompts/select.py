"""Which channel this run asks on: the one named (--prompt, AWS_LOGIN_PROMPT), else the
first that can reach the person: terminal, tty, a desktop dialog; else none."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING

from aws_login.errors import UsageError
from aws_login.prompts.channel import Channel
from aws_login.prompts.options import PromptSettings

if TYPE_CHECKING:
    from aws_login.context import Context


def select_channel(ctx: Context, settings: PromptSettings) -> Channel:
    name = settings.prompt if settings.prompt != "ykman" else None  # ykman: MFA codes only
    if name is None:
        return _automatic(ctx, settings)
    if name == "none":
        from aws_login.prompts.none import NoChannel

        return NoChannel(settings)
    if name == "terminal":  # as told, even when stdin is a pipe (echo 123456 | aws-login ...)
        from aws_login.prompts.terminal import TerminalChannel

        return TerminalChannel(ctx)
    if name == "tty":
        channel = _tty(ctx)
        if channel is None:
            raise UsageError(f"{settings.origin}: this process has no controlling terminal "
                             f"({ctx.tty_path or '/dev/tty'} cannot be opened); run it from a "
                             "terminal or choose another --prompt")
        return channel
    dialog = _dialog(name, ctx.environ)
    if dialog is None:
        raise UsageError(f"{settings.origin}: {name} is not on PATH; install it or choose "
                         "another --prompt")
    return dialog


def _automatic(ctx: Context, settings: PromptSettings) -> Channel:
    if ctx.stdin_is_terminal() and ctx.stderr_is_terminal():
        from aws_login.prompts.terminal import TerminalChannel

        return TerminalChannel(ctx)
    channel = _tty(ctx)
    if channel is not None:
        return channel
    for name in desktop_dialogs(ctx.environ, sys.platform):
        dialog = _dialog(name, ctx.environ)
        if dialog is not None:
            return dialog
    from aws_login.prompts.none import NoChannel

    return NoChannel(settings)


def desktop_dialogs(environ: Mapping[str, str], platform: str) -> tuple[str, ...]:
    """The dialog programs worth looking for: none without a display to show them on."""
    if platform == "darwin":
        return () if environ.get("SSH_CONNECTION") or environ.get("SSH_TTY") else ("osascript",)
    if environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"):
        return ("zenity", "kdialog")
    return ()


def _tty(ctx: Context) -> Channel | None:
    if ctx.tty_path is None or os.name != "posix":
        return None
    from aws_login.prompts.tty import TtyChannel, open_tty

    fd = open_tty(ctx.tty_path)
    return None if fd is None else TtyChannel(fd)


def _dialog(name: str, environ: Mapping[str, str]) -> Channel | None:
    import shutil

    from aws_login.prompts.dialogs import DIALOGS

    program = shutil.which(name, path=environ.get("PATH", os.defpath))
    return None if program is None else DIALOGS[name](program, environ)
