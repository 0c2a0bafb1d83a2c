"""Sign-ins nobody asked for on the command line (credential_process with an absent or expired
cached sign-in, an SSO profile's token): shown on the controlling terminal (a pty) while the
SDK captures stderr, failing fast with the command that signs in when there is no terminal;
the waits on another process's sign-in shown there too. Real processes, the loopback
FakeSso (role credentials: real moto)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from aws_login.context import Context
from aws_login.prompts.options import PromptSettings
from aws_login.sso.cache import cache_key
from aws_login.sso.flows import authorize_url
from tests.fakes.sso import FakeSso
from tests.fakes.terminal import PtySession
from tests.helpers import (
    SIGN_IN,
    SSO_ROLE,
    START_URL,
    TerminalText,
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


# --------------------------------------------------------------------------- waits on the terminal

def _signing_in(argv: tuple[str, ...], started: list[subprocess.Popen[str]]) -> list[str]:
    """Start `argv` without a terminal (an explicit sign-in: the code on its stderr); return
    once it shows the device code, i.e. holds its locks. Its stderr lines so far."""
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               stdin=subprocess.DEVNULL, text=True, env=dict(os.environ),
                               start_new_session=True)
    started.append(process)
    assert process.stderr is not None
    lines: list[str] = []
    for line in process.stderr:
        lines.append(line)
        if "enter the code" in line:
            return lines
    raise AssertionError(f"the first process never showed a device code: {lines}")


@pytest.mark.parametrize(("first_argv", "second_argv", "wait"), [
    # another role, the same start URL: the second waits on the start URL's lock
    ((*AWS_LOGIN, "getcallerid", "--use-cache", *SIGN_IN, "--use-device-code", *SSO_ROLE),
     (*HELPER[:-1], "ReadOnlyAccess"),
     f"waiting for another aws-login to finish signing in to {START_URL} or refreshing that "
     "sign-in..."),
    # the identical request: the second waits on its session-cache entry's lock
    ((*HELPER[:4], *HELPER[5:], "--use-device-code"), (*HELPER, "--use-device-code"),
     "waiting for another aws-login getting the same credentials (it may be signing in or "
     "asking for an MFA code)..."),
])
def test_a_wait_on_another_sign_in_is_shown_on_the_terminal(
        sso_env: Path, fake_sso: FakeSso, processes: list[subprocess.Popen[str]],
        first_argv: tuple[str, ...], second_argv: tuple[str, ...], wait: str) -> None:
    _signing_in(first_argv, processes)
    with PtySession(second_argv, dict(os.environ)) as person:
        person.wait_for(f"aws-login: {wait}")
        fake_sso.approve()
        done = person.finish()
    assert processes[0].wait(60) == 0
    assert done.code == 0, done.err
    assert json.loads(done.out)["Version"] == 1
    assert done.err == f"aws-login: {wait}\n"  # stderr keeps it too; no sign-in of its own
    assert done.screen == f"aws-login: {wait}\r\n"
    assert fake_sso.calls["StartDeviceAuthorization"] == 1


def test_a_profile_waiting_on_a_login_says_so_on_the_terminal(
        profile_config: Path, fake_sso: FakeSso, processes: list[subprocess.Popen[str]]) -> None:
    _signing_in((*AWS_LOGIN, "login", "--profile", "corp-admin", "--use-device-code"), processes)
    wait = (f"aws-login: waiting for another aws-login to finish signing in to {START_URL} or "
            "refreshing that sign-in...")
    with PtySession(PROFILE, dict(os.environ)) as person:
        person.wait_for(wait)
        fake_sso.approve()
        done = person.finish()
    assert processes[0].wait(60) == 0
    assert done.code == 0, done.err
    assert done.screen == f"{wait}\r\n"
    assert fake_sso.calls["StartDeviceAuthorization"] == 1


@pytest.mark.parametrize(("settings", "terminal", "err"), [
    (PromptSettings("tty", "--prompt tty"), False, "aws-login: waiting...\n"),  # no /dev/tty
    (PromptSettings("none", "--prompt none"), False, "aws-login: waiting...\n"),
    (PromptSettings(), True, "aws-login: waiting...\n"),  # the terminal: stderr, once
])
def test_telling_never_fails_and_says_it_once_on_stderr(aws_env: Path, settings: PromptSettings,
                                                        terminal: bool, err: str) -> None:
    stream = TerminalText if terminal else io.StringIO
    errors = stream()
    ctx = Context(environ=os.environ, stdout=io.StringIO(), stderr=errors, stdin=stream(),
                  tty=None)
    ctx.prompt_settings = settings
    ctx.prompt.tell("waiting...").close()
    assert errors.getvalue() == err


# --------------------------------------------------------------------------- dumpconfig after a 401

def _revoked_cache(cache: Path, fake: FakeSso) -> dict[str, str]:
    """A cached, valid-looking, refreshable sign-in that the portal refuses."""
    data = cached_grant(fake, timedelta(hours=4))
    write_token(cache / "sso", data)
    fake.revoke(data["accessToken"])
    return data


def _cached_access_token(cache: Path) -> str | None:
    path = cache / "sso" / f"{cache_key(START_URL)}.json"
    return str(json.loads(path.read_text())["accessToken"]) if path.exists() else None


def test_dumpconfig_signs_in_again_when_the_portal_refuses_the_cached_token(
        sso_env: Path, fake_sso: FakeSso) -> None:
    old = _revoked_cache(sso_env, fake_sso)
    fake_sso.auto_approve = True
    result = run_cli(["dumpconfig", "--use-cache", *SIGN_IN, "--use-device-code"],
                     sleep=no_sleep)
    assert result.code == 0, result.err
    assert "[profile " in result.out
    assert result.err.splitlines()[0] == (
        f"aws-login: the portal refused the cached sign-in for {START_URL}; signing in again")
    assert fake_sso.calls["StartDeviceAuthorization"] == 1
    assert _cached_access_token(sso_env) not in (None, old["accessToken"])


def test_dumpconfig_with_a_refused_token_and_no_start_url_names_login(
        sso_env: Path, fake_sso: FakeSso) -> None:
    _revoked_cache(sso_env, fake_sso)
    result = run_cli(["dumpconfig", "--use-cache"])  # no start URL: nothing to sign in to
    assert (result.code, result.out) == (1, "")
    assert error_line(result.err) == (
        "aws-login: error: SSO ListAccounts: the portal refused the SSO sign-in (revoked, "
        "signed out elsewhere, or expired early); aws-login dropped it from its cache: sign in "
        f"again with aws-login login --start-url {START_URL} --sso-region us-east-1")
    assert _cached_access_token(sso_env) is None
    assert fake_sso.calls["StartDeviceAuthorization"] == 0


def test_dumpconfig_with_a_refused_token_file_names_its_tool_and_login(
        sso_env: Path, fake_sso: FakeSso, tmp_path: Path) -> None:
    data = cached_grant(fake_sso, timedelta(hours=4))
    fake_sso.revoke(data["accessToken"])
    path = tmp_path / "token.json"
    path.write_text(json.dumps(data))
    result = run_cli(["dumpconfig", "--accesstoken-cache", f"file://{path}"])
    assert (result.code, result.out) == (1, "")
    assert error_line(result.err) == (
        "aws-login: error: SSO ListAccounts: the portal refused the SSO sign-in (revoked, "
        "signed out elsewhere, or expired early); sign in again with the tool that wrote it "
        "(e.g. aws sso login), or sign in with aws-login (aws-login login --start-url "
        f"{START_URL} --sso-region us-east-1) and use --use-cache instead of "
        "--accesstoken-cache")
    assert json.loads(path.read_text()) == data  # another tool's file is never written


# --------------------------------------------------------------------------- an SSO profile's 401

def _cli_token_file(name: str) -> Path:
    return Path(os.environ["HOME"]) / ".aws" / "sso" / "cache" / f"{cache_key(name)}.json"


@pytest.mark.parametrize("where", ["aws-login", "aws-cli"])
def test_a_profiles_refused_token_is_dropped_and_signed_in_again(
        profile_config: Path, sso_env: Path, fake_sso: FakeSso, where: str) -> None:
    data = cached_grant(fake_sso, timedelta(hours=4))
    fake_sso.revoke(data["accessToken"])
    if where == "aws-login":
        write_token(sso_env / "sso", data)
    else:  # the AWS CLI's sign-in for the sso-session
        _cli_token_file("corp").parent.mkdir(parents=True)
        _cli_token_file("corp").write_text(json.dumps(data))
    fake_sso.auto_approve = True
    result = run_cli(["getcallerid", "--profile", "corp-admin", "--use-device-code"],
                     sleep=no_sleep, terminal=True)
    assert result.code == 0, result.err
    assert result.err.splitlines()[0] == (
        f"aws-login: the portal refused the sign-in for {START_URL}; signing in again")
    assert fake_sso.calls["GetRoleCredentials"] == 2  # refused, then with the new sign-in
    assert _cached_access_token(sso_env) not in (None, data["accessToken"])
    assert not _cli_token_file("corp").exists()  # a dead token would win the next time
    fake_sso.reset_counters()
    again = run_cli(["getcallerid", "--profile", "corp-admin"])
    assert again.code == 0, again.err
    assert fake_sso.calls["StartDeviceAuthorization"] == 0


def test_a_profiles_refused_token_without_a_terminal_names_login(
        profile_config: Path, sso_env: Path, fake_sso: FakeSso) -> None:
    data = cached_grant(fake_sso, timedelta(hours=4))
    fake_sso.revoke(data["accessToken"])
    write_token(sso_env / "sso", data)
    result = run_cli(["getcallerid", "--profile", "corp-admin"])
    assert result.code == 1
    assert error_line(result.err) == (
        "aws-login: error: SSO GetRoleCredentials (111111111111/AdministratorAccess): the "
        "portal refused the SSO sign-in (revoked, signed out elsewhere, or expired early); "
        "aws-login dropped it: sign in again with aws-login login --profile corp-admin")
    assert _cached_access_token(sso_env) is None
    assert fake_sso.calls["StartDeviceAuthorization"] == 0
