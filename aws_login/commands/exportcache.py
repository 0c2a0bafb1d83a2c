"""exportcache: share aws-login's SSO sign-in with the AWS CLI and the SDKs, by writing it
into their token cache (~/.aws/sso/cache) for an sso-session."""

from __future__ import annotations

import argparse

from aws_login import configgen
from aws_login.context import Context
from aws_login.sso import cli_cache
from aws_login.sso.token_sources import CachedToken, validate_start_url

EXAMPLES = """\
examples:
  aws-login exportcache --sso-session-name corp
  aws-login exportcache --sso-session-name corp --start-url https://d-1234567890.awsapps.com/start
  aws sts get-caller-identity --profile <a profile with sso_session = corp>
The profiles that `aws-login dumpconfig --sso-session-name corp` writes use that session
(dumpconfig --export-cache does this step in the same run).
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--sso-session-name", metavar="NAME", required=True,
        help="the [sso-session NAME] of the config file whose profiles should use the "
             "sign-in, e.g. --sso-session-name corp")
    parser.add_argument(
        "--start-url", metavar="URL",
        help="the sign-in to export, e.g. --start-url https://d-1234567890.awsapps.com/start "
             "(default: the only one in aws-login's cache); signs in when there is none")
    parser.add_argument(
        "--sso-region", metavar="REGION",
        help="region of IAM Identity Center, for a sign-in, e.g. --sso-region eu-west-1")
    parser.add_argument(
        "--use-device-code", action="store_true",
        help="sign in (if needed) with a device code instead of the browser redirect")
    parser.add_argument(
        "--no-browser", action="store_true", help="never open a browser to sign in")


def run(args: argparse.Namespace, ctx: Context) -> int:
    from aws_login import arns
    from aws_login.sso.tokens import from_internal_cache

    name = configgen.validate_session_name(args.sso_session_name)
    start_url = validate_start_url(args.start_url) if args.start_url is not None else None
    region = arns.validate_region(args.sso_region) if args.sso_region else None
    token = from_internal_cache(
        CachedToken(start_url, region, args.use_device_code, args.no_browser), ctx)
    cli_cache.export_and_report(token, name, ctx.environ, ctx.warn)
    return 0
