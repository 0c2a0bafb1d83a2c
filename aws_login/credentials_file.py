"""The shared credentials file (`~/.aws/credentials`, or AWS_SHARED_CREDENTIALS_FILE): writing
one profile's temporary credentials into it (dumpcreds --write-profile), for tools that read
only that file.

Every other byte stays as it was: comments, blank lines, the order of sections and keys, the
profile's own other keys (e.g. region). Only aws_access_key_id, aws_secret_access_key,
aws_session_token and x_security_token_expires of that one profile are replaced; the last
records the expiry (as saml2aws writes it; botocore ignores keys it does not know). The file
is replaced atomically with mode 0600, under a lock in aws-login's cache folder, so that two
writers cannot lose each other's profiles. `with_profile` and `long_term_keys` are pure.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from aws_login.context import Context
from aws_login.digest import sha256_hex
from aws_login.errors import OperationError, UsageError
from aws_login.files import FILE_MODE, FOLDER_MODE, exclusive_lock, read_text, write_atomically
from aws_login.model import Credentials
from aws_login.sso.tokenfile import format_timestamp

EXPIRES_KEY = "x_security_token_expires"
_OWN_KEYS = ("aws_access_key_id", "aws_secret_access_key", "aws_session_token", EXPIRES_KEY)
_HEADER = re.compile(r"^\s*\[([^\]]*)\]\s*(?:[#;].*)?$")
_KEY = re.compile(r"^([^=:\s#;\[][^=:]*?)\s*[=:]")


def location(ctx: Context) -> Path:
    """Where botocore reads the shared credentials file."""
    name = ctx.environ.get("AWS_SHARED_CREDENTIALS_FILE") or "~/.aws/credentials"
    return Path(name).expanduser()


def validate_profile_name(name: str) -> str:
    if not name.strip() or name != name.strip() or any(
            ch in name for ch in "[]\n\r") or any(ch.isspace() for ch in name):
        raise UsageError(f"--write-profile {name[:80]!r} is not a usable profile name; use "
                         "letters, digits and -_. e.g. --write-profile dev-admin")
    return name


def _sections(lines: list[str], name: str) -> list[tuple[int, int]]:
    """(first line, end) of each section named `name` (its header line included)."""
    spans: list[tuple[int, int]] = []
    start: int | None = None
    for index, line in enumerate(lines):
        match = _HEADER.match(line)
        if match is None:
            continue
        if start is not None:
            spans.append((start, index))
            start = None
        if match.group(1).strip() == name:
            start = index
    if start is not None:
        spans.append((start, len(lines)))
    return spans


def _keys(lines: list[str], span: tuple[int, int]) -> dict[str, list[int]]:
    """Each key of a section, lower-cased as botocore reads it, and its lines (the key line and
    its indented continuation lines)."""
    found: dict[str, list[int]] = {}
    current: list[int] | None = None
    for index in range(span[0] + 1, span[1]):
        line = lines[index]
        stripped = line.strip()
        if current is not None and line[:1] in (" ", "\t") and stripped and (
                stripped[0] not in "#;"):
            current.append(index)  # a continuation of the previous value
            continue
        current = None
        match = _KEY.match(line)
        if match is not None:
            current = found.setdefault(match.group(1).strip().lower(), [])
            current.append(index)
    return found


def long_term_keys(text: str, name: str) -> bool:
    """Whether profile `name` holds long-term keys (an access key and no session token)."""
    lines = text.splitlines(keepends=True)
    for span in _sections(lines, name):
        keys = _keys(lines, span)
        if "aws_access_key_id" in keys and "aws_session_token" not in keys:
            return True
    return False


def with_profile(text: str, name: str, creds: Credentials) -> str:
    """`text` with profile `name` holding `creds` (temporary: they have a session token)."""
    assert creds.session_token is not None and creds.expiration is not None
    new = [f"aws_access_key_id = {creds.access_key_id}\n",
           f"aws_secret_access_key = {creds.secret_access_key}\n",
           f"aws_session_token = {creds.session_token}\n",
           f"{EXPIRES_KEY} = {format_timestamp(creds.expiration)}\n"]
    lines = text.splitlines(keepends=True)
    spans = _sections(lines, name)
    if not spans:
        head = text if not text or text.endswith("\n") else text + "\n"
        gap = "\n" if head.strip() and not head.endswith("\n\n") else ""
        return head + gap + f"[{name}]\n" + "".join(new)
    drop: set[int] = set()
    for span in spans:  # botocore merges repeated sections: ours must win in every one
        keys = _keys(lines, span)
        drop.update(index for key in _OWN_KEYS for index in keys.get(key, []))
    first = spans[0]
    dropped_here = sorted(index for index in drop if first[0] < index < first[1])
    if dropped_here:
        at = dropped_here[0]
    else:  # after the section's last line that is not blank
        at = first[1]
        while at - 1 > first[0] and not lines[at - 1].strip():
            at -= 1
        if not lines[at - 1].endswith("\n"):
            lines[at - 1] += "\n"
    out = [line for index, line in enumerate(lines[:at]) if index not in drop]
    out += new
    out += [line for index, line in enumerate(lines[at:], start=at) if index not in drop]
    return "".join(out)


class ProfileTarget:
    """A profile of the shared credentials file to write, checked before anything is
    acquired (a refusal must come before any network call or MFA prompt)."""

    def __init__(self, name: str, force: bool, ctx: Context) -> None:
        self.name = validate_profile_name(name)
        self.force = force
        self.path = location(ctx)
        self._lock = ctx.cache_dir / "locks" / (
            "credentials-file-" + sha256_hex(str(self.path).encode("utf-8"))[:32] + ".lock")
        self._check(self._read())

    def _read(self) -> str:
        try:
            return read_text(self.path) or ""
        except OperationError as exc:
            raise UsageError(f"--write-profile: {exc.message}") from None

    def _check(self, text: str) -> None:
        if not self.force and long_term_keys(text, self.name):
            raise UsageError(f"--write-profile {self.name}: that profile of {self.path} holds "
                             "long-term keys (no aws_session_token); choose another name, or "
                             "add --force to overwrite them")

    def write(self, creds: Credentials, now: datetime, ctx: Context) -> None:
        if creds.session_token is None or creds.expiration is None:
            raise OperationError("these are long-term IAM user keys; --write-profile writes "
                                 "only temporary credentials (add --get-session-token or "
                                 "--assume-roles)")
        target = self.path.resolve()  # a symlinked file stays a link to the updated file
        with exclusive_lock(self._lock, on_wait=lambda: ctx.warn(
                f"waiting for another aws-login writing {self.path}...")):
            text = self._read()  # again, under the lock: another writer may have been first
            self._check(text)
            if not target.parent.exists():
                target.parent.mkdir(mode=FOLDER_MODE, parents=True)
            write_atomically(target, with_profile(text, self.name, creds).encode("utf-8"),
                             FILE_MODE)
        minutes = int((creds.expiration - now).total_seconds() // 60)
        ctx.warn(f"wrote profile {self.name} to {self.path}; its credentials expire at "
                 f"{format_timestamp(creds.expiration)} (in {minutes} min); use them with "
                 f"--profile {self.name} or AWS_PROFILE={self.name}")
