"""The retry policy (aws_login/retry.py), on a fake clock whose time passes only when the
policy sleeps or a test says so: exact attempt counts, exact pauses (the edges of the jitter),
the time budget, which failures are worth another try, and the message of the last one."""

from __future__ import annotations

import io
import math
import random
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from aws_login.aws_errors import translated_call
from aws_login.context import Context
from aws_login.errors import AwsCallError
from aws_login.federation import signin_token_retry
from aws_login.retry import (
    ATTEMPTS,
    THROTTLING_CODES,
    TRANSIENT_CODES,
    Failure,
    RetryPolicy,
    classify,
    transient_answer,
)
from aws_login.sso.discovery import THROTTLE_ATTEMPTS, TRANSIENT_ATTEMPTS, paced
from tests.fakes.faults import Fault, World, user_keys


class FakeTime:
    """A monotonic clock and a sleep: sleeping moves the clock, nothing else does."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.pauses: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.pauses.append(seconds)
        self.now += seconds


class Edge(random.Random):
    """A random source that always draws the low (or the high) edge of the range."""

    def __init__(self, high: bool) -> None:
        super().__init__(0)
        self.high = high

    def uniform(self, a: float, b: float) -> float:
        return b if self.high else a


LOW, HIGH = Edge(high=False), Edge(high=True)


def policy(time: FakeTime, rng: random.Random = HIGH, **changes: Any) -> RetryPolicy:
    """The default policy on this fake time, with `changes`."""
    return replace(RetryPolicy(time.sleep, time, rng), **changes)


def failing(times: int, code: str = "network error", transient: bool = True,
            detail: str = "down") -> tuple[Callable[[], str], list[int]]:
    """A call that fails `times` times, then answers "ok"; and the list of its calls."""
    calls: list[int] = []

    def call() -> str:
        calls.append(len(calls) + 1)
        if len(calls) <= times:
            raise AwsCallError("Op", code, detail, transient=transient)
        return "ok"

    return call, calls


def sequence(codes: list[str]) -> tuple[Callable[[], str], list[int]]:
    """A call that fails with each code in turn, then answers "ok" (a network error is
    transient, as translation makes it)."""
    calls: list[int] = []

    def call() -> str:
        calls.append(len(calls) + 1)
        if len(calls) <= len(codes):
            code = codes[len(calls) - 1]
            raise AwsCallError("Op", code, "down", transient=code == "network error")
        return "ok"

    return call, calls


# --------------------------------------------------------------------- the pauses


@pytest.mark.parametrize(("name", "changes", "rng", "pauses"), [
    # Exponential from 0.5 s, capped at 8 s; equal jitter: between half and all of the step.
    ("default, low edge", {}, LOW, [0.25, 0.5, 1.0, 2.0, 4.0, 4.0, 4.0]),
    ("default, high edge", {}, HIGH, [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]),
    # Full jitter from 0.2 s (discovery): anything from no pause to the whole step.
    ("full jitter, low edge", {"base": 0.2, "jitter": 1.0}, LOW, [0.0] * 7),
    ("full jitter, high edge", {"base": 0.2, "jitter": 1.0}, HIGH,
     [0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 8.0]),
    # No jitter (getSigninToken): the step itself, whatever the random source says.
    ("no jitter", {"jitter": 0.0}, LOW, [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]),
    ("a lower cap", {"cap": 1.5}, HIGH, [0.5, 1.0, 1.5, 1.5, 1.5, 1.5, 1.5]),
])
def test_pauses_grow_exponentially_up_to_the_cap_within_the_jitter(
        name: str, changes: dict[str, Any], rng: random.Random,
        pauses: list[float]) -> None:
    time = FakeTime()
    assert [policy(time, rng, **changes).delay(n) for n in range(1, 8)] == pauses


def test_a_seeded_random_source_gives_reproducible_pauses() -> None:
    time = FakeTime()
    call, _ = failing(4)
    assert policy(time, random.Random(7)).call("Op", call) == "ok"
    twin = random.Random(7)
    assert time.pauses == [step / 2 + twin.uniform(0, step / 2) for step in (0.5, 1, 2, 4)]


def test_no_jitter_draws_nothing_from_the_random_source() -> None:
    rng = random.Random(3)
    state = rng.getstate()
    assert policy(FakeTime(), rng, jitter=0.0).delay(2) == 1.0
    assert rng.getstate() == state


# --------------------------------------------------------------------- attempts


@pytest.mark.parametrize(("failures", "calls", "pauses"), [
    (0, 1, []),
    (1, 2, [0.5]),
    (2, 3, [0.5, 1.0]),
    (4, 5, [0.5, 1.0, 2.0, 4.0]),
])
def test_transient_failures_are_retried_until_the_call_succeeds(
        failures: int, calls: int, pauses: list[float]) -> None:
    time = FakeTime()
    call, made = failing(failures)
    assert policy(time).call("Op", call) == "ok"
    assert (len(made), time.pauses) == (calls, pauses)


def test_after_five_attempts_the_last_failure_says_how_often_it_was_tried() -> None:
    time = FakeTime()
    call, made = failing(ATTEMPTS)
    with pytest.raises(AwsCallError) as caught:
        policy(time).call("Op", call)
    assert ATTEMPTS == 5
    assert len(made) == 5
    assert time.pauses == [0.5, 1.0, 2.0, 4.0]
    error = caught.value
    assert error.message == "Op: network error: down (after 5 attempts)"
    assert (error.operation, error.code, error.detail, error.transient) == (
        "Op", "network error", "down (after 5 attempts)", True)


def test_a_failure_without_detail_still_says_how_often_it_was_tried() -> None:
    call, _ = failing(9, code="503", detail="")
    with pytest.raises(AwsCallError) as caught:
        policy(FakeTime(), attempts=2).call("Op", call)
    assert caught.value.message == "Op: 503: (after 2 attempts)"


@pytest.mark.parametrize(("code", "transient"), [
    ("AccessDenied", False),
    ("ValidationError", False),
    ("UnauthorizedException", False),
    ("SlowDownException", False),  # device-code polling's own signal, not throttling
    ("AuthorizationPendingException", False),
])
def test_a_refusal_is_not_retried_and_its_message_is_unchanged(code: str,
                                                                transient: bool) -> None:
    time = FakeTime()
    call, made = failing(1, code=code, transient=transient)
    with pytest.raises(AwsCallError) as caught:
        policy(time).call("Op", call)
    assert (len(made), time.pauses) == (1, [])
    assert caught.value.message == f"Op: {code}: down"


def test_other_exceptions_pass_through_at_once() -> None:
    time = FakeTime()
    calls: list[int] = []

    def broken() -> str:
        calls.append(1)
        raise RuntimeError("a bug")

    with pytest.raises(RuntimeError):
        policy(time).call("Op", broken)
    assert (calls, time.pauses) == ([1], [])


def test_throttling_and_transient_failures_count_together_by_default() -> None:
    time = FakeTime()
    call, made = sequence(["Throttling", "network error", "TooManyRequestsException",
                           "InternalServerException", "SlowDown"])
    with pytest.raises(AwsCallError) as caught:
        policy(time).call("Op", call)
    assert len(made) == 5
    assert caught.value.message == "Op: SlowDown: down (after 5 attempts)"


def test_throttling_counted_apart_waits_longer_than_an_outage() -> None:
    """Discovery's patience: 15 throttled attempts, 3 transient ones, counted apart."""
    retry = paced(policy(FakeTime()))
    assert (retry.attempts, retry.throttled_attempts) == (TRANSIENT_ATTEMPTS, THROTTLE_ATTEMPTS)
    assert (TRANSIENT_ATTEMPTS, THROTTLE_ATTEMPTS) == (3, 15)
    assert (retry.base, retry.cap, retry.jitter, retry.budget) == (0.2, 8.0, 1.0, math.inf)

    call, made = sequence(["TooManyRequestsException"] * 14)
    assert retry.call("Op", call) == "ok"
    assert len(made) == 15

    call, made = sequence(["TooManyRequestsException"] * 15)
    with pytest.raises(AwsCallError) as caught:
        retry.call("Op", call)
    assert len(made) == 15
    assert caught.value.message == "Op: TooManyRequestsException: down (after 15 attempts)"

    # 2 outages between the throttles are tolerated; the third ends the call.
    call, made = sequence(["TooManyRequestsException"] * 10 + ["network error"] * 2)
    assert retry.call("Op", call) == "ok"
    assert len(made) == 13
    call, made = sequence(["network error", "TooManyRequestsException", "network error",
                           "TooManyRequestsException", "InternalServerException"])
    with pytest.raises(AwsCallError) as caught:
        retry.call("Op", call)
    assert len(made) == 5
    assert caught.value.message == "Op: InternalServerException: down (after 5 attempts)"


