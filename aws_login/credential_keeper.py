"""The credentials a credential server hands out: held in memory and kept fresh by running
the whole plan again (acquire.acquire: SSO refresh, role credentials, session step, every
hop) in one background thread, ahead of the SDKs' own refresh window. A plan with an MFA
device keeps its MFA session (mfa_session.py), so a renewal asks for no code until it ends.

botocore refreshes container credentials 15 minutes (advisory) and 10 minutes (mandatory)
before they expire, so a re-acquisition starts when less than 20 minutes or half their
lifetime remain, whichever comes first. `AWS_LOGIN_SERVER_REFRESH_LEAD=SECONDS` (a hidden
test setting) replaces that lead, so that 900-second credentials can be renewed every few
seconds. Requests never wait for an acquisition: `current()` answers from memory at once and
only wakes the thread (single flight: only that thread ever acquires).
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from aws_login.context import Context
from aws_login.errors import AwsLoginError, OperationError
from aws_login.mfa_session import Keep
from aws_login.model import Acquired, Credentials, Plan
from aws_login.record import replace

DEFAULT_LEAD = timedelta(minutes=20)
LEAD_VARIABLE = "AWS_LOGIN_SERVER_REFRESH_LEAD"


def refresh_lead(lifetime: timedelta, setting: str | None) -> timedelta:
    """How long before expiry to re-acquire: the test setting, else 20 min or half the
    lifetime, whichever is shorter."""
    if setting:
        return timedelta(seconds=float(setting))
    return min(DEFAULT_LEAD, lifetime / 2)


def _without_spent_code(plan: Plan) -> Plan:
    """The plan renewals run: a --mfa-token code is good for one STS call, which the first
    acquisition made. A renewal that needs a code (a new MFA session, or a start without one)
    asks --mfa-process, the YubiKey or the person, or fails saying that nobody can be asked;
    sending STS the spent code would fail as an MFA failure, again at every retry."""
    if plan.mfa is None or plan.mfa.token is None:
        return plan
    return replace(plan, mfa=replace(plan.mfa, token=None))


class Keeper:
    """The current credentials and the one thread that renews them.

    `changed` is notified after every attempt, so a test can wait for a state (say
    `refreshes >= 3`) instead of for time."""

    def __init__(self, plan: Plan, ctx: Context, first: Acquired, keep: Keep) -> None:
        self._plan = _without_spent_code(plan)
        self._ctx = ctx
        self._keep = keep  # the MFA session: the first acquisition's, used by every renewal
        self._lead_setting = ctx.environ.get(LEAD_VARIABLE)
        self.changed = threading.Condition()
        self._wake = threading.Event()
        self._stopped = False
        self._thread: threading.Thread | None = None
        self.refreshes = 0  # successful re-acquisitions
        self.failures = 0  # failed attempts in the current streak
        self.renewing = False  # a renewal is under way (stop() does not wait for it)
        self._set(first.credentials)

    def _set(self, creds: Credentials) -> None:
        if creds.expiration is None or creds.session_token is None:
            raise OperationError("a credential server needs temporary credentials; these are "
                                f"{creds.kind.value} without an expiry: add --assume-roles "
                                "ROLE_ARN or --get-session-token")
        now = self._ctx.now()
        self._creds = creds
        self._expiration: datetime = creds.expiration
        self._due = creds.expiration - refresh_lead(creds.expiration - now, self._lead_setting)

    def current(self) -> Credentials | None:
        """The credentials to hand out now, or None once they have expired; wakes the
        renewing thread when a renewal is due."""
        with self.changed:
            creds, expiration, due = self._creds, self._expiration, self._due
        now = self._ctx.now()
        if now >= due:
            self._wake.set()
        return creds if now < expiration else None

    @property
    def expiration(self) -> datetime:
        with self.changed:
            return self._expiration

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="aws-login-keeper", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop renewing. A renewal under way is not waited for (it may be retrying STS or
        waiting for an MFA code): its result is no longer needed, and the thread is a daemon.
        Abandoning it leaves no half-written file: every file it writes (the session cache,
        a refreshed sign-in) is written atomically (files.write_private)."""
        with self.changed:
            self._stopped = True
            renewing = self.renewing
        self._wake.set()
        if renewing or self._thread is None or self._thread.ident is None:
            return  # (Ctrl-C may come between creating the thread and starting it)
        self._thread.join(timeout=5)  # only waiting for the wake-up: ends at once

    def _run(self) -> None:
        while True:
            with self.changed:
                if self._stopped:
                    return
                # Decided under the lock that stop() takes: it either sees the renewal
                # coming or has set _stopped before it could start.
                wait = (self._due - self._ctx.now()).total_seconds()
                self.renewing = wait <= 0
            if wait > 0:
                # An Event, not ctx.sleep: stop() and a request that finds a renewal due
                # must be able to cut the wait short.
                self._wake.wait(wait)
                self._wake.clear()
                continue
            try:
                self._renew()
            finally:
                with self.changed:
                    self.renewing = False
                    self.changed.notify_all()

    def _renew(self) -> None:
        try:
            from aws_login.acquire import acquire, acquire_fresh

            acquired = acquire(self._plan, self._ctx, self._keep, renewal=True)
            with self.changed:
                held = self._creds.access_key_id
            if acquired.credentials.access_key_id == held:
                # --use-cache handed back the very credentials we hold (the session cache
                # serves them down to 15 minutes before expiry): get new ones.
                acquired = acquire_fresh(self._plan, self._ctx, self._keep, renewal=True)
            with self.changed:
                self._set(acquired.credentials)
                self.refreshes += 1
                recovered = self.failures > 0
                self.failures = 0
                self.changed.notify_all()
            self._ctx.log(f"credentials renewed, valid until {acquired.credentials.expiration}")
            if recovered:
                self._ctx.warn("the credentials are renewed again")
        except Exception as exc:  # the thread must survive anything and keep serving
            reason = str(exc) if isinstance(exc, AwsLoginError) else type(exc).__name__
            with self.changed:
                self.failures += 1
                first = self.failures == 1
                pause = self._ctx.retry.delay(min(self.failures, 6))
                self._due = self._ctx.now() + timedelta(seconds=pause)
                expiration = self._expiration
                self.changed.notify_all()
            if first:
                from aws_login.render import format_expiration

                self._ctx.warn(f"could not renew the credentials ({reason}); serving the "
                               f"current ones until {format_expiration(expiration)} and "
                               "trying again")
