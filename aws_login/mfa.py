"""The MFA code for a plan's MFA device: given on the command line (--mfa-token), from a
command (--mfa-process, mfa_process.py), from a YubiKey (ykman, mfa_ykman.py), else asked
through the prompt service (ctx.prompt), on whatever channel reaches the person.

Asked only when credentials must really be fetched (not on a cache hit): the code is good for
one STS call and changes every 30 seconds, so it is no part of the cache key either. Every
code is checked locally (6 digits) before anything is sent; a person gets three tries, a
command or a YubiKey none (its next answer would be the same).
"""

from __future__ import annotations

import re

from aws_login.arns import validate_mfa_token
from aws_login.context import Context
from aws_login.errors import OperationError, UsageError
from aws_login.model import MfaInput, Plan
from aws_login.record import replace

_CODE_RE = re.compile(r"[0-9]{6}")
NO_CHANNEL_HINT = ("pass --mfa-token CODE or --mfa-process COMMAND, use --prompt ykman for a "
                   "YubiKey, or run it at a terminal")
# A credential server's renewal cannot be given --mfa-token (the code is good for 30 s): what
# works for a server that outlives its MFA session.
RENEWAL_HINT = ("restart aws-login with --mfa-process COMMAND or a YubiKey (--prompt ykman), "
                "or run it where a terminal or dialog can ask")


def renewal_reason(serial: str, session_ended: bool) -> str:
    """Why a credential server's renewal asks for a code, said before it asks: the person is
    asked out of the blue, maybe while a job's output is on the terminal."""
    if session_ended:
        return (f"the MFA session of {serial} has ended; a new MFA code keeps the served "
                "credentials fresh")
    return f"renewing the served credentials needs a new MFA code for {serial}"


def with_mfa_code(plan: Plan, ctx: Context, renewal: str | None = None) -> MfaInput | None:
    """The plan's MFA input with its code filled in (from its source, else asked).
    `renewal`: why a credential server's renewal needs it (renewal_reason); None for the
    first acquisition."""
    mfa = plan.mfa
    if mfa is None or mfa.token is not None:
        return mfa
    check_before_asking(plan, ctx)
    if renewal is None:
        return with_code(mfa, ctx)
    return _renewal_code(mfa, renewal, ctx)


def with_code(mfa: MfaInput, ctx: Context) -> MfaInput:
    """`mfa` with a code from --mfa-process, a YubiKey or the person (also for a profile's
    mfa_serial, which an SSO profile chain meets on its way)."""
    code = program_code(mfa.serial, mfa.serial, ctx)
    return replace(mfa, token=code if code is not None
                   else ask_code(mfa.serial, ctx, mfa.setting))


def _renewal_code(mfa: MfaInput, reason: str, ctx: Context) -> MfaInput:
    """A renewal's code: a program asked quietly; the person (or their YubiKey) told why
    first, and when nobody can be asked, told what works for a running server."""
    ctx.log(reason)
    settings = ctx.prompt.settings
    if settings.mfa_process:
        return replace(mfa, token=program_code(mfa.serial, mfa.serial, ctx))
    if not settings.use_ykman:
        ctx.prompt.require(f"{mfa.setting} needs a new MFA code", RENEWAL_HINT)
    with ctx.prompt.tell(reason):
        code = program_code(mfa.serial, mfa.serial, ctx)
        if code is None:
            code = ask_for_code(f"MFA code for {mfa.serial}: ", RENEWAL_HINT, ctx)
    return replace(mfa, token=code)


def program_code(ykman_account: str, label: str, ctx: Context) -> str | None:
    """A code from --mfa-process or a YubiKey, checked; None when neither is configured.
    `ykman_account`: the OATH account when --ykman-account does not name one; `label`: what
    the code is for, in "touch your YubiKey (MFA code for ...)". Also JumpCloud's TOTP code
    (jumpcloud/signin.py)."""
    settings = ctx.prompt.settings
    if settings.mfa_process:
        from aws_login.mfa_process import code_from_command

        return _checked(code_from_command(settings.mfa_process, ctx), program_source(ctx) or "")
    if settings.use_ykman:
        from aws_login.mfa_ykman import code_from_yubikey

        code = code_from_yubikey(settings.ykman_account or ykman_account, label, ctx)
        return _checked(code, "ykman")
    return None


def program_source(ctx: Context) -> str | None:
    """How messages name the configured program source of codes; None: the person is asked."""
    settings = ctx.prompt.settings
    if settings.mfa_process:
        return f"--mfa-process {settings.mfa_process[0]}"
    return "ykman" if settings.use_ykman else None


def ask_code(serial: str, ctx: Context, setting: str = "--mfa-serial") -> str:
    """Ask the person, up to three times, until the answer looks like a code. `setting`:
    how the error names what asks for it when nobody can be asked."""
    ctx.prompt.require(f"{setting} needs an MFA code", NO_CHANNEL_HINT)
    return ask_for_code(f"MFA code for {serial}: ", "pass --mfa-token CODE", ctx)


def ask_for_code(question: str, instead: str, ctx: Context) -> str:
    """Ask `question` (hidden input), up to three times, until the answer looks like a code;
    `instead` says in the error how to give one without being asked."""
    from aws_login.prompts import Cancelled, NoAnswer

    for attempt in range(1, 4):
        try:
            code = ctx.prompt.ask_secret(question)
        except (NoAnswer, Cancelled) as exc:
            exc.message = f"no MFA code was entered ({exc.reason}); {instead}"
            raise
        try:
            return validate_mfa_token(code)
        except UsageError as exc:
            if attempt == 3:
                raise
            ctx.prompt.note(exc.message)
    raise AssertionError("unreachable")


def _checked(code: str, source: str) -> str:
    """A code from a program: no second try, and never shown (it may be a secret)."""
    if not _CODE_RE.fullmatch(code):
        raise OperationError(f"{source} did not print a 6-digit MFA code on its first line; "
                             "run it at a terminal to see what it prints")
    return code


def check_before_asking(plan: Plan, ctx: Context) -> None:
    """The checks of the plan that need no network, done before a code is asked for or
    fetched: a code spent on a plan that fails anyway is a code typed for nothing.

    Today: a session step needs long-term keys; when the start is the environment's keys,
    whether they are is known now (AWS_SESSION_TOKEN)."""
    from aws_login.sources.env import EnvKeysStart, from_environment

    if plan.session_step is None or not isinstance(plan.start, EnvKeysStart):
        return
    from aws_login.chain import require_long_term

    creds = from_environment(ctx.environ)
    if creds is not None:
        require_long_term(creds, plan.session_step)
