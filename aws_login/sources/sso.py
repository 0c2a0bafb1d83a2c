"""Starting credentials from an IAM Identity Center role (SSO portal GetRoleCredentials).

The token comes from one of the token sources (sso/token_sources.py); the portal calls and
the token getting are imported only when the start is resolved."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from aws_login import arns, completion
from aws_login.errors import OperationError, UsageError
from aws_login.model import Credentials
from aws_login.record import record
from aws_login.sso import token_sources
from aws_login.sso.token_sources import CachedToken, TokenSpec

if TYPE_CHECKING:
    from aws_login.context import Context
    from aws_login.model import RoleSession, StartSettings
    from aws_login.providers import StartSource


@record
class SsoRoleStart:
    """An SSO account + role, with the token to ask the portal with."""

    label = "SSO role"  # how `status` names it

    token: TokenSpec
    account_id: str
    role_name: str

    profile = None  # clients follow AWS_PROFILE / the defaults (see StartSpec)


def add_arguments(group: argparse._ArgumentGroup) -> None:
    """The account and role options, in the SSO sign-in group (options/sso.py)."""
    account = group.add_argument(
        "--sso-acct-id", metavar="ID",
        help="start from an SSO role in this account, e.g. --sso-acct-id 123456789012")
    completion.attach(account, completion.sso_account_ids)
    role = group.add_argument(
        "--sso-role-name", metavar="NAME",
        help="the SSO role (permission set) to start from, e.g. --sso-role-name "
             "AdministratorAccess")
    completion.attach(role, completion.sso_roles)


class _SsoRole:
    spec_type = SsoRoleStart
    given = "an SSO role (--sso-acct-id, --sso-role-name)"
    role_session: RoleSession | None = None

    def applies(self, args: argparse.Namespace, ctx: Context) -> bool:
        return role_spec(args) is not None  # every SSO option is checked here

    def spec(self, args: argparse.Namespace, ctx: Context,
             settings: StartSettings) -> SsoRoleStart:
        spec = role_spec(args)
        if spec is None:  # (applies said it is not)
            raise UsageError("an SSO role needs --sso-acct-id ID --sso-role-name NAME")
        return spec

    def starting_role(self, spec: SsoRoleStart) -> str | None:
        return None

    def resolve(self, spec: SsoRoleStart, ctx: Context) -> Credentials:
        ctx.log(f"starting source: SSO role {spec.account_id}/{spec.role_name} "
                f"(token from {token_sources.source_of(spec.token).option})")
        return from_sso(spec, ctx)


SSO_ROLE: StartSource[SsoRoleStart] = _SsoRole()


def role_spec(args: argparse.Namespace) -> SsoRoleStart | None:
    """The SSO starting source, or None when no SSO account/role was asked for."""
    account, role = args.sso_acct_id, args.sso_role_name
    source = token_sources.requested(args)
    if account is None and role is None:
        if source is not None and source.means_sso_role:
            raise UsageError("an SSO token needs a role to start from; add --sso-acct-id ID "
                             "--sso-role-name NAME")
        return None
    if account is None or role is None:
        raise UsageError("--sso-acct-id and --sso-role-name go together; give both")
    arns.validate_account_id(account, "--sso-acct-id")
    if not arns.is_role_name(role):
        raise UsageError(f"--sso-role-name {role!r} is not valid; use the permission set name, "
                         "e.g. AdministratorAccess")
    if source is None:
        raise UsageError("an SSO role needs a token: add --start-url URL to sign in, "
                         "--use-cache, --accesstoken-cache file://PATH or --sso-access-token")
    return SsoRoleStart(source.spec(args), account, role)


def from_sso(spec: SsoRoleStart, ctx: Context) -> Credentials:
    from aws_login import region as regions
    from aws_login.sso import known_roles
    from aws_login.sso.portal import PortalApi, TokenRefused

    token = token_sources.get_token(spec.token, ctx)
    region = regions.for_sso(spec.token.region, token.region or None, ctx)
    ctx.log(f"SSO GetRoleCredentials for {spec.account_id}/{spec.role_name} in {region}")
    portal = PortalApi(ctx.clients.client("sso", region, None), ctx.log, ctx.clients.retry)
    try:
        creds = portal.get_role_credentials(token.access_token, spec.account_id,
                                            spec.role_name)
    except TokenRefused as refused:  # like an expired sign-in: sign in again, or say how
        token = token_sources.after_refusal(spec.token, token, refused.message, ctx)
        try:
            creds = portal.get_role_credentials(token.access_token, spec.account_id,
                                                spec.role_name)
        except TokenRefused as again:
            raise OperationError(f"{again.message}, even a new sign-in; check that the start "
                                 "URL and --sso-region name the same IAM Identity Center"
                                 ) from None
    if isinstance(spec.token, CachedToken):  # for tab completion (with --use-cache only)
        known_roles.note(ctx, [(spec.account_id, None, [spec.role_name])])
    return creds
