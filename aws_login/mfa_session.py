"""The MFA session: one MFA code spent on a GetSessionToken session that is kept and signs the
hops, so that a plan acquired again and again asks for a code once per session, not once per
role session (aws-vault's rule).

Without it, a plan with --mfa-serial and --assume-roles sends the code with the first
AssumeRole, and every renewal (a credential server's, every hour; --use-cache's, whenever the
role session ends) needs a new code. With it, the first acquisition calls GetSessionToken with
the code (for --mfa-session-duration, default 12 hours), keeps that session and signs hop 1 with
it; later acquisitions sign the hops with the kept session and ask nothing. The trust policies'
MFA condition still holds: a session GetSessionToken got with MFA carries
aws:MultiFactorAuthPresent into the AssumeRole it signs.

A session is kept where the plan is renewed: in memory for a credential server (`InMemory`),
in the session cache with --use-cache (`InSessionCache`, shared by every aws-login process
and every role of that start). A plan that is acquired once keeps nothing and sends the code
with its first call, one STS call fewer.

GetSessionToken needs an IAM user's long-term keys. When the start turns out to be a role
session (a profile of temporary keys, say), the code goes with the first hop as before and is
asked at each renewal.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import timedelta
from typing import TYPE_CHECKING, Protocol

from aws_login.context import Context
from aws_login.model import Acquired, Credentials, Plan, SessionStep, SessionStepKind
from aws_login.record import replace

if TYPE_CHECKING:
    from aws_login.credentials_cache import CredentialsCache

DEFAULT_SECONDS = 43200  # GetSessionToken's own default: one code per working day
# A kept session this close to its end is not used: the hops it signs would need it no more,
# but a session that ends while the person types nothing is the honest moment to ask again.
MIN_REMAINING = timedelta(minutes=15)


class Keep(Protocol):
    """Where a plan's MFA session is kept between acquisitions."""

    def held(self, ctx: Context) -> AbstractContextManager[None]:
        """Held while a session is looked up and, on a miss, bought: one code at a time."""

    def load(self, ctx: Context) -> Credentials | None:
        """The kept session, if it has more than MIN_REMAINING left."""

    def store(self, session: Credentials, ctx: Context) -> None:
        """Keep a new session."""

    def ended(self, ctx: Context) -> bool:
        """Whether a session this process kept is over (`load` found none): why a renewal
        asks for a code. False when not known."""


def applies(plan: Plan) -> bool:
    """A plan whose code can buy a kept session: an MFA device, hops to sign, and no
    GetFederationToken step (which takes no MFA; build_plan refuses that pair anyway). A plan
    of GetSessionToken alone needs none: its final credentials are the session."""
    return (plan.mfa is not None and bool(plan.hops)
            and (plan.session_step is None
                 or plan.session_step.kind is SessionStepKind.SESSION_TOKEN))


def session_step(plan: Plan) -> SessionStep:
    """The GetSessionToken step that buys the session: the plan's own, else one of
    --mfa-session-duration (default DEFAULT_SECONDS)."""
    assert plan.mfa is not None
    duration = plan.mfa.session_duration
    if plan.session_step is not None and plan.session_step.duration is not None:
        duration = plan.session_step.duration
    return SessionStep(SessionStepKind.SESSION_TOKEN,
                       DEFAULT_SECONDS if duration is None else duration)


class InMemory:
    """The session of a credential server, for its lifetime."""

    def __init__(self) -> None:
        import threading

        self._session: Credentials | None = None
        self._lock = threading.Lock()

    @contextmanager
    def held(self, ctx: Context) -> Iterator[None]:
        with self._lock:
            yield

    def load(self, ctx: Context) -> Credentials | None:
        session = self._session
        if session is None or session.expiration is None:
            return None
        return session if session.expiration - ctx.now() > MIN_REMAINING else None

    def store(self, session: Credentials, ctx: Context) -> None:
        self._session = session

    def ended(self, ctx: Context) -> bool:
        return self._session is not None and self.load(ctx) is None


class InSessionCache:
    """The session in the session cache (--use-cache), under its own key: shared by other
    aws-login processes and by every role reached from the same start."""

    def __init__(self, plan: Plan, cache: CredentialsCache, ctx: Context) -> None:
        from aws_login.credentials_cache import describe_plan, mfa_session_key
        from aws_login.sources.role_profile import session_start

        assert plan.mfa is not None
        self._cache = cache
        self._key = mfa_session_key(plan, ctx.environ)
        self._region = plan.region
        # What the session is bought from (a role profile's: its keys' profile), as `status`
        # shows it: the session serves every role of that start, not only this plan's.
        self._description = describe_plan(replace(plan, start=session_start(plan.start),
                                                  hops=(), session_step=session_step(plan)))
        self._description["Identity"] = f"MFA session of {plan.mfa.serial}"

    @contextmanager
    def held(self, ctx: Context) -> Iterator[None]:
        from aws_login import waits

        with waits.said(lambda on_wait: self._cache.lock(self._key, on_wait),
                        waits.SAME_MFA_SESSION, ctx):
            yield

    def load(self, ctx: Context) -> Credentials | None:
        hit = self._cache.load(self._key, ctx.now())
        return None if hit is None else hit.credentials

    def store(self, session: Credentials, ctx: Context) -> None:
        self._cache.store(self._key, Acquired(session, self._region), ctx.now(),
                          self._description)

    def ended(self, ctx: Context) -> bool:
        return False  # the cache may have been cleared, or its session bought by another
