"""Starting credentials resolved by botocore: a named profile or the default chain.

botocore already knows every kind of profile (static keys, role_arn + source_profile,
credential_process, SSO, web identity), the container endpoint and IMDSv2, and honours
AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE, AWS_EC2_METADATA_SERVICE_ENDPOINT and
AWS_EC2_METADATA_DISABLED, so aws-login reuses it rather than reimplementing it.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from aws_login import completion
from aws_login.errors import NoCredentialsError, UsageError
from aws_login.model import CredentialKind, Credentials
from aws_login.record import record

if TYPE_CHECKING:
    from aws_login.context import Context
    from aws_login.model import RoleSession, StartSettings
    from aws_login.providers import StartSource

# botocore's `method` names for providers whose credentials are role sessions.
_ROLE_METHODS = {"assume-role", "assume-role-with-web-identity", "sso", "iam-role",
                 "container-role", "assume-role-with-saml"}


@record
class ProfileStart:
    """--profile NAME: the profile's credentials, whatever kind botocore finds there."""

    label = "profile"  # how `status` names it

    profile: str  # clients follow this profile's settings too (e.g. its region)


@record
class DefaultChainStart:
    """Nothing explicit and no environment start: botocore's default chain."""

    label = "default credential chain"  # how `status` names it

    profile = None  # clients follow AWS_PROFILE / the defaults (see StartSpec)


def add_arguments(group: argparse._ArgumentGroup) -> None:
    option = group.add_argument(
        "--profile", metavar="NAME",
        help="start from this AWS profile (any kind botocore understands), e.g. --profile dev; "
             "default: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, else "
             "AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN, else AWS_PROFILE, else the "
             "default profile, container or EC2 instance credentials")
    completion.attach(option, completion.profiles)


class _Profile:
    spec_type = ProfileStart
    given = "--profile"
    role_session: RoleSession | None = None

    def applies(self, args: argparse.Namespace, ctx: Context) -> bool:
        if args.profile is not None and not args.profile.strip():
            raise UsageError("--profile needs a profile name, e.g. --profile dev")
        return args.profile is not None

    def spec(self, args: argparse.Namespace, ctx: Context,
             settings: StartSettings) -> ProfileStart:
        return ProfileStart(args.profile)

    def starting_role(self, spec: ProfileStart) -> str | None:
        return None

    def resolve(self, spec: ProfileStart, ctx: Context) -> Credentials:
        # Clients then follow the chosen profile's settings, whatever AWS_PROFILE says.
        ctx.clients.use_profile(spec.profile)
        ctx.log(f"starting source: profile {spec.profile!r} (--profile)")
        return from_profile(spec.profile, ctx)


class _DefaultChain:
    spec_type = DefaultChainStart
    given = None
    role_session: RoleSession | None = None

    def applies(self, args: argparse.Namespace, ctx: Context) -> bool:
        return True  # the last resort

    def spec(self, args: argparse.Namespace, ctx: Context,
             settings: StartSettings) -> DefaultChainStart:
        return DefaultChainStart()

    def starting_role(self, spec: DefaultChainStart) -> str | None:
        return None

    def resolve(self, spec: DefaultChainStart, ctx: Context) -> Credentials:
        ctx.log("starting source: botocore default chain (AWS_PROFILE, config files, "
                "container, EC2 instance metadata)")
        return from_default_chain(ctx)


PROFILE: StartSource[ProfileStart] = _Profile()
DEFAULT_CHAIN: StartSource[DefaultChainStart] = _DefaultChain()


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
    from aws_login.aws_errors import translate_errors

    with translate_errors(f"loading credentials from {what}"):
        creds = session.get_credentials()
        if creds is not None:
            # Refreshable credentials resolve (and may call AWS) here.
            creds.get_frozen_credentials()
        return creds


def _convert(creds: Any, source: str, ctx: Context) -> Credentials:
    from aws_login.aws_errors import as_utc

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
