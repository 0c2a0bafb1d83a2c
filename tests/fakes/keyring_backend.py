"""A real keyring backend for the tests: keyring's own backend protocol, its items in a JSON
file (0600) named by AWS_LOGIN_TEST_KEYRING, chosen the way a user chooses a backend, with
keyring's PYTHON_KEYRING_BACKEND=tests.fakes.keyring_backend.FileKeyring (see `environment`).

The file may say {"locked": true}: every operation then raises keyring's KeyringLocked, as a
locked desktop keychain does. The backend is viable only while AWS_LOGIN_TEST_KEYRING is set,
so keyring never picks it by itself for a test that did not ask for it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from jaraco.classes import properties
from keyring.backend import KeyringBackend
from keyring.errors import KeyringLocked, PasswordDeleteError

FILE_VARIABLE = "AWS_LOGIN_TEST_KEYRING"
NAME = "tests.fakes.keyring_backend.FileKeyring"


def environment(path: Path) -> dict[str, str]:
    """The variables that select this backend with its items in `path`."""
    return {"PYTHON_KEYRING_BACKEND": NAME, FILE_VARIABLE: str(path)}


def read(path: Path) -> dict[str, Any]:
    """The file's content: {"items": {"service\\0user": password}, "locked": bool}."""
    if not path.exists():
        return {"items": {}}
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def write(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data))
    path.chmod(0o600)


class FileKeyring(KeyringBackend):
    @properties.classproperty
    def priority(cls) -> float:
        if not os.environ.get(FILE_VARIABLE):
            raise RuntimeError(f"{FILE_VARIABLE} is not set")
        return 1.0

    @staticmethod
    def _path() -> Path:
        return Path(os.environ[FILE_VARIABLE])

    def _open(self) -> dict[str, Any]:
        data = read(self._path())
        if data.get("locked"):
            raise KeyringLocked("the test keychain is locked")
        return data

    def get_password(self, service: str, username: str) -> str | None:
        value = self._open()["items"].get(f"{service}\0{username}")
        return None if value is None else str(value)

    def set_password(self, service: str, username: str, password: str) -> None:
        data = self._open()
        data["items"][f"{service}\0{username}"] = password
        write(self._path(), data)

    def delete_password(self, service: str, username: str) -> None:
        data = self._open()
        if data["items"].pop(f"{service}\0{username}", None) is None:
            raise PasswordDeleteError("no such item")
        write(self._path(), data)
