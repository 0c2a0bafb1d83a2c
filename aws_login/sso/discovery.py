"""Find every account and role an SSO token can reach: ListAccounts page by page, then
ListAccountRoles for all accounts at once, as fast as the portal allows and no faster.

Calls run on a thread pool behind an adaptive limit on calls in flight (the way TCP paces a
connection): it doubles per round until the first TooManyRequestsException, then halves on
throttling and grows by about one per round of successes; once throttled, call starts are
also paced just under the rate the portal accepted. A throttled call waits a jittered,
growing delay and is tried again, so a throttling portal costs time, never a failed run.
The retries follow the retry policy (its clock, sleep, random source and table of throttling
and transient errors), with discovery's own patience: see `paced`. botocore's own retries
are off for these calls (clients.AwsClients builds clients so): two retry loops would hide
the 429s this limiter must see.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from functools import partial
from typing import TypeVar

from aws_login.errors import AwsCallError, OperationError
from aws_login.retry import Failure, RetryPolicy
from aws_login.sso.portal import Account, PortalApi, TokenRefused

T = TypeVar("T")

DEFAULT_CONCURRENCY = 32
INITIAL_LIMIT = 4
THROTTLE_ATTEMPTS = 15  # with the pauses below: about 40 s of patience per call
TRANSIENT_ATTEMPTS = 3
BACKOFF_BASE = 0.2  # seconds before the first retry at most; doubles per retry, full jitter
BACKOFF_CAP = 8.0
# Once throttled: pace at this share of the calls accepted in the last second, then add
# RATE_INCREASE calls/s or RATE_GROWTH of the rate (the larger) per second of success.
RATE_BACKOFF = 0.9
RATE_INCREASE = 0.5
RATE_GROWTH = 0.05
MIN_RATE = 0.5
MAX_PAGES = 10_000  # a portal that repeats a next token must not loop forever


@dataclass
class CallStats:
    """What discovery cost: portal calls made, answered 429, and failed for good."""

    calls: int = 0
    throttled: int = 0
    failed: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count(self, *, throttled: bool = False, failed: bool = False) -> None:
        with self._lock:
            self.calls += 1
            self.throttled += throttled
            self.failed += failed


class AdaptiveLimit:
    """At most `limit` calls in flight: slow start, then additive increase, and halving on
    throttling. Once throttled it also paces call starts at a rate just under what the
    portal accepted in the last second, growing slowly, so it settles below the portal's
    limit instead of bouncing off it. Thread-safe."""

    def __init__(self, maximum: int, initial: int = INITIAL_LIMIT,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.maximum = max(1, maximum)
        self._limit = float(min(initial, self.maximum))
        self._threshold = float(self.maximum)  # slow start until the first throttle
        self._in_flight = 0
        self._epoch = 0  # bumped on each decrease
        self._rate: float | None = None  # calls per second; None: not paced
        self._next_start = 0.0
        self._successes: deque[float] = deque()  # when calls succeeded, the last second
        self._clock = clock
        self._cond = threading.Condition()

    @property
    def limit(self) -> int:
        return int(self._limit)

    @property
    def rate(self) -> float | None:
        return self._rate

    def acquire(self) -> tuple[int, float]:
        """Wait for a free slot; returns the epoch the call starts in and how long to wait
        before starting it (the pacing)."""
        with self._cond:
            while self._in_flight >= int(self._limit):
                self._cond.wait()
            self._in_flight += 1
            delay = 0.0
            if self._rate is not None:
                now = self._clock()
                start = max(now, self._next_start)
                self._next_start = start + 1.0 / self._rate
                delay = start - now
            return self._epoch, delay

    def release(self, epoch: int, outcome: str) -> None:
        """outcome: "ok", "throttled" or "error" (no change to the limit)."""
        with self._cond:
            self._in_flight -= 1
            now = self._clock()
            while self._successes and self._successes[0] <= now - 1.0:
                self._successes.popleft()
            if outcome == "throttled":
                # Calls started before the last decrease carry old news: one decrease per
                # round, not one per 429 of a burst.
                if epoch == self._epoch:
                    self._threshold = max(1.0, self._limit / 2)
                    self._limit = self._threshold
                    accepted = len(self._successes)
                    if accepted:
                        self._rate = max(MIN_RATE, RATE_BACKOFF * accepted)
                    elif self._rate is not None:  # nothing got through: no measure, halve
                        self._rate = max(MIN_RATE, self._rate / 2)
                    self._epoch += 1
            elif outcome == "ok":
                self._successes.append(now)
                step = 1.0 if self._limit < self._threshold else 1.0 / self._limit
                self._limit = min(float(self.maximum), self._limit + step)
                if self._rate is not None:  # per second: + the larger of 0.5/s and 5%
                    self._rate += max(RATE_INCREASE, RATE_GROWTH * self._rate) / self._rate
            self._cond.notify_all()


class Cancelled(Exception):
    """Another call failed; this one is not worth making."""


def paced(policy: RetryPolicy) -> RetryPolicy:
    """The retry policy with discovery's patience: throttling is waited out far longer than
    an outage, and with full jitter (callers throttled together must not come back together).
    No time budget: the limiter's pacing waits on the same clock, and the attempts bound the
    retries' time."""
    return replace(policy, attempts=TRANSIENT_ATTEMPTS, throttled_attempts=THROTTLE_ATTEMPTS,
                   base=BACKOFF_BASE, cap=BACKOFF_CAP, jitter=1.0, budget=math.inf)


