"""programs.py: how every failed helper program (clipboard, --mfa-process, ykman) is said."""

from __future__ import annotations

import io

import pytest

from aws_login import clipboard, mfa_process, mfa_ykman, programs
from aws_login.context import Context


def context() -> Context:
    return Context(environ={}, stdout=io.StringIO(), stderr=io.StringIO(), stdin=io.StringIO())


@pytest.mark.parametrize(("code", "said"), [
    (1, "exit 1"), (127, "exit 127"), (-9, "killed by signal 9"), (-15, "killed by signal 15"),
])
def test_an_exit_status_in_words(code: int, said: str) -> None:
    assert programs.exit_status(code) == said


def test_the_first_line_of_stderr_is_scrubbed_and_cut_short() -> None:
    ctx = context()
    ctx.log.add_secret("hunter2hunter2")
    text = "\n  \n  op: bad password hunter2hunter2  \nsecond line\n"
    assert programs.first_line(text, ctx) == "op: bad password <redacted>"
    long = "x" * 200
    assert programs.first_line(long, ctx) == "x" * 157 + "..."
    assert programs.first_line("y" * 160, ctx) == "y" * 160
    assert programs.first_line(" \n\t\n", ctx) == "no message on stderr"


def test_the_helpers_say_a_failure_the_one_way() -> None:
    """No copy of its own left in the modules that run helper programs."""
    for module in (clipboard, mfa_process, mfa_ykman):
        assert module.first_line is programs.first_line
        assert module.exit_status is programs.exit_status
        assert not hasattr(module, "_first_line")
        assert not hasattr(module, "_MAX_SHOWN")
