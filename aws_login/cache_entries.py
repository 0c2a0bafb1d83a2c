"""The entries of aws-login's caches as `aws-login status` lists them and `clearcache --entry`
drops them: the SSO sign-ins (sso/cache.py), the sessions (credentials_cache.py) and the
JumpCloud assertions kept a few minutes (jumpcloud/assertion_cache.py), each with a short id
made from its file name. Plain data, never a secret."""

from __future__ import annotations

import shutil
from datetime import datetime
from typing import Any

from aws_login.context import Context
from aws_login.errors import OperationError, UsageError
from aws_login.sso.tokenfile import format_timestamp

SIGN_IN_PREFIX = "sso-"
SESSION_PREFIX = "session-"
JUMPCLOUD_PREFIX = "jumpcloud-"
ID_LENGTH = 12  # hex digits of the entry's file name: enough to tell entries apart


def entries(ctx: Context) -> dict[str, list[dict[str, Any]]]:
    """The cached sign-ins and sessions as plain data (what --json prints)."""
    from aws_login.credentials_cache import CredentialsCache
    from aws_login.sso.cache import cache_key
    from aws_login.sso.tokens import sso_cache

    now = ctx.now()
    sign_ins = [{
        "id": SIGN_IN_PREFIX + cache_key(token.start_url)[:ID_LENGTH],
        "start_url": token.start_url,
        "region": token.region,
        "expires_at": format_timestamp(token.expires_at),
        "expired": token.expires_at <= now,
        "refreshable": token.refreshable,
    } for token in sorted(sso_cache(ctx).tokens(), key=lambda token: token.start_url)]
    sessions = []
    found = CredentialsCache(ctx.cache_dir / "sessions", ctx.warn).entries()
    for key, acquired, plan in sorted(found, key=lambda item: _expiry(item[1].credentials
                                                                        .expiration)):
        expiration = acquired.credentials.expiration
        sessions.append({
            "id": SESSION_PREFIX + key[:ID_LENGTH],
            "start": "unknown" if plan is None else plan.get("Start"),
            "start_details": {} if plan is None else plan.get("StartDetails"),
            "session_step": None if plan is None else plan.get("SessionStep"),
            "hops": None if plan is None else plan.get("Hops"),
            "identity": None if plan is None else plan.get("Identity"),
            "region": acquired.region,
            "expires_at": None if expiration is None else format_timestamp(expiration),
            "expired": expiration is not None and expiration <= now,
        })
    from aws_login.jumpcloud.assertion_cache import AssertionCache

    assertions = [{
        "id": JUMPCLOUD_PREFIX + name[:ID_LENGTH],
        "idp_url": entry.idp_url,
        "email": entry.email,
        "expires_at": format_timestamp(entry.expires_at),
        "expired": entry.expires_at <= now,
    } for name, entry in sorted(AssertionCache(ctx.cache_dir).entries(),
                                key=lambda item: item[1].expires_at)]
    return {"sign_ins": sign_ins, "sessions": sessions, "jumpcloud_assertions": assertions}


def _expiry(expiration: datetime | None) -> str:
    return "" if expiration is None else expiration.isoformat()


def drop(entry_id: str, ctx: Context) -> str:
    """Remove the one entry `entry_id` names (a unique prefix of an id status shows); returns
    what was removed, for the message."""
    from aws_login.credentials_cache import CredentialsCache
    from aws_login.sso.cache import cache_key
    from aws_login.sso.tokens import sso_cache, start_url_lock

    wanted = entry_id.strip()
    if not wanted.startswith((SIGN_IN_PREFIX, SESSION_PREFIX, JUMPCLOUD_PREFIX)) or len(
            wanted) <= len(SIGN_IN_PREFIX):
        raise UsageError(f"--entry {entry_id[:80]!r} is not an entry id; use one that "
                         "aws-login status shows, e.g. --entry sso-1a2b3c4d5e6f")
    found = entries(ctx)
    matches = [entry for entry in (*found["sign_ins"], *found["sessions"],
                                   *found["jumpcloud_assertions"])
               if entry["id"].startswith(wanted)]
    if not matches:
        raise UsageError(f"--entry {wanted}: no such entry in the cache; aws-login status "
                         "lists them")
    if len(matches) > 1:
        raise UsageError(f"--entry {wanted} matches {len(matches)} entries; give more of the id")
    entry = matches[0]
    if entry["id"].startswith(SIGN_IN_PREFIX):
        cache = sso_cache(ctx)
        url = entry["start_url"]
        with start_url_lock(cache, url, ctx):
            cache.drop_token(url)
        ctx.log(f"removed {cache.folder / (cache_key(url) + '.json')}")
        return f"the SSO sign-in for {url}"
    if entry["id"].startswith(JUMPCLOUD_PREFIX):
        from aws_login.jumpcloud.assertion_cache import AssertionCache

        kept = AssertionCache(ctx.cache_dir)
        name = next(name for name, _ in kept.entries()
                    if JUMPCLOUD_PREFIX + name[:ID_LENGTH] == entry["id"])
        kept.drop(name)
        return f"the JumpCloud assertion of {entry['email']} for {entry['idp_url']}"
    sessions = CredentialsCache(ctx.cache_dir / "sessions", ctx.warn)
    key = next(key for key, _, _ in sessions.entries()
               if SESSION_PREFIX + key[:ID_LENGTH] == entry["id"])
    sessions.drop(key)
    # The fast path's copies are keyed by command line, not by entry: drop them all, or one
    # could still answer the identical credential_process call (it is only a cache).
    fast = ctx.cache_dir / "sessions" / "fast"
    try:
        if fast.is_dir() and not fast.is_symlink():
            shutil.rmtree(fast)
    except OSError as exc:
        raise OperationError(f"cannot remove {fast}: {exc.strerror or exc}") from None
    return f"the session {entry['id']}"
