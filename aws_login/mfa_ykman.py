"""An MFA code from a YubiKey's OATH applet: `ykman oath accounts code --single NAME`.

ykman says "Touch your YubiKey..." on stderr when the account needs a touch and then waits;
that is passed on to the person through the prompt service, which may be a dialog (stderr is
the SDK's under credential_process). ykman's usual failures get a message saying what to do.
"""

from __future__ import annotations

import subprocess
import threading

from aws_login.context import Context
from aws_login.errors import OperationError, UsageError
from aws_login.programs import exit_status, first_line
from aws_login.prompts.channel import Shown


def code_from_yubikey(account: str, serial: str, ctx: Context) -> str:
    import shutil

    program = shutil.which("ykman", path=ctx.environ.get("PATH"))
    if program is None:
        raise UsageError("ykman is not installed (not on PATH); install yubikey-manager "
                         "(https://developers.yubico.com/yubikey-manager/) or pass "
                         "--mfa-token CODE")
    ctx.log(f"MFA code from the YubiKey OATH account {account!r} (ykman)")
    try:
        process = subprocess.Popen(  # no shell; the account name is no secret
            [program, "oath", "accounts", "code", "--single", account],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=dict(ctx.environ))
    except OSError as exc:
        raise OperationError(f"cannot run ykman: {exc.strerror or exc}") from None
    expired = threading.Event()

    def stop() -> None:  # e.g. nobody touches the key
        expired.set()
        process.kill()

    timer = threading.Timer(ctx.mfa_timeout, stop)
    timer.start()
    touch: Shown | None = None
    errors: list[str] = []
    try:
        assert process.stderr is not None and process.stdout is not None
        for raw in process.stderr:  # line by line: the touch request comes before the code
            line = raw.decode("utf-8", "replace")
            errors.append(line)
            if "touch" in line.lower() and touch is None:
                touch = ctx.prompt.show(f"touch your YubiKey (MFA code for {serial})")
        out = process.stdout.read().decode("utf-8", "replace")
        process.wait()
    finally:
        timer.cancel()
        if touch is not None:
            touch.close()
    text = "".join(errors)
    code = out.splitlines()[0].strip() if out.strip() else ""
    ctx.log.add_secret(code)
    if process.returncode == 0:
        return code
    lowered = text.lower()
    if expired.is_set() and touch is not None:
        raise OperationError(f"the YubiKey was not touched within {ctx.mfa_timeout:g} s; run "
                             "again and touch it when it blinks")
    if expired.is_set():
        raise OperationError(f"ykman gave no MFA code within {ctx.mfa_timeout:g} s")
    if "no yubikey" in lowered:
        raise OperationError("no YubiKey is plugged in (ykman found none); plug it in and "
                             "run again, or pass --mfa-token CODE")
    if "no matching account" in lowered or "no account" in lowered:
        raise OperationError(f"the YubiKey has no OATH account {account!r}; see its accounts "
                             "with: ykman oath accounts list, then pass --ykman-account NAME")
    raise OperationError(f"ykman failed ({exit_status(process.returncode)}): "
                         f"{first_line(text, ctx)}")
