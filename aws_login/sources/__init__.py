"""Starting sources: where the first credentials of a plan come from.

SOURCES lists them in precedence order, as botocore's credential resolver does. The explicit
ones come first (--profile, an SSO account + role, --saml-assertion, --jumpcloud-url,
--web-identity-token-file):
at most one may be given, so their order only decides which usage error comes first. Then
the implied ones: environment keys; the web identity environment (AWS_WEB_IDENTITY_TOKEN_FILE +
AWS_ROLE_ARN); then botocore's default chain (AWS_PROFILE, the default profile, container, EC2
IMDSv2). That is botocore's order, except that botocore lets an AWS_PROFILE profile with
role_arn + source_profile go before the web identity environment; pass --profile for that.
An SSO profile (or a role_arn chain down to one) named by --profile or AWS_PROFILE is
resolved by aws-login's own sign-in (sso_profile.py), just before botocore would see it; so
is a role profile with mfa_serial above an IAM user's keys (role_profile.py), whose roles
become the plan's first hops so that the MFA session applies to them.

Each source says whether the options and environment ask for it (`applies`, cheap: no
botocore, no XML parser, no file read but the SSO profile source's look at the config file
with configparser), checks them into its own frozen spec (`spec`, when the
rest of the plan has been checked: it may read a file or ask which role to take, and a
federated start's token is then in the session cache key), and resolves that spec into
credentials (`resolve`, where the network is). To add a source: one module with its spec type
and source, one entry in SOURCES and in StartSpec, and its options (options/credentials.py).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from aws_login.errors import UsageError
from aws_login.sources import (
    env,
    jumpcloud,
    profile,
    role_profile,
    saml,
    sso,
    sso_profile,
    web_identity,
)
from aws_login.sources.env import EnvKeysStart
from aws_login.sources.jumpcloud import JumpCloudStart
from aws_login.sources.profile import DefaultChainStart, ProfileStart
from aws_login.sources.role_profile import RoleProfileStart
from aws_login.sources.saml import SamlStart
from aws_login.sources.sso import SsoRoleStart
from aws_login.sources.sso_profile import SsoProfileStart
from aws_login.sources.web_identity import WebIdentityStart

if TYPE_CHECKING:
    from aws_login.context import Context
    from aws_login.model import Credentials
    from aws_login.providers import StartSource

# Every spec also says which profile clients follow (`profile`): the named profile of
# ProfileStart, SsoProfileStart and RoleProfileStart, else None.
StartSpec = SsoProfileStart | RoleProfileStart | ProfileStart | SsoRoleStart | SamlStart \
    | JumpCloudStart | WebIdentityStart | EnvKeysStart | DefaultChainStart

# In precedence order: the run starts from the first one that applies (see the docstring).
SOURCES: tuple[StartSource[Any], ...] = (
    sso_profile.SSO_PROFILE,  # --profile naming an SSO profile (or a chain down to one)
    role_profile.ROLE_PROFILE,  # --profile naming a role profile with MFA above user keys
    profile.PROFILE,
    sso.SSO_ROLE,
    saml.SAML,
    jumpcloud.JUMPCLOUD,  # --jumpcloud-url: a sign-in that ends in a SAML assertion
    web_identity.WEB_IDENTITY_OPTIONS,
    env.ENV_KEYS,
    web_identity.WEB_IDENTITY_ENVIRONMENT,
    sso_profile.SSO_PROFILE_ENV,  # AWS_PROFILE naming one
    role_profile.ROLE_PROFILE_ENV,
    profile.DEFAULT_CHAIN,
)
# The source that resolves each spec type (the first one of that type: the two web identity
# sources share theirs). tests check that every StartSpec type has one.
_BY_SPEC: dict[type, StartSource[Any]] = {}
for _source in SOURCES:
    _BY_SPEC.setdefault(_source.spec_type, _source)


def choose(args: argparse.Namespace, ctx: Context) -> StartSource[Any]:
    """The source the options and environment ask for. Every explicit source checks its
    options, in SOURCES order; more than one explicit source is a usage error."""
    explicit: list[StartSource[Any]] = []
    for source in SOURCES:
        if source.given is None or any(s.given == source.given for s in explicit) \
                or not source.applies(args, ctx):
            continue  # (of two sources for one option, e.g. --profile, the first decides)
        if explicit and all(s.role_session is None for s in (*explicit, source)):
            # (--profile and an SSO role): said at once, before later sources' checks
            raise UsageError(f"give either {explicit[0].given} or {source.given}, not both")
        explicit.append(source)
    if len(explicit) > 1:
        # The role-session start is named first: it is what combines with nothing.
        named = sorted(explicit, key=lambda source: source.role_session is None)
        raise UsageError("give one starting source, not "
                         + " and ".join(str(source.given) for source in named))
    if explicit:
        return explicit[0]
    return next(source for source in SOURCES
                if source.given is None and source.applies(args, ctx))


def resolve_start(start: StartSpec, ctx: Context) -> Credentials:
    if not isinstance(start, ProfileStart):
        # botocore reads AWS_PROFILE for every client it creates, even when the credentials
        # come from elsewhere: a stale name must be a usage error, not a crash.
        profile.check_env_profile(ctx)
    creds: Credentials = _BY_SPEC[type(start)].resolve(start, ctx)
    return creds
