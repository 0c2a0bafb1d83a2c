"""console: sign in to the AWS web console as the acquired identity (federation sign-in)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from urllib.parse import quote

from aws_login import clipboard, console_browser
from aws_login import region as regions
from aws_login.acquire import acquire
from aws_login.arns import partition_of_region
from aws_login.chain import run_steps
from aws_login.console_browser import Opener
from aws_login.context import Context
from aws_login.errors import UsageError
from aws_login.federation import (
    CONSOLE_DURATION,
    DEFAULT_ISSUER,
    SIGNIN_URL_LIFETIME_MINUTES,
    browser_urls,
    check_destination,
    console_refusal,
    destination_url,
    fetch_signin_token,
    login_url,
    origin,
    session_duration_for,
    signin_endpoints,
    validate_federation_override,
)
from aws_login.limits import check_range
from aws_login.model import CredentialKind, Credentials, Plan, SessionStep, SessionStepKind
from aws_login.options import browser as browser_options
from aws_login.options import credentials as credential_options
from aws_login.portal_shortcut import portal_url
from aws_login.record import replace

EXAMPLES = """\
examples:
  aws-login console --profile dev
  aws-login console --assume-roles arn:aws:iam::123456789012:role/Admin --destination s3
  aws-login console --region eu-west-1 --destination https://eu-west-1.console.aws.amazon.com/ec2/home
  aws-login console --no-browser --console-duration 7200    # print the URL, a 2-hour session
  aws-login console --logout-first --profile prod           # replace the browser's session
  aws-login console --copy --profile dev    # the URL to the clipboard (over SSH: your terminal's)
  aws-login console --browser chrome --browser-profile auto --profile prod  # a window per identity
  aws-login console --browser firefox --browser-profile prod --profile prod # a Firefox container
  aws-login console --profile my-sso-role --via-portal      # the access portal's shortcut
