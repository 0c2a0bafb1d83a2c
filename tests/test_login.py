"""Signing in on its own (`aws-login login`), explicit sign-ins whatever stderr is, a token
the portal refuses (401), the waits on another process's lock, and importcache keeping the
better sign-in. Everything talks to the loopback FakeSso (role credentials: real moto)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest

from aws_login.files import exclusive_lock
from aws_login.sso.cache import cache_key
from tests.fakes.sso import FakeSso
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

ROLE_ARN_PREFIX = "arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_AdministratorAccess_"


def token_file(cache: Path, start_url: str = START_URL) -> Path:
    return cache / "sso" / f"{cache_key(start_url)}.json"


# --------------------------------------------------------------------------- aws-login login

def test_login_signs_in_with_stderr_piped_and_stores_the_sign_in(sso_env: Path,
                                                                 fake_sso: FakeSso) -> None:
    fake_sso.auto_approve = True
    result = run_cli(["login", *SIGN_IN, "--use-device-code"], sleep=no_sleep)  # not a tty
    assert result.code == 0, result.err
    assert result.out == ""
    data = json.loads(token_file(sso_env).read_text())
    assert (data["startUrl"], data["region"]) == (START_URL, "us-east-1")
    lines = result.err.splitlines()
    assert lines[0].startswith(f"aws-login: to sign in to {START_URL}, open ")
    assert lines[-1] == (
        f"aws-login: signed in to {START_URL} (IAM Identity Center in us-east-1); valid until "
        f"{data['expiresAt']}, refreshable: --use-cache keeps it fresh without another "
        "sign-in")
    # The sign-in serves the credential commands without another one.
    sign_ins = fake_sso.calls["StartDeviceAuthorization"]
    used = run_cli(["getcallerid", "--use-cache", *SSO_ROLE])
    assert used.code == 0, used.err
    assert json.loads(used.out)["Arn"].startswith(ROLE_ARN_PREFIX)
    assert fake_sso.calls["StartDeviceAuthorization"] == sign_ins


def test_login_always_signs_in_anew(sso_env: Path, fake_sso: FakeSso) -> None:
    # A cached sign-in that looks valid may be one the portal refuses: login replaces it.
    old = cached_grant(fake_sso, timedelta(hours=2))
    write_token(sso_env / "sso", old)
    fake_sso.auto_approve = True
    result = run_cli(["login", *SIGN_IN, "--no-browser"], sleep=no_sleep)
    assert result.code == 0, result.err
    assert json.loads(token_file(sso_env).read_text())["accessToken"] != old["accessToken"]
    assert fake_sso.calls["CreateToken:device_code"] == 1


SSO_SESSION_CONFIG = f"""\
# hand-written
[profile corp-admin]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = AdministratorAccess

[sso-session corp]
sso_start_url = {START_URL}
sso_region = us-east-1

[profile legacy]
sso_start_url = https://d-2222222222.awsapps.com/start
sso_region = eu-west-1

