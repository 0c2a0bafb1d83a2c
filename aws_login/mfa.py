"""The MFA code for a plan's MFA device: given on the command line, else asked on the terminal.

Asked only when credentials must really be fetched (not on a cache hit): the code is good for
one STS call and changes every 30 seconds, so it is no part of the cache key either.
"""

from __future__ import annotations

from aws_login.arns import validate_mfa_token
from aws_login.context import Context
from aws_login.errors import UsageError
from aws_login.model import MfaInput


def with_mfa_code(mfa: MfaInput | None, ctx: Context) -> MfaInput | None:
    """`mfa` with its code filled in (asked on the terminal when not given)."""
    if mfa is None or mfa.token is not None:
        return mfa
    if not ctx.stdin_is_terminal():
        raise UsageError("--mfa-serial needs an MFA code and standard input is not a terminal; "
                         "pass --mfa-token CODE")
    code = ctx.prompt_secret(f"MFA code for {mfa.serial}: ")
    return MfaInput(mfa.serial, validate_mfa_token(code))