Long-term IAM user keys are turned into GetFederationToken credentials first (said on stderr).
AWS_LOGIN_FEDERATION_URL replaces the sign-in federation endpoint (tests, private partitions).
"""

# How long the sign-out gets before the sign-in opens where it cannot redirect (aws-cn).
LOGOUT_SETTLE_SECONDS = 2.0
_ISSUER_MAX = 1024


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("console")
    group.add_argument(
        "--destination", metavar="URL|PATH|SERVICE",
        help="console page to land on: a service, e.g. --destination s3 (ec2, iam, lambda, "
             "cloudwatch, logs, ...; in the chosen region), a path on the console host, e.g. "
             "--destination /ec2/home, or a full URL, e.g. "
             "--destination https://console.aws.amazon.com/ec2/home (default: console home)")
    group.add_argument(
        "--console-duration", metavar="SECONDS", type=credential_options.seconds,
        help=f"length of the console session, {CONSOLE_DURATION[0]}-{CONSOLE_DURATION[1]}, "
             "e.g. --console-duration 43200; for GetFederationToken credentials that "
             "aws-login gets itself it sets their lifetime instead (AWS refuses "
             "SessionDuration for them) (default: as long as the credentials last)")
    group.add_argument(
        "--logout-first", action="store_true",
        help="sign out of the console session the browser already has, then sign in, e.g. "
             "to switch accounts without \"you must first log out\"")
    group.add_argument(
        "--issuer", metavar="URL",
        help="where the console sends you when the session ends, e.g. --issuer "
             f"https://portal.example.com (default: {DEFAULT_ISSUER})")
    group.add_argument(
        "--copy", action="store_true",
        help="put the sign-in URL (with --via-portal: the shortcut) on the clipboard instead "
             "of opening a browser (wl-copy, xclip, xsel, pbcopy or clip.exe; over SSH the "
             "terminal's, by an OSC 52 escape), e.g. to paste it into a browser on another "
             "machine")
    browser_options.add_arguments(parser)
    credential_options.add_arguments(parser)


def run(args: argparse.Namespace, ctx: Context) -> int:
    override = _federation_override(ctx)
    plan = _console_plan(args, credential_options.build_plan(args, ctx))
    browser = browser_options.choice(args, ctx)
    portal = browser_options.portal_target(args, plan, ctx)
    if args.destination is not None:
        check_destination(args.destination, override is not None)
    if portal is not None:  # no credentials, no token: the browser's portal session
        url = portal_url(portal, args.destination, plan, ctx)
        if args.copy:  # e.g. over SSH, for the browser on the person's own machine
            clipboard.copy_secret(
                clipboard.find(ctx), url, "the console shortcut",
                "it is no secret: it opens the console only in a browser signed in to your "
                "access portal", ctx)
            return 0
        name = console_browser.portal_profile_name(browser, portal)
        return _deliver([url], args.no_browser, ctx, console_browser.opener(browser, name, ctx),
                        secret=False)
    issuer = _issuer(args.issuer)
    clip = clipboard.find(ctx) if args.copy else None  # none: fail before any sign-in
    console_browser.prepare_folder(browser, ctx)  # one that cannot be made: fail before too

    acquired = acquire(plan, ctx)
    choice = regions.chosen(acquired.region, plan.start.profile, ctx)
    partition = plan.partition or (partition_of_region(choice.region) if choice else "aws")
    region = regions.in_partition(choice, partition, "the role chain")
    creds = acquired.credentials
    if creds.is_long_term:
        creds = _federation_credentials(creds, plan, args.console_duration, region, ctx)
    refusal = console_refusal(creds.kind)
    if refusal is not None:
        raise UsageError(refusal)

    destination = destination_url(args.destination, partition, region, override is not None,
                                  _origin(override))
    endpoints = signin_endpoints(partition, override, args.logout_first)
    ctx.log(f"console sign-in as {creds.kind.value} ({creds.source}); destination {destination}")
    token = fetch_signin_token(endpoints.federation, creds,
                               session_duration_for(creds.kind, args.console_duration),
                               ctx.log, ctx.retry, ctx.clients.timeouts)
    login = login_url(endpoints.federation, token, destination, issuer)
    urls = browser_urls(endpoints, login)
    ctx.log.add_secret(login, quote(login, safe=""), *urls)
    if clip is not None:
        return _copy(urls, clip, ctx)
    name = console_browser.profile_name(browser, plan, creds, region, ctx)
    return _deliver(urls, args.no_browser, ctx, console_browser.opener(browser, name, ctx))


def _console_plan(args: argparse.Namespace, plan: Plan) -> Plan:
    """Refuse, before any network call, what can never reach the console."""
    duration = args.console_duration
    if duration is not None:
        check_range("--console-duration", duration, CONSOLE_DURATION, "the console")
    step = plan.session_step
    if step is not None and step.kind is SessionStepKind.SESSION_TOKEN and not plan.hops:
        raise UsageError(console_refusal(CredentialKind.SESSION) or "")
    if step is not None and step.kind is SessionStepKind.FEDERATION_TOKEN and duration:
        if step.duration is not None and step.duration != duration:
            raise UsageError("--duration and --console-duration both set the lifetime of the "
                             "GetFederationToken credentials (their console session lasts as "
                             "long as they do); give only one")
        # AWS rejects SessionDuration for these credentials: their lifetime is the session's.
        plan = replace(plan, session_step=replace(step, duration=duration))
    return plan


def _federation_credentials(creds: Credentials, plan: Plan, duration: int | None,
                            region: str, ctx: Context) -> Credentials:
    """IAM user keys cannot sign in through federation: trade them for a federated session."""
    ctx.warn(f"the credentials from {creds.source} are long-term IAM user keys, which cannot "
             "open the console; getting GetFederationToken credentials for them first "
             "(as --get-federation-token does)")
    step_plan = replace(plan, session_step=SessionStep(SessionStepKind.FEDERATION_TOKEN, duration),
                        hops=())
    return run_steps(creds, step_plan, None, lambda c, r: ctx.clients.sts(c, r), region, ctx)


def _deliver(urls: list[str], no_browser: bool, ctx: Context, opener: Opener | None = None,
             secret: bool = True) -> int:
    """Open the URLs in order, else print the last one; `secret`: a sign-in URL (not the
    portal's shortcut, which signs nobody in by itself)."""
    opener = opener or console_browser.default_opener(ctx)
    what = "sign-in" if secret else "shortcut"
    if not no_browser and opener.available():
        if _open_in_order(urls, ctx, opener.open):
            ctx.warn(f"opened the AWS console {what} {opener.where}")
            return 0
        ctx.warn(f"could not open a browser; printing the {what} URL instead")
    if len(urls) > 1:
        ctx.warn(f"to replace an existing console session, first open {urls[0]} in the same "
                 "browser, then the sign-in URL below")
    ctx.stdout.write(urls[-1] + "\n")
    ctx.stdout.flush()
    if not secret:
        return 0
    ctx.warn(f"warning: this URL signs whoever opens it in to the AWS console for the next "
             f"{SIGNIN_URL_LIFETIME_MINUTES} minutes; treat it as a secret (do not paste it "
             "into chats, tickets or shell history)")
    return 0


def _copy(urls: list[str], clip: clipboard.Clipboard, ctx: Context) -> int:
    if len(urls) > 1:
        ctx.warn(f"to replace an existing console session, first open {urls[0]} in the same "
                 "browser, then paste the sign-in URL")
    clipboard.copy_secret(
        clip, urls[-1], "the sign-in URL",
        f"it is a secret: for {SIGNIN_URL_LIFETIME_MINUTES} minutes it signs whoever opens it "
        "in to the AWS console, so paste it only into a browser", ctx)
    return 0


def _open_in_order(urls: list[str], ctx: Context, open_url: Callable[[str], bool]) -> bool:
    for index, url in enumerate(urls):
        if index:
            ctx.sleep(LOGOUT_SETTLE_SECONDS)  # the sign-out must land before the sign-in
        if not open_url(url):
            return False
    return True


def _origin(override: str | None) -> str | None:
    return origin(override) if override else None


def _federation_override(ctx: Context) -> str | None:
    value = ctx.environ.get("AWS_LOGIN_FEDERATION_URL", "").strip()
    return validate_federation_override(value) if value else None


def _issuer(value: str | None) -> str:
    if value is None:
        return DEFAULT_ISSUER
    text = value.strip()
    if not text or len(text) > _ISSUER_MAX or any(ch.isspace() or ord(ch) < 32 for ch in text):
        raise UsageError(f"--issuer {value[:80]!r} is not valid; give a URL without spaces, "
                         "e.g. https://portal.example.com")
    return text
