"""Starting credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from aws_login.errors import UsageError
from aws_login.model import CredentialKind, Credentials

# The variables EKS and CI systems set for a web-identity start (read in web_identity.py).
TOKEN_FILE_VARIABLE = "AWS_WEB_IDENTITY_TOKEN_FILE"


def web_identity_applies(environ: Mapping[str, str]) -> bool:
    """Whether the environment's web identity is the starting source (no explicit one given):
    AWS_WEB_IDENTITY_TOKEN_FILE is set and no environment keys, which botocore tries first.
    Kept here, away from the web identity code, because every run asks."""
    if environ.get("AWS_ACCESS_KEY_ID", "").strip() or \
            environ.get("AWS_SECRET_ACCESS_KEY", "").strip():
        return False
    return bool(environ.get(TOKEN_FILE_VARIABLE, "").strip())


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
