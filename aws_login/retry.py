"""The one retry policy of every network call: STS, SSO OIDC and portal, discovery and the
sign-in federation endpoint.

A failed attempt is tried again only when it is worth it: the failure is an AwsCallError
that is transient (network, HTTP 5xx or 429, a garbled answer, a code of the one table
below). The pause before retry N grows as `base * 2 ** (N - 1)` up to `cap`, and a share
`jitter` of it is random, so processes throttled together do not come back together. No
retry starts once the pause would end beyond `budget` seconds after the first attempt.

The clock, the sleep and the random source come in together (the Context's), so a test that
fakes the sleep fakes the clock the budget runs on as well. Turning botocore's exceptions into
AwsCallError is not done here: see aws_errors.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from aws_login.errors import AwsCallError

if TYPE_CHECKING:
    import random

T = TypeVar("T")

# With the defaults, a transient failure is tried 5 times in all, after pauses of 0.25-0.5 s,
# 0.5-1 s, 1-2 s and 2-4 s: a dead endpoint costs at most about RETRY_BUDGET + a read timeout.
ATTEMPTS = 5
BACKOFF_BASE = 0.5
BACKOFF_CAP = 8.0
EQUAL_JITTER = 0.5  # half of each pause is random: each caller still backs off
RETRY_BUDGET = 40.0

# The one table of error codes worth another try, whatever the HTTP status: botocore's
# standard retry mode's throttling and transient codes, and the SSO services' server errors
# (which a portal or a test fake may send with HTTP 400).
THROTTLING_CODES = frozenset({
    "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
    "TooManyRequestsException", "ProvisionedThroughputExceededException",
    "TransactionInProgressException", "RequestLimitExceeded", "BandwidthLimitExceeded",
    "LimitExceededException", "RequestThrottled", "SlowDown", "EC2ThrottledException"})
TRANSIENT_CODES = frozenset({
    "RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete",
    "IDPCommunicationError", "InternalServerException", "ServiceUnavailableException"})


class Failure(enum.Enum):
    """What kind of failure an attempt had, when another attempt may succeed."""

    THROTTLED = "throttled"
    TRANSIENT = "transient"


def transient_answer(code: str, status: int) -> bool:
    """Whether an AWS error answer (its code and HTTP status) is worth another try: for error
    translation, which knows the status."""
    return status >= 500 or status == 429 or code in THROTTLING_CODES or code in TRANSIENT_CODES


def classify(exc: AwsCallError) -> Failure | None:
    """THROTTLED or TRANSIENT when trying again may help; None: it will not (a refusal)."""
    if exc.code in THROTTLING_CODES:
        return Failure.THROTTLED
    if exc.transient or exc.code in TRANSIENT_CODES:
        return Failure.TRANSIENT
    return None


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to try a call again (dataclasses.replace gives a variant
    with the same clock, sleep and random source).

    `attempts`: most attempts in all. `throttled_attempts`: when set, throttled attempts
    are counted apart from the other failures, up to this many (a caller that paces itself,
    such as discovery, can wait out throttling longer than an outage)."""

    sleep: Callable[[float], None]
    clock: Callable[[], float]  # monotonic seconds, for the budget
    rng: random.Random = field(repr=False)
    log: Callable[[str], None] | None = field(default=None, repr=False)
    attempts: int = ATTEMPTS
    throttled_attempts: int | None = None
    budget: float = RETRY_BUDGET  # math.inf: the attempts alone decide
    base: float = BACKOFF_BASE
    cap: float = BACKOFF_CAP
    jitter: float = EQUAL_JITTER  # 0: fixed pauses; 1: "full jitter"

    def delay(self, retry: int) -> float:
        """The pause before retry number `retry` (1: the second attempt)."""
        step = min(self.cap, self.base * 2.0 ** (retry - 1))
        if not self.jitter:
            return step
        return step * (1 - self.jitter) + self.rng.uniform(0, step * self.jitter)

    def start(self) -> Attempts:
        """Bookkeeping for one call's attempts, for callers that run the loop themselves."""
        return Attempts(self, self.clock())

    def call(self, operation: str, fn: Callable[[], T]) -> T:
        """Run `fn` until it succeeds, fails for good, or the attempts or budget run out; then
        the last failure says how often it was tried: "... (after 5 attempts)"."""
        attempts = self.start()
        while True:
            try:
                return fn()
            except AwsCallError as exc:
                delay = attempts.next_delay(exc)
                if delay is None:
                    if attempts.kind is None:
                        raise
                    raise AwsCallError(exc.operation, exc.code,
                                       f"{exc.detail} (after {attempts.made} attempts)".lstrip(),
                                       transient=True) from None
                if self.log is not None:
                    self.log(f"{operation}: {exc.code}; attempt {attempts.made} of "
                             f"{self.attempts} failed, retrying in {delay:.2f} s")
                self.sleep(delay)


@dataclass
class Attempts:
    """The attempts of one call so far, under a policy."""

    policy: RetryPolicy
    started: float
    made: int = 0  # attempts that failed so far
    throttled: int = 0
    transient: int = 0
    kind: Failure | None = None  # of the last failure

    def next_delay(self, exc: AwsCallError) -> float | None:
        """After a failed attempt: the pause before the next one, or None to give up (`kind`
        None: not worth another try; else the attempts or the budget ran out)."""
        policy = self.policy
        self.made += 1
        self.kind = classify(exc)
        if self.kind is None:
            return None
        if self.kind is Failure.THROTTLED:
            self.throttled += 1
        else:
            self.transient += 1
        if policy.throttled_attempts is None:
            exhausted = self.made >= policy.attempts
        elif self.kind is Failure.THROTTLED:
            exhausted = self.throttled >= policy.throttled_attempts
        else:
            exhausted = self.transient >= policy.attempts
        if exhausted:
            return None
        delay = policy.delay(self.made)
        if policy.clock() - self.started + delay > policy.budget:
            return None
        return delay