@dataclass
class Pacer:
    """Runs portal calls through the limit, retrying throttled and transient failures.
    `policy`: the context's retry policy; the pacer uses it `paced`."""

    limit: AdaptiveLimit
    stats: CallStats
    policy: RetryPolicy
    stop: threading.Event = field(default_factory=threading.Event)
    retry: RetryPolicy = field(init=False)

    def __post_init__(self) -> None:
        self.retry = paced(self.policy)

    def call(self, fn: Callable[[], T]) -> T:
        attempts = self.retry.start()
        while True:
            if self.stop.is_set():
                raise Cancelled()
            epoch, delay = self.limit.acquire()
            if delay > 0:
                self.retry.sleep(delay)
            try:
                result = fn()
            except AwsCallError as exc:
                pause = attempts.next_delay(exc)
                throttled = attempts.kind is Failure.THROTTLED
                self.limit.release(epoch, "throttled" if throttled else "error")
                self.stats.count(throttled=throttled, failed=pause is None)
                if pause is None:
                    if throttled:
                        raise OperationError(
                            f"{exc.operation}: still throttled after {attempts.throttled} "
                            "tries; the portal is busy: retry later, or lower "
                            "--max-concurrency") from None
                    raise
                self.retry.sleep(pause)
                continue
            except BaseException:
                self.limit.release(epoch, "error")
                self.stats.count(failed=True)
                raise
            self.limit.release(epoch, "ok")
            self.stats.count()
            return result


@dataclass(frozen=True)
class AccountRoles:
    account: Account
    roles: tuple[str, ...]


ProgressFn = Callable[[int, int, bool], None]  # (accounts done, accounts found, all found)


def discover(portal: PortalApi, access_token: str, retry: RetryPolicy, *,
             max_concurrency: int = DEFAULT_CONCURRENCY, progress: ProgressFn | None = None,
             stats: CallStats | None = None) -> list[AccountRoles]:
    """Every account with the roles the token may use there, in ListAccounts order.
    `retry`: the context's retry policy (its clock also paces the limiter)."""
    pacer = Pacer(AdaptiveLimit(max_concurrency, clock=retry.clock), stats or CallStats(),
                  retry)
    report = progress or (lambda done, found, complete: None)
    accounts: list[Account] = []
    futures: list[Future[tuple[str, ...]]] = []
    done = 0
    listed = False  # every ListAccounts page is in
    done_lock = threading.Lock()

    def roles_of(account: Account) -> tuple[str, ...]:
        nonlocal done
        roles = _all_pages(pacer, partial(portal.list_account_roles, access_token,
                                          account.account_id))
        with done_lock:
            done += 1
            report(done, len(accounts), listed)
        return tuple(dict.fromkeys(roles))  # a role listed twice is one profile

    # The pool starts listing an account's roles as soon as its ListAccounts page arrives.
    pool = ThreadPoolExecutor(max_workers=pacer.limit.maximum, thread_name_prefix="discovery")
    try:
        token: str | None = None
        for _ in range(MAX_PAGES):
            page, token = pacer.call(partial(portal.list_accounts, access_token, token))
            for account in page:
                accounts.append(account)
                futures.append(pool.submit(roles_of, account))
            listed = token is None
            report(done, len(accounts), listed)
            if listed:
                break
        else:
            raise OperationError("SSO ListAccounts: the portal never ended its list of pages")
        finished, _ = wait(futures, return_when=FIRST_EXCEPTION)
        for future in futures:  # the first failure in account order, for a stable message
            error = future.exception() if future in finished else None
            if error is not None:
                raise error
        report(len(accounts), len(accounts), True)
        return [AccountRoles(account, future.result())
                for account, future in zip(accounts, futures, strict=True)]
    finally:
        pacer.stop.set()  # on failure or Ctrl-C: queued calls are not made
        pool.shutdown(wait=False, cancel_futures=True)


def _all_pages(pacer: Pacer,
               fetch: Callable[[str | None], tuple[list[str], str | None]]) -> list[str]:
    items: list[str] = []
    token: str | None = None
    for _ in range(MAX_PAGES):
        page, token = pacer.call(partial(fetch, token))
        items.extend(page)
        if token is None:
            return items
    raise OperationError("SSO ListAccountRoles: the portal never ended its list of pages")


def explain(exc: AwsCallError) -> OperationError:
    """What the user can do about a failed discovery call. A refused token is TokenRefused:
    the token's source says what to do (token_sources.after_refusal), as for the credential
    commands."""
    if exc.code == "UnauthorizedException":
        return TokenRefused(f"{exc.operation}: the portal refused the SSO sign-in (revoked, "
                            "signed out elsewhere, or expired early)")
    return exc
