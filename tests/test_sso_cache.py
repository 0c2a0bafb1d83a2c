"""The internal SSO cache: botocore-readable token files, refresh with rotation, single-flight
refresh across processes, importcache, external cache files, corrupt files."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.utils import JSONFileCache, SSOTokenLoader

from aws_login.sso.cache import cache_key
from tests.fakes.sso import FakeSso, make_accounts
from tests.helpers import SSO_ROLE, START_URL, cached_grant, no_sleep, run_cli, write_token


def oidc_client(fake: FakeSso) -> Any:
    return botocore.session.Session().create_client(
        "sso-oidc", region_name="us-east-1", endpoint_url=fake.url,
        config=Config(signature_version=UNSIGNED))


def test_sign_in_is_cached_in_a_file_botocore_reads(sso_env: Path, fake_sso: FakeSso) -> None:
    fake_sso.auto_approve = True
    first = run_cli(["getcallerid", "--use-cache", "--start-url", START_URL,
                     "--sso-region", "us-east-1", *SSO_ROLE], sleep=no_sleep, terminal=True)
    assert first.code == 0, first.err
    folder = sso_env / "sso"
    path = folder / f"{cache_key(START_URL)}.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(sso_env.stat().st_mode) == 0o700
    data = json.loads(path.read_text())
    assert data["expiresAt"].endswith("Z") and data["registrationExpiresAt"].endswith("Z")
    assert set(data) == {"startUrl", "region", "accessToken", "expiresAt", "clientId",
                         "clientSecret", "registrationExpiresAt", "refreshToken"}
    # botocore's own loader reads it.
    loaded = SSOTokenLoader(cache=JSONFileCache(str(folder)))(START_URL)
    assert loaded["accessToken"] == data["accessToken"]
    assert loaded["region"] == "us-east-1"

    # A second run (another role, no session-cache hit) signs in no more.
    sign_ins = fake_sso.calls["CreateToken"]
    second = run_cli(["getcallerid", "--use-cache", "--sso-acct-id", "222222222222",
                      "--sso-role-name", "ReadOnlyAccess"])
    assert second.code == 0, second.err
    assert fake_sso.calls["CreateToken"] == sign_ins
    assert json.loads(second.out)["Account"] == "222222222222"


def test_refresh_rotates_and_the_old_refresh_token_is_dead(sso_env: Path,
                                                           fake_sso: FakeSso) -> None:
    data = cached_grant(fake_sso, timedelta(minutes=2))  # inside the refresh window
    path = write_token(sso_env / "sso", data)
    result = run_cli(["dumpcreds", "--credential-helper", "--use-cache", *SSO_ROLE])
    assert result.code == 0, result.err
    assert fake_sso.calls["CreateToken:refresh_token"] == 1
    stored = json.loads(path.read_text())
    assert stored["refreshToken"] != data["refreshToken"]
    assert stored["accessToken"] != data["accessToken"]
    assert datetime.fromisoformat(stored["expiresAt"].replace("Z", "+00:00")) > (
        datetime.now(timezone.utc) + timedelta(minutes=50))
    with pytest.raises(ClientError) as caught:
        oidc_client(fake_sso).create_token(
            clientId=data["clientId"], clientSecret=data["clientSecret"],
            grantType="refresh_token", refreshToken=data["refreshToken"])
    assert caught.value.response["Error"]["Code"] == "InvalidGrantException"


def test_sixteen_processes_share_one_refresh(sso_env: Path, sts_server,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    accounts = make_accounts(16)
    with FakeSso(accounts, sts_url=sts_server.url, latency_ms=20) as fake:
        monkeypatch.setenv("AWS_ENDPOINT_URL_SSO", fake.url)
        monkeypatch.setenv("AWS_ENDPOINT_URL_SSO_OIDC", fake.url)
        write_token(sso_env / "sso", cached_grant(fake, timedelta(minutes=-5)))  # expired
        # A different role per process: no process can be served by another's session cache,
        # so only the token lock stands between them and a refresh storm.
        processes = [subprocess.Popen(
            [sys.executable, "-m", "aws_login", "dumpcreds", "--credential-helper",
             "--use-cache", "--sso-acct-id", account.account_id,
             "--sso-role-name", account.roles[0]],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ))
            for account in accounts]
        outcomes = [(p.wait(timeout=120), *p.communicate()) for p in processes]
        failures = [err for code, _out, err in outcomes if code != 0]
        assert failures == []
        assert all(json.loads(out)["Version"] == 1 for _code, out, _err in outcomes)
        assert fake.calls["CreateToken:refresh_token"] == 1
        assert fake.calls["GetRoleCredentials"] == 16
        assert fake.calls["CreateToken"] == 1  # no sign-in either


def test_expired_and_not_refreshable_says_how_to_sign_in(sso_env: Path,
                                                         fake_sso: FakeSso) -> None:
    data = cached_grant(fake_sso, timedelta(minutes=-1))
    del data["refreshToken"]
    write_token(sso_env / "sso", data)
    result = run_cli(["getcallerid", "--use-cache", *SSO_ROLE])
    assert result.code == 1
    assert result.err == (
        f"aws-login: error: the cached sign-in for {START_URL} has expired and cannot be "
        f"refreshed; sign in first: aws-login login --start-url {START_URL} --sso-region "
        "us-east-1\n")
    assert fake_sso.calls["CreateToken"] == 0


def test_expired_cache_with_start_url_but_no_terminal_does_not_start_a_device_sign_in(
        sso_env: Path, fake_sso: FakeSso) -> None:
    # e.g. under credential_process, where nobody sees stderr: fail fast, do not wait.
    data = cached_grant(fake_sso, timedelta(minutes=-1))
    del data["refreshToken"]
    write_token(sso_env / "sso", data)
    result = run_cli(["dumpcreds", "--credential-helper", "--use-cache", "--start-url",
                      START_URL, *SSO_ROLE])
    assert result.code == 1
    assert "has expired and cannot be refreshed (nobody can see a sign-in here)" in result.err
    assert fake_sso.calls["StartDeviceAuthorization"] == 0
    empty = run_cli(["dumpcreds", "--credential-helper", "--use-cache", "--start-url",
                     "https://d-999.awsapps.com/x", *SSO_ROLE])
    assert empty.code == 1
    assert "https://d-999.awsapps.com/x does not exist yet (nobody can see" in empty.err


def test_corrupt_cache_file_is_reported_and_replaced(sso_env: Path, fake_sso: FakeSso) -> None:
    folder = sso_env / "sso"
    folder.mkdir(parents=True)
    path = folder / f"{cache_key(START_URL)}.json"
    path.write_text('{"startUrl": "' + START_URL + '", "accessTo')  # truncated
    fake_sso.auto_approve = True
    result = run_cli(["getcallerid", "--use-cache", "--start-url", START_URL,
                      "--sso-region", "us-east-1", *SSO_ROLE], sleep=no_sleep, terminal=True)
    assert result.code == 0, result.err
    assert result.err.count("is unusable (not valid JSON") == 1
    assert json.loads(path.read_text())["startUrl"] == START_URL


def test_importcache_adopts_an_aws_cli_token_file(sso_env: Path, fake_sso: FakeSso,
                                                  tmp_path: Path) -> None:
    data = fake_sso.issue_token(START_URL).cache_json("us-east-1")
    source = tmp_path / "aws-cli-cache.json"
    source.write_text(json.dumps(data, indent=2))
    result = run_cli(["importcache", "--accesstoken-cache", f"file://{source}"])
    assert result.code == 0, result.err
    assert result.out == ""
    (said,) = result.err.splitlines()
    assert said.startswith(f"aws-login: imported the sign-in for {START_URL} (token valid until ")
    assert said.endswith("Z, refreshable); use it with --use-cache")
    adopted = sso_env / "sso" / f"{cache_key(START_URL)}.json"
    assert json.loads(adopted.read_text())["accessToken"] == data["accessToken"]
    used = run_cli(["getcallerid", "--use-cache", *SSO_ROLE])
    assert used.code == 0, used.err
    assert json.loads(used.out)["Account"] == "111111111111"


@pytest.mark.parametrize("change, message", [
    ({"expiresAt": None}, "missing expiresAt"),
    ({"expiresAt": "2026-01-01T00:00:00"}, "has no time zone"),
    ({"expiresAt": "next tuesday"}, "is not a timestamp like"),
    ({"accessToken": 42}, "accessToken must be a non-empty string"),
    ({"startUrl": "ftp://x"}, "is not an https URL"),
])
def test_importcache_refuses_invalid_files(sso_env: Path, tmp_path: Path,
                                           change: dict[str, object], message: str) -> None:
    data: dict[str, object] = {"startUrl": START_URL, "region": "us-east-1",
                               "accessToken": "abc", "expiresAt": "2099-01-01T00:00:00Z"}
    for name, value in change.items():
        if value is None:
            del data[name]
        else:
            data[name] = value
    source = tmp_path / "bad.json"
    source.write_text(json.dumps(data))
    result = run_cli(["importcache", "--accesstoken-cache", f"file://{source}"])
    assert result.code == 2
    assert result.err.startswith("aws-login: error: --accesstoken-cache: ")
    assert message in result.err
    assert not (sso_env / "sso").exists()


def test_external_cache_is_refreshed_in_memory_only(sso_env: Path, fake_sso: FakeSso,
                                                    tmp_path: Path) -> None:
    external = tmp_path / "external.json"
    external.write_text(json.dumps(cached_grant(fake_sso, timedelta(minutes=-1))))
    before = external.read_bytes()
    result = run_cli(["getcallerid", "--accesstoken-cache", f"file://{external}", *SSO_ROLE])
    assert result.code == 0, result.err
    assert fake_sso.calls["CreateToken:refresh_token"] == 1
    assert external.read_bytes() == before
    assert not sso_env.exists()


def test_a_terminal_on_stdin_alone_does_not_start_a_device_sign_in(
        sso_env: Path, fake_sso: FakeSso) -> None:
    # The SDKs run credential_process with their terminal on stdin but stderr captured: a
    # device code printed there would never be seen, so the helper must fail fast.
    import io

    from aws_login.cli import main
    from aws_login.context import Context
    from tests.helpers import TerminalText

    data = cached_grant(fake_sso, timedelta(minutes=-1))
    del data["refreshToken"]
    write_token(sso_env / "sso", data)
    err = io.StringIO()
    ctx = Context(environ=os.environ, stdout=io.StringIO(), stderr=err, stdin=TerminalText())
    code = main(["dumpcreds", "--credential-helper", "--use-cache", "--start-url", START_URL,
                 *SSO_ROLE], ctx)
    assert code == 1
    assert "has expired and cannot be refreshed (nobody can see a sign-in here)" in (
        err.getvalue())
    assert fake_sso.calls["StartDeviceAuthorization"] == 0
