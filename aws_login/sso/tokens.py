"""Getting an SSO access token from the source the run chose (sso/token_sources.py):
refreshing and signing in as needed.

With --use-cache, refresh and sign-in are single-flight across processes: the first process
takes the start URL's lock and does the work; the others wait on the lock, then find the
fresh token in the cache. Refresh tokens rotate, so a refresh outside the lock would let a
second process spend a dead token.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from aws_login import region as regions
from aws_login import waits
from aws_login.context import Context
from aws_login.errors import AwsCallError, OperationError, UsageError
from aws_login.files import read_text
from aws_login.model import ClientRegistration, SsoToken
from aws_login.sso import cli_cache, tokenfile
from aws_login.sso.advice import file_advice, login_command
from aws_login.sso.cache import SsoCache
from aws_login.sso.flows import (
    REGISTERED_REDIRECT,
    SignInUi,
    device_sign_in,
    pkce_sign_in,
    refresh,
)
from aws_login.sso.oidc import DEVICE_GRANT, SCOPES, OidcApi

if TYPE_CHECKING:
    from aws_login.sso.token_sources import CachedToken, GivenToken, SignIn, TokenFile

# A token with less than this left is refreshed first, so it outlives the calls made with it.
REFRESH_WINDOW = timedelta(minutes=10)
# --sso-access-token carries no expiry; treat it as valid for this long.
GIVEN_TOKEN_LIFETIME = timedelta(hours=1)


def given(spec: GivenToken, ctx: Context) -> SsoToken:
    ctx.log.add_secret(spec.access_token)
    return SsoToken(spec.start_url or "", regions.for_sso(spec.region, None, ctx),
                    spec.access_token, ctx.now() + GIVEN_TOKEN_LIFETIME)


def sso_cache(ctx: Context) -> SsoCache:
    return SsoCache(ctx.cache_dir / "sso", ctx.warn)


def _fresh(token: SsoToken, ctx: Context) -> bool:
    return token.expires_at - ctx.now() > REFRESH_WINDOW


def from_token_file(spec: TokenFile, ctx: Context) -> SsoToken:
    token = read_token_file(spec.location)
    ctx.log.add_secret(token.access_token, token.refresh_token)
    if _fresh(token, ctx):
        return token
    failure: AwsCallError | None = None
    if token.refreshable:
        ctx.log("token in the external cache is about to expire; refreshing in memory only")
        try:
            return refresh(_oidc(token.region, ctx), token, ctx.now())
        except AwsCallError as exc:
            ctx.log(f"refresh failed: {exc.code}")
            failure = exc
    if token.expires_at > ctx.now():
        return token  # still valid for a few minutes: better than failing
    if failure is not None and failure.transient:
        raise failure  # the network failed, not the sign-in: say so, naming the refresh
    raise OperationError(f"the token in {spec.location} expired at "
                         f"{tokenfile.format_timestamp(token.expires_at)} and cannot be "
                         f"refreshed; {file_advice(token.start_url, token.region)}")


def read_token_file(location: str) -> SsoToken:
    """Read a token file given as file://PATH (or a plain path); errors are usage errors."""
    path = Path(location[len("file://"):] if location.startswith("file://") else location)
    path = path.expanduser()
    try:
        text = read_text(path)
    except OperationError as exc:
        raise UsageError(f"--accesstoken-cache: {exc.message}") from None
    if text is None:
        raise UsageError(f"--accesstoken-cache: {path} does not exist; give the path of a "
                         "token file, e.g. file://~/.aws/sso/cache/<hash>.json")
    try:
        return tokenfile.parse(text)
    except UsageError as exc:
        raise UsageError(f"--accesstoken-cache: {path}: {exc.message}") from None


