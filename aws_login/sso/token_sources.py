"""Where an SSO access token comes from: exactly one token source per run.

TOKEN_SOURCES lists them in precedence order. Each says whether the command line asks for it
(`requested`, which also refuses the combinations it cannot serve), checks its options into
its own frozen spec (`spec`), and gets the token (`get`). Deciding is cheap: the getting
(refresh, locks, sign-in flows, the OIDC client) is imported only when a token is needed.

To add a token source: a spec type and a source class here, one entry in TOKEN_SOURCES (and
in TokenSpec), and its options in options/sso.py.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from aws_login import arns
from aws_login.errors import OperationError, UsageError
from aws_login.record import field, record

if TYPE_CHECKING:
    from aws_login.context import Context
    from aws_login.model import SsoToken
    from aws_login.providers import TokenSource


# --- the specs: one frozen type per source ------------------------------------------------

@record
class GivenToken:
    """--sso-access-token: the token as given, used as it is."""

    label = "given token"  # how `status` names it

    access_token: str = field(repr=False)
    start_url: str | None = None  # --start-url, only to describe the sign-in
    region: str | None = None  # --sso-region; None: the usual settings


@record
class TokenFile:
    """--accesstoken-cache: a token file such as `aws sso login` writes (read, never written)."""

    label = "token file"  # how `status` names it

    location: str  # file://PATH or a plain path
    start_url: str | None = None
    region: str | None = None  # --sso-region; None: the file's


@record
class SignIn:
    """--start-url: sign in now (browser with PKCE, else device code)."""

    label = "sign-in"  # how `status` names it

    start_url: str
    region: str | None = None  # --sso-region; None: the usual settings
    use_device_code: bool = False
    no_browser: bool = False
    # A profile's sso_registration_scopes, for RegisterClient and the browser's authorize
    # URL; (): oidc.SCOPES (sso:account:access, without which no refresh token is issued).
    scopes: tuple[str, ...] = ()


def registration_scopes(text: str) -> tuple[str, ...]:
    """A config file's sso_registration_scopes: scopes separated by commas (the AWS CLI's
    form) or spaces."""
    return tuple(scope for scope in text.replace(",", " ").split() if scope)


@record
class CachedToken:
    """--use-cache: aws-login's own token cache, refreshed in place; signs in when it cannot
    serve and a start URL is known."""

    label = "cached sign-in"  # how `status` names it

    start_url: str | None = None  # None: the cache's only start URL (no sign-in then)
    region: str | None = None
    use_device_code: bool = False
    no_browser: bool = False
    # The command line asked for this sign-in (--start-url given, not --credential-helper):
    # it proceeds whatever stderr is. False (e.g. credential_process, a profile's token):
    # only when someone can see it. How it is shown, not which credentials: not in the key.
    asked: bool = field(default=False, in_key=False)

    def sign_in(self, start_url: str) -> SignIn:
        return SignIn(start_url, self.region, self.use_device_code, self.no_browser)


TokenSpec = GivenToken | TokenFile | CachedToken | SignIn

# --- the sources ----------------------------------------------------------------------------

class _Given:
    spec_type = GivenToken
    option = "--sso-access-token"
    means_sso_role = True

    def requested(self, args: argparse.Namespace) -> bool:
        if args.sso_access_token is None:
            return False
        if args.accesstoken_cache is not None:
            raise UsageError("give either --sso-access-token or --accesstoken-cache, not both")
        if args.use_cache:
            raise UsageError("--sso-access-token is used as it is and never cached; drop "
                             "--use-cache, or drop --sso-access-token to use the cached sign-in")
        return True

    def spec(self, args: argparse.Namespace) -> GivenToken:
        if not args.sso_access_token.strip():
            raise UsageError("--sso-access-token is empty; pass the token, or sign in with "
                             "--start-url URL")
        return GivenToken(args.sso_access_token.strip(), _start_url(args), _region(args))

    def get(self, spec: GivenToken, ctx: Context) -> SsoToken:
        from aws_login.sso import tokens

        return tokens.given(spec, ctx)


class _File:
    spec_type = TokenFile
    option = "--accesstoken-cache"
    means_sso_role = True

    def requested(self, args: argparse.Namespace) -> bool:
        if args.accesstoken_cache is None:
            return False
        if args.use_cache:
            raise UsageError("--accesstoken-cache reads an external file and never writes "
                             "aws-login's cache; drop --use-cache, or drop --accesstoken-cache "
                             "to use the cached sign-in")
        return True

    def spec(self, args: argparse.Namespace) -> TokenFile:
        if not args.accesstoken_cache.strip():
            raise UsageError("--accesstoken-cache needs a file, e.g. "
                             "file://~/.aws/sso/cache/x.json")
        return TokenFile(args.accesstoken_cache, _start_url(args), _region(args))

    def get(self, spec: TokenFile, ctx: Context) -> SsoToken:
        from aws_login.sso import tokens

        return tokens.from_token_file(spec, ctx)


class _Cache:
    spec_type = CachedToken
    option = "--use-cache"
    means_sso_role = False

    def requested(self, args: argparse.Namespace) -> bool:
        return bool(args.use_cache)

    def spec(self, args: argparse.Namespace) -> CachedToken:
        start_url = _start_url(args)
        asked = start_url is not None and not getattr(args, "credential_helper", False)
        return CachedToken(start_url, _region(args), args.use_device_code, args.no_browser,
                           asked)

    def get(self, spec: CachedToken, ctx: Context) -> SsoToken:
        from aws_login.sso import tokens

        return tokens.from_internal_cache(spec, ctx)


class _SignIn:
    spec_type = SignIn
    option = "--start-url"
    means_sso_role = True

    def requested(self, args: argparse.Namespace) -> bool:
        return args.start_url is not None

    def spec(self, args: argparse.Namespace) -> SignIn:
        return SignIn(validate_start_url(args.start_url), _region(args), args.use_device_code,
                      args.no_browser)

    def get(self, spec: SignIn, ctx: Context) -> SsoToken:
        from aws_login.sso import tokens

        return tokens.sign_in(spec, ctx, None)


GIVEN: TokenSource[GivenToken] = _Given()
FILE: TokenSource[TokenFile] = _File()
CACHE: TokenSource[CachedToken] = _Cache()
SIGN_IN: TokenSource[SignIn] = _SignIn()

# In precedence order: the first one the options ask for is the run's token source.
TOKEN_SOURCES: tuple[TokenSource[Any], ...] = (GIVEN, FILE, CACHE, SIGN_IN)
# Each spec belongs to one source (tests check that every TokenSpec type has one).
_BY_SPEC: dict[type, TokenSource[Any]] = {source.spec_type: source for source in TOKEN_SOURCES}


def requested(args: argparse.Namespace) -> TokenSource[Any] | None:
    """The token source the options ask for, if any."""
    for source in TOKEN_SOURCES:
        if source.requested(args):
            return source
    return None


def source_of(spec: TokenSpec) -> TokenSource[Any]:
    return _BY_SPEC[type(spec)]


def get_token(spec: TokenSpec, ctx: Context) -> SsoToken:
    """The token of the run's token source."""
    token: SsoToken = source_of(spec).get(spec, ctx)
    return token


