"""aws_login.record: the cheap frozen value classes the hot path uses instead of dataclasses."""

from __future__ import annotations

import pytest

from aws_login.model import Credentials
from aws_login.record import field, record, replace
from aws_login.sso.token_sources import GivenToken


@record
class Point:
    x: int
    y: int = 0
    secret: str = field(default="s3cr3t", repr=False)


@record
class Ask:
    serial: str
    code: str = field(default="", repr=False, in_key=False)


def test_constructor_defaults_and_keywords() -> None:
    assert (Point(1).x, Point(1).y, Point(1).secret) == (1, 0, "s3cr3t")
    assert Point(1, 2) == Point(x=1, y=2)
    with pytest.raises(TypeError, match="missing the argument 'x'"):
        Point()  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="unexpected or repeated argument 'z'"):
        Point(1, z=3)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="unexpected or repeated argument 'x'"):
        Point(1, x=3)  # type: ignore[misc]
    with pytest.raises(TypeError, match="takes 3 arguments"):
        Point(1, 2, "a", 4)  # type: ignore[call-arg]


def test_frozen_equal_hashable() -> None:
    point = Point(1, 2)
    with pytest.raises(AttributeError, match="frozen"):
        point.x = 5  # type: ignore[misc]
    with pytest.raises(AttributeError, match="frozen"):
        del point.x
    assert point == Point(1, 2) and point != Point(1, 3)
    not_a_point: object = (1, 2)
    assert point != not_a_point
    assert len({point, Point(1, 2), Point(2, 2)}) == 2


def test_repr_hides_secret_fields() -> None:
    assert repr(Point(1, 2, "hunter2")) == "Point(x=1, y=2)"
    creds = Credentials("ASIAEXAMPLE", "the-secret", "the-token")
    assert "the-secret" not in repr(creds) and "the-token" not in repr(creds)
    assert "ASIAEXAMPLE" in repr(creds)
    spec = GivenToken(access_token="tok-123")
    assert "tok-123" not in repr(spec)


def test_replace_copies_with_changes() -> None:
    point = Point(1, 2, "a")
    moved = replace(point, y=9)
    assert moved == Point(1, 9, "a") and point == Point(1, 2, "a")
    with pytest.raises(TypeError):
        replace(point, z=1)


def test_a_field_without_default_after_one_with_is_refused() -> None:
    with pytest.raises(TypeError, match="without a default follows one with a default"):
        @record
        class Bad:
            a: int = 1
            b: int  # type: ignore[misc]  # the mistake this test makes on purpose


def test_records_say_which_fields_are_in_keys_and_which_are_secret() -> None:
    assert Point.__record_fields__ == ("x", "y", "secret")  # type: ignore[attr-defined]
    assert Point.__record_key__ == (  # type: ignore[attr-defined]
        ("x", False), ("y", False), ("secret", True))
    assert Ask.__record_fields__ == ("serial", "code")  # type: ignore[attr-defined]
    assert Ask.__record_key__ == (("serial", False),)  # type: ignore[attr-defined]
    assert repr(Ask("arn", "123456")) == "Ask(serial='arn')"
    assert Ask("arn", "1") != Ask("arn", "2")  # left out of keys, not out of equality
