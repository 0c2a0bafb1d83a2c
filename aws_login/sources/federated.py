"""What the two federated starts (SAML and web identity) share: reading the file the user
named, the region STS is called in, and the one unsigned AssumeRoleWith* call.

Kept apart from both, so that neither source module imports the other.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Literal

from aws_login import region
from aws_login.context import Context
from aws_login.errors import AwsCallError, OperationError, UsageError
from aws_login.model import Credentials

Operation = Literal["AssumeRoleWithSAML", "AssumeRoleWithWebIdentity"]


def read_limited(path_text: str, option: str, max_bytes: int, what: str) -> str:
    """The text of a small input file; every way it can be unusable is a usage error."""
    from aws_login.files import read_limited as read_file

    path = Path(path_text).expanduser()
    try:
        data = read_file(path, max_bytes)
    except FileNotFoundError:
        raise UsageError(f"{option} {path}: no such file") from None
    except IsADirectoryError:
        raise UsageError(f"{option} {path} is a folder; give the file that holds {what}") \
            from None
    except OSError as exc:
        raise UsageError(f"{option} {path}: cannot read it: {exc.strerror or exc}") from None
    if len(data) > max_bytes:
        raise UsageError(f"{option} {path} is larger than {max_bytes} bytes, too large for "
                         f"{what}; check that it is the right file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UsageError(f"{option} {path} is not text; it should hold {what}") from None


def sts_region(given: str | None, role_arn: str, ctx: Context) -> str:
    """Where to call STS for a federated start (the region rule, for the role's partition)."""
    return region.resolve(given, None, role_arn.split(":", 2)[1],
                          f"the starting role {role_arn}", ctx)


def assume_unsigned(operation: Operation, params: dict[str, object], duration: int | None,
                    how: str, region: str, ctx: Context,
                    explain: Callable[[AwsCallError], OperationError]) -> tuple[Credentials, str]:
    """One unsigned AssumeRoleWithSAML / AssumeRoleWithWebIdentity call (the assertion or
    token in `params` is the proof; the caller has made it a log secret). `how` says in the
    log what the call is made with; `explain` turns AWS's refusal into the error to show.
    Returns the credentials and the assumed-role ARN."""
    if duration is not None:
        params = {**params, "DurationSeconds": duration}
    lifetime = f"{duration} s" if duration is not None else "AWS's default time"
    ctx.log(f"{operation} {params['RoleArn']} {how} for {lifetime} in {region}")
    sts = ctx.clients.sts_unsigned(region)
    call = (sts.assume_role_with_saml if operation == "AssumeRoleWithSAML"
            else sts.assume_role_with_web_identity)
    try:
        return call(**params)
    except AwsCallError as exc:
        raise explain(exc) from None
