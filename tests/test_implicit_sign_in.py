"""Sign-ins nobody asked for on the command line (credential_process with an absent or expired
cached sign-in, an SSO profile's token): shown on the controlling terminal (a pty) while the
SDK captures stderr, failing fast with the command that signs in when there is no terminal;
the waits on another process's sign-in shown there too. Real processes, the loopback
FakeSso (role credentials: real moto)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from aws_login.sso.flows import authorize_url
from tests.fakes.sso import FakeSso
from tests.fakes.terminal import PtySession
from tests.helpers import (
    SIGN_IN,
    SSO_ROLE,
    START_URL,
    cached_grant,
    error_line,
    no_sleep,
    run_cli,
    write_token,
)

AWS_LOGIN = (sys.executable, "-m", "aws_login")
HELPER = (*AWS_LOGIN, "dumpcreds", "--credential-helper", "--use-cache", *SIGN_IN, *SSO_ROLE)
PROFILE = (*AWS_LOGIN, "dumpcreds", "--credential-helper", "--profile", "corp-admin")
PROFILE_CONFIG = f"""\
[sso-session corp]
sso_start_url = {START_URL}
sso_region = us-east-1

[profile corp-admin]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = AdministratorAccess
"""
CODE_SHOWN = f"aws-login: to sign in to {START_URL}, open "


@pytest.fixture
def profile_config(aws_env: Path, sso_env: Path) -> Path:
    path = aws_env / "config"
    path.write_text(PROFILE_CONFIG)
    return path


def _signed_in_on_the_pty(argv: tuple[str, ...], fake: FakeSso) -> None:
    with PtySession(argv, dict(os.environ)) as person:
        person.wait_for(CODE_SHOWN)  # after StartDeviceAuthorization: the code is known
        person.wait_for(f"enter the code {fake.device().user_code}")
        fake.approve()
        done = person.finish()
    assert done.code == 0, done.err
    assert json.loads(done.out)["Version"] == 1
    assert CODE_SHOWN in done.screen
    assert "aws-login: signed in" in done.screen
    # stderr (which the SDK captures) keeps the messages too, for its error output
    assert CODE_SHOWN in done.err
    assert fake.calls["StartDeviceAuthorization"] == 1


def test_credential_process_signs_in_on_the_controlling_terminal(sso_env: Path,
                                                                 fake_sso: FakeSso) -> None:
    _signed_in_on_the_pty(HELPER, fake_sso)


def test_an_expired_cached_sign_in_is_signed_in_again_on_the_terminal(
        sso_env: Path, fake_sso: FakeSso) -> None:
    expired = cached_grant(fake_sso, timedelta(minutes=-5))
    del expired["refreshToken"]
    write_token(sso_env / "sso", expired)
    _signed_in_on_the_pty(HELPER, fake_sso)


def test_an_sso_profile_signs_in_on_the_controlling_terminal(profile_config: Path,
                                                             fake_sso: FakeSso) -> None:
    _signed_in_on_the_pty(PROFILE, fake_sso)


def _without_a_terminal(argv: tuple[str, ...]) -> subprocess.CompletedProcess[str]:
    # A new session: no controlling terminal; stdin a pipe; no display, no browser.
    return subprocess.run(argv, capture_output=True, text=True, input="",
                          start_new_session=True, env=dict(os.environ), timeout=60)


def test_credential_process_without_a_terminal_fails_fast(sso_env: Path,
                                                          fake_sso: FakeSso) -> None:
    done = _without_a_terminal(HELPER)
    assert (done.returncode, done.stdout) == (1, "")
    assert error_line(done.stderr) == (
        f"aws-login: error: the cached sign-in for {START_URL} does not exist yet (nobody can "
        f"see a sign-in here); sign in first: aws-login login --start-url {START_URL} "
        "--sso-region us-east-1")
    assert fake_sso.calls["StartDeviceAuthorization"] == 0


def test_an_sso_profile_without_a_terminal_fails_fast(profile_config: Path,
                                                      fake_sso: FakeSso) -> None:
    done = _without_a_terminal(PROFILE)
    assert (done.returncode, done.stdout) == (1, "")
    assert error_line(done.stderr) == (
        f"aws-login: error: the sign-in for {START_URL} does not exist yet (no terminal here "
        "to sign in from); sign in from a terminal: aws-login login --profile corp-admin")
    assert fake_sso.calls["StartDeviceAuthorization"] == 0


# --------------------------------------------------------------------------- registration scopes

SCOPED_CONFIG = PROFILE_CONFIG.replace(
    "sso_region = us-east-1\n",
    "sso_region = us-east-1\n"
    "sso_registration_scopes = sso:account:access, codewhisperer:completions\n",
    1)
BOTH_SCOPES = ("sso:account:access", "codewhisperer:completions")


def _registered_scopes(fake: FakeSso) -> list[tuple[str, ...]]:
    return [client.scopes for client in fake.clients.values()]


def test_a_profiles_registration_scopes_are_registered(profile_config: Path,
                                                       fake_sso: FakeSso) -> None:
    profile_config.write_text(SCOPED_CONFIG)
    fake_sso.auto_approve = True
    result = run_cli(["getcallerid", "--profile", "corp-admin", "--use-device-code"],
                     sleep=no_sleep, terminal=True)
    assert result.code == 0, result.err
    assert _registered_scopes(fake_sso) == [BOTH_SCOPES]
    # The same scopes again: the cached registration; the default scopes: a registration of
    # their own (its cache key holds the scopes).
    for argv in (["login", "--profile", "corp-admin", "--use-device-code"],
                 ["login", *SIGN_IN, "--use-device-code"]):
        assert run_cli(argv, sleep=no_sleep).code == 0
    assert _registered_scopes(fake_sso) == [BOTH_SCOPES, ("sso:account:access",)]
    assert fake_sso.calls["RegisterClient"] == 2


def test_the_default_registration_scope(sso_env: Path, fake_sso: FakeSso) -> None:
    fake_sso.auto_approve = True
    assert run_cli(["login", *SIGN_IN, "--use-device-code"], sleep=no_sleep).code == 0
    assert _registered_scopes(fake_sso) == [("sso:account:access",)]


def test_the_browser_is_asked_for_the_registration_scopes() -> None:
    url = urlsplit(authorize_url("https://oidc.example", "id", "http://127.0.0.1:5/cb", "st",
                                 "ch", list(BOTH_SCOPES)))
    assert parse_qs(url.query)["scopes"] == ["sso:account:access codewhisperer:completions"]
    default = urlsplit(authorize_url("https://oidc.example", "id", "http://127.0.0.1:5/cb",
                                     "st", "ch"))
    assert parse_qs(default.query)["scopes"] == ["sso:account:access"]