[profile keys]
region = eu-west-1
"""


@pytest.mark.parametrize(("profile", "url", "region"), [
    ("corp-admin", START_URL, "us-east-1"),
    ("legacy", "https://d-2222222222.awsapps.com/start", "eu-west-1"),
])
def test_login_with_a_profile_reads_its_portal(sso_env: Path, fake_sso: FakeSso, profile: str,
                                               url: str, region: str) -> None:
    Path(os.environ["AWS_CONFIG_FILE"]).write_text(SSO_SESSION_CONFIG)
    fake_sso.auto_approve = True
    result = run_cli(["login", "--profile", profile, "--use-device-code"], sleep=no_sleep)
    assert result.code == 0, result.err
    data = json.loads(token_file(sso_env, url).read_text())
    assert (data["startUrl"], data["region"]) == (url, region)
    assert result.err.splitlines()[-1].startswith(
        f"aws-login: signed in to {url} (IAM Identity Center in {region}, for profile "
        f"{profile}); valid until ")


def test_login_takes_aws_profile_when_nothing_is_given(sso_env: Path, fake_sso: FakeSso,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    Path(os.environ["AWS_CONFIG_FILE"]).write_text(SSO_SESSION_CONFIG)
    monkeypatch.setenv("AWS_PROFILE", "corp-admin")
    fake_sso.auto_approve = True
    result = run_cli(["login", "--use-device-code"], sleep=no_sleep)
    assert result.code == 0, result.err
    assert token_file(sso_env).exists()


@pytest.mark.parametrize(("profile", "message"), [
    ("nosuch", "--profile nosuch: there is no such profile in {config}; check the name, or "
               "give --start-url URL"),
    ("keys", "--profile keys has no IAM Identity Center settings (sso_session or "
             "sso_start_url) in {config}; give --start-url URL instead"),
])
def test_login_with_a_profile_that_has_no_portal(sso_env: Path, fake_sso: FakeSso,
                                                 profile: str, message: str) -> None:
    config = Path(os.environ["AWS_CONFIG_FILE"])
    config.write_text(SSO_SESSION_CONFIG)
    result = run_cli(["login", "--profile", profile])
    assert result.code == 2
    assert error_line(result.err) == "aws-login: error: " + message.format(config=config)
    assert list(fake_sso.requests) == []


# --------------------------------------------------------------------------- explicit sign-ins

def test_an_explicit_device_sign_in_proceeds_with_stderr_piped(sso_env: Path,
                                                               fake_sso: FakeSso) -> None:
    # The issue's `getcallerid --use-cache --start-url ... --use-device-code 2>&1 | tee log`.
    fake_sso.auto_approve = True
    result = run_cli(["getcallerid", "--use-cache", *SIGN_IN, "--use-device-code", *SSO_ROLE],
                     sleep=no_sleep)
    assert result.code == 0, result.err
    assert json.loads(result.out)["Arn"].startswith(ROLE_ARN_PREFIX)
    assert f"aws-login: to sign in to {START_URL}, open " in result.err
    assert token_file(sso_env).exists()


def test_dumpconfig_signs_in_with_stderr_redirected(sso_env: Path, fake_sso: FakeSso) -> None:
    # `dumpconfig --use-cache --start-url URL --no-browser 2>sign-in.log`
    fake_sso.auto_approve = True
    result = run_cli(["dumpconfig", "--use-cache", *SIGN_IN, "--no-browser"], sleep=no_sleep)
    assert result.code == 0, result.err
    assert "[sso-session" in result.out
    assert token_file(sso_env).exists()


def test_a_sign_in_nobody_asked_for_is_still_refused_without_a_terminal(
        sso_env: Path, fake_sso: FakeSso) -> None:
    result = run_cli(["dumpcreds", "--credential-helper", "--use-cache", *SIGN_IN, *SSO_ROLE])
    assert result.code == 1
    assert error_line(result.err) == (
        f"aws-login: error: the cached sign-in for {START_URL} does not exist yet (nobody can "
        f"see a sign-in here); sign in first: aws-login login --start-url {START_URL} "
        "--sso-region us-east-1")
    assert fake_sso.calls["StartDeviceAuthorization"] == 0


@pytest.mark.parametrize("command", [("getcallerid",), ("dumpcreds",), ("console",),
                                     ("runas", "--command", "true")])
def test_a_sign_in_without_a_role_is_a_usage_error(sso_env: Path, fake_sso: FakeSso,
                                                   user_keys: None,
                                                   command: tuple[str, ...]) -> None:
    # Before: signed in, then fell through to the default chain (here: the environment keys).
    result = run_cli([*command, "--use-cache", *SIGN_IN])
    assert result.code == 2
    assert error_line(result.err) == (
        "aws-login: error: --start-url signs in to start from an SSO role, and none is given: "
        "add --sso-acct-id ID --sso-role-name NAME; to sign in only: aws-login login "
        f"--start-url {START_URL} --sso-region us-east-1")
    assert list(fake_sso.requests) == []


# --------------------------------------------------------------------------- 401

def revoked_cache(cache: Path, fake: FakeSso) -> dict[str, str]:
    """A cached, valid-looking, refreshable sign-in that the portal refuses."""
    data = cached_grant(fake, timedelta(hours=4))
    write_token(cache / "sso", data)
    fake.revoke(data["accessToken"])
    return data


def test_a_refused_token_is_dropped_and_signed_in_again_at_once(sso_env: Path,
                                                                fake_sso: FakeSso) -> None:
    old = revoked_cache(sso_env, fake_sso)
    fake_sso.auto_approve = True
    result = run_cli(["getcallerid", "--use-cache", *SIGN_IN, "--use-device-code", *SSO_ROLE],
                     sleep=no_sleep)
    assert result.code == 0, result.err
    assert json.loads(result.out)["Arn"].startswith(ROLE_ARN_PREFIX)
    assert result.err.splitlines()[0] == (
        f"aws-login: the portal refused the cached sign-in for {START_URL}; signing in again")
    assert fake_sso.calls["GetRoleCredentials"] == 2  # refused, then with the new sign-in
    assert json.loads(token_file(sso_env).read_text())["accessToken"] != old["accessToken"]


def test_a_refused_token_without_a_way_to_sign_in_names_login(sso_env: Path,
                                                              fake_sso: FakeSso) -> None:
    revoked_cache(sso_env, fake_sso)
    failed = run_cli(["getcallerid", "--use-cache", *SSO_ROLE])
    assert failed.code == 1
    assert error_line(failed.err) == (
        "aws-login: error: SSO GetRoleCredentials (111111111111/AdministratorAccess): the "
        "portal refused the SSO sign-in (revoked, signed out elsewhere, or expired early); "
        "aws-login dropped it from its cache: sign in again with aws-login login --start-url "
        f"{START_URL} --sso-region us-east-1")
    assert not token_file(sso_env).exists()
    # Following the advice works, and then the command that failed works too.
    fake_sso.auto_approve = True
    assert run_cli(["login", *SIGN_IN, "--use-device-code"], sleep=no_sleep).code == 0
    again = run_cli(["getcallerid", "--use-cache", *SSO_ROLE])
    assert again.code == 0, again.err


def test_a_refused_token_under_credential_process_is_not_signed_in_again(
        sso_env: Path, fake_sso: FakeSso) -> None:
    revoked_cache(sso_env, fake_sso)
    result = run_cli(["dumpcreds", "--credential-helper", "--use-cache", *SIGN_IN, *SSO_ROLE])
    assert result.code == 1
    assert error_line(result.err).endswith(
        f"sign in again with aws-login login --start-url {START_URL} --sso-region us-east-1")
    assert fake_sso.calls["StartDeviceAuthorization"] == 0


# --------------------------------------------------------------------------- lock waits

def test_every_lock_wait_is_reported_before_blocking(tmp_path: Path) -> None:
    path = tmp_path / "locks" / "x.lock"
    waited = threading.Event()
    got: list[bool] = []

    def second() -> None:
        with exclusive_lock(path, on_wait=waited.set):
            got.append(True)

    with exclusive_lock(path, on_wait=lambda: pytest.fail("the lock was free")):
        thread = threading.Thread(target=second)
        thread.start()
        assert waited.wait(30)
        assert got == []
    thread.join(30)
    assert got == [True]


def _lines(stream: object, into: list[str], seen: threading.Event, wanted: str) -> None:
    for line in stream:  # type: ignore[attr-defined]
        into.append(line)
        if wanted in line:
            seen.set()


def test_an_identical_request_waiting_on_a_sign_in_says_so(
        sso_env: Path, fake_sso: FakeSso, processes: list[subprocess.Popen[str]]) -> None:
    argv = [sys.executable, "-m", "aws_login", "getcallerid", "--use-cache", *SIGN_IN,
            "--use-device-code", *SSO_ROLE]
    waiting = ("aws-login: waiting for another aws-login getting the same credentials (it may "
               "be signing in or asking for an MFA code)...\n")
    outputs: list[list[str]] = [[], []]
    events = [threading.Event(), threading.Event()]
    readers = []
    for index, wanted in enumerate(["enter the code", waiting.strip()]):
        process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   stdin=subprocess.DEVNULL, text=True, env=dict(os.environ),
                                   start_new_session=True)  # never on the runner's terminal
        processes.append(process)
        reader = threading.Thread(target=_lines, args=(process.stderr, outputs[index],
                                                       events[index], wanted), daemon=True)
        reader.start()
        readers.append(reader)
        assert events[index].wait(60), outputs[index]  # the first one is in its sign-in
    fake_sso.approve()
    for process, reader in zip(processes, readers, strict=True):
        assert process.wait(60) == 0
        reader.join(30)
    assert outputs[1] == [waiting]  # and nothing else: it found the first one's credentials
    assert fake_sso.calls["StartDeviceAuthorization"] == 1


# --------------------------------------------------------------------------- importcache

def _import(tmp_path: Path, data: dict[str, str], *extra: str) -> tuple[int, str]:
    path = tmp_path / "import.json"
    path.write_text(json.dumps(data))
    result = run_cli(["importcache", "--accesstoken-cache", f"file://{path}", *extra])
    return result.code, result.err


def test_importcache_keeps_a_refreshable_sign_in(sso_env: Path, fake_sso: FakeSso,
                                                 tmp_path: Path) -> None:
    kept = cached_grant(fake_sso, timedelta(hours=1))
    write_token(sso_env / "sso", kept)
    worse = cached_grant(fake_sso, timedelta(minutes=30))
    del worse["refreshToken"]
    code, err = _import(tmp_path, worse)
    assert code == 1
    assert error_line(err) == (
        f"aws-login: error: kept the cached sign-in for {START_URL} (valid until "
        f"{kept['expiresAt']}, refreshable): the imported one has no refresh token and expires "
        f"earlier ({worse['expiresAt']}); add --force to replace it anyway")
    assert json.loads(token_file(sso_env).read_text())["accessToken"] == kept["accessToken"]
    code, err = _import(tmp_path, worse, "--force")
    assert code == 0, err
    assert json.loads(token_file(sso_env).read_text())["accessToken"] == worse["accessToken"]


def test_importcache_keeps_a_later_expiring_sign_in(sso_env: Path, fake_sso: FakeSso,
                                                    tmp_path: Path) -> None:
    kept = cached_grant(fake_sso, timedelta(hours=2))
    del kept["refreshToken"]
    write_token(sso_env / "sso", kept)
    earlier = cached_grant(fake_sso, timedelta(hours=1))
    del earlier["refreshToken"]
    code, err = _import(tmp_path, earlier)
    assert code == 1
    assert error_line(err) == (
        f"aws-login: error: kept the cached sign-in for {START_URL} (valid until "
        f"{kept['expiresAt']}): the imported one expires earlier ({earlier['expiresAt']}); add "
        "--force to replace it anyway")


@pytest.mark.parametrize(("cached", "imported"), [
    # a refreshable import replaces an unrefreshable one, even expiring earlier
    ((timedelta(hours=2), False), (timedelta(hours=1), True)),
    # a later expiry is better
    ((timedelta(hours=1), False), (timedelta(hours=2), False)),
    # an expired, unrefreshable cached sign-in is worth nothing
    ((timedelta(hours=-1), False), (timedelta(minutes=-30), True)),
])
def test_importcache_replaces_a_worse_sign_in(sso_env: Path, fake_sso: FakeSso, tmp_path: Path,
                                              cached: tuple[timedelta, bool],
                                              imported: tuple[timedelta, bool]) -> None:
    def grant(spec: tuple[timedelta, bool]) -> dict[str, str]:
        data = cached_grant(fake_sso, spec[0])
        if not spec[1]:
            del data["refreshToken"]
        return data

    write_token(sso_env / "sso", grant(cached))
    new = grant(imported)
    code, err = _import(tmp_path, new)
    assert code == 0, err
    assert json.loads(token_file(sso_env).read_text())["accessToken"] == new["accessToken"]
