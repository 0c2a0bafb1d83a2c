"""Acquire a Plan's final credentials: from the credentials cache when the plan allows it,
else by resolving the start and running the steps (chain.py).

With --use-cache, a hit answers without any network call or MFA prompt; a miss takes a lock
per key, so that concurrent processes asking for the same identity fetch it once (and the
others say that they wait: waits.py).

A plan renewed again and again (--use-cache, a credential server) keeps its MFA session
(mfa_session.py): the code is asked once per session, not once per role session.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_login import region as regions
from aws_login import waits
from aws_login.chain import run_steps
from aws_login.context import Context
from aws_login.mfa import renewal_reason as mfa_renewal_reason
from aws_login.mfa import with_mfa_code
from aws_login.model import Acquired, Credentials, MfaInput, Plan
from aws_login.record import replace
from aws_login.sources import resolve_start

if TYPE_CHECKING:  # the MFA session's module loads only for plans with an MFA device
    from aws_login import mfa_session


def acquire(plan: Plan, ctx: Context, keep: mfa_session.Keep | None = None, *,
            renewal: bool = False) -> Acquired:
    """Turn a validated Plan into the final credentials (from the cache with --use-cache).
    `keep` holds the MFA session of a plan that will be acquired again (a credential
    server's memory); with --use-cache the session cache keeps it instead. `renewal`: a
    credential server's renewal, which says why before it asks for an MFA code."""
    if not plan.use_cache:
        return acquire_fresh(plan, ctx, keep, renewal=renewal)
    from aws_login.credentials_cache import CredentialsCache, cache_key, describe_plan

    cache = CredentialsCache(ctx.cache_dir / "sessions", ctx.warn)
    if plan.mfa is not None:
        from aws_login import mfa_session

        if mfa_session.applies(plan):
            keep = mfa_session.InSessionCache(plan, cache, ctx)
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
        acquired = acquire_fresh(plan, ctx, keep, renewal=renewal)
        if cache.store(key, acquired, ctx.now(), describe_plan(plan)):
            ctx.log("final credentials stored in the session cache")
        else:
            ctx.log(cache.why_not_stored(acquired))
        return acquired


def acquire_fresh(plan: Plan, ctx: Context, keep: mfa_session.Keep | None = None, *,
                  renewal: bool = False) -> Acquired:
    """Run the Plan without the credentials cache: the MFA code, the start, then the steps
    (the hops signed by the kept MFA session when there is one)."""
    serial = "" if plan.mfa is None else plan.mfa.serial
    from_kept = False
    if keep is not None:  # a plan without one never loads the MFA session's module
        from aws_login import mfa_session

        from_kept = mfa_session.applies(plan)
    if keep is None or not from_kept:
        why = mfa_renewal_reason(serial, False) if renewal else None
        mfa = with_mfa_code(plan, ctx, why)
        return _run_steps(_start(plan, ctx), plan, mfa, ctx)
    with keep.held(ctx):
        session = keep.load(ctx)
        if session is None:
            why = mfa_renewal_reason(serial, keep.ended(ctx)) if renewal else None
            mfa = with_mfa_code(plan, ctx, why)
            start = _start(plan, ctx)
            if not start.is_long_term:
                ctx.log("no MFA session: GetSessionToken needs an IAM user's keys; the code "
                        "goes with the first hop, and is asked again at each renewal")
                return _run_steps(start, plan, mfa, ctx)
            buy = replace(plan, session_step=mfa_session.session_step(plan), hops=())
            session = _run_steps(start, buy, mfa, ctx).credentials
            keep.store(session, ctx)
            ctx.log(f"MFA session kept until {session.expiration}")
        else:
            ctx.log("hops signed by the kept MFA session")
    return _run_steps(session, replace(plan, session_step=None), None, ctx)


def _start(plan: Plan, ctx: Context) -> Credentials:
    if plan.region is not None:
        ctx.clients.use_region(plan.region)  # a role profile's own AssumeRole needs it too
    return resolve_start(plan.start, ctx)


def _run_steps(start: Credentials, plan: Plan, mfa: MfaInput | None,
               ctx: Context) -> Acquired:
    if not plan.session_step and not plan.hops:
        return Acquired(start, plan.region)
    choice = regions.chosen(plan.region, plan.start.profile, ctx)
    sts_region = regions.in_partition(choice, plan.partition, "the role chain")
    ctx.log(f"STS region {sts_region}")
    return Acquired(run_steps(start, plan, mfa, lambda c, r: ctx.clients.sts(c, r),
                              sts_region, ctx), None if choice is None else choice.region)
