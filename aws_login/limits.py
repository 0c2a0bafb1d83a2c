"""AWS's limits on session durations, and the checks that can be made before any call."""

from __future__ import annotations

from aws_login.errors import UsageError
from aws_login.model import ChainStep

ASSUME_ROLE_DURATION = (900, 43200)
SESSION_STEP_DURATION = (900, 129600)  # GetSessionToken / GetFederationToken, IAM users
# A hop signed by a role session ("role chaining") is capped at one hour by AWS.
CHAINED_HOP_MAX_SECONDS = 3600
# Intermediate hops only need to live long enough to sign the next call.
INTERMEDIATE_HOP_SECONDS = 900


def check_range(option: str, value: int, bounds: tuple[int, int], what: str) -> None:
    low, high = bounds
    if not low <= value <= high:
        raise UsageError(f"{option} {value} is out of range; {what} allows {low}-{high} seconds")


def check_chained_duration(hops: tuple[ChainStep, ...], role_start: str | None) -> None:
    """Refuse a duration AWS would refuse for a chained hop. `role_start` describes the
    starting credentials when they are a role session (so hop 1 is chained too), else None."""
    for index, hop in enumerate(hops, start=1):
        chained = index > 1 or role_start is not None
        if chained and hop.duration is not None and hop.duration > CHAINED_HOP_MAX_SECONDS:
            signed_by = ("the previous hop's role session" if index > 1
                         else f"role session credentials ({role_start})")
            raise UsageError(
                f"hop {index}/{len(hops)} ({hop.role_arn}) is signed by {signed_by}; AWS caps "
                f"such chained role sessions at {CHAINED_HOP_MAX_SECONDS} s, so use "
                f"--duration {CHAINED_HOP_MAX_SECONDS} or less")
