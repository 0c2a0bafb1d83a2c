"""The IAM Identity Center sign-in options: which token source (sso/token_sources.py).

Shared by the credential commands (with the SSO role of sources/sso.py) and by dumpconfig."""

from __future__ import annotations

import argparse

from aws_login.sso import token_sources
from aws_login.sso.token_sources import TokenSpec


def add_token_arguments(parser: argparse.ArgumentParser) -> argparse._ArgumentGroup:
    group = parser.add_argument_group("IAM Identity Center (SSO) sign-in")
    group.add_argument(
        "--start-url", metavar="URL",
        help="sign in to this AWS access portal, e.g. --start-url "
             "https://d-1234567890.awsapps.com/start")
    group.add_argument(
        "--sso-region", metavar="REGION",
        help="region of IAM Identity Center, e.g. --sso-region eu-west-1 (default: the "
             "token's region, else AWS_REGION / AWS_DEFAULT_REGION / the config's region)")
    group.add_argument(
        "--sso-access-token", metavar="TOKEN",
        help="use this OIDC access token instead of signing in, e.g. --sso-access-token "
             "\"$TOKEN\" (visible to other local users in the process list: prefer "
             "--accesstoken-cache)")
    group.add_argument(
        "--accesstoken-cache", metavar="file://PATH",
        help="read the token from a cache file such as `aws sso login` writes, e.g. "
             "--accesstoken-cache file://~/.aws/sso/cache/0123abcd.json; an expiring token "
             "is refreshed in memory, the file is never written")
    group.add_argument(
        "--use-cache", action="store_true",
        help="read and update aws-login's own cache; with --start-url, sign in only when the "
             "cache cannot serve, e.g. --use-cache --start-url https://d-1234567890.awsapps.com/start")
    group.add_argument(
        "--use-device-code", action="store_true",
        help="sign in with a device code (enter a code in any browser) instead of the "
             "browser redirect, e.g. over SSH")
    group.add_argument(
        "--no-browser", action="store_true",
        help="never open a browser; print what to open instead (for console: print the "
             "sign-in URL on stdout)")
    return group


def token_spec(args: argparse.Namespace) -> TokenSpec | None:
    """The checked spec of the token source the options ask for, if any (dumpconfig)."""
    source = token_sources.requested(args)
    return None if source is None else source.spec(args)
