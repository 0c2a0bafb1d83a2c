"""Starting sources and their precedence (issue 2): environment keys, --profile (static keys,
role_arn + source_profile, credential_process), AWS_PROFILE, the default profile and EC2
instance metadata, all resolved for real against moto on 127.0.0.1."""

from __future__ import annotations

import json
import socket
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.moto_server import LoopbackServer
from tests.helpers import ROLE_A, USER_KEY_ID, USER_SECRET, Result, expires_in, run_cli

PROFILE_KEY_ID = "AKIAPROFILEEXAMPLE01"
PROFILE_SECRET = "profile/secret+EXAMPLE0000000000000000000"
OTHER_KEY_ID = "AKIAOTHEREXAMPLE0002"
OTHER_SECRET = "other/secret+EXAMPLE00000000000000000000"
NO_CREDENTIALS = (
    "aws-login: error: no AWS credentials found; set AWS_ACCESS_KEY_ID and "
    "AWS_SECRET_ACCESS_KEY, pass --profile NAME, or sign in with --start-url URL "
    "--sso-acct-id ID --sso-role-name NAME\n")


def helper(argv: list[str]) -> dict[str, Any]:
    """Run `dumpcreds --credential-helper ...` and return the JSON it printed."""
    result = run_cli(["dumpcreds", "--credential-helper", *argv])
    assert result.code == 0, result.err
    assert result.err == ""
    document: dict[str, Any] = json.loads(result.out)
    return document


def caller_arn(argv: list[str]) -> str:
    result = run_cli(["getcallerid", *argv])
    assert result.code == 0, result.err
    arn: str = json.loads(result.out)["Arn"]
    return arn


def assert_usage_error(result: Result, message: str) -> None:
    assert result.code == 2
    assert result.out == ""
    assert result.err == f"aws-login: error: {message}\n"


def write_profiles(aws_dir: Path, credentials: str = "", config: str = "") -> None:
    (aws_dir / "credentials").write_text(credentials)
    (aws_dir / "config").write_text(config)


STATIC_PROFILES = f"""\
[static]
aws_access_key_id = {PROFILE_KEY_ID}
aws_secret_access_key = {PROFILE_SECRET}

[other]
aws_access_key_id = {OTHER_KEY_ID}
aws_secret_access_key = {OTHER_SECRET}
"""


# --- environment keys -------------------------------------------------------------------------

def test_environment_keys(user_keys: None, sts: LoopbackServer) -> None:
    assert helper([]) == {"Version": 1, "AccessKeyId": USER_KEY_ID,
                          "SecretAccessKey": USER_SECRET}
    assert sts.recorder.requests == []  # nothing to ask AWS for
    assert caller_arn([]) == "arn:aws:sts::123456789012:user/moto"
    assert sts.recorder.actions() == ["GetCallerIdentity"]


