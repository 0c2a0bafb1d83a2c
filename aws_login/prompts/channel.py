"""What every channel is: the three operations (ask, choose, show), and the two ways a
question ends without an answer."""

from __future__ import annotations

from collections.abc import Sequence

from aws_login.errors import OperationError, UsageError

TITLE = "aws-login"  # the title of every dialog window
TRIES = 3  # answers a person may give to one question before it fails


class NoAnswer(UsageError):
    """The person gave no usable answer (end of input, three wrong answers): exit 2.
    `reason` is the short why, for the caller's own message."""

    def __init__(self, question: str, reason: str) -> None:
        super().__init__(f"no answer to {question.rstrip(': ')!r} ({reason})")
        self.reason = reason


class Cancelled(OperationError):
    """The person pressed Cancel in a dialog: a clean failure (exit 1), never a traceback."""

    def __init__(self, question: str, reason: str) -> None:
        super().__init__(f"no answer to {question.rstrip(': ')!r} ({reason})")
        self.reason = reason


class Shown:
    """A message on screen until `close()` (or the end of a `with` block)."""

    def close(self) -> None:
        return None

    def __enter__(self) -> Shown:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


class Channel:
    """One way to reach the person. Subclasses implement the three operations."""

    name = "none"
    reaches_person = True  # False only for "none"

    def ask(self, question: str, *, secret: bool) -> str:
        """One answer (without its line break); NoAnswer at end of input, Cancelled on Cancel."""
        raise NotImplementedError

    def choose(self, question: str, options: Sequence[str], heading: str | None,
               names: Sequence[str] = ()) -> int:
        """The index of the option the person picked."""
        raise NotImplementedError

    def show(self, message: str) -> Shown:
        raise NotImplementedError

    def note(self, message: str) -> None:
        """A remark on the last answer ("not a valid code"), before the question comes again."""
        return None

    def close(self) -> None:
        return None
