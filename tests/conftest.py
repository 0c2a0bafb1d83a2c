"""The fixtures: a real moto STS/IMDS server on 127.0.0.1 that records every request, a clean
AWS environment per test, the SSO, federation and JumpCloud fakes, and the fault-proxy world. Shared
helpers and constants are in tests/helpers.py; the fakes in tests/fakes/."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.faults import Servers, World, make_world, start_servers
from tests.fakes.federation import FakeFederation, start_fake_federation
from tests.fakes.jumpcloud import FakeJumpCloud, start_fake_jumpcloud
from tests.fakes.moto_server import LoopbackServer, Recorder, start_moto
from tests.fakes.sso import FakeSso
from tests.helpers import USER_KEY_ID, USER_SECRET


@pytest.fixture(scope="session")
def sts_server() -> Iterator[LoopbackServer]:
    server = start_moto()
    yield server
    server.stop()


@pytest.fixture
def sts(sts_server: LoopbackServer) -> LoopbackServer:
    """The moto server with an empty request log."""
    sts_server.recorder.clear()
    return sts_server


@pytest.fixture
def calls(sts: LoopbackServer) -> Recorder:
    """What reached moto during this test: each request's Action, parameters, signer and
    answer (the log of `sts`, emptied when the test starts)."""
    return sts.recorder


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sts: LoopbackServer) -> Path:
    """A process environment with no AWS settings but the loopback STS endpoint.

    Returns the folder holding the (empty) config and credentials files."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    aws_dir = tmp_path / "aws"
    aws_dir.mkdir()
    (aws_dir / "config").write_text("")
    (aws_dir / "credentials").write_text("")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(aws_dir / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(aws_dir / "credentials"))
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", sts.url)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    for name in ("DISPLAY", "WAYLAND_DISPLAY"):  # no desktop dialog pops up from a test
        monkeypatch.delenv(name, raising=False)
    return aws_dir


@pytest.fixture
def user_keys(monkeypatch: pytest.MonkeyPatch, aws_env: Path) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", USER_KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", USER_SECRET)


@pytest.fixture
def fake_sso(sts_server: LoopbackServer) -> Iterator[FakeSso]:
    """The loopback SSO OIDC + portal fake; its role credentials are real moto sessions."""
    with FakeSso(sts_url=sts_server.url) as fake:
        yield fake


@pytest.fixture
def cache_env(aws_env: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """aws_env plus a private aws-login cache folder (returned; not made yet)."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("AWS_LOGIN_CACHE_DIR", str(cache))
    return cache


@pytest.fixture
def sso_env(monkeypatch: pytest.MonkeyPatch, cache_env: Path, fake_sso: FakeSso) -> Path:
    """cache_env plus the SSO endpoints on the fake and no browser; returns the cache
    folder."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSO", fake_sso.url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSO_OIDC", fake_sso.url)
    for name in ("BROWSER", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    return cache_env


@pytest.fixture(scope="module")
def federation_server() -> Iterator[FakeFederation]:
    """The loopback sign-in federation endpoint fake (getSigninToken, login, console pages)."""
    fake = start_fake_federation()
    yield fake
    fake.stop()


@pytest.fixture
def fed(federation_server: FakeFederation, aws_env: Path,
        monkeypatch: pytest.MonkeyPatch) -> FakeFederation:
    """The federation fake, set as AWS_LOGIN_FEDERATION_URL, with an empty log; no browser."""
    federation_server.clear()
    monkeypatch.setenv("AWS_LOGIN_FEDERATION_URL", federation_server.federation_url)
    for name in ("BROWSER", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    return federation_server


@pytest.fixture(scope="module")
def jumpcloud_server() -> Iterator[FakeJumpCloud]:
    """The loopback JumpCloud fake (console and IdP listeners), once per module."""
    fake = start_fake_jumpcloud()
    yield fake
    fake.stop()


@pytest.fixture
def jumpcloud(jumpcloud_server: FakeJumpCloud,
              monkeypatch: pytest.MonkeyPatch) -> FakeJumpCloud:
    """The JumpCloud fake reset to its defaults (switches, users, sessions, request log),
    set as AWS_LOGIN_JUMPCLOUD_CONSOLE_URL; point --jumpcloud-url at `jumpcloud.idp_url()`.
    Combine with aws_env / cache_env (moto STS) to go on to AWS."""
    jumpcloud_server.reset()
    monkeypatch.setenv("AWS_LOGIN_JUMPCLOUD_CONSOLE_URL", jumpcloud_server.console_url)
    return jumpcloud_server


@pytest.fixture(scope="module")
def fault_servers(sts_server: LoopbackServer) -> Iterator[Servers]:
    """FakeSso, the federation fake and moto, each behind a fault proxy; once per module."""
    with start_servers(sts_server.url) as started:
        yield started


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fault_servers: Servers) -> World:
    """aws-login's environment pointing at the fault proxies (reset for this test)."""
    return make_world(monkeypatch, tmp_path, fault_servers)


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[str]]]:
    """Processes a test starts (append them): killed, if still running, when it ends."""
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(30)
