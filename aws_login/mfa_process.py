"""--mfa-process COMMAND: an MFA code from a program (a password manager: `op item get AWS
--otp`, `pass otp aws`, ...). Run without a shell, its first line of stdout is the code. The
same runner reads JumpCloud's password from --password-process COMMAND (`first_output_line`).

A failure is reported with the exit code and the first line of stderr (scrubbed, cut short),
never what it printed on stdout: that may be a secret. A program that does not answer within
ctx.mfa_timeout seconds (60) is stopped, so a hang fails clearly instead of blocking an SDK.
"""

from __future__ import annotations

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
    try:
        # stdin closed: the program cannot read our input (under credential_process it is
        # the SDK's); a password manager that must ask still has /dev/tty.
        process = subprocess.Popen(  # no shell: the words as the user split them
            list(words), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, env=dict(ctx.environ))
    except OSError as exc:
        raise UsageError(f"{name}: cannot run it: {exc.strerror or exc}; check the command "
                         "(it is run without a shell)") from None
    try:
        out, err = process.communicate(timeout=ctx.mfa_timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        _close(process)  # a grandchild may hold the pipes open: do not read them again
        raise OperationError(f"{name} gave no {what} within {ctx.mfa_timeout:g} s; run it "
                             "at a terminal to see whether it waits for something") from None
    lines = out.decode("utf-8", "replace").splitlines()
    code = lines[0] if lines else ""
    if strip:
        code = code.strip()
    ctx.log.add_secret(code)  # the program may repeat it on stderr
    if process.returncode != 0:
        raise OperationError(f"{name} failed ({exit_status(process.returncode)}): "
                             f"{first_line(err.decode('utf-8', 'replace'), ctx)}")
    return code


def _close(process: subprocess.Popen[bytes]) -> None:
    for stream in (process.stdout, process.stderr):
        if stream is not None:
            stream.close()
