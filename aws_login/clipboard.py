"""`--copy`: a secret (a console sign-in URL, export lines) onto the person's clipboard.

Which clipboard is theirs (the rule, also in docs/clipboard.md):

- AWS_LOGIN_CLIPBOARD names the method (wl-copy, xclip, xsel, pbcopy, clip.exe, osc52):
  that one and no other.
- Over SSH (SSH_CONNECTION or SSH_TTY set) a program here would fill this machine's
  clipboard, not the person's. Only a display that ssh -X (DISPLAY) or waypipe
  (WAYLAND_DISPLAY) forwarded is theirs: wl-copy, xclip or xsel for it; else an OSC 52
  escape written to the terminal, which the person's terminal turns into a copy.
- Locally: pbcopy on macOS; clip.exe on Windows and WSL (the Windows clipboard itself, not
  WSLg's copy of it); wl-copy under Wayland, xclip or xsel under X; on Linux, clip.exe if it
  is on PATH; else OSC 52 (a container, a terminal with no display variable).

The text goes to a program on its stdin, never on its command line. The program may stay
in the background to serve the selection (xclip, xsel and wl-copy do, holding what they
inherited open), so its stdout is /dev/null and its stderr a file: only its own exit is
waited for. OSC 52 goes to the controlling terminal (ctx.tty_path), never to stdout, which
may be a pipe or a file. Inside tmux and screen the escape is also wrapped for their
passthrough, which each needs switched on or has limits of its own (see _osc52).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from aws_login.context import Context
from aws_login.errors import OperationError, UsageError
from aws_login.programs import exit_status, first_line
from aws_login.record import record

OSC52 = "osc52"
# Each program and its arguments: the text always comes on stdin.
TOOLS: dict[str, tuple[str, ...]] = {
    "wl-copy": (),
    "xclip": ("-selection", "clipboard"),
    "xsel": ("--clipboard", "--input"),
    "pbcopy": (),
    "clip.exe": (),
}
METHODS = (*TOOLS, OSC52)
# The display each program needs: without it, it could only fail.
_DISPLAY_OF = {"wl-copy": "WAYLAND_DISPLAY", "xclip": "DISPLAY", "xsel": "DISPLAY"}
# Terminals known to lack OSC 52, where the escape's text could show on the screen (the
# Linux console prints what it does not parse).
_NO_OSC52_TERMS = frozenset({"dumb", "linux"})
TOOL_TIMEOUT = 10.0  # seconds; a clipboard program that takes longer is stuck
_SCREEN_CHUNK = 256  # bytes per screen DCS string, well under its string buffer (768)


@record
class Clipboard:
    method: str  # a name of METHODS
    program: str | None  # the program's path; None for OSC 52
    reason: str  # why this one, for the message: "over SSH", ...


def over_ssh(environ: Mapping[str, str]) -> bool:
    return bool(environ.get("SSH_CONNECTION") or environ.get("SSH_TTY"))


def _on_wsl(environ: Mapping[str, str]) -> bool:
    return bool(environ.get("WSL_DISTRO_NAME") or environ.get("WSL_INTEROP"))


def candidates(environ: Mapping[str, str], platform: str) -> list[tuple[str, str]]:
    """The methods worth trying here, best first, each with the reason it is chosen (pure:
    the rule of the module docstring; whether a program or terminal exists is checked by
    `find`)."""
    displays = [(name, f"{_DISPLAY_OF[name]} is set") for name in ("wl-copy", "xclip", "xsel")
                if environ.get(_DISPLAY_OF[name])]
    if over_ssh(environ):
        forwarded = [(name, f"over SSH with a forwarded display ({why})")
                     for name, why in displays]
        return [*forwarded, (OSC52, "over SSH")]
    local: list[tuple[str, str]] = []
    if platform == "darwin":
        local.append(("pbcopy", "macOS"))
    if platform == "win32" or _on_wsl(environ):
        local.append(("clip.exe", "Windows" if platform == "win32" else "WSL"))
    local.extend(displays)
    if platform.startswith("linux") and "clip.exe" not in dict(local):
        local.append(("clip.exe", "on PATH"))  # WSL, where sudo dropped its variables
    return [*local, (OSC52, "no clipboard program found")]


def find(ctx: Context) -> Clipboard:
    """The clipboard to copy to, found before any network call; fails (exit 1) when there is
    none, so that no sign-in or MFA code is spent on a copy that cannot happen."""
    environ = ctx.environ
    forced = environ.get("AWS_LOGIN_CLIPBOARD", "").strip()
    if forced:
        return _forced(forced, ctx)
    term = environ.get("TERM", "")
    for method, reason in candidates(environ, _platform()):
        if method == OSC52:
            if term not in _NO_OSC52_TERMS and _has_terminal(ctx):
                return Clipboard(OSC52, None, reason)
            continue
        program = _which(method, environ)
        if program is not None:
            return Clipboard(method, program, reason)
    terminal = (f"a terminal (TERM={term}) that cannot take OSC 52"
                if term in _NO_OSC52_TERMS and _has_terminal(ctx)
                else "no terminal to send OSC 52 to")
    where = ("over SSH without a forwarded display" if over_ssh(environ) else
             "no wl-copy, xclip, xsel, pbcopy or clip.exe for this session")
    where = f"{where}, and {terminal}"
    raise OperationError(f"--copy: no clipboard to copy to ({where}); run it at a terminal, "
                         "install a clipboard program, or leave out --copy")


def copy_secret(clipboard: Clipboard, text: str, what: str, secret: str, ctx: Context,
                timeout: float = TOOL_TIMEOUT) -> None:
    """Put `text` on the clipboard and say on stderr how, and that it is a secret: `what` it
    is ("the sign-in URL") and `secret`, what to do with it ("it is a secret: ...")."""
    ctx.log.add_secret(text)  # a program's error message could repeat it
    if clipboard.method == OSC52:
        ctx.log(f"clipboard: OSC 52 to {ctx.tty_path} ({clipboard.reason})")
        _write_osc52(text, ctx)
        ctx.warn(f"sent {what} to your terminal's clipboard as an OSC 52 escape "
                 f"({clipboard.reason}); {secret}")
        ctx.warn("if it does not paste, your terminal does not accept OSC 52 from programs "
                 "(see docs/clipboard.md for tmux, screen and the terminals that do)")
        return
    _run_tool(clipboard, text, ctx, timeout)
    ctx.warn(f"copied {what} to the clipboard with {clipboard.method}; {secret}")


def osc52_bytes(text: str, environ: Mapping[str, str]) -> bytes:
    """The escape that asks the terminal to set its clipboard (selection `c`) to `text`;
    inside tmux or screen, with their passthrough too.

    tmux acts on a program's plain OSC 52 only with `set-clipboard on`, and passes a wrapped
    one (DCS "tmux;" with every ESC doubled) only with `allow-passthrough on` (tmux 3.3 and
    later; always before): both are sent, so either setting works, and the outer terminal
    gets the same copy at most twice. screen passes a DCS string through unread but limits
    its length, so the escape is cut into pieces, each in its own DCS string, which the
    terminal reads as one."""
    import base64

    payload = base64.b64encode(text.encode("utf-8")).decode("ascii")
    plain = f"\x1b]52;c;{payload}\x07".encode("ascii")
    if environ.get("TMUX"):
        return plain + b"\x1bPtmux;" + plain.replace(b"\x1b", b"\x1b\x1b") + b"\x1b\\"
    if environ.get("STY"):
        return b"".join(b"\x1bP" + plain[start:start + _SCREEN_CHUNK] + b"\x1b\\"
                        for start in range(0, len(plain), _SCREEN_CHUNK))
    return plain


# --------------------------------------------------------------------------- the parts

def _platform() -> str:
    import sys

    return sys.platform


def _which(name: str, environ: Mapping[str, str]) -> str | None:
    import shutil

    return shutil.which(name, path=environ.get("PATH", os.defpath))


def _has_terminal(ctx: Context) -> bool:
    fd = _open_terminal(ctx)
    if fd is None:
        return False
    os.close(fd)
    return True


def _open_terminal(ctx: Context) -> int | None:
    if ctx.tty_path is None or os.name != "posix":
        return None
    from aws_login.prompts.tty import open_tty

    return open_tty(ctx.tty_path)


def _forced(name: str, ctx: Context) -> Clipboard:
    if name not in METHODS:
        raise UsageError(f"AWS_LOGIN_CLIPBOARD {name[:40]!r} is not a clipboard method; use "
                         f"one of {', '.join(METHODS)}, or unset it to let aws-login choose")
    reason = "AWS_LOGIN_CLIPBOARD"
    if name == OSC52:
        if not _has_terminal(ctx):
            raise OperationError("--copy: AWS_LOGIN_CLIPBOARD=osc52, but there is no terminal "
                                 "to send the escape to; run it at a terminal, or set "
                                 "AWS_LOGIN_CLIPBOARD to a clipboard program")
        return Clipboard(OSC52, None, reason)
    program = _which(name, ctx.environ)
    if program is None:
        raise OperationError(f"--copy: AWS_LOGIN_CLIPBOARD={name}, but {name} is not on PATH; "
                             "install it, or set AWS_LOGIN_CLIPBOARD to another method")
    return Clipboard(name, program, reason)


def _write_osc52(text: str, ctx: Context) -> None:
    fd = _open_terminal(ctx)
    if fd is None:  # it was there when `find` looked
        raise OperationError("--copy: the terminal went away before the OSC 52 escape could "
                             "be sent; run it again at a terminal")
    try:
        data = osc52_bytes(text, ctx.environ)
        while data:
            data = data[os.write(fd, data):]
    except OSError as exc:
        raise OperationError(f"--copy: cannot write the OSC 52 escape to the terminal: "
                             f"{exc.strerror or exc}; leave out --copy") from None
    finally:
        os.close(fd)


def _run_tool(clipboard: Clipboard, text: str, ctx: Context, timeout: float) -> None:
    import subprocess
    import tempfile

    assert clipboard.program is not None
    name = clipboard.method
    advice = "set AWS_LOGIN_CLIPBOARD to another method, or leave out --copy"
    ctx.log(f"clipboard: {name} ({clipboard.reason})")
    with tempfile.TemporaryFile() as errors:
        try:
            process = subprocess.Popen(  # no shell; the text only on stdin
                [clipboard.program, *TOOLS[name]], stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL, stderr=errors, env=dict(ctx.environ))
        except OSError as exc:
            raise OperationError(f"--copy: cannot run {name}: {exc.strerror or exc}; "
                                 f"{advice}") from None
        try:
            process.communicate(text.encode("utf-8"), timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise OperationError(f"--copy: {name} did not finish within {timeout:g} s; "
                                 f"{advice}") from None
        if process.returncode != 0:
            errors.seek(0)
            said = first_line(errors.read(64 * 1024).decode("utf-8", "replace"), ctx)
            raise OperationError(f"--copy: {name} failed ({exit_status(process.returncode)}: "
                                 f"{said}); {advice}")

