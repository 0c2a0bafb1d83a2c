"""What the JumpCloud tests share: the environment (moto STS, the JumpCloud fake, a private
cache folder, the test keyring backend), files that stand-in programs print (the password,
the TOTP code), the command line, and a clock that runs on the fake's.

Imported by tests/test_jumpcloud*.py (not a conftest: its names are imported explicitly).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from tests.fakes import keyring_backend
from tests.fakes.jumpcloud import DEFAULT_PASSWORD, FakeJumpCloud
from tests.fakes.saml import USER
from tests.helpers import Result, run_cli

SESSION = f"arn:aws:sts::123456789012:assumed-role/Admin/{USER}"
EMAIL = ("--jumpcloud-email", USER)


@dataclass
class JcWorld:
    """A test's JumpCloud world: the fake, its cache folder, and the files of the stand-in
    password and code programs (`cat FILE`: run without a shell, nothing on a command line)."""

    fake: FakeJumpCloud
    cache: Path
    tmp: Path
    keyring: Path  # the test keyring backend's file

    @property
    def url(self) -> str:
        return self.fake.idp_url()

    def password_file(self, password: str = DEFAULT_PASSWORD) -> Path:
        path = self.tmp / "password.txt"
        path.write_text(password + "\n")
        return path

    def code_file(self, code: str | None = None) -> Path:
        path = self.tmp / "code.txt"
        path.write_text((code if code is not None else self.fake.totp_code()) + "\n")
        return path

    def password_process(self, password: str = DEFAULT_PASSWORD) -> tuple[str, str]:
        return ("--password-process", f"cat {self.password_file(password)}")

    def code_process(self, code: str | None = None) -> tuple[str, str]:
        return ("--mfa-process", f"cat {self.code_file(code)}")

    def start(self, *extra: str) -> list[str]:
        """--jumpcloud-url and the email, then `extra`."""
        return ["--jumpcloud-url", self.url, *EMAIL, *extra]

    def programs(self, *extra: str) -> list[str]:
        """A whole non-interactive sign-in: the password and the current code from programs."""
        return self.start(*self.password_process(), *self.code_process(), *extra)

    def now(self) -> datetime:
        """The fake's clock, for a Context (`now=world.now`)."""
        return datetime.fromtimestamp(self.fake.now(), timezone.utc)

    def sleep(self, seconds: float) -> None:
        """A Context sleep that moves the fake's clock instead of waiting."""
        self.fake.time_offset += seconds

    def clock(self) -> dict[str, Callable[..., object]]:
        """run_cli's clock arguments: now and sleep on the fake's (frozen) clock."""
        return {"now": self.now, "sleep": self.sleep}

    def next_step(self) -> None:
        """Move the fake's clock (and so the runs') to the next TOTP step: a new code."""
        self.fake.time_offset += 30

    def run(self, argv: Sequence[str], **context: Any) -> Result:
        """aws-login in this process on the fake's clock (unless `context` says otherwise):
        a wait for the next TOTP step moves the clock instead of taking 30 s."""
        for name, value in self.clock().items():
            context.setdefault(name, value)
        return run_cli(argv, **context)

    def saved(self) -> dict[str, str]:
        """The test keyring's items."""
        items: dict[str, str] = keyring_backend.read(self.keyring)["items"]
        return items


def make_world(fake: FakeJumpCloud, cache: Path, tmp: Path,
               monkeypatch: pytest.MonkeyPatch) -> JcWorld:
    keyring = tmp / "keyring.json"
    for name, value in keyring_backend.environment(keyring).items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("JUMPCLOUD_EMAIL", raising=False)
    fake.freeze()  # no TOTP step ends during a test
    return JcWorld(fake, cache, tmp, keyring)


def secrets_of(world: JcWorld, *more: str) -> set[str]:
    """Every secret value a sign-in with the fake's defaults handles: the password, the
    codes of the steps around now, the session cookies and the assertions served."""
    fake = world.fake
    found = {DEFAULT_PASSWORD, *more, *fake.sessions, *fake.assertions}
    for offset in (-30, 0, 30):
        found.add(fake.totp_code(at=fake.now() + offset))
    return {value for value in found if value}


def leaks(text: str, secrets: set[str]) -> list[str]:
    return sorted(secret for secret in secrets if secret in text)
