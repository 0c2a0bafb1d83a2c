"""No channel: nobody can be asked (CI, a service, --prompt none). Questions fail at once
with what to do instead; messages still go to stderr (the service writes them there)."""

from __future__ import annotations

from collections.abc import Sequence

from aws_login.errors import UsageError
from aws_login.prompts.channel import Channel, Shown
from aws_login.prompts.options import PromptSettings


def unreachable(settings: PromptSettings) -> str:
    """Why nobody can be asked, as the middle of a one-line error."""
    if settings.prompt == "none":
        return f"{settings.origin} forbids asking"
    return "nobody can be asked here (no terminal, /dev/tty or desktop dialog)"


class NoChannel(Channel):
    name = "none"
    reaches_person = False

    def __init__(self, settings: PromptSettings) -> None:
        self._settings = settings

    def ask(self, question: str, *, secret: bool) -> str:
        raise UsageError(f"cannot ask {question.rstrip(': ')!r}: {unreachable(self._settings)}")

    def choose(self, question: str, options: Sequence[str], heading: str | None,
               names: Sequence[str] = ()) -> int:
        raise UsageError(f"cannot ask {question.rstrip(': ')!r}: {unreachable(self._settings)}")

    def show(self, message: str) -> Shown:
        return Shown()
