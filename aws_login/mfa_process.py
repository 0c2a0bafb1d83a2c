"""--mfa-process COMMAND: an MFA code from a program (a password manager: `op item get AWS
--otp`, `pass otp aws`, ...). Run without a shell, its first line of stdout is the code. The
same runner reads JumpCloud's password from --password-process COMMAND (`first_output_line`).

A failure is reported with the exit code and the first line of stderr (scrubbed, cut short),
never what it printed on stdout: that may be a secret. A program that does not answer within
ctx.mfa_timeout seconds (60) is stopped, so a hang fails clearly instead of blocking an SDK.

Stopped with whatever it started: a hung program's children (a helper it spawned) must not
outlive aws-login. Where aws-login has a controlling terminal the program stays in aws-login's
process group: it may ask on /dev/tty (a password manager's master password), which a group of
its own could not (SIGTTIN), and Ctrl-C at that terminal reaches it and its children with
aws-login. Without one (a service, an IDE's credential_process) nothing can be asked anyway,
so the program gets a session and group of its own, and a timeout or an interruption kills the
whole group.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Sequence

from aws_login.context import Context
from aws_login.errors import OperationError, UsageError
from aws_login.programs import exit_status, first_line


def code_from_command(words: Sequence[str], ctx: Context) -> str:
    return first_output_line(words, "--mfa-process", "MFA code", ctx)


def first_output_line(words: Sequence[str], option: str, what: str, ctx: Context, *,
                      strip: bool = True) -> str:
    """The first line a command prints on stdout, registered as a secret: `what` it gives
    (for messages) comes from `option`. `strip`: drop the spaces around it (a code); a
    password keeps them, only its line break goes."""
    name = f"{option} {words[0]}"
    ctx.log(f"{what} from {name} ({len(words) - 1} arguments)")
    own_group = _may_have_own_group(ctx)
    try:
        # stdin closed: the program cannot read our input (under credential_process it is
        # the SDK's); a password manager that must ask still has /dev/tty.
        process = subprocess.Popen(  # no shell: the words as the user split them
            list(words), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, env=dict(ctx.environ), start_new_session=own_group)
    except OSError as exc:
        raise UsageError(f"{name}: cannot run it: {exc.strerror or exc}; check the command "
                         "(it is run without a shell)") from None
    try:
        out, err = process.communicate(timeout=ctx.mfa_timeout)
    except subprocess.TimeoutExpired:
        _stop(process, own_group)
        raise OperationError(f"{name} gave no {what} within {ctx.mfa_timeout:g} s; run it "
                             "at a terminal to see whether it waits for something") from None
    except BaseException:  # Ctrl-C, or a signal turned into an exception: not left behind
        _stop(process, own_group)
        raise
    lines = out.decode("utf-8", "replace").splitlines()
    code = lines[0] if lines else ""
    if strip:
        code = code.strip()
    ctx.log.add_secret(code)  # the program may repeat it on stderr
    if process.returncode != 0:
        raise OperationError(f"{name} failed ({exit_status(process.returncode)}): "
                             f"{first_line(err.decode('utf-8', 'replace'), ctx)}")
    return code


def _may_have_own_group(ctx: Context) -> bool:
    """Whether the program can run in a session of its own: aws-login has no controlling
    terminal for it to ask on (see the module docstring)."""
    if not hasattr(os, "killpg"):
        return False  # not POSIX: no process groups to kill
    if ctx.tty_path is None:
        return True
    from aws_login.prompts.tty import open_tty

    fd = open_tty(ctx.tty_path)
    if fd is None:
        return True
    os.close(fd)
    return False


def _stop(process: subprocess.Popen[bytes], own_group: bool) -> None:
    """Kill the program (and, in its own group, everything it started) and reap it."""
    if own_group:
        with contextlib.suppress(OSError):  # the group is gone already
            os.killpg(process.pid, signal.SIGKILL)  # its group id is its pid (a new session)
    else:
        process.kill()
    process.wait()
    _close(process)  # a grandchild may hold the pipes open: do not read them again


def _close(process: subprocess.Popen[bytes]) -> None:
    for stream in (process.stdout, process.stderr):
        if stream is not None:
            stream.close()
