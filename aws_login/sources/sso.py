"""Starting credentials from an IAM Identity Center role (SSO portal GetRoleCredentials)."""

from __future__ import annotations

from aws_login import region as regions
from aws_login.context import Context
from aws_login.model import Credentials, SsoSpec, TokenSource
from aws_login.sso import known_roles
from aws_login.sso.login import get_token
from aws_login.sso.portal import PortalApi


def from_sso(spec: SsoSpec, ctx: Context) -> Credentials:
    assert spec.account_id is not None and spec.role_name is not None
    token = get_token(spec, ctx)
    region = regions.for_sso(spec.region, token.region or None, ctx)
    ctx.log(f"SSO GetRoleCredentials for {spec.account_id}/{spec.role_name} in {region}")
    portal = PortalApi(ctx.clients.client("sso", region, None), ctx.log, ctx.clients.retry)
    creds = portal.get_role_credentials(token.access_token, spec.account_id, spec.role_name)
    if spec.source is TokenSource.INTERNAL_CACHE:  # for tab completion (with --use-cache only)
        known_roles.note(ctx, [(spec.account_id, None, [spec.role_name])])
    return creds
