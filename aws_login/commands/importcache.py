"""importcache: adopt a token file written by `aws sso login` into aws-login's cache.

It keeps the better sign-in: a cached token that is refreshable, or lasts longer, is not
replaced by a worse one unless --force says so."""

from __future__ import annotations

import argparse

from aws_login.context import Context
from aws_login.errors import OperationError, UsageError
from aws_login.model import SsoToken
from aws_login.sso import tokenfile
from aws_login.sso.advice import login_command
from aws_login.sso.token_sources import validate_start_url
from aws_login.sso.tokens import read_token_file, sso_cache, start_url_lock

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
    parser.add_argument(
        "--force", action="store_true",
        help="replace the cached sign-in even when it is better (refreshable, or valid "
             "longer) than the imported one")


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
            "refresh token; sign in instead: "
            + login_command(token.start_url, token.region))
    cache = sso_cache(ctx)
    with start_url_lock(cache, token.start_url, ctx):
        kept = cache.load_token(token.start_url)
        worse = None if kept is None else _worse(token, kept, ctx)
        if worse is not None and kept is not None and not args.force:
            raise OperationError(
                f"kept the cached sign-in for {token.start_url} ({_describe(kept)}): the "
                f"imported one {worse}; add --force to replace it anyway")
        path = cache.store_token(token)
    ctx.log(f"stored {path}")
    ctx.warn(f"imported the sign-in for {token.start_url} (token valid until "
             f"{tokenfile.format_timestamp(token.expires_at)}"
             f"{', refreshable' if token.refreshable else ''}); use it with --use-cache")
    return 0


def _worse(new: SsoToken, kept: SsoToken, ctx: Context) -> str | None:
    """Why `new` is worse than the cached `kept` (None: it is not). A cached sign-in that is
    expired and cannot be refreshed is worth nothing; a refreshable one outlives any
    expiry; else the later expiry is better."""
    kept_usable = kept.refreshable or kept.expires_at > ctx.now()
    if not kept_usable:
        return None
    if kept.refreshable and not new.refreshable:
        earlier = new.expires_at < kept.expires_at
        return "has no refresh token" + (
            f" and expires earlier ({tokenfile.format_timestamp(new.expires_at)})"
            if earlier else "")
    if new.expires_at < kept.expires_at and not (new.refreshable and not kept.refreshable):
        return f"expires earlier ({tokenfile.format_timestamp(new.expires_at)})"
    return None


def _describe(token: SsoToken) -> str:
    return (f"valid until {tokenfile.format_timestamp(token.expires_at)}"
            + (", refreshable" if token.refreshable else ""))
