"""`console --via-portal`: the AWS access portal's own console shortcut for an SSO role,
instead of a federation sign-in.

IAM Identity Center documents these "shortcut links" (user guide, "Create shortcut links to
AWS Management Console destinations"):

    <start URL>/#/console?account_id=ID&role_name=NAME[&destination=URL-encoded console URL]

The browser's portal session does the rest, so no token or credentials are needed here, and
the console session it opens works with the console's multi-session support. Only a start
that is an SSO role itself, with nothing after it, can be opened that way: every check is
made before any network call (usage errors, exit 2).
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit

from aws_login.errors import UsageError
from aws_login.record import record
from aws_login.sources.sso import SsoRoleStart
from aws_login.sources.sso_profile import SsoProfileStart
from aws_login.sso.token_sources import CachedToken, GivenToken, SignIn, TokenFile

if TYPE_CHECKING:
    from aws_login.context import Context
    from aws_login.model import Plan

NOT_AN_SSO_ROLE = ("--via-portal opens the access portal's shortcut for an SSO role; start "
                   "from one (--sso-acct-id ID --sso-role-name NAME with --start-url or "
                   "--use-cache, or --profile naming an SSO profile), or drop --via-portal")


@record
class PortalTarget:
    start_url: str
    account_id: str
    role_name: str


def target(plan: Plan, ctx: Context) -> PortalTarget:
    """The portal, account and role of an SSO-role start with no step after it."""
    start = plan.start
    if not isinstance(start, (SsoRoleStart, SsoProfileStart)):
        raise UsageError(NOT_AN_SSO_ROLE)  # said first: a chain after it is not the point
    if plan.hops or plan.session_step is not None or (
            isinstance(start, SsoProfileStart) and start.roles):
        raise UsageError("--via-portal opens the SSO role itself; the portal cannot open a "
                         "role chain or a session step after it: drop --assume-roles / "
                         "--get-session-token / --get-federation-token (or the profile's "
                         "role_arn), or drop --via-portal to sign in through federation")
    if isinstance(start, SsoProfileStart):
        return PortalTarget(start.start_url, start.account_id, start.role_name)
    return PortalTarget(_start_url(start, ctx), start.account_id, start.role_name)


def shortcut_url(portal: PortalTarget, destination: str | None) -> str:
    """The shortcut link; `destination` is a full console URL (None: the portal's default,
    the permission set's relay state or the console home)."""
    parts = urlsplit(portal.start_url)
    base = f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"
    url = (f"{base}/#/console?account_id={quote(portal.account_id, safe='')}"
           f"&role_name={quote(portal.role_name, safe='')}")
    if destination is not None:
        url += f"&destination={quote(destination, safe='')}"
    return url


def portal_url(portal: PortalTarget, destination: str | None, plan: Plan,
               ctx: Context) -> str:
    """The shortcut link for --destination (a service in the chosen region, a console path
    or a full console URL, as for a federation sign-in; None: no destination)."""
    if destination is None:
        return shortcut_url(portal, None)
    from aws_login import region as regions
    from aws_login.arns import partition_of_region
    from aws_login.federation import destination_url

    choice = regions.chosen(plan.region, plan.start.profile, ctx)
    partition = plan.partition or (partition_of_region(choice.region) if choice else "aws")
    region = regions.in_partition(choice, partition, "the SSO role")
    return shortcut_url(portal, destination_url(destination, partition, region))


def _start_url(start: SsoRoleStart, ctx: Context) -> str:
    token = start.token
    if isinstance(token, (SignIn, CachedToken, GivenToken)) and token.start_url:
        return token.start_url
    if isinstance(token, CachedToken):
        from aws_login.sso import tokens

        return tokens.only_cached_start_url(tokens.sso_cache(ctx))
    if isinstance(token, TokenFile):
        if token.start_url:
            return token.start_url
        from aws_login.sso import tokens

        return tokens.read_token_file(token.location).start_url  # a local file, no network
    raise UsageError("--via-portal needs the access portal's URL; add --start-url URL, e.g. "
                     "--start-url https://d-1234567890.awsapps.com/start")
