"""Desktop dialogs: zenity (GNOME and most Linux desktops), kdialog (KDE), osascript (macOS).

Each runs as a child process without a shell. Only question texts and choices go on its
command line; answers come back on its stdout, so no secret is ever in an argv. Cancel (exit
1) is a clean failure; any other failure names the program and its first line of stderr.
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping, Sequence

from aws_login.errors import OperationError
from aws_login.prompts.channel import TITLE, Cancelled, Channel, NoAnswer, Shown


class _Window(Shown):
    """A message dialog left open (not waited for) until `close()`."""

    def __init__(self, process: subprocess.Popen[bytes] | None) -> None:
        self._process = process

    def close(self) -> None:
        if self._process is not None:
            if self._process.poll() is None:
                self._process.terminate()
            self._process.wait()
            self._process = None


class DialogChannel(Channel):
    cancel_marker: str | None = None  # text in stderr that tells Cancel from a failure

    def __init__(self, program: str, environ: Mapping[str, str]) -> None:
        self._program = program  # the full path found on PATH
        self._environ = dict(environ)
        self._note = ""  # a remark to put before the next question

    def note(self, message: str) -> None:
        self._note = message

    def _text(self, question: str) -> str:
        text, self._note = (f"{self._note}\n{question}" if self._note else question), ""
        return text

    # --- what each program is told (argv after the program name) ---
    def _ask_args(self, question: str, secret: bool) -> list[str]:
        raise NotImplementedError

    def _choose_args(self, question: str, options: Sequence[str]) -> list[str]:
        raise NotImplementedError

    def _show_args(self, message: str) -> list[str]:
        raise NotImplementedError

    def _chosen(self, output: str, options: Sequence[str]) -> int | None:
        """The index a choice's output names (by default its 1-based number)."""
        return int(output) - 1 if output.isdecimal() and 1 <= int(output) <= len(options) \
            else None

    # --- the operations ---
    def ask(self, question: str, *, secret: bool) -> str:
        return self._run(question, self._ask_args(self._text(question.rstrip(": ")),
                                                  secret)).strip()

    def choose(self, question: str, options: Sequence[str], heading: str | None,
               names: Sequence[str] = ()) -> int:
        text = self._text(question if heading is None else f"{heading}\n{question}")
        output = self._run(question, self._choose_args(text, options)).strip()
        index = self._chosen(output, options)
        if index is None:
            raise NoAnswer(question, f"nothing was chosen in the {self.name} dialog")
        return index

    def show(self, message: str) -> Shown:
        try:
            process = subprocess.Popen(  # no shell; the message is not a secret
                [self._program, *self._show_args(message)], stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=self._environ)
        except OSError:
            return Shown()  # the message is on stderr too (the service wrote it there)
        return _Window(process)

    def _run(self, question: str, args: list[str]) -> str:
        try:
            done = subprocess.run(  # no shell; only question texts in argv
                [self._program, *args], stdin=subprocess.DEVNULL, capture_output=True,
                env=self._environ, check=False)
        except OSError as exc:
            raise OperationError(f"cannot run {self.name} to ask {question.rstrip(': ')!r}: "
                                 f"{exc.strerror or exc}; choose another way with --prompt "
                                 "(see docs/prompts.md)") from None
        errors = done.stderr.decode("utf-8", "replace")
        if done.returncode == 1 and (self.cancel_marker is None or self.cancel_marker in errors):
            raise Cancelled(question, f"cancelled in the {self.name} dialog")
        if done.returncode != 0:
            first = next((line.strip() for line in errors.splitlines() if line.strip()),
                         "no message")
            raise OperationError(f"{self.name} failed (exit {done.returncode}: {first[:160]}) "
                                 f"asking {question.rstrip(': ')!r}; choose another way with "
                                 "--prompt (see docs/prompts.md)")
        return done.stdout.decode("utf-8", "replace").rstrip("\r\n")


def _markup(text: str) -> str:
    """zenity reads --text as Pango markup: a role ARN's "&" or "<" must not break it."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class ZenityChannel(DialogChannel):
    name = "zenity"

    def _ask_args(self, question: str, secret: bool) -> list[str]:
        return ["--entry", *(["--hide-text"] if secret else []), "--title", TITLE,
                "--text", _markup(question)]

    def _choose_args(self, question: str, options: Sequence[str]) -> list[str]:
        # A hidden number column: the answer is the row's number, whatever the text holds.
        rows = [word for index, option in enumerate(options, start=1)
                for word in (str(index), option)]
        return ["--list", "--title", TITLE, "--text", _markup(question),
                "--column", "#", "--column", "choice", "--hide-column", "1",
                "--print-column", "1", *rows]

    def _show_args(self, message: str) -> list[str]:
        return ["--info", "--title", TITLE, "--text", _markup(message)]


class KdialogChannel(DialogChannel):
    name = "kdialog"

    def _ask_args(self, question: str, secret: bool) -> list[str]:
        return ["--title", TITLE, "--password" if secret else "--inputbox", question]

    def _choose_args(self, question: str, options: Sequence[str]) -> list[str]:
        rows = [word for index, option in enumerate(options, start=1)
                for word in (str(index), option)]
        return ["--title", TITLE, "--menu", question, *rows]

    def _show_args(self, message: str) -> list[str]:
        return ["--title", TITLE, "--msgbox", message]


# The texts go to the script as arguments (`on run argv`), never spliced into its source.
_OSA_ASK = ('on run argv', 'display dialog (item 1 of argv) default answer "" '
            f'{{HIDDEN}}with title "{TITLE}"', 'return text returned of result', 'end run')
_OSA_CHOOSE = ('on run argv', 'set picked to choose from list (items 2 thru -1 of argv) '
               f'with prompt (item 1 of argv) with title "{TITLE}"',
               'if picked is false then error number -128', 'return item 1 of picked',
               'end run')
_OSA_SHOW = ('on run argv', 'display dialog (item 1 of argv) buttons {"OK"} default button 1 '
             f'with title "{TITLE}"', 'end run')


def _script(lines: Sequence[str]) -> list[str]:
    return [word for line in lines for word in ("-e", line)]


class OsascriptChannel(DialogChannel):
    name = "osascript"
    cancel_marker = "(-128)"  # osascript exits 1 for every error; Cancel is error -128

    def _ask_args(self, question: str, secret: bool) -> list[str]:
        lines = [line.replace("{HIDDEN}", "with hidden answer " if secret else "")
                 for line in _OSA_ASK]
        return [*_script(lines), question]

    def _choose_args(self, question: str, options: Sequence[str]) -> list[str]:
        return [*_script(_OSA_CHOOSE), question, *options]

    def _chosen(self, output: str, options: Sequence[str]) -> int | None:
        return options.index(output) if output in options else None

    def _show_args(self, message: str) -> list[str]:
        return [*_script(_OSA_SHOW), message]


DIALOGS: dict[str, type[DialogChannel]] = {
    "zenity": ZenityChannel, "kdialog": KdialogChannel, "osascript": OsascriptChannel}
