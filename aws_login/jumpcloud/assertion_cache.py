"""The JumpCloud assertion, kept for a few minutes (--use-cache): several roles of one
sign-in then cost one password and one MFA code, as aws-jumpcloud's `rotate --all` does.

An entry is the base64 SAMLResponse itself, so it is a secret: a 0600 file in a 0700 folder
(`<cache>/jumpcloud/`), written atomically, kept until the assertion's NotOnOrAfter and at
most MAX_AGE, named by a digest of the console, the IdP URL and the email. A lock per entry
makes concurrent runs for the same sign-in (two credential_process profiles) sign in once.
`status` lists the entries and `clearcache` removes them; an entry AWS refused is dropped.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from pathlib import Path

from aws_login.digest import sha256_hex
from aws_login.errors import AwsLoginError
from aws_login.files import exclusive_lock, read_text, remove, write_private
from aws_login.record import field, record
from aws_login.sso.tokenfile import format_timestamp, parse_timestamp

FOLDER = "jumpcloud"
VERSION = 1
MAX_AGE = timedelta(minutes=5)
# Not handed to STS when it would expire on the way there.
MARGIN = timedelta(seconds=30)


@record
class Entry:
    assertion: str = field(repr=False)
    expires_at: datetime
    idp_url: str
    email: str


def key(console: str, idp_url: str, email: str | None) -> str:
    return sha256_hex(f"{console}\0{idp_url}\0{email or ''}".encode())


class AssertionCache:
    def __init__(self, cache_dir: Path) -> None:
        self.folder = cache_dir / FOLDER

    def path(self, name: str) -> Path:
        return self.folder / f"{name}.json"

    def load(self, name: str, now: datetime) -> Entry | None:
        try:
            entry = _parse(read_text(self.path(name)) or "")
        except (AwsLoginError, ValueError, KeyError, TypeError):
            return None  # unusable or absent: a sign-in writes it anew
        return entry if now + MARGIN < entry.expires_at else None

    def store(self, name: str, entry: Entry) -> None:
        write_private(self.path(name), json.dumps({
            "Version": VERSION, "Assertion": entry.assertion,
            "ExpiresAt": format_timestamp(entry.expires_at), "IdpUrl": entry.idp_url,
            "Email": entry.email}) + "\n")

    def drop(self, name: str) -> bool:
        return remove(self.path(name))

    def lock(self, name: str, on_wait: Callable[[], None]) -> AbstractContextManager[None]:
        return exclusive_lock(self.folder / "locks" / f"{name}.lock", on_wait)

    def entries(self) -> Iterator[tuple[str, Entry]]:
        """Every readable entry, expired or not (status shows which)."""
        if not self.folder.is_dir():
            return
        for path in sorted(self.folder.glob("*.json")):
            try:
                yield path.stem, _parse(read_text(path) or "")
            except (AwsLoginError, ValueError, KeyError, TypeError):
                continue


def expiry(not_on_or_after: datetime | None, now: datetime) -> datetime:
    """How long an assertion is kept: until its NotOnOrAfter, at most MAX_AGE."""
    latest = now + MAX_AGE
    return latest if not_on_or_after is None else min(latest, not_on_or_after)


def _parse(text: str) -> Entry:
    data = json.loads(text)
    if not isinstance(data, dict) or data.get("Version") != VERSION:
        raise ValueError("unknown version")
    assertion, idp_url, email = data["Assertion"], data["IdpUrl"], data["Email"]
    if not all(isinstance(value, str) for value in (assertion, idp_url, email)) \
            or not assertion:
        raise ValueError("types")
    return Entry(assertion, parse_timestamp(data["ExpiresAt"], "ExpiresAt"), idp_url, email)