def test_the_attempts_of_a_call_are_counted_by_kind() -> None:
    attempts = policy(FakeTime(), throttled_attempts=4).start()
    throttle = AwsCallError("Op", "Throttling", "slow")
    outage = AwsCallError("Op", "network error", "down", transient=True)
    refusal = AwsCallError("Op", "AccessDenied", "no")
    kinds = []
    for failure, pause in [(throttle, 0.5), (outage, 1.0), (throttle, 2.0), (refusal, None)]:
        assert attempts.next_delay(failure) == pause
        kinds.append(attempts.kind)
    assert kinds == [Failure.THROTTLED, Failure.TRANSIENT, Failure.THROTTLED, None]
    assert (attempts.made, attempts.throttled, attempts.transient) == (4, 2, 1)


# --------------------------------------------------------------------- the budget


def test_the_budget_on_the_fake_clock_stops_retries() -> None:
    """Each attempt takes 15 s (a read timeout, say): the third attempt ends 46.5 s after
    the first began, and its 2 s pause would end past the 40 s budget."""
    time = FakeTime()
    calls: list[float] = []

    def slow() -> str:
        calls.append(time.now)
        time.now += 15
        raise AwsCallError("Op", "network error", "late", transient=True)

    with pytest.raises(AwsCallError) as caught:
        policy(time, budget=40.0).call("Op", slow)
    assert calls == [1000.0, 1015.5, 1031.5]
    assert time.pauses == [0.5, 1.0]
    assert time.now == 1046.5
    assert caught.value.message == "Op: network error: late (after 3 attempts)"


