"""SSO profiles of the config file as a starting source (sources/sso_profile.py): resolved by
aws-login's own sign-in, not botocore's SSO provider; the AWS CLI's token used and refreshed
in place; role_arn + source_profile chains rooted at an SSO profile; AWS_PROFILE; the usage
errors of a broken profile."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from aws_login.sso.cache import cache_key
from tests.fakes.moto_server import Recorder
from tests.fakes.sso import FakeSso
from tests.helpers import (
    MFA_SERIAL,
    ROLE_A,
    ROLE_B,
    ROLE_C,
    START_URL,
    cached_grant,
    error_line,
    identity_arn,
    no_sleep,
    run_cli,
    write_token,
)

ADMIN_ROLE_ARN_PREFIX = "arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_AdministratorAccess_"
SSO_CONFIG = f"""\
[sso-session corp]
sso_start_url = {START_URL}
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[profile corp-admin]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = AdministratorAccess

[profile legacy-admin]
sso_start_url = {START_URL}
sso_region = us-east-1
sso_account_id = 111111111111
sso_role_name = AdministratorAccess

[profile dev]
role_arn = {ROLE_A}
source_profile = corp-admin
role_session_name = alice-dev
external_id = shared-secret-7c1
duration_seconds = 900

[profile ops]
role_arn = {ROLE_B}
source_profile = dev
mfa_serial = {MFA_SERIAL}
"""


@pytest.fixture
def config(aws_env: Path, sso_env: Path) -> Path:
    path = aws_env / "config"
    path.write_text(SSO_CONFIG)
    return path


def cli_cache_file(name: str) -> Path:
    """Where the AWS CLI keeps the token of an sso-session (or a legacy start URL)."""
    return Path(os.environ["HOME"]) / ".aws" / "sso" / "cache" / f"{cache_key(name)}.json"


def own_cache_file(cache: Path) -> Path:
    return cache / "sso" / f"{cache_key(START_URL)}.json"


def write_cli_token(name: str, data: dict[str, str]) -> Path:
    """A token file as `aws sso login` writes it."""
    path = cli_cache_file(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))
    return path


def expires(data: dict[str, str]) -> datetime:
    return datetime.fromisoformat(data["expiresAt"].replace("Z", "+00:00"))


def profile_hops(calls: Recorder) -> list[dict[str, str]]:
    """The AssumeRole calls aws-login made (the SSO fake's GetRoleCredentials makes one of
    its own, for the permission set's role)."""
    return [call.params for call in calls.of("AssumeRole")
            if "/aws-reserved/" not in call.params["RoleArn"]]


def oidc_calls(fake: FakeSso) -> dict[str, int]:
    return {name: count for name, count in fake.calls.items()
            if name.split(":")[0] in ("RegisterClient", "StartDeviceAuthorization",
                                      "CreateToken")}


def test_an_sso_session_profile_uses_aws_logins_own_sign_in(config: Path, sso_env: Path,
                                                            fake_sso: FakeSso) -> None:
    write_token(sso_env / "sso", cached_grant(fake_sso, timedelta(hours=1)))
    result = run_cli(["getcallerid", "--profile", "corp-admin"])
    assert result.code == 0, result.err
    assert identity_arn(result.out).startswith(ADMIN_ROLE_ARN_PREFIX)
    assert identity_arn(result.out).endswith("/alice@example.com")
    assert oidc_calls(fake_sso) == {}  # the cached token was valid: no CreateToken
    assert fake_sso.calls["GetRoleCredentials"] == 1
    assert not cli_cache_file("corp").exists()  # nothing written into the AWS CLI's cache


def test_a_legacy_sso_profile_too(config: Path, sso_env: Path, fake_sso: FakeSso) -> None:
    write_token(sso_env / "sso", cached_grant(fake_sso, timedelta(hours=1)))
    result = run_cli(["getcallerid", "--profile", "legacy-admin"])
    assert result.code == 0, result.err
    assert identity_arn(result.out).startswith(ADMIN_ROLE_ARN_PREFIX)
    assert oidc_calls(fake_sso) == {}


def test_aws_profile_names_an_sso_profile(config: Path, sso_env: Path, fake_sso: FakeSso,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    write_token(sso_env / "sso", cached_grant(fake_sso, timedelta(hours=1)))
    monkeypatch.setenv("AWS_PROFILE", "corp-admin")
    result = run_cli(["getcallerid"])
    assert result.code == 0, result.err
    assert identity_arn(result.out).startswith(ADMIN_ROLE_ARN_PREFIX)
    assert fake_sso.calls["GetRoleCredentials"] == 1


def test_an_expiring_own_token_is_refreshed_once(config: Path, sso_env: Path,
                                                 fake_sso: FakeSso) -> None:
    data = cached_grant(fake_sso, timedelta(minutes=3))
    path = write_token(sso_env / "sso", data)
    result = run_cli(["getcallerid", "--profile", "corp-admin"])
    assert result.code == 0, result.err
    assert oidc_calls(fake_sso) == {"CreateToken": 1, "CreateToken:refresh_token": 1}
    stored = json.loads(path.read_text())
    assert stored["refreshToken"] != data["refreshToken"]
    assert fake_sso.live_refresh_tokens() == [stored["refreshToken"]]


def test_the_aws_clis_valid_token_is_used_and_not_copied(config: Path, sso_env: Path,
                                                         fake_sso: FakeSso) -> None:
    data = cached_grant(fake_sso, timedelta(hours=1))
    cli_file = write_cli_token("corp", data)
    result = run_cli(["getcallerid", "--profile", "corp-admin"])
    assert result.code == 0, result.err
    assert identity_arn(result.out).startswith(ADMIN_ROLE_ARN_PREFIX)
    assert oidc_calls(fake_sso) == {}
    assert json.loads(cli_file.read_text()) == data  # untouched
    assert not own_cache_file(sso_env).exists()  # never copied: one holder per refresh token


def test_the_aws_clis_expiring_token_is_refreshed_in_place_and_botocore_reads_it(
        config: Path, sso_env: Path, fake_sso: FakeSso) -> None:
    data = cached_grant(fake_sso, timedelta(minutes=5))
    cli_file = write_cli_token("corp", data)
    result = run_cli(["getcallerid", "--profile", "corp-admin"])
    assert result.code == 0, result.err
    assert oidc_calls(fake_sso) == {"CreateToken": 1, "CreateToken:refresh_token": 1}
    stored = json.loads(cli_file.read_text())
    assert set(stored) == {"startUrl", "region", "accessToken", "expiresAt", "clientId",
                           "clientSecret", "registrationExpiresAt", "refreshToken"}
    assert (stored["startUrl"], stored["region"], stored["clientId"],
            stored["clientSecret"], stored["registrationExpiresAt"]) == (
        START_URL, "us-east-1", data["clientId"], data["clientSecret"],
        data["registrationExpiresAt"])
    assert stored["accessToken"] != data["accessToken"]
    assert expires(stored) > datetime.now(timezone.utc) + timedelta(minutes=50)
    # The rotated refresh token is the only live one, and it is in the AWS CLI's file.
    assert fake_sso.live_refresh_tokens() == [stored["refreshToken"]]
    assert oct(cli_file.stat().st_mode & 0o777) == "0o600"
    assert not own_cache_file(sso_env).exists()

    # botocore (as the AWS CLI would) reads the refreshed file and needs no refresh.
    fake_sso.reset_counters()
    code = ("import boto3\n"
            "print(boto3.Session(profile_name='corp-admin').client("
            "'sts', region_name='us-east-1').get_caller_identity()['Arn'])\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=dict(os.environ), timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(ADMIN_ROLE_ARN_PREFIX)
    assert oidc_calls(fake_sso) == {}
    assert fake_sso.calls["GetRoleCredentials"] == 1


def test_the_later_of_the_two_tokens_is_used(config: Path, sso_env: Path,
                                             fake_sso: FakeSso) -> None:
    own = cached_grant(fake_sso, timedelta(minutes=30))
    write_token(sso_env / "sso", own)
    cli = cached_grant(fake_sso, timedelta(hours=2))
    write_cli_token("corp", cli)
    fake_sso.revoke(own["accessToken"])  # the portal would refuse the older one
    result = run_cli(["getcallerid", "--profile", "corp-admin"])
    assert result.code == 0, result.err
    assert oidc_calls(fake_sso) == {}


def test_a_chain_of_role_profiles_rooted_at_an_sso_profile(config: Path, calls: Recorder,
                                                           fake_sso: FakeSso,
                                                           sso_env: Path) -> None:
    write_token(sso_env / "sso", cached_grant(fake_sso, timedelta(hours=1)))
    result = run_cli(["getcallerid", "--profile", "ops"], stdin="123456\n", terminal=True)
    assert result.code == 0, result.err
    assert identity_arn(result.out) == "arn:aws:sts::222222222222:assumed-role/B/alice-dev"
    assert result.err == f"MFA code for {MFA_SERIAL}: "
    assert profile_hops(calls) == [
        {"Action": "AssumeRole", "Version": "2011-06-15", "RoleArn": ROLE_A,
         "RoleSessionName": "alice-dev", "DurationSeconds": "900",
         "ExternalId": "shared-secret-7c1"},
        {"Action": "AssumeRole", "Version": "2011-06-15", "RoleArn": ROLE_B,
         "RoleSessionName": "alice-dev", "SerialNumber": MFA_SERIAL, "TokenCode": "123456"},
    ]
    assert fake_sso.calls["GetRoleCredentials"] == 1
    assert oidc_calls(fake_sso) == {}


def test_assume_roles_go_on_top_of_the_profiles_chain(config: Path, calls: Recorder,
                                                      fake_sso: FakeSso,
                                                      sso_env: Path) -> None:
    write_token(sso_env / "sso", cached_grant(fake_sso, timedelta(hours=1)))
    result = run_cli(["getcallerid", "--profile", "dev", "--assume-roles", ROLE_C,
                      "--role-session-name", "on-top"])
    assert result.code == 0, result.err
    assert identity_arn(result.out) == "arn:aws:sts::333333333333:assumed-role/C/on-top"
    assert [(hop["RoleArn"], hop["RoleSessionName"]) for hop in profile_hops(calls)] == [
        (ROLE_A, "alice-dev"), (ROLE_C, "on-top")]


def test_the_default_session_name_is_the_sso_user(config: Path, calls: Recorder,
                                                  fake_sso: FakeSso, sso_env: Path) -> None:
    (sso_env.parent / "aws" / "config").write_text(
        SSO_CONFIG + f"\n[profile plain]\nrole_arn = {ROLE_C}\nsource_profile = corp-admin\n")
    write_token(sso_env / "sso", cached_grant(fake_sso, timedelta(hours=1)))
    result = run_cli(["getcallerid", "--profile", "plain"])
    assert result.code == 0, result.err
    assert identity_arn(result.out) == (
        "arn:aws:sts::333333333333:assumed-role/C/alice@example.com")
    assert "DurationSeconds" not in profile_hops(calls)[0]


def test_no_sign_in_and_no_terminal_fails_at_once_saying_what_to_run(
        config: Path, sso_env: Path, fake_sso: FakeSso) -> None:
    result = run_cli(["getcallerid", "--profile", "corp-admin"])
    assert result.code == 1
    assert error_line(result.err) == (
        f"aws-login: error: the sign-in for {START_URL} does not exist yet (no terminal here "
        "to sign in from); sign in from a terminal: aws-login login --profile corp-admin")
    assert fake_sso.calls == {}


def test_a_sign_in_from_a_terminal_is_stored_like_use_cache(config: Path, sso_env: Path,
                                                            fake_sso: FakeSso) -> None:
    fake_sso.auto_approve = True
    result = run_cli(["getcallerid", "--profile", "corp-admin"], sleep=no_sleep, terminal=True)
    assert result.code == 0, result.err
    assert fake_sso.calls["StartDeviceAuthorization"] == 1
    assert json.loads(own_cache_file(sso_env).read_text())["startUrl"] == START_URL
    assert not cli_cache_file("corp").exists()
    fake_sso.reset_counters()
    again = run_cli(["getcallerid", "--profile", "dev"])  # the same sign-in, another profile
    assert again.code == 0, again.err
    assert oidc_calls(fake_sso) == {}


def test_the_session_cache_key_follows_the_config_file(config: Path, sso_env: Path,
                                                       fake_sso: FakeSso) -> None:
    write_token(sso_env / "sso", cached_grant(fake_sso, timedelta(hours=1)))
    first = run_cli(["getcallerid", "--use-cache", "--profile", "corp-admin"])
    assert first.code == 0, first.err
    config.write_text(SSO_CONFIG.replace("sso_account_id = 111111111111\n"
                                         "sso_role_name = AdministratorAccess\n\n[profile leg",
                                         "sso_account_id = 222222222222\n"
                                         "sso_role_name = ReadOnlyAccess\n\n[profile leg"))
    second = run_cli(["getcallerid", "--use-cache", "--profile", "corp-admin"])
    assert second.code == 0, second.err
    assert json.loads(second.out)["Account"] == "222222222222"
    assert fake_sso.calls["GetRoleCredentials"] == 2


@pytest.mark.parametrize(("text", "message"), [
    ("[profile p]\nsso_session = nope\nsso_account_id = 111111111111\n"
     "sso_role_name = Admin\n",
     "profile 'p' in {config} uses sso_session 'nope', but there is no [sso-session nope] "
     "section; add it with sso_start_url and sso_region"),
    ("[sso-session s]\nsso_region = us-east-1\n[profile p]\nsso_session = s\n"
     "sso_account_id = 111111111111\nsso_role_name = Admin\n",
     "profile 'p' in {config} is an SSO profile but has no sso_start_url; add it to "
     "[sso-session s] and the profile"),
    (f"[profile p]\nsso_start_url = {START_URL}\nsso_account_id = 111111111111\n",
     "profile 'p' in {config} is an SSO profile but has no sso_region, sso_role_name; add "
     "them to the profile"),
    (f"[profile p]\nsso_start_url = {START_URL}\nsso_region = us-east-1\n"
     "sso_account_id = 1111\nsso_role_name = Admin\n",
     "profile 'p' in {config}: sso_account_id '1111' is not valid; an AWS account id is 12 "
     "digits"),
    (SSO_CONFIG + "[profile p]\nrole_arn = arn:aws:iam::111111111111:role/A\n"
     "source_profile = corp-admin\nduration_seconds = 60\n",
     "profile 'p' in {config}: duration_seconds 60 is out of range; AssumeRole allows "
     "900-43200 seconds"),
])
def test_a_broken_sso_profile_is_a_usage_error(aws_env: Path, sso_env: Path, fake_sso: FakeSso,
                                               text: str, message: str) -> None:
    (aws_env / "config").write_text(text)
    result = run_cli(["getcallerid", "--profile", "p"])
    assert result.code == 2
    assert error_line(result.err) == "aws-login: error: " + message.format(
        config=aws_env / "config")
    assert fake_sso.calls == {}


def test_deciding_that_a_profile_is_an_sso_profile_imports_no_botocore(config: Path) -> None:
    code = (
        "import argparse, sys\n"
        "from aws_login.context import Context\n"
        "from aws_login.options import credentials\n"
        "from aws_login.sources.sso_profile import SsoProfileStart\n"
        "parser = argparse.ArgumentParser()\n"
        "credentials.add_arguments(parser)\n"
        "plan = credentials.build_plan(parser.parse_args(['--profile', 'ops']),\n"
        "                              Context.from_process())\n"
        "assert isinstance(plan.start, SsoProfileStart), plan.start\n"
        "print([hop.profile for hop in plan.start.roles], plan.start.sso_profile,\n"
        "      sorted(name for name in ('botocore', 'boto3', 'aws_login.sso.tokens')\n"
        "             if name in sys.modules))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=dict(os.environ), timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "['dev', 'ops'] corp-admin []\n"


@pytest.mark.parametrize(("extra", "name", "chain"), [
    ("", "ops", ["ops", "dev", "corp-admin"]),
    ("", "legacy-admin", ["legacy-admin"]),
    # what botocore resolves itself: static keys, credential_source, web identity, loops
    ("[profile keys]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n", "keys", None),
    (f"[profile ec2]\nrole_arn = {ROLE_A}\ncredential_source = Ec2InstanceMetadata\n",
     "ec2", None),
    (f"[profile wi]\nrole_arn = {ROLE_A}\nweb_identity_token_file = /t\n", "wi", None),
    (f"[profile a]\nrole_arn = {ROLE_A}\nsource_profile = b\n"
     f"[profile b]\nrole_arn = {ROLE_B}\nsource_profile = a\n", "a", None),
    (f"[profile k]\nrole_arn = {ROLE_A}\nsource_profile = corp-admin\n"
     f"aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n", "k", ["k", "corp-admin"]),
    (f"[profile to-keys]\nrole_arn = {ROLE_A}\nsource_profile = keyed\n"
     f"[profile keyed]\nrole_arn = {ROLE_B}\nsource_profile = corp-admin\n"
     "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n", "to-keys", None),
    ("", "missing", None),
])
def test_which_profiles_are_sso_chains(aws_env: Path, extra: str, name: str,
                                       chain: list[str] | None) -> None:
    from aws_login.awsconfig import AwsConfig
    from aws_login.sources.sso_profile import sso_chain

    (aws_env / "config").write_text(SSO_CONFIG + extra)
    assert sso_chain(AwsConfig(os.environ), name) == chain


def test_an_expired_aws_cli_token_without_a_refresh_token_says_what_to_run(
        config: Path, sso_env: Path, fake_sso: FakeSso) -> None:
    data = cached_grant(fake_sso, timedelta(minutes=-1))
    del data["refreshToken"]
    write_cli_token("corp", data)
    result = run_cli(["getcallerid", "--profile", "dev"])
    assert result.code == 1
    assert error_line(result.err) == (
        f"aws-login: error: the sign-in for {START_URL} has expired and cannot be refreshed "
        "(no terminal here to sign in from); sign in from a terminal: aws-login login "
        "--profile corp-admin")
    assert fake_sso.calls == {}


def test_the_config_files_are_parsed_again_only_when_their_bytes_change(
        tmp_path: Path) -> None:
    from aws_login.awsconfig import AwsConfig

    config, credentials = tmp_path / "config", tmp_path / "credentials"
    config.write_text("[profile a]\nregion = eu-west-1\n")
    environ = {"AWS_CONFIG_FILE": str(config), "AWS_SHARED_CREDENTIALS_FILE": str(credentials)}
    first = AwsConfig.current(environ)
    assert AwsConfig.current(environ) is first
    config.write_text("[profile b]\nregion = eu-west-1\n")  # same size, maybe same mtime
    second = AwsConfig.current(environ)
    assert (list(first.profiles), list(second.profiles)) == (["a"], ["b"])
    credentials.write_text("[c]\naws_access_key_id = AKIA\n")
    assert sorted(AwsConfig.current(environ).profiles) == ["b", "c"]
