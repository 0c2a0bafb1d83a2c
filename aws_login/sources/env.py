"""Starting credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN)."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from aws_login.errors import UsageError
from aws_login.model import CredentialKind, Credentials
from aws_login.record import record

if TYPE_CHECKING:
    from aws_login.context import Context
    from aws_login.model import RoleSession, StartSettings
    from aws_login.providers import StartSource


@record
class EnvKeysStart:
    """AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY are set: they are read (and checked) when
    the start is resolved; the session cache key holds them as a digest."""

    label = "environment keys"  # how `status` names it

    profile = None  # clients follow AWS_PROFILE / the defaults (see StartSpec)


class _EnvKeys:
    spec_type = EnvKeysStart
    given = None
    role_session: RoleSession | None = None

    def applies(self, args: argparse.Namespace, ctx: Context) -> bool:
        # Either one set: the start is theirs (one without the other is refused then).
        return bool(ctx.environ.get("AWS_ACCESS_KEY_ID", "").strip()
                    or ctx.environ.get("AWS_SECRET_ACCESS_KEY", "").strip())

    def spec(self, args: argparse.Namespace, ctx: Context,
             settings: StartSettings) -> EnvKeysStart:
        return EnvKeysStart()

    def starting_role(self, spec: EnvKeysStart) -> str | None:
        return None

    def resolve(self, spec: EnvKeysStart, ctx: Context) -> Credentials:
        creds = from_environment(ctx.environ)
        if creds is None:  # (cannot happen: `applies` saw one of the keys)
            raise UsageError("set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
        ctx.log("starting source: environment variables AWS_ACCESS_KEY_ID/"
                "AWS_SECRET_ACCESS_KEY")
        ctx.log.add_secret(creds.secret_access_key, creds.session_token)
        return creds


ENV_KEYS: StartSource[EnvKeysStart] = _EnvKeys()


def from_environment(environ: Mapping[str, str]) -> Credentials | None:
    key_id = environ.get("AWS_ACCESS_KEY_ID", "").strip()
    secret = environ.get("AWS_SECRET_ACCESS_KEY", "").strip()
    if not key_id and not secret:
        return None
    if not key_id or not secret:
        missing = "AWS_SECRET_ACCESS_KEY" if key_id else "AWS_ACCESS_KEY_ID"
        present = "AWS_ACCESS_KEY_ID" if key_id else "AWS_SECRET_ACCESS_KEY"
        raise UsageError(f"{present} is set but {missing} is not; set both, or unset "
                         f"{present} to use a profile")
    # AWS_SECURITY_TOKEN is the legacy name some older tools still export.
    token = environ.get("AWS_SESSION_TOKEN") or environ.get("AWS_SECURITY_TOKEN") or None
    return Credentials(
        access_key_id=key_id,
        secret_access_key=secret,
        session_token=token,
        expiration=_expiration(environ.get("AWS_CREDENTIAL_EXPIRATION")),
        kind=CredentialKind.LONG_TERM if token is None else CredentialKind.TEMPORARY,
        source="environment",
    )


def _expiration(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None  # informational only: an odd value must not block the user
    return value if value.tzinfo else None