@pytest.mark.parametrize(("budget", "calls"), [
    (0.0, 1),
    (0.49, 1),
    (0.5, 2),  # a pause ending exactly at the budget is still made
    (1.49, 2),
    (1.5, 3),
    (7.5, 5),  # 0.5 + 1 + 2 + 4: the attempts run out first
    (math.inf, 5),
])
def test_no_retry_starts_that_would_end_past_the_budget(budget: float, calls: int) -> None:
    time = FakeTime()
    call, made = failing(10)
    with pytest.raises(AwsCallError) as caught:
        policy(time, budget=budget).call("Op", call)
    assert len(made) == calls
    assert caught.value.message == f"Op: network error: down (after {calls} attempts)"


def test_the_context_builds_the_policy_from_its_clock_sleep_and_random_source() -> None:
    time = FakeTime()
    ctx = Context(environ={}, stdout=io.StringIO(), stderr=io.StringIO(), stdin=io.StringIO(),
                  sleep=time.sleep, monotonic=time, rng=HIGH)
    retry = ctx.retry
    assert (retry.sleep, retry.clock, retry.rng) == (time.sleep, time, HIGH)
    assert (retry.attempts, retry.budget, retry.base, retry.cap, retry.jitter) == (
        5, 40.0, 0.5, 8.0, 0.5)
    assert ctx.clients.retry is retry
    call, _ = failing(2)
    assert retry.call("Op", call) == "ok"
    assert time.pauses == [0.5, 1.0]


def test_the_budget_of_a_real_command_runs_on_the_contexts_clock(world: World) -> None:
    """STS answers HTTP 500 for ever, and every look at the clock finds 15 s gone: the third
    attempt is the last, as the budget says (the real clock would allow five)."""
    user_keys(world)
    world.sts.always("GetCallerIdentity", Fault.HTTP_500)
    readings: list[float] = []

    def slow_clock() -> float:
        readings.append(15.0 * len(readings))
        return readings[-1]

    result = world.run(["getcallerid"], monotonic=slow_clock)
    assert (result.code, result.out) == (1, "")
    assert result.err == ("aws-login: error: GetCallerIdentity: InternalFailure: injected "
                          "http-500 (after 3 attempts)\n")
    assert world.sts.injected("GetCallerIdentity") == 3
    assert len(world.sleeps) == 2


