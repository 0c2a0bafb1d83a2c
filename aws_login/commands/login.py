"""login: sign in to IAM Identity Center and keep the sign-in in aws-login's cache, the way
`aws sso login` does, and nothing else (no role, no credentials).

It always signs in anew, even when the cache holds a sign-in that looks valid: that is how a
person gets out of a sign-in the portal refuses. Every "sign in again" message names it
(token_sources.login_command)."""

from __future__ import annotations

import argparse

from aws_login import arns, completion
from aws_login.context import Context
from aws_login.errors import UsageError
from aws_login.sso import tokenfile
from aws_login.sso.token_sources import SignIn, registration_scopes, validate_start_url

EXAMPLES = """\
examples:
  aws-login login --start-url https://d-1234567890.awsapps.com/start --sso-region eu-west-1
  aws-login login --profile my-sso          # a profile with sso_session or sso_start_url
  aws-login login --start-url https://d-1234567890.awsapps.com/start --use-device-code
then use the sign-in with --use-cache, e.g.:
  aws-login getcallerid --use-cache --sso-acct-id 123456789012 --sso-role-name ReadOnly
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("what to sign in to (one of them)")
    target = group.add_mutually_exclusive_group()
    target.add_argument(
        "--start-url", metavar="URL",
        help="your AWS access portal, e.g. --start-url https://d-1234567890.awsapps.com/start")
    profile = target.add_argument(
        "--profile", metavar="NAME",
        help="the portal of this ~/.aws/config profile (its sso_session, or its legacy "
             "sso_start_url and sso_region), e.g. --profile my-sso; default: AWS_PROFILE "
             "when no --start-url is given")
    completion.attach(profile, completion.profiles)
    group.add_argument(
        "--sso-region", metavar="REGION",
        help="region of IAM Identity Center, e.g. --sso-region eu-west-1 (default: the "
             "profile's sso_region, the cached sign-in's, else AWS_REGION / "
             "AWS_DEFAULT_REGION / the config's region)")
    how = parser.add_argument_group("how to sign in")
    how.add_argument(
        "--use-device-code", action="store_true",
        help="sign in with a device code (enter a code in any browser) instead of the "
             "browser redirect, e.g. over SSH")
    how.add_argument(
        "--no-browser", action="store_true",
        help="never open a browser; print what to open instead")


def run(args: argparse.Namespace, ctx: Context) -> int:
    from aws_login.sso import tokens

    profile = args.profile
    if args.start_url is None and profile is None:
        profile = ctx.environ.get("AWS_PROFILE") or None
        if profile is None:
            raise UsageError("login needs a portal: add --start-url URL (your AWS access "
                             "portal) or --profile NAME (a profile with sso_session)")
    scopes: tuple[str, ...] = ()
    if args.start_url is not None:
        start_url, region = validate_start_url(args.start_url), None
    else:
        assert profile is not None
        start_url, region, scopes = sso_settings(profile, ctx)
    if args.sso_region:
        region = arns.validate_region(args.sso_region)
    spec = SignIn(start_url, region, args.use_device_code, args.no_browser, scopes)
    token = tokens.sign_in_to_cache(spec, ctx)
    ctx.log.add_secret(token.access_token, token.refresh_token)
    lasts = ("refreshable: --use-cache keeps it fresh without another sign-in"
             if token.refreshable else "not refreshable: sign in again when it expires")
    ctx.warn(f"signed in to {start_url} (IAM Identity Center in {token.region}"
             f"{'' if profile is None else f', for profile {profile}'}); valid until "
             f"{tokenfile.format_timestamp(token.expires_at)}, {lasts}")
    return 0


def sso_settings(profile: str, ctx: Context) -> tuple[str, str | None, tuple[str, ...]]:
    """The start URL, SSO region and sso_registration_scopes of a config profile: its
    [sso-session] section's, else its legacy sso_start_url / sso_region keys (botocore's
    order). Read with the light config reader (awsconfig.py), which needs no botocore."""
    from aws_login.awsconfig import AwsConfig

    files = AwsConfig(ctx.environ)
    config = files.config_path
    keys = files.profiles.get(profile)
    if keys is None:
        raise UsageError(f"--profile {profile}: there is no such profile in {config}; "
                         "check the name, or give --start-url URL")
    session = keys.get("sso_session")
    if session:
        section = files.sso_sessions.get(session)
        if section is None or not section.get("sso_start_url"):
            raise UsageError(f"--profile {profile}: its sso_session {session} has no "
                             f"[sso-session {session}] section with sso_start_url in {config}")
        return (_checked_url(section["sso_start_url"], profile), _region(section, profile),
                registration_scopes(section.get("sso_registration_scopes", "")))
    if keys.get("sso_start_url"):
        return (_checked_url(keys["sso_start_url"], profile), _region(keys, profile),
                registration_scopes(keys.get("sso_registration_scopes", "")))
    raise UsageError(f"--profile {profile} has no IAM Identity Center settings (sso_session "
                     f"or sso_start_url) in {config}; give --start-url URL instead")


def _checked_url(url: str, profile: str) -> str:
    try:
        return validate_start_url(url)
    except UsageError as exc:
        raise UsageError(f"--profile {profile}: sso_start_url: {exc.message}") from None


def _region(keys: dict[str, str], profile: str) -> str | None:
    region = keys.get("sso_region") or None
    if region is None:
        return None
    try:
        return arns.validate_region(region)
    except UsageError as exc:
        raise UsageError(f"--profile {profile}: sso_region: {exc.message}") from None

