"""Sharing aws-login's sign-in with the AWS CLI and the SDKs: exportcache and dumpconfig
--export-cache write it into ~/.aws/sso/cache in botocore's format, and the generated
profiles then work in boto3 and in the AWS CLI v2 with no further sign-in."""

from __future__ import annotations

import configparser
import json
import os
import stat
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from aws_login.sso.cache import cache_key
from tests.fakes.moto_server import LoopbackServer
from tests.fakes.sso import FakeSso
from tests.helpers import (
    START_URL,
    aws_cli_v2,
    cached_grant,
    error_line,
    run_cli,
    write_token,
)

TOKEN_KEYS = {"startUrl", "region", "accessToken", "expiresAt", "clientId", "clientSecret",
              "registrationExpiresAt", "refreshToken"}


def cli_cache_file(name: str) -> Path:
    return Path(os.environ["HOME"]) / ".aws" / "sso" / "cache" / f"{cache_key(name)}.json"


def in_minutes(minutes: int) -> str:
    """An expiresAt that many minutes from now."""
    return (datetime.now(timezone.utc) + timedelta(minutes=minutes)).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


def oidc_calls(fake: FakeSso) -> dict[str, int]:
    return {name: count for name, count in fake.calls.items()
            if name.split(":")[0] in ("RegisterClient", "StartDeviceAuthorization",
                                      "CreateToken")}


def profile_for(config: Path, account_id: str, role_name: str) -> str:
    """The generated profile of an account and role (whatever dumpconfig names it)."""
    parser = configparser.RawConfigParser()
    parser.read(config)
    names = [section.split(None, 1)[1] for section in parser.sections()
             if section.startswith("profile ")
             and parser[section].get("sso_account_id") == account_id
             and parser[section].get("sso_role_name") == role_name]
    assert len(names) == 1, parser.sections()
    return names[0]


def test_exportcache_writes_both_files_in_botocores_format(sso_env: Path,
                                                           fake_sso: FakeSso) -> None:
    data = cached_grant(fake_sso, timedelta(hours=1))
    write_token(sso_env / "sso", data)
    result = run_cli(["exportcache", "--sso-session-name", "corp"])
    assert result.code == 0, result.err
    by_session, by_url = cli_cache_file("corp"), cli_cache_file(START_URL)
    assert result.err == (
        f"aws-login: exported the sign-in for {START_URL} (valid until {data['expiresAt']}, "
        f"refreshable) to the AWS CLI's cache for [sso-session corp]: {by_session}, "
        f"{by_url}\n")
    for path in (by_session, by_url):
        assert json.loads(path.read_text()) == data
        assert set(json.loads(path.read_text())) == TOKEN_KEYS
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert oidc_calls(fake_sso) == {}
    # botocore's loader finds them by session name and by start URL.
    from botocore.utils import JSONFileCache, SSOTokenLoader

    loader = SSOTokenLoader(cache=JSONFileCache(str(by_session.parent)))
    assert loader(START_URL, session_name="corp")["accessToken"] == data["accessToken"]
    assert loader(START_URL)["refreshToken"] == data["refreshToken"]


def test_exportcache_keeps_a_longer_lasting_sign_in(sso_env: Path, fake_sso: FakeSso) -> None:
    write_token(sso_env / "sso", cached_grant(fake_sso, timedelta(hours=1)))
    theirs = cached_grant(fake_sso, timedelta(hours=8))
    path = cli_cache_file("corp")
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(theirs))
    result = run_cli(["exportcache", "--sso-session-name", "corp"])
    assert result.code == 0, result.err
    assert result.err.splitlines()[0] == (
        f"aws-login: kept {path}: it holds a sign-in to {START_URL} that lasts longer")
    assert json.loads(path.read_text()) == theirs
    assert cli_cache_file(START_URL).exists()


def test_exportcache_without_a_sign_in_says_how_to_get_one(sso_env: Path,
                                                           fake_sso: FakeSso) -> None:
    result = run_cli(["exportcache", "--sso-session-name", "corp"])
    assert result.code == 2
    assert error_line(result.err) == (
        "aws-login: error: --use-cache found no cached sign-in; sign in first: aws-login "
        "login --start-url URL (or import one: aws-login importcache --accesstoken-cache "
        "file://PATH)")
    assert not cli_cache_file("corp").parent.exists()