def from_internal_cache(spec: CachedToken, ctx: Context) -> SsoToken:
    cache = sso_cache(ctx)
    start_url = spec.start_url or only_cached_start_url(cache)
    token = cache.load_token(start_url)
    if token is not None and _fresh(token, ctx):
        ctx.log(f"SSO token from the cache, valid until {token.expires_at:%H:%M}Z")
        return token
    with start_url_lock(cache, start_url, ctx):
        token = cache.load_token(start_url)  # another process may have refreshed meanwhile
        if token is not None and _fresh(token, ctx):
            ctx.log("SSO token refreshed by another process")
            return token
        newer = cli_cache.newer_copy(cli_cache.folder(ctx.environ), token) if token else None
        if newer is not None:  # the AWS CLI refreshed an exported sign-in (exportcache)
            token = newer
            cache.store_token(token)
            if _fresh(token, ctx):
                return token
        failure: AwsCallError | None = None
        if token is not None and token.refreshable:
            try:
                fresh = refresh(_oidc(token.region, ctx), token, ctx.now())
            except AwsCallError as exc:
                ctx.log(f"refresh failed: {exc.code}")
                failure = exc
            else:
                cache.store_token(fresh)
                ctx.log("SSO token refreshed and stored")
                # an exported sign-in (exportcache): the AWS CLI's copy follows the rotation
                cli_cache.follow_refresh(cli_cache.folder(ctx.environ), token, fresh)
                return fresh
        if failure is not None and token is not None and token.expires_at > ctx.now():
            # Better than failing: e.g. the portal is down, or a process killed mid-refresh
            # spent the rotating refresh token; the sign-in still works for a few minutes.
            ctx.warn(f"could not refresh the SSO sign-in for {start_url} ({failure.code}); "
                     f"using it until it expires at {token.expires_at:%H:%M}Z")
            return token
        if failure is not None and failure.transient:
            raise failure  # the network failed, not the sign-in: say so, naming the refresh
        if spec.start_url is None or not (spec.asked or can_interact(spec, ctx)):
            state = ("has expired and cannot be refreshed" if token is not None
                     else "does not exist yet")
            why = "" if spec.start_url is None else " (nobody can see a sign-in here)"
            raise OperationError(
                f"the cached sign-in for {start_url} {state}{why}; sign in first: "
                + login_command(start_url, spec.region or (token.region if token else None)))
        fresh = sign_in(spec.sign_in(spec.start_url), ctx, cache,
                        token.region if token else None,
                        device_code_allowed=spec.asked or ctx.prompt.can_show())
        cache.store_token(fresh)
        return fresh


def only_cached_start_url(cache: SsoCache) -> str:
    urls = sorted({token.start_url for token in cache.tokens()})
    if len(urls) == 1:
        return urls[0]
    if not urls:
        raise UsageError("--use-cache found no cached sign-in; sign in first: aws-login login "
                         "--start-url URL (or import one: aws-login importcache "
                         "--accesstoken-cache file://PATH)")
    raise UsageError(f"--use-cache found sign-ins for {len(urls)} start URLs "
                     f"({', '.join(urls)}); choose one with --start-url")


def sign_in(spec: SignIn, ctx: Context, cache: SsoCache | None,
            token_region: str | None = None, device_code_allowed: bool = True) -> SsoToken:
    """Sign in now: the browser (PKCE) flow when a browser can open, else the device flow.

    `device_code_allowed` False: nobody would see the code (e.g. a credential_process helper,
    whose stderr the SDK captures), so fail rather than wait for an approval that never comes.
    """
    region = regions.for_sso(spec.region, token_region, ctx)
    api = _oidc(region, ctx)
    ui = SignInUi(say=ctx.prompt.say, open_url=ctx.open_url, sleep=ctx.sleep, now=ctx.now,
                  may_open_browser=not spec.no_browser and ctx.browser_available(),
                  timeout=ctx.signin_timeout)
    scopes = list(spec.scopes) or SCOPES  # a profile's sso_registration_scopes
    if not spec.use_device_code and ui.may_open_browser:
        registration = _registration(api, spec.start_url, region, "pkce", scopes, cache, ctx)
        token = pkce_sign_in(api, registration, spec.start_url, region, ui, scopes)
        if token is not None:
            return token
        if not device_code_allowed:
            raise OperationError(f"could not open a browser to sign in to {spec.start_url}; "
                                 "sign in from a terminal: "
                                 + login_command(spec.start_url, region))
        ctx.warn("could not open a browser; using the device code sign-in instead")
    registration = _registration(api, spec.start_url, region, "device", scopes, cache, ctx)
    return device_sign_in(api, registration, spec.start_url, region, ui)