def test_environment_keys_with_a_session_token(user_keys: None, sts: LoopbackServer,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_SESSION_TOKEN", "env-session-token")
    monkeypatch.setenv("AWS_CREDENTIAL_EXPIRATION", "2031-02-03T04:05:06Z")
    assert helper([]) == {"Version": 1, "AccessKeyId": USER_KEY_ID,
                          "SecretAccessKey": USER_SECRET, "SessionToken": "env-session-token",
                          "Expiration": "2031-02-03T04:05:06Z"}
    assert sts.recorder.requests == []


def test_the_legacy_security_token_variable_is_read(user_keys: None,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_SECURITY_TOKEN", "legacy-token")
    assert helper([])["SessionToken"] == "legacy-token"


def test_session_step_needs_long_term_keys(user_keys: None, sts: LoopbackServer,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_SESSION_TOKEN", "env-session-token")
    result = run_cli(["dumpcreds", "--get-session-token"])
    assert_usage_error(result, (
        "GetSessionToken needs long-term IAM user keys, but the starting credentials "
        "(environment) are temporary credentials of unknown origin; start from an IAM "
        "user's access keys"))
    assert sts.recorder.requests == []


@pytest.mark.parametrize(("present", "missing"), [
    ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"),
    ("AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID"),
])
def test_a_partial_environment_is_a_usage_error(aws_env: Path, sts: LoopbackServer,
                                                monkeypatch: pytest.MonkeyPatch,
                                                present: str, missing: str) -> None:
    monkeypatch.setenv(present, "AKIAIOSFODNN7EXAMPLE")
    monkeypatch.setenv(missing, "   ")  # blank counts as unset
    result = run_cli(["getcallerid"])
    assert_usage_error(result, f"{present} is set but {missing} is not; set both, or unset "
                               f"{present} to use a profile")
    assert sts.recorder.requests == []


# --- profiles ---------------------------------------------------------------------------------

def test_profile_with_static_keys(aws_env: Path, sts: LoopbackServer) -> None:
    write_profiles(aws_env, STATIC_PROFILES)
    assert helper(["--profile", "static"]) == {
        "Version": 1, "AccessKeyId": PROFILE_KEY_ID, "SecretAccessKey": PROFILE_SECRET}
    assert sts.recorder.requests == []


def test_explicit_profile_beats_environment_keys(user_keys: None, aws_env: Path) -> None:
    write_profiles(aws_env, STATIC_PROFILES)
    assert helper(["--profile", "static"])["AccessKeyId"] == PROFILE_KEY_ID


def test_aws_profile_is_used(aws_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_profiles(aws_env, STATIC_PROFILES)
    monkeypatch.setenv("AWS_PROFILE", "other")
    assert helper([])["AccessKeyId"] == OTHER_KEY_ID


def test_environment_keys_beat_aws_profile(user_keys: None, aws_env: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    write_profiles(aws_env, STATIC_PROFILES)
    monkeypatch.setenv("AWS_PROFILE", "other")
    assert helper([])["AccessKeyId"] == USER_KEY_ID
    # and the chain after them works with AWS_PROFILE still set
    assert caller_arn(["--assume-roles", ROLE_A]) == \
        "arn:aws:sts::111111111111:assumed-role/A/moto"


def test_explicit_profile_beats_aws_profile(aws_env: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    write_profiles(aws_env, STATIC_PROFILES)
    monkeypatch.setenv("AWS_PROFILE", "other")
    assert helper(["--profile", "static"])["AccessKeyId"] == PROFILE_KEY_ID


def test_the_default_profile_is_used_last(aws_env: Path) -> None:
    write_profiles(aws_env, f"[default]\naws_access_key_id = {OTHER_KEY_ID}\n"
                            f"aws_secret_access_key = {OTHER_SECRET}\n")
    assert helper([])["AccessKeyId"] == OTHER_KEY_ID


ROLE_PROFILE = """\
[profile dev]
role_arn = arn:aws:iam::444444444444:role/Dev
source_profile = static
role_session_name = dev-session
region = eu-central-1
"""


def test_role_profile_is_assumed_through_the_sts_endpoint(aws_env: Path,
                                                         sts: LoopbackServer) -> None:
    write_profiles(aws_env, STATIC_PROFILES, ROLE_PROFILE)
    assert caller_arn(["--profile", "dev"]) == \
        "arn:aws:sts::444444444444:assumed-role/Dev/dev-session"
    # botocore's AssumeRole for the profile, then the GetCallerIdentity
    assert sts.recorder.actions() == ["AssumeRole", "GetCallerIdentity"]


def test_role_profile_then_a_hop_uses_the_profile_region(aws_env: Path,
                                                        sts: LoopbackServer) -> None:
    write_profiles(aws_env, STATIC_PROFILES, ROLE_PROFILE)
    result = run_cli(["getcallerid", "--debug", "--profile", "dev", "--assume-roles", ROLE_A])
    assert result.code == 0, result.err
    assert json.loads(result.out)["Arn"] == \
        "arn:aws:sts::111111111111:assumed-role/A/dev-session"
    assert "aws-login: debug: STS region eu-central-1\n" in result.err
    assert ("aws-login: debug: resolved credentials from profile dev: role session "
            "credentials\n") in result.err
    assert sts.recorder.actions() == ["AssumeRole", "GetCallerIdentity", "AssumeRole",
                                      "GetCallerIdentity"]


MFA_ROLE_PROFILE = """\
[profile guarded]
role_arn = arn:aws:iam::444444444444:role/Guarded
source_profile = static
role_session_name = guarded-session
mfa_serial = arn:aws:iam::123456789012:mfa/alice
region = eu-central-1
"""


def test_a_role_profiles_mfa_code_is_asked_through_the_prompt_service(
        aws_env: Path, sts: LoopbackServer) -> None:
    """A role profile's mfa_serial above an IAM user's keys: aws-login asks the code itself
    (role_profile.py), through the prompt service, and it goes with the profile's
    AssumeRole."""
    write_profiles(aws_env, STATIC_PROFILES, MFA_ROLE_PROFILE)
    result = run_cli(["getcallerid", "--profile", "guarded"], stdin="246810\n", terminal=True)
    assert result.code == 0, result.err
    assert json.loads(result.out)["Arn"] == \
        "arn:aws:sts::444444444444:assumed-role/Guarded/guarded-session"
    assert result.err == "MFA code for arn:aws:iam::123456789012:mfa/alice: "
    (assume,) = [r for r in sts.recorder.requests if r.action == "AssumeRole"]
    assert (assume.params["SerialNumber"], assume.params["TokenCode"]) == (
        "arn:aws:iam::123456789012:mfa/alice", "246810")


def test_a_role_profiles_mfa_code_with_nobody_to_ask_fails_before_assume_role(
        aws_env: Path, sts: LoopbackServer) -> None:
    write_profiles(aws_env, STATIC_PROFILES, MFA_ROLE_PROFILE)
    result = run_cli(["getcallerid", "--profile", "guarded"])
    assert (result.code, result.out) == (2, "")
    assert result.err == (
        "aws-login: error: the role profile's mfa_serial needs an MFA code and nobody can be "
        "asked here (no terminal, /dev/tty or desktop dialog); pass --mfa-token CODE or "
        "--mfa-process COMMAND, use --prompt ykman for a YubiKey, or run it at a terminal\n")
    assert "AssumeRole" not in sts.recorder.actions()


REGIONLESS_ROLE_PROFILE = """\
[profile plain]
role_arn = arn:aws:iam::444444444444:role/Plain
source_profile = static
role_session_name = plain-session
"""


def test_region_reaches_botocores_resolution_of_a_role_profile(aws_env: Path,
                                                               sts: LoopbackServer) -> None:
    """No region in the profile, STS on a custom endpoint: botocore's AssumeRole for the
    profile needs one, and --region is it (it used to fail with NoRegionError)."""
    write_profiles(aws_env, STATIC_PROFILES, REGIONLESS_ROLE_PROFILE)
    result = run_cli(["getcallerid", "--profile", "plain", "--region", "us-east-1"])
    assert result.code == 0, result.err
    assert json.loads(result.out)["Arn"] == \
        "arn:aws:sts::444444444444:assumed-role/Plain/plain-session"
    assert sts.recorder.actions() == ["AssumeRole", "GetCallerIdentity"]


def test_a_hop_after_a_role_profile_is_chained(aws_env: Path, sts: LoopbackServer) -> None:
    write_profiles(aws_env, STATIC_PROFILES, ROLE_PROFILE)
    result = run_cli(["dumpcreds", "--profile", "dev", "--assume-roles", ROLE_A,
                      "--duration", "7200"])
    assert_usage_error(result, (
        f"hop 1/1 ({ROLE_A}) is signed by role session credentials (profile dev); AWS caps "
        "such chained role sessions at 3600 s, so use --duration 3600 or less"))
    assert sts.recorder.actions() == ["AssumeRole"]  # only botocore's, for the profile


def test_credential_process_profile(aws_env: Path, tmp_path: Path, sts: LoopbackServer) -> None:
    expiration = (datetime.now(timezone.utc) + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    script = tmp_path / "creds.py"
    script.write_text("import json\nprint(json.dumps(" + repr({
        "Version": 1, "AccessKeyId": "ASIAPROCESSEXAMPLE01", "SecretAccessKey": "proc/secret",
        "SessionToken": "proc-token", "Expiration": expiration}) + "))\n")
    write_profiles(aws_env, config=(f"[profile proc]\ncredential_process = "
                                    f"{sys.executable} {script}\n"))
    document = helper(["--profile", "proc"])
    assert document == {"Version": 1, "AccessKeyId": "ASIAPROCESSEXAMPLE01",
                        "SecretAccessKey": "proc/secret", "SessionToken": "proc-token",
                        "Expiration": expiration}
    assert 7200 - 60 < expires_in(document) <= 7200
    assert caller_arn(["--profile", "proc", "--assume-roles", ROLE_A,
                       "--role-session-name", "proc"]) == \
        "arn:aws:sts::111111111111:assumed-role/A/proc"
    assert sts.recorder.actions() == ["AssumeRole", "GetCallerIdentity"]


def test_a_profile_without_credentials(aws_env: Path, sts: LoopbackServer) -> None:
    write_profiles(aws_env, config="[profile empty]\nregion = us-west-2\n")
    result = run_cli(["getcallerid", "--profile", "empty"])
    assert result.code == 1
    assert result.err == (
        "aws-login: error: profile 'empty' has no credentials; add aws_access_key_id/"
        "aws_secret_access_key, role_arn + source_profile, credential_process or sso_* "
        "settings to it\n")
    assert sts.recorder.requests == []


def test_an_unknown_profile_names_where_profiles_are_read(aws_env: Path,
                                                          sts: LoopbackServer) -> None:
    write_profiles(aws_env, STATIC_PROFILES)
    result = run_cli(["dumpcreds", "--profile", "nope"])
    assert_usage_error(result, (
        f"profile 'nope' (--profile) was not found in {aws_env / 'config'} or "
        f"{aws_env / 'credentials'}; check the name, or set AWS_CONFIG_FILE / "
        "AWS_SHARED_CREDENTIALS_FILE"))
    assert sts.recorder.requests == []


@pytest.mark.parametrize("variable", ["AWS_PROFILE", "AWS_DEFAULT_PROFILE"])
@pytest.mark.parametrize("with_keys", [False, True])
def test_an_unknown_aws_profile_is_a_usage_error(aws_env: Path, sts: LoopbackServer,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 variable: str, with_keys: bool) -> None:
    if with_keys:  # the keys win, but every botocore client would still read the profile
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", USER_KEY_ID)
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", USER_SECRET)
    monkeypatch.setenv(variable, "gone")
    result = run_cli(["getcallerid", "--assume-roles", ROLE_A])
    assert_usage_error(result, (
        f"profile 'gone' ({variable}) was not found in {aws_env / 'config'} or "
        f"{aws_env / 'credentials'}; check the name, or set AWS_CONFIG_FILE / "
        "AWS_SHARED_CREDENTIALS_FILE"))
    assert sts.recorder.requests == []


def test_explicit_profile_works_despite_a_stale_aws_profile(aws_env: Path, sts: LoopbackServer,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    write_profiles(aws_env, STATIC_PROFILES)
    monkeypatch.setenv("AWS_PROFILE", "gone")
    assert caller_arn(["--profile", "static", "--assume-roles", ROLE_A]) == \
        "arn:aws:sts::111111111111:assumed-role/A/moto"


@pytest.mark.parametrize(("setting", "message"), [
    ({"AWS_REGION": "us east 1"},
     "AWS_REGION: region 'us east 1' is not valid; expected e.g. us-east-1"),
    ({"AWS_DEFAULT_REGION": "EU-WEST-1"},
     "AWS_DEFAULT_REGION: region 'EU-WEST-1' is not valid; expected e.g. us-east-1"),
    ({"AWS_PROFILE": "badregion"},
     "region setting of profile 'badregion': region 'mars-1' is not valid; expected e.g. "
     "us-east-1"),
])
def test_a_malformed_configured_region_is_a_usage_error(
        user_keys: None, aws_env: Path, sts: LoopbackServer, monkeypatch: pytest.MonkeyPatch,
        setting: dict[str, str], message: str) -> None:
    write_profiles(aws_env, config="[profile badregion]\nregion = mars-1\n")
    for name, value in setting.items():
        monkeypatch.setenv(name, value)
    for argv in (["getcallerid"], ["dumpcreds", "--assume-roles", ROLE_A]):
        assert_usage_error(run_cli(argv), message)
    assert sts.recorder.requests == []


# --- EC2 instance metadata --------------------------------------------------------------------

@pytest.fixture
def imds_enabled(aws_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_EC2_METADATA_DISABLED")


def test_instance_metadata_from_moto(imds_enabled: None, sts: LoopbackServer,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", sts.url + "/")
    document = helper([])
    assert {k: document[k] for k in ("AccessKeyId", "SecretAccessKey", "SessionToken")} == {
        "AccessKeyId": "test-key", "SecretAccessKey": "test-secret-key",
        "SessionToken": "test-session-token"}
    assert 86400 - 120 < expires_in(document) <= 86400  # moto's credentials last a day
    assert [(r.method, r.path) for r in sts.recorder.requests] == [
        ("PUT", "/latest/api/token"),  # IMDSv2
        ("GET", "/latest/meta-data/iam/security-credentials/"),
        ("GET", "/latest/meta-data/iam/security-credentials/default-role"),
    ]


def test_instance_credentials_are_a_role_session(imds_enabled: None, sts: LoopbackServer,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", sts.url + "/")
    assert caller_arn(["--assume-roles", ROLE_A, "--role-session-name", "ec2"]) == \
        "arn:aws:sts::111111111111:assumed-role/A/ec2"
    sts.recorder.clear()
    result = run_cli(["dumpcreds", "--assume-roles", ROLE_A, "--duration", "3601"])
    assert_usage_error(result, (
        f"hop 1/1 ({ROLE_A}) is signed by role session credentials (default chain "
        "(iam-role)); AWS caps such chained role sessions at 3600 s, so use --duration 3600 "
        "or less"))
    assert sts.recorder.actions() == []  # only the metadata reads


def test_disabled_instance_metadata_means_no_credentials(aws_env: Path,
                                                         sts: LoopbackServer) -> None:
    result = run_cli(["getcallerid"])
    assert (result.code, result.out, result.err) == (1, "", NO_CREDENTIALS)
    assert sts.recorder.requests == []


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A loopback port that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    yield listener.getsockname()[1]
    listener.close()


def _closed_port() -> int:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port: int = probe.getsockname()[1]
    probe.close()
    return port


@pytest.mark.parametrize("kind", ["closed", "silent"])
def test_unreachable_instance_metadata_fails_fast(imds_enabled: None,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  request: pytest.FixtureRequest,
                                                  kind: str) -> None:
    port = _closed_port() if kind == "closed" else request.getfixturevalue("silent_port")
    monkeypatch.setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", f"http://127.0.0.1:{port}/")
    started = time.monotonic()
    result = run_cli(["dumpcreds"])
    elapsed = time.monotonic() - started
    assert (result.code, result.out, result.err) == (1, "", NO_CREDENTIALS)
    assert elapsed < 5, f"the metadata lookup took {elapsed:.1f} s"
