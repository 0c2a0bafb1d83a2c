"""The IAM Identity Center options: which token source, and which account and role.

Shared by the credential commands (token + account + role) and by dumpconfig (token only)."""

from __future__ import annotations

import argparse
from urllib.parse import urlsplit

from aws_login import arns, completion
from aws_login.errors import UsageError
from aws_login.model import SsoSpec, TokenSource
from aws_login.record import replace


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


def add_role_arguments(group: argparse._ArgumentGroup) -> None:
    account = group.add_argument(
        "--sso-acct-id", metavar="ID",
        help="start from an SSO role in this account, e.g. --sso-acct-id 123456789012")
    completion.attach(account, completion.sso_account_ids)
    role = group.add_argument(
        "--sso-role-name", metavar="NAME",
        help="the SSO role (permission set) to start from, e.g. --sso-role-name "
             "AdministratorAccess")
    completion.attach(role, completion.sso_roles)


def token_source(args: argparse.Namespace) -> TokenSource | None:
    if args.sso_access_token is not None and args.accesstoken_cache is not None:
        raise UsageError("give either --sso-access-token or --accesstoken-cache, not both")
    if args.sso_access_token is not None:
        if args.use_cache:
            raise UsageError("--sso-access-token is used as given; drop --use-cache or the token")
        return TokenSource.GIVEN
    if args.accesstoken_cache is not None:
        if args.use_cache:
            raise UsageError("--accesstoken-cache reads an external file; drop --use-cache or it")
        return TokenSource.EXTERNAL_CACHE
    if args.use_cache:
        return TokenSource.INTERNAL_CACHE
    if args.start_url is not None:
        return TokenSource.SIGN_IN
    return None


def build_token_spec(args: argparse.Namespace, source: TokenSource) -> SsoSpec:
    if args.sso_access_token is not None and not args.sso_access_token.strip():
        raise UsageError("--sso-access-token is empty; pass the token, or sign in with "
                         "--start-url URL")
    if args.accesstoken_cache is not None and not args.accesstoken_cache.strip():
        raise UsageError("--accesstoken-cache needs a file, e.g. file://~/.aws/sso/cache/x.json")
    return SsoSpec(
        source=source,
        start_url=validate_start_url(args.start_url) if args.start_url is not None else None,
        region=arns.validate_region(args.sso_region) if args.sso_region else None,
        access_token=args.sso_access_token.strip() if args.sso_access_token else None,
        cache_file=args.accesstoken_cache,
        use_device_code=args.use_device_code,
        no_browser=args.no_browser,
    )


def build_role_spec(args: argparse.Namespace) -> SsoSpec | None:
    """The SSO starting source, or None when no SSO account/role was asked for."""
    account, role = args.sso_acct_id, args.sso_role_name
    source = token_source(args)
    if account is None and role is None:
        if source in (TokenSource.GIVEN, TokenSource.EXTERNAL_CACHE, TokenSource.SIGN_IN):
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
    spec = build_token_spec(args, source)
    return replace(spec, account_id=account, role_name=role)


def validate_start_url(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme != "https" or not parts.hostname or " " in url.strip():
        raise UsageError(f"--start-url {url[:80]!r} is not valid; use your AWS access portal "
                         "URL, e.g. https://d-1234567890.awsapps.com/start")
    return url.strip()
