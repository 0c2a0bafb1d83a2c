"""importcache: adopt a token file written by `aws sso login` into aws-login's cache."""

from __future__ import annotations

import argparse

from aws_login.context import Context
from aws_login.errors import OperationError, UsageError
from aws_login.sso import tokenfile
from aws_login.sso.token_sources import validate_start_url
from aws_login.sso.tokens import read_token_file, sso_cache

EXAMPLES = """\
examples:
  aws sso login --profile my-sso
  aws-login importcache --accesstoken-cache file://$HOME/.aws/sso/cache/0123abcd.json
  aws-login getcallerid --use-cache --sso-acct-id 123456789012 --sso-role-name ReadOnly
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--accesstoken-cache", metavar="file://PATH", required=True,
        help="the token file to import, e.g. --accesstoken-cache "
             "file://~/.aws/sso/cache/0123abcd.json")


def run(args: argparse.Namespace, ctx: Context) -> int:
    token = read_token_file(args.accesstoken_cache)
    try:
        validate_start_url(token.start_url)
    except UsageError:
        raise UsageError(f"--accesstoken-cache: startUrl {token.start_url[:80]!r} is not an "
                         "https URL; this is not an IAM Identity Center token file") from None
    if token.expires_at <= ctx.now() and not token.refreshable:
        raise OperationError(
            f"the token expired at {tokenfile.format_timestamp(token.expires_at)} and has no "
            "refresh token; sign in again (aws sso login) and import the new file")
    cache = sso_cache(ctx)
    with cache.lock(token.start_url):
        path = cache.store_token(token)
    ctx.log(f"stored {path}")
    ctx.warn(f"imported the sign-in for {token.start_url} (token valid until "
             f"{tokenfile.format_timestamp(token.expires_at)}"
             f"{', refreshable' if token.refreshable else ''}); use it with --use-cache")
    return 0
