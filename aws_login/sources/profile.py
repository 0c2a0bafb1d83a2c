"""Starting credentials resolved by botocore: a named profile or the default chain.

botocore already knows every kind of profile (static keys, role_arn + source_profile,
credential_process, SSO, web identity), the container endpoint and IMDSv2, and honours
AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE, AWS_EC2_METADATA_SERVICE_ENDPOINT and
AWS_EC2_METADATA_DISABLED, so aws-login reuses it rather than reimplementing it.
"""

from __future__ import annotations

from typing import Any

from aws_login.aws_errors import as_utc, translate_errors
from aws_login.context import Context
from aws_login.errors import NoCredentialsError, UsageError
from aws_login.model import CredentialKind, Credentials

# botocore's `method` names for providers whose credentials are role sessions.
_ROLE_METHODS = {"assume-role", "assume-role-with-web-identity", "sso", "iam-role",
                 "container-role", "assume-role-with-saml"}


def from_profile(name: str, ctx: Context) -> Credentials:
    session = ctx.clients.session(name)
    check_profile_exists(name, session, ctx)
    creds = _load(session, f"profile {name!r}")
    if creds is None:
        raise NoCredentialsError(
            f"profile {name!r} has no credentials; add aws_access_key_id/aws_secret_access_key, "
            "role_arn + source_profile, credential_process or sso_* settings to it")
    return _convert(creds, f"profile {name}", ctx)


def from_default_chain(ctx: Context) -> Credentials:
    # (resolve_start has already checked that AWS_PROFILE names a profile)
    creds = _load(ctx.clients.session(None), "the default credential chain")
    if creds is None:
        raise NoCredentialsError(
            "no AWS credentials found; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
            "pass --profile NAME, or sign in with --start-url URL --sso-acct-id ID "
            "--sso-role-name NAME")
    return _convert(creds, f"default chain ({creds.method})", ctx)


def check_env_profile(ctx: Context) -> None:
    """AWS_PROFILE and the legacy AWS_DEFAULT_PROFILE (which botocore prefers), when set,
    must name a profile."""
    for variable in ("AWS_DEFAULT_PROFILE", "AWS_PROFILE"):
        name = ctx.environ.get(variable)
        if name:
            check_profile_exists(name, ctx.clients.session(None), ctx, via=variable)


def check_profile_exists(name: str, session: Any, ctx: Context, via: str = "--profile") -> None:
    if name in session.available_profiles:
        return
    config = ctx.environ.get("AWS_CONFIG_FILE", "~/.aws/config")
    shared = ctx.environ.get("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials")
    raise UsageError(f"profile {name!r} ({via}) was not found in {config} or {shared}; "
                     "check the name, or set AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE")


def _load(session: Any, what: str) -> Any:
    with translate_errors(f"loading credentials from {what}"):
        creds = session.get_credentials()
        if creds is not None:
            # Refreshable credentials resolve (and may call AWS) here.
            creds.get_frozen_credentials()
        return creds


def _convert(creds: Any, source: str, ctx: Context) -> Credentials:
    frozen = creds.get_frozen_credentials()
    ctx.log.add_secret(frozen.secret_key, frozen.token)
    method = getattr(creds, "method", "")
    expiry = getattr(creds, "_expiry_time", None)  # set on botocore's refreshable credentials
    if not frozen.token:
        kind = CredentialKind.LONG_TERM
    elif method in _ROLE_METHODS:
        kind = CredentialKind.ROLE
    else:
        kind = CredentialKind.TEMPORARY
    ctx.log(f"resolved credentials from {source}: {kind.value}")
    return Credentials(
        access_key_id=frozen.access_key,
        secret_access_key=frozen.secret_key,
        session_token=frozen.token or None,
        expiration=as_utc(expiry) if expiry is not None else None,
        kind=kind,
        source=source,
    )
