"""aws-login's internal SSO cache: token files botocore can read, client registrations, and
one lock per start URL so refresh and sign-in are single-flight across processes."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path

from aws_login.errors import AwsLoginError
from aws_login.files import exclusive_lock, read_text, remove, write_private
from aws_login.model import ClientRegistration, SsoToken
from aws_login.sso import tokenfile

Warn = Callable[[str], None]


def cache_key(text: str) -> str:
    """botocore names a token file after the SHA-1 of the start URL (or session name)."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class SsoCache:
    def __init__(self, folder: Path, warn: Warn) -> None:
        self.folder = folder  # holds <sha1>.json token files, as ~/.aws/sso/cache does
        self._warn = warn
        self._warned: set[Path] = set()  # a file is read twice around the lock: warn once

    def token_path(self, start_url: str) -> Path:
        return self.folder / f"{cache_key(start_url)}.json"

    def load_token(self, start_url: str) -> SsoToken | None:
        path = self.token_path(start_url)
        token = self._read(path)
        if token is not None and token.start_url != start_url:
            self._warn(f"cache file {path} belongs to another start URL; ignoring it")
            return None
        return token

    def store_token(self, token: SsoToken) -> Path:
        path = self.token_path(token.start_url)
        write_private(path, tokenfile.serialize(token))
        return path

    def drop_token(self, start_url: str) -> bool:
        """Forget the sign-in for `start_url` (e.g. one the portal refused); False: none."""
        return remove(self.token_path(start_url))

    def tokens(self) -> Iterator[SsoToken]:
        """Every readable token in the cache (corrupt files are skipped quietly)."""
        if not self.folder.is_dir():
            return
        for path in sorted(self.folder.glob("*.json")):
            try:
                token = tokenfile.parse(read_text(path) or "")
            except AwsLoginError:
                continue
            yield token

    def lock(self, start_url: str, on_wait: Callable[[], None]
             ) -> AbstractContextManager[None]:
        return exclusive_lock(self.folder / "locks" / f"{cache_key(start_url)}.lock", on_wait)

    def load_registration(self, key: str, now: datetime) -> ClientRegistration | None:
        """A cached client registration that is still valid for an hour or more."""
        path = self._registration_path(key)
        try:
            data = json.loads(read_text(path) or "null")
            if data is None:
                return None
            registration = ClientRegistration(
                data["clientId"], data["clientSecret"],
                tokenfile.parse_timestamp(data["expiresAt"], "expiresAt"))
        except (AwsLoginError, ValueError, KeyError, TypeError):
            self._warn(f"cache file {path} is corrupt; registering a new client")
            return None
        if (registration.expires_at - now).total_seconds() < 3600:
            return None
        return registration

    def store_registration(self, key: str, registration: ClientRegistration) -> None:
        write_private(self._registration_path(key), json.dumps({
            "clientId": registration.client_id,
            "clientSecret": registration.client_secret,
            "expiresAt": tokenfile.format_timestamp(registration.expires_at),
        }, indent=2) + "\n")

    def _registration_path(self, key: str) -> Path:
        return self.folder / "registrations" / f"{cache_key(key)}.json"

    def _read(self, path: Path) -> SsoToken | None:
        try:
            text = read_text(path)
            return None if text is None else tokenfile.parse(text)
        except AwsLoginError as exc:
            if path not in self._warned:
                self._warned.add(path)
                self._warn(f"cache file {path} is unusable ({exc.message}); it will be replaced")
            return None
