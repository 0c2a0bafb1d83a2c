"""The console's browser profiles: one user-data folder per name, kept by aws-login under
<data folder>/browser-profiles (0700), so that each identity has its own cookies.

A name is the person's (`--browser-profile prod admin`) or derived from the identity
(`auto`: account id and role name). Any name maps to one folder name that is safe on every
file system: names made only of letters, digits, `.`, `_` and `-` are kept as they are,
others get the unsafe characters replaced and a digest of the whole name appended, so two
different names never share a folder.
"""

from __future__ import annotations

import re
from pathlib import Path

from aws_login.digest import sha256_hex
from aws_login.errors import UsageError
from aws_login.files import private_folder

AUTO = "auto"
FOLDER = "browser-profiles"
MAX_NAME = 128
_SAFE = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def check_name(value: str, option: str = "--browser-profile") -> str:
    """A profile or container name as given: 1-128 printable characters."""
    if not value.strip() or len(value) > MAX_NAME or any(
            ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise UsageError(f"{option} {value[:80]!r} is not a usable name; give 1-{MAX_NAME} "
                         f"printable characters, e.g. {option} prod-admin, or {option} auto "
                         "(from the account id and role name)")
    return value


def auto_name(account: str, name: str) -> str:
    """The name `auto` stands for: the account and the role (or federated user) name."""
    return f"{account}-{name}"


def folder_name(name: str) -> str:
    """The one folder name for a profile name (see the module's docstring)."""
    if _SAFE.fullmatch(name):
        return name
    kept = _UNSAFE.sub("_", name).lstrip(".")[:40] or "profile"
    return f"{kept}-{sha256_hex(name.encode('utf-8'))[:12]}"


def profile_folder(data_dir: Path, name: str) -> Path:
    """The profile's user-data folder, created (0700) on first use and reused after."""
    return private_folder(data_dir / FOLDER / folder_name(name))