# --------------------------------------------------------------------- the one table


@pytest.mark.parametrize(("code", "transient", "kind"), [
    ("TooManyRequestsException", False, Failure.THROTTLED),  # the SSO portal's 429
    ("Throttling", False, Failure.THROTTLED),  # STS, with HTTP 400
    ("ThrottlingException", True, Failure.THROTTLED),
    ("SlowDown", False, Failure.THROTTLED),
    ("InternalServerException", False, Failure.TRANSIENT),  # the SSO fake sends HTTP 400
    ("ServiceUnavailableException", False, Failure.TRANSIENT),
    ("RequestTimeout", False, Failure.TRANSIENT),
    ("IDPCommunicationError", False, Failure.TRANSIENT),
    ("network error", True, Failure.TRANSIENT),  # translated: transient by nature
    ("malformed reply", True, Failure.TRANSIENT),
    ("503", True, Failure.TRANSIENT),  # translated from its HTTP status
    ("InternalFailure", True, Failure.TRANSIENT),
    ("AccessDenied", False, None),
    ("ExpiredTokenException", False, None),
    ("SlowDownException", False, None),
    ("AuthorizationPendingException", False, None),
])
def test_failures_are_classified_by_the_one_table(code: str, transient: bool,
                                                   kind: Failure | None) -> None:
    assert classify(AwsCallError("Op", code, "x", transient=transient)) is kind


@pytest.mark.parametrize(("code", "status", "transient"), [
    ("InternalServerException", 400, True),
    ("TooManyRequestsException", 400, True),
    ("Throttling", 400, True),
    ("SomethingNew", 500, True),
    ("SomethingNew", 503, True),
    ("SomethingNew", 429, True),
    ("SomethingNew", 0, False),  # no status known
    ("ValidationError", 400, False),
    ("AccessDenied", 403, False),
    ("UnauthorizedException", 401, False),
])
def test_an_answer_is_transient_by_status_or_by_the_table(code: str, status: int,
                                                          transient: bool) -> None:
    assert transient_answer(code, status) is transient


def test_the_table_keeps_throttling_and_transient_codes_apart() -> None:
    assert not THROTTLING_CODES & TRANSIENT_CODES
    assert {"TooManyRequestsException", "Throttling"} <= THROTTLING_CODES
    assert {"InternalServerException", "ServiceUnavailableException"} <= TRANSIENT_CODES


# --------------------------------------------------------------------- around the policy


def test_a_malformed_answer_is_a_transient_failure() -> None:
    answers = iter([{}, {"Arn": "arn"}])
    time = FakeTime()
    retry = policy(time)
    assert retry.call("Op", lambda: translated_call("Op", lambda: next(answers)["Arn"])) == "arn"
    assert time.pauses == [0.5]


def test_each_retry_is_logged_with_its_code_and_pause() -> None:
    time = FakeTime()
    lines: list[str] = []
    call, _ = failing(2)
    assert policy(time, log=lines.append).call("Op", call) == "ok"
    assert lines == ["Op: network error; attempt 1 of 5 failed, retrying in 0.50 s",
                     "Op: network error; attempt 2 of 5 failed, retrying in 1.00 s"]


def test_the_federation_endpoint_is_tried_three_times_after_fixed_pauses() -> None:
    time = FakeTime()
    retry = signin_token_retry(policy(time, LOW))
    assert (retry.attempts, retry.base, retry.jitter, retry.budget) == (3, 0.5, 0.0, 40.0)
    call, made = failing(9)
    with pytest.raises(AwsCallError) as caught:
        retry.call("getSigninToken", call)
    assert (len(made), time.pauses) == (3, [0.5, 1.0])
    assert caught.value.detail == "down (after 3 attempts)"
