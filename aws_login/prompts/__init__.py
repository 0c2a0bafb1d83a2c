"""The one prompt service: every question aws-login asks a person, and every message it must
show one (a device code, "touch your YubiKey"), goes through `ctx.prompt`.

The channel is chosen by --prompt NAME, else AWS_LOGIN_PROMPT, else the first that works of:
  terminal   stdin and stderr are a terminal (terminal.py);
  tty        the controlling terminal /dev/tty, e.g. under credential_process at an
             interactive shell, where the SDK captures stderr (tty.py);
  zenity, kdialog (a Linux desktop: DISPLAY or WAYLAND_DISPLAY), osascript (macOS) (dialogs.py);
  none       nobody can be asked: `require` fails at once with what to do instead (none.py).
The channel is built on first use, so a run that asks nothing never looks for one. Channel
modules are imported only then: a cache hit never pays for termios or subprocess.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from aws_login.errors import AwsLoginError, UsageError
from aws_login.prompts.channel import TITLE, TRIES, Cancelled, Channel, NoAnswer, Shown

__all__ = ["TITLE", "TRIES", "Cancelled", "Channel", "NoAnswer", "PromptService", "Shown"]

if TYPE_CHECKING:
    from aws_login.context import Context
    from aws_login.prompts.options import PromptSettings

class PromptService:
    """`ctx.prompt`: asks on the channel chosen for this run (see the module docstring)."""

    def __init__(self, ctx: Context, settings: PromptSettings) -> None:
        self._ctx = ctx
        self.settings = settings
        self._channel: Channel | None = None
        self._said: Shown | None = None  # the last `say` message, replaced by the next

    @property
    def channel(self) -> Channel:
        if self._channel is None:
            from aws_login.prompts.select import select_channel

            self._channel = select_channel(self._ctx, self.settings)
            self._ctx.log(f"questions are asked on: {self._channel.name}")
        return self._channel

    def can_ask(self, stdin_taken: bool = False) -> bool:
        """Whether a person can be reached (a role to choose); `stdin_taken`: stdin carries
        data (e.g. --saml-assertion -), so the terminal channel cannot read an answer there."""
        if stdin_taken and self.channel.name == "terminal":
            return False
        return self.channel.reaches_person

    def can_show(self) -> bool:
        """Whether a message would be seen by someone (the device code of a sign-in)."""
        return self.channel.reaches_person

    def require(self, need: str, instead: str) -> None:
        """Fail now, before any network call, when nobody can be asked: `need` says what is
        missing ("--mfa-serial needs an MFA code"), `instead` how to give it without asking."""
        if not self.channel.reaches_person:
            from aws_login.prompts.none import unreachable

            raise UsageError(f"{need} and {unreachable(self.settings)}; {instead}")

    def ask_secret(self, question: str) -> str:
        """An answer typed without echo (a dialog's hidden field)."""
        return self.channel.ask(question, secret=True)

    def ask_text(self, question: str) -> str:
        return self.channel.ask(question, secret=False)

    def choose(self, question: str, options: Sequence[str], heading: str | None = None,
               names: Sequence[str] = ()) -> int:
        """The index in `options` of the person's choice; `heading` goes above the list.
        On a terminal the answer is a number, an option's text, or one of `names` (another
        name per option, e.g. the role ARN without its description)."""
        if not options:
            raise ValueError("choose() needs at least one option")
        if names and len(names) != len(options):
            raise ValueError("choose() needs one name per option")
        return self.channel.choose(question, options, heading, names)

    def show(self, message: str) -> Shown:
        """Show `message` until the returned handle is closed (e.g. "touch your YubiKey"
        while ykman waits). Also on stderr when the channel is not stderr itself, so logs and
        the SDK's error output keep it."""
        if self.channel.name != "terminal":
            self._ctx.warn(message)
        return self.channel.show(message)

    def tell(self, message: str) -> Shown:
        """`show` a message that asks nothing (e.g. a wait on another process) and must never
        fail the run: when no channel can be had (--prompt tty without a terminal, a dialog
        not on PATH), it goes to stderr only, and the question that needs the channel, if
        any, says why."""
        try:
            self.channel  # noqa: B018 - chosen now, so that its failure is caught here
        except AwsLoginError:
            self._ctx.warn(message)
            return Shown()
        return self.show(message)

    def note(self, message: str) -> None:
        """Tell the person why the question comes again (the next question carries it)."""
        self.channel.note(message)

    def say(self, message: str) -> None:
        """Show `message` and leave it up until the next one (the device code, "signed in")."""
        previous, self._said = self._said, self.show(message)
        if previous is not None:
            previous.close()

    def close(self) -> None:
        """Take down what is still on screen and release the terminal (end of the run)."""
        if self._said is not None:
            self._said.close()
            self._said = None
        if self._channel is not None:
            self._channel.close()
