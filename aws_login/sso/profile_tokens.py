"""The token of an SSO profile (sources/sso_profile.py): aws-login's own sign-in or the AWS
CLI's, whichever lasts longer; refreshed under the start URL's lock; signed in when neither
can serve and someone can finish a sign-in.

The two caches hold separate sign-ins unless one was exported (exportcache): a token read
from the AWS CLI's file is never copied into aws-login's cache, and a refresh writes the new
token back to every file of the same sign-in (sso/cli_cache.py), so neither tool is left
with a dead refresh token. A token the portal refuses (401) is dropped from either cache and
signed in again when someone can finish it (`profile_after_refusal`).
"""

from __future__ import annotations

from pathlib import Path

from aws_login.context import Context
from aws_login.errors import AwsCallError, OperationError
from aws_login.model import SsoToken
from aws_login.sso import cli_cache
from aws_login.sso.cache import SsoCache
from aws_login.sso.flows import refresh
from aws_login.sso.oidc import OidcApi
from aws_login.sso.token_sources import SignIn
from aws_login.sso.tokens import (
    REFRESH_WINDOW,
    can_interact,
    sign_in,
    sso_cache,
    start_url_lock,
)

# Where a candidate token came from: aws-login's cache (None) or an AWS CLI file.
Candidate = tuple[SsoToken, Path | None]


def profile_token(sign_in_spec: SignIn, session_name: str | None, advice: str,
                  ctx: Context) -> SsoToken:
    """A token for the sign-in of an SSO profile. `session_name`: its sso-session (None: a
    legacy profile); `advice`: the command that signs in, for the message when nobody can."""
    start_url = sign_in_spec.start_url
    cache = sso_cache(ctx)
    cli_file = cli_cache.file_for(cli_cache.folder(ctx.environ), session_name, start_url)
    best = _fresh(_candidates(start_url, cache, cli_file, ctx), ctx)
    if best is not None:
        return best
    with start_url_lock(cache, start_url, ctx):
        found = _candidates(start_url, cache, cli_file, ctx)
        best = _fresh(found, ctx)
        if best is not None:
            return best
        failure: AwsCallError | None = None
        for token, where in found:
            if not cli_cache.botocore_refreshes(token, ctx.now()):
                continue
            try:
                fresh = refresh(_oidc(token.region, ctx), token, ctx.now())
            except AwsCallError as exc:
                ctx.log(f"refresh of the token from {where or 'the cache'} failed: {exc.code}")
                failure = exc
                if exc.transient:
                    break
                continue
            ctx.log.add_secret(fresh.access_token, fresh.refresh_token)
            _write_back(token, fresh, where, cache, ctx)
            return fresh
        valid = [token for token, _ in found if token.expires_at > ctx.now()]
        if valid and failure is not None:
            ctx.warn(f"could not refresh the SSO sign-in for {start_url} ({failure.code}); "
                     f"using it until it expires at {valid[0].expires_at:%H:%M}Z")
            return valid[0]
        if failure is not None and failure.transient:
            raise failure
        if not can_interact(sign_in_spec, ctx):
            state = "has expired and cannot be refreshed" if found else "does not exist yet"
            raise OperationError(f"the sign-in for {start_url} {state} (no terminal here to "
                                 f"sign in from); sign in from a terminal: {advice}")
        token = sign_in(sign_in_spec, ctx, cache, device_code_allowed=ctx.prompt.can_show())
        cache.store_token(token)
        return token


def _candidates(start_url: str, cache: SsoCache, cli_file: Path,
                ctx: Context) -> list[Candidate]:
    """Both tokens for the start URL, the one that lasts longer first."""
    found: list[Candidate] = []
    own = cache.load_token(start_url)
    if own is not None:
        found.append((own, None))
    cli = cli_cache.read(cli_file, start_url, ctx.warn)
    if cli is not None:
        found.append((cli, cli_file))
    for token, _ in found:
        ctx.log.add_secret(token.access_token, token.refresh_token,
                           token.registration.client_secret if token.registration else None)
    return sorted(found, key=lambda candidate: candidate[0].expires_at, reverse=True)


def _fresh(found: list[Candidate], ctx: Context) -> SsoToken | None:
    for token, where in found:
        if token.expires_at - ctx.now() > REFRESH_WINDOW:
            ctx.log(f"SSO token from {where or 'the cache'}, valid until "
                    f"{token.expires_at:%H:%M}Z")
            return token
    return None


def _write_back(spent: SsoToken, fresh: SsoToken, where: Path | None, cache: SsoCache,
                ctx: Context) -> None:
    """The refreshed token goes where the spent one was, and to every other file of the same
    sign-in (same client registration: an exported sign-in is in both caches)."""
    own = cache.load_token(spent.start_url)
    if where is None or (own is not None and own.registration is not None
                         and spent.registration is not None
                         and own.registration.client_id == spent.registration.client_id):
        cache.store_token(fresh)
        ctx.log("SSO token refreshed and stored in the cache")
    for path in cli_cache.follow_refresh(cli_cache.folder(ctx.environ), spent, fresh):
        ctx.log(f"SSO token refreshed and written back to {path}")


def _oidc(region: str, ctx: Context) -> OidcApi:
    return OidcApi(ctx.clients.client("sso-oidc", region, None), ctx.log, ctx.clients.retry)


def profile_after_refusal(sign_in_spec: SignIn, session_name: str | None, refused: SsoToken,
                          message: str, advice: str, ctx: Context) -> SsoToken:
    """The portal refused the profile's token (401: revoked, signed out elsewhere), which is
    treated like an expired one: it is dropped from wherever it was (aws-login's cache, or
    the AWS CLI's file: it is worthless to every tool, and a later-expiring dead token would
    win over every new sign-in), then the other valid token serves, else a sign-in when
    someone can finish it, else `message` with `advice` (the command that signs in)."""
    start_url = sign_in_spec.start_url
    cache = sso_cache(ctx)
    cli_file = cli_cache.file_for(cli_cache.folder(ctx.environ), session_name, start_url)
    with start_url_lock(cache, start_url, ctx):
        others: list[Candidate] = []
        for token, where in _candidates(start_url, cache, cli_file, ctx):
            if token.access_token != refused.access_token:
                others.append((token, where))
            elif where is None:
                cache.drop_token(start_url)
            else:
                try:
                    where.unlink()
                except OSError as exc:
                    ctx.log(f"cannot remove the refused token's {where}: {exc.strerror}")
                else:
                    ctx.log(f"removed the refused token's {where}")
        best = _fresh(others, ctx)
        if best is not None:
            return best
        if not can_interact(sign_in_spec, ctx):
            raise OperationError(f"{message}; aws-login dropped it: sign in again with "
                                 f"{advice}")
        ctx.warn(f"the portal refused the sign-in for {start_url}; signing in again")
        token = sign_in(sign_in_spec, ctx, cache, device_code_allowed=ctx.prompt.can_show())
        cache.store_token(token)
        return token