@pytest.mark.parametrize(("argv", "message"), [
    (["exportcache", "--sso-session-name", "bad name"],
     "--sso-session-name 'bad name' is not a safe config section name; use letters, digits "
     "and _ . @ + = - (starting with a letter or digit), e.g. --sso-session-name my-sso"),
    (["exportcache", "--sso-session-name", "corp", "--start-url", "http://x"],
     "--start-url 'http://x' is not valid; use your AWS access portal URL, e.g. "
     "https://d-1234567890.awsapps.com/start"),
    (["dumpconfig", "--use-cache", "--export-cache", "--credential-process"],
     "--export-cache shares the sign-in with sso-session profiles; drop "
     "--credential-process or --export-cache"),
    (["dumpconfig", "--use-cache", "--sso-registration-scopes", "a b"],
     "--sso-registration-scopes 'a b' is not a list of scopes; separate them with commas, "
     "e.g. sso:account:access"),
])
def test_usage_errors(sso_env: Path, fake_sso: FakeSso, argv: list[str], message: str) -> None:
    result = run_cli(argv)
    assert result.code == 2
    assert error_line(result.err) == f"aws-login: error: {message}"
    assert fake_sso.calls == {}


def test_a_refresh_by_aws_login_carries_the_exported_copy_along(sso_env: Path,
                                                               fake_sso: FakeSso) -> None:
    data = cached_grant(fake_sso, timedelta(minutes=30))
    own_file = write_token(sso_env / "sso", data)
    assert run_cli(["exportcache", "--sso-session-name", "corp"]).code == 0
    # Later (25 minutes on: every copy is due for a refresh)...
    for path in (own_file, cli_cache_file("corp"), cli_cache_file(START_URL)):
        path.write_text(json.dumps(data | {"expiresAt": in_minutes(5)}))
    # ...the credential_process helper refreshes aws-login's own copy...
    result = run_cli(["dumpcreds", "--credential-helper", "--use-cache",
                      "--sso-acct-id", "111111111111", "--sso-role-name", "ReadOnlyAccess"])
    assert result.code == 0, result.err
    assert oidc_calls(fake_sso) == {"CreateToken": 1, "CreateToken:refresh_token": 1}
    own = json.loads(own_file.read_text())
    # ...and the AWS CLI's copies follow: they hold the one live refresh token, not the dead.
    assert fake_sso.live_refresh_tokens() == [own["refreshToken"]]
    for name in ("corp", START_URL):
        assert json.loads(cli_cache_file(name).read_text()) == own


def test_a_refresh_by_botocore_is_followed_by_aws_login(sso_env: Path,
                                                      fake_sso: FakeSso) -> None:
    # 12 minutes left: fresh for aws-login, due for a refresh for botocore (15 minutes).
    data = cached_grant(fake_sso, timedelta(minutes=12))
    own_file = write_token(sso_env / "sso", data)
    assert run_cli(["exportcache", "--sso-session-name", "corp"]).code == 0
    Path(os.environ["AWS_CONFIG_FILE"]).write_text(
        f"[sso-session corp]\nsso_start_url = {START_URL}\nsso_region = us-east-1\n\n"
        "[profile corp-ro]\nsso_session = corp\nsso_account_id = 222222222222\n"
        "sso_role_name = ReadOnlyAccess\n")
    assert boto3_identity("corp-ro").startswith("arn:aws:sts::222222222222:")
    assert oidc_calls(fake_sso) == {"CreateToken": 1, "CreateToken:refresh_token": 1}
    theirs = json.loads(cli_cache_file("corp").read_text())
    assert fake_sso.live_refresh_tokens() == [theirs["refreshToken"]]
    # Later, for aws-login, its own copy (whose refresh token botocore spent) is due too.
    own = json.loads(own_file.read_text())
    assert own["refreshToken"] == data["refreshToken"]
    own["expiresAt"] = in_minutes(5)
    own_file.write_text(json.dumps(own))
    fake_sso.reset_counters()
    result = run_cli(["getcallerid", "--use-cache", "--sso-acct-id", "111111111111",
                      "--sso-role-name", "ReadOnlyAccess"])
    assert result.code == 0, result.err
    assert result.err == ""
    assert oidc_calls(fake_sso) == {}  # it took botocore's refreshed copy: no dead refresh
    assert json.loads(own_file.read_text())["refreshToken"] == theirs["refreshToken"]


# --------------------------------------------------------------------- the round trip