# --start-url and --sso-region go with every source (checked in this order).

def _start_url(args: argparse.Namespace) -> str | None:
    return validate_start_url(args.start_url) if args.start_url is not None else None


def _region(args: argparse.Namespace) -> str | None:
    return arns.validate_region(args.sso_region) if args.sso_region else None


def validate_start_url(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme != "https" or not parts.hostname or " " in url.strip():
        raise UsageError(f"--start-url {url[:80]!r} is not valid; use your AWS access portal "
                         "URL, e.g. https://d-1234567890.awsapps.com/start")
    return url.strip()



def after_refusal(spec: TokenSpec, refused: SsoToken, message: str, ctx: Context) -> SsoToken:
    """The portal refused `refused` (401: revoked, signed out elsewhere), which is treated like
    an expired sign-in. aws-login's cache drops it and signs in again when it can; every
    source that cannot raises `message` with exactly what to run. The caller retries once
    with the token returned."""
    from aws_login.sso.advice import file_advice, login_command

    if isinstance(spec, CachedToken):
        from aws_login.sso import tokens

        return tokens.cached_after_refusal(spec, refused, message, ctx)
    if isinstance(spec, SignIn):
        raise OperationError(f"{message}, although it was just made; check that --start-url "
                             "and --sso-region name the same IAM Identity Center")
    if isinstance(spec, GivenToken):
        raise OperationError(f"{message}; pass a new --sso-access-token, or sign in with "
                             f"{login_command(spec.start_url or 'URL', spec.region)} and use "
                             "--use-cache")
    raise OperationError(f"{message}; {file_advice(refused.start_url or 'URL', refused.region)}")
