"""Acquire a Plan's final credentials: from the credentials cache when the plan allows it,
else by resolving the start and running the steps (chain.py).

With --use-cache, a hit answers without any network call or MFA prompt; a miss takes a lock
per key, so that concurrent processes asking for the same identity fetch it once (and the
others say that they wait: waits.py).
"""

from __future__ import annotations

from aws_login import region as regions
from aws_login import waits
from aws_login.chain import run_steps
from aws_login.context import Context
from aws_login.mfa import with_mfa_code
from aws_login.model import Acquired, Plan
from aws_login.sources import resolve_start


def acquire(plan: Plan, ctx: Context) -> Acquired:
    """Turn a validated Plan into the final credentials (from the cache with --use-cache)."""
    if not plan.use_cache:
        return acquire_fresh(plan, ctx)
    from aws_login.credentials_cache import CredentialsCache, cache_key, describe_plan

    cache = CredentialsCache(ctx.cache_dir / "sessions", ctx.warn)
    key = cache_key(plan, ctx.environ)
    hit = cache.load(key, ctx.now())
    if hit is not None:
        ctx.log("final credentials from the session cache")
        return hit
    # Taken before any SSO lock: a second identical request waits here while the first one
    # signs in, so this wait must say so too.
    with waits.said(lambda on_wait: cache.lock(key, on_wait), waits.SAME_CREDENTIALS, ctx):
        hit = cache.load(key, ctx.now())  # another process may have stored them meanwhile
        if hit is not None:
            ctx.log("final credentials stored by another process")
            return hit
        acquired = acquire_fresh(plan, ctx)
        if cache.store(key, acquired, ctx.now(), describe_plan(plan)):
            ctx.log("final credentials stored in the session cache")
        else:
            ctx.log(cache.why_not_stored(acquired))
        return acquired


def acquire_fresh(plan: Plan, ctx: Context) -> Acquired:
    """Run the Plan without the cache: the MFA code, the start, then the steps."""
    mfa = with_mfa_code(plan, ctx)
    if plan.region is not None:
        ctx.clients.use_region(plan.region)  # a role profile's own AssumeRole needs it too
    start = resolve_start(plan.start, ctx)
    if not plan.session_step and not plan.hops:
        return Acquired(start, plan.region)
    choice = regions.chosen(plan.region, plan.start.profile, ctx)
    sts_region = regions.in_partition(choice, plan.partition, "the role chain")
    ctx.log(f"STS region {sts_region}")
    return Acquired(run_steps(start, plan, mfa, lambda c, r: ctx.clients.sts(c, r),
                              sts_region, ctx), None if choice is None else choice.region)