def dumpconfig_with_export(sso_env: Path, fake_sso: FakeSso) -> Path:
    """dumpconfig → ~/.aws/config with --export-cache, from aws-login's cached sign-in."""
    write_token(sso_env / "sso", cached_grant(fake_sso, timedelta(hours=1)))
    config = Path(os.environ["AWS_CONFIG_FILE"])
    result = run_cli(["dumpconfig", "--use-cache", "--start-url", START_URL,
                      "--sso-session-name", "corp", "--output", str(config), "--export-cache"])
    assert result.code == 0, result.err
    assert "sso_registration_scopes = sso:account:access\n" in config.read_text()
    assert json.loads(cli_cache_file("corp").read_text())["startUrl"] == START_URL
    fake_sso.reset_counters()
    return config


def test_the_generated_profiles_work_in_boto3_with_no_further_sign_in(
        sso_env: Path, fake_sso: FakeSso) -> None:
    config = dumpconfig_with_export(sso_env, fake_sso)
    profile = profile_for(config, "222222222222", "ReadOnlyAccess")
    assert boto3_identity(profile).startswith(
        "arn:aws:sts::222222222222:assumed-role/AWSReservedSSO_ReadOnlyAccess_")
    assert oidc_calls(fake_sso) == {}
    assert fake_sso.calls["GetRoleCredentials"] == 1


def boto3_identity(profile: str) -> str:
    """The Arn boto3 gets for a profile, in a process of its own (as an SDK user would)."""
    code = ("import sys, boto3\n"
            "sts = boto3.Session(profile_name=sys.argv[1]).client('sts', "
            "region_name='us-east-1')\n"
            "print(sts.get_caller_identity()['Arn'], end='')\n")
    done = subprocess.run([sys.executable, "-c", code, profile], capture_output=True,
                          text=True, env=dict(os.environ), timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def bundled_data(aws: str) -> Path:
    """The AWS CLI v2's own botocore data folder: its Python (from the script's #! line, as
    Debian installs it) says where; the official installer puts it beside the program."""
    with open(aws, "rb") as handle:
        first = handle.readline()
    if first.startswith(b"#!"):
        python = first[2:].decode().split()[0]
        found = subprocess.run(
            [python, "-c", "import awscli.botocore, os; "
             "print(os.path.dirname(awscli.botocore.__file__))"],
            capture_output=True, text=True, check=True, timeout=60).stdout.strip()
        return Path(found) / "data"
    return Path(aws).resolve().parent / "awscli" / "botocore" / "data"


def loopback_rule_sets(folder: Path, urls: dict[str, str]) -> Path:
    """AWS_DATA_PATH for the AWS CLI v2: each service's endpoint rule set with one rule, the
    loopback URL (its own parameters kept, so every built-in it passes is declared). The
    AWS CLI 2.9 predates AWS_ENDPOINT_URL_*, but reads AWS_DATA_PATH before its own data."""
    bundled = bundled_data(aws_cli_v2() or "")
    for service, url in urls.items():
        versions = sorted(path.name for path in (bundled / service).iterdir() if path.is_dir())
        original = json.loads((bundled / service / versions[-1] /
                               "endpoint-rule-set-1.json").read_text())
        rules = {"version": original["version"], "parameters": original["parameters"],
                 "rules": [{"conditions": [], "type": "endpoint",
                            "endpoint": {"url": url, "properties": {}, "headers": {}}}]}
        target = folder / service / versions[-1] / "endpoint-rule-set-1.json"
        target.parent.mkdir(parents=True)
        target.write_text(json.dumps(rules))
    return folder


@pytest.mark.skipif(aws_cli_v2() is None, reason="the AWS CLI v2 (`aws`, e.g. Debian's "
                    "awscli package) is not installed")
def test_the_generated_profiles_work_in_the_aws_cli_v2(sso_env: Path, fake_sso: FakeSso,
                                                       sts: LoopbackServer,
                                                       tmp_path: Path) -> None:
    config = dumpconfig_with_export(sso_env, fake_sso)
    profile = profile_for(config, "111111111111", "AdministratorAccess")
    data_path = loopback_rule_sets(tmp_path / "aws-data", {
        "sso": fake_sso.url, "sso-oidc": fake_sso.url, "sts": sts.url})
    aws = aws_cli_v2()
    assert aws is not None
    env = dict(os.environ, AWS_DATA_PATH=str(data_path), AWS_PAGER="")
    done = subprocess.run([aws, "sts", "get-caller-identity", "--profile", profile,
                           "--region", "us-east-1", "--output", "json"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["Arn"].startswith(
        "arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_AdministratorAccess_")
    assert oidc_calls(fake_sso) == {}
    assert fake_sso.calls["GetRoleCredentials"] == 1