def _registration(api: OidcApi, start_url: str, region: str, flow: str, scopes: list[str],
                  cache: SsoCache | None, ctx: Context) -> ClientRegistration:
    # A registration is for its scopes: another set of scopes needs its own.
    key = f"{flow} {region} {start_url} {' '.join(sorted(scopes))}"
    if cache is not None:
        cached = cache.load_registration(key, ctx.now())
        if cached is not None:
            ctx.log.add_secret(cached.client_secret)
            ctx.log(f"reusing the cached OIDC client registration for the {flow} flow")
            return cached
    if flow == "pkce":
        registration = api.register(grant_types=["authorization_code", "refresh_token"],
                                    redirect_uris=[REGISTERED_REDIRECT], issuer_url=start_url,
                                    scopes=scopes)
    else:
        registration = api.register(grant_types=[DEVICE_GRANT, "refresh_token"],
                                    issuer_url=start_url, scopes=scopes)
    if cache is not None:
        cache.store_registration(key, registration)
    return registration


def can_interact(spec: CachedToken | SignIn, ctx: Context) -> bool:
    """Whether someone can finish a sign-in nobody asked for explicitly: a browser we may
    open, or a prompt channel that shows the device code to a person (the terminal, or
    /dev/tty under credential_process, whose stderr the SDK captures; see prompts/)."""
    browser = not spec.no_browser and not spec.use_device_code and ctx.browser_available()
    return browser or ctx.prompt.can_show()


def _oidc(region: str, ctx: Context) -> OidcApi:
    return OidcApi(ctx.clients.client("sso-oidc", region, None), ctx.log, ctx.clients.retry)


# --- what to run, and what is happening ------------------------------------------------------

def start_url_lock(cache: SsoCache, start_url: str,
                   ctx: Context) -> AbstractContextManager[None]:
    """The start URL's lock (sign-ins and refreshes are single-flight), its wait said on
    stderr and the prompt channel (waits.py)."""
    return waits.said(lambda on_wait: cache.lock(start_url, on_wait), waits.sign_in(start_url),
                      ctx)


# --- a sign-in asked for on its own (aws-login login) ---------------------------------------

def sign_in_to_cache(spec: SignIn, ctx: Context) -> SsoToken:
    """Sign in now, whatever the cache holds (a refused token looks valid there), and store the
    sign-in; single-flight with every other user of the start URL's lock."""
    cache = sso_cache(ctx)
    with start_url_lock(cache, spec.start_url, ctx):
        old = cache.load_token(spec.start_url)
        token = sign_in(spec, ctx, cache, old.region if old else None)
        cache.store_token(token)
    return token


# --- a token the portal refuses (401 UnauthorizedException) ---------------------------------

def cached_after_refusal(spec: CachedToken, refused: SsoToken, message: str,
                         ctx: Context) -> SsoToken:
    """The portal refused a token of aws-login's cache: drop it, then sign in again at once
    when the sign-in was asked for or a person can see it; else raise `message` with the
    command that signs in (token_sources.after_refusal)."""
    cache = sso_cache(ctx)
    start_url = refused.start_url
    with start_url_lock(cache, start_url, ctx):
        current = cache.load_token(start_url)
        if current is not None and current.access_token != refused.access_token:
            ctx.log("the cached sign-in was replaced meanwhile; using the new one")
            return current
        cache.drop_token(start_url)
        if spec.start_url is None or not (spec.asked or can_interact(spec, ctx)):
            raise OperationError(
                f"{message}; aws-login dropped it from its cache: sign in again with "
                + login_command(start_url, spec.region or refused.region or None))
        ctx.warn(f"the portal refused the cached sign-in for {start_url}; signing in again")
        fresh = sign_in(spec.sign_in(spec.start_url), ctx, cache, refused.region or None,
                        device_code_allowed=spec.asked or ctx.prompt.can_show())
        cache.store_token(fresh)
        return fresh
