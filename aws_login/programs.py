"""What a failed helper program (a clipboard program, --mfa-process, ykman) is reported
with: its exit status in words and the first line of its stderr, scrubbed of known secrets
and cut short. Never its stdout: that may be the secret it was asked for."""

from __future__ import annotations

from aws_login.context import Context

MAX_SHOWN = 160  # characters of a program's stderr in a message


def exit_status(code: int) -> str:
    """A Popen return code in words: a negative one is the signal that killed it."""
    return f"killed by signal {-code}" if code < 0 else f"exit {code}"


def first_line(text: str, ctx: Context) -> str:
    """The first non-blank line of a program's stderr, scrubbed of known secrets, cut short."""
    line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if not line:
        return "no message on stderr"
    line = ctx.log.scrub(line)
    return line if len(line) <= MAX_SHOWN else line[:MAX_SHOWN - 3] + "..."
