"""Web identity as a starting source: the --web-identity-* options and the EKS / CI
environment (AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN + AWS_ROLE_SESSION_NAME), against
moto's AssumeRoleWithWebIdentity on 127.0.0.1; precedence against environment keys and
profiles; bad input caught before any request; chains and the session cache on top."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from aws_login.sources import web_identity
from tests.fakes.moto_server import Recorder
from tests.helpers import (
    MOTO_USER_ARN,
    ROLE_B,
    USER_KEY_ID,
    USER_SECRET,
    WEB_IDENTITY_SUBJECT,
    WEB_IDENTITY_TOKEN,
    error_line,
    identity_arn,
    jwt,
    run_cli,
)

CI_ROLE = "arn:aws:iam::111111111111:role/ci-deploy"
SUBJECT_NAME = "repo-octo-org-app-ref-refs-heads-main"




# --- fixtures ------------------------------------------------------------------------------

@pytest.fixture
def token_file(tmp_path: Path) -> Path:
    path = tmp_path / "token"
    path.write_text(WEB_IDENTITY_TOKEN + "\n")
    return path


@pytest.fixture
def eks_env(cache_env: Path, token_file: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """What EKS (IRSA) puts in a pod's environment."""
    monkeypatch.setenv("AWS_WEB_IDENTITY_TOKEN_FILE", str(token_file))
    monkeypatch.setenv("AWS_ROLE_ARN", CI_ROLE)
    return token_file


# --- from the options and from the environment ----------------------------------------------

def test_from_the_options(cache_env: Path, calls: Recorder, token_file: Path) -> None:
    result = run_cli(["getcallerid", "--web-identity-token-file", str(token_file),
                      "--web-identity-role-arn", CI_ROLE])
    assert result.code == 0, result.err
    assert result.err == ""
    assert identity_arn(result.out) == (
        f"arn:aws:sts::111111111111:assumed-role/ci-deploy/{SUBJECT_NAME}")
    assert calls.actions() == ["AssumeRoleWithWebIdentity", "GetCallerIdentity"]
    call = calls.only("AssumeRoleWithWebIdentity")
    assert call.params == {"Action": "AssumeRoleWithWebIdentity", "Version": "2011-06-15",
                           "RoleArn": CI_ROLE, "RoleSessionName": SUBJECT_NAME,
                           "WebIdentityToken": WEB_IDENTITY_TOKEN}
    assert not call.signed  # the token is the proof


def test_from_the_eks_environment_with_a_session_name(eks_env: Path, calls: Recorder,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ROLE_SESSION_NAME", "build-42")
    result = run_cli(["getcallerid"])
    assert result.code == 0, result.err
    assert identity_arn(result.out) == "arn:aws:sts::111111111111:assumed-role/ci-deploy/build-42"
    assert calls.actions() == ["AssumeRoleWithWebIdentity", "GetCallerIdentity"]
    assert calls.only("AssumeRoleWithWebIdentity").params["WebIdentityToken"] == WEB_IDENTITY_TOKEN


def test_an_opaque_token_gets_a_time_based_session_name(cache_env: Path, calls: Recorder,
                                                        tmp_path: Path) -> None:
    path = tmp_path / "opaque"
    path.write_text("gho_opaque-token-without-claims")
    now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    result = run_cli(["dumpcreds", "--credential-helper", "--web-identity-token-file",
                      str(path), "--web-identity-role-arn", CI_ROLE], now=lambda: now)
    assert result.code == 0, result.err
    assert calls.only("AssumeRoleWithWebIdentity").params["RoleSessionName"] == (
        f"aws-login-{int(now.timestamp())}")


@pytest.mark.parametrize("subject, name", [
    ("system:serviceaccount:payments:api", "system-serviceaccount-payments-api"),
    ("x", None),  # too short to be a session name
    ("", None),
])
def test_default_session_name(subject: str, name: str | None) -> None:
    now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    expected = name if name is not None else (
        "aws-login" if subject else f"aws-login-{int(now.timestamp())}")
    assert web_identity.default_session_name(jwt({"sub": subject}), now) == expected


def test_duration_sets_the_lifetime(cache_env: Path, calls: Recorder, token_file: Path) -> None:
    before = datetime.now(timezone.utc)
    result = run_cli(["dumpcreds", "--credential-helper", "--web-identity-token-file",
                      str(token_file), "--web-identity-role-arn", CI_ROLE, "--duration", "7200"])
    assert result.code == 0, result.err
    assert calls.only("AssumeRoleWithWebIdentity").params["DurationSeconds"] == "7200"
    expiration = datetime.fromisoformat(
        json.loads(result.out)["Expiration"].replace("Z", "+00:00"))
    assert before + timedelta(seconds=7190) <= expiration <= datetime.now(
        timezone.utc) + timedelta(seconds=7200)


# --- precedence ------------------------------------------------------------------------------

def test_environment_keys_go_before_the_web_identity_environment(
        eks_env: Path, calls: Recorder, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", USER_KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", USER_SECRET)
    result = run_cli(["getcallerid"])
    assert result.code == 0, result.err
    assert identity_arn(result.out) == MOTO_USER_ARN
    assert calls.actions() == ["GetCallerIdentity"]


def _static_profile(aws_env: Path) -> None:
    (aws_env / "credentials").write_text(
        f"[dev]\naws_access_key_id = {USER_KEY_ID}\naws_secret_access_key = {USER_SECRET}\n")


def test_web_identity_environment_goes_before_aws_profile(
        eks_env: Path, aws_env: Path, calls: Recorder, monkeypatch: pytest.MonkeyPatch) -> None:
    _static_profile(aws_env)
    monkeypatch.setenv("AWS_PROFILE", "dev")
    result = run_cli(["getcallerid"])
    assert result.code == 0, result.err
    assert identity_arn(result.out) == (
        f"arn:aws:sts::111111111111:assumed-role/ci-deploy/{SUBJECT_NAME}")


def test_an_explicit_profile_goes_before_the_web_identity_environment(
        eks_env: Path, aws_env: Path, calls: Recorder) -> None:
    _static_profile(aws_env)
    result = run_cli(["getcallerid", "--profile", "dev"])
    assert result.code == 0, result.err
    assert identity_arn(result.out) == MOTO_USER_ARN
    assert calls.actions() == ["GetCallerIdentity"]


def test_options_go_before_the_environment(eks_env: Path, calls: Recorder, tmp_path: Path
                                           ) -> None:
    other = tmp_path / "other-token"
    other.write_text(jwt({"sub": "other-workload"}))
    result = run_cli(["getcallerid", "--web-identity-token-file", str(other),
                      "--web-identity-role-arn", ROLE_B])
    assert result.code == 0, result.err
    assert identity_arn(result.out) == "arn:aws:sts::222222222222:assumed-role/B/other-workload"


# --- bad input -------------------------------------------------------------------------------

def test_environment_problems_name_the_variable(eks_env: Path, calls: Recorder,
                                                monkeypatch: pytest.MonkeyPatch,
                                                tmp_path: Path) -> None:
    cases: list[tuple[dict[str, str | None], str]] = [
        ({"AWS_ROLE_ARN": None},
         "AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not; set AWS_ROLE_ARN to the "
         "role to assume with the token, or unset AWS_WEB_IDENTITY_TOKEN_FILE"),
        ({"AWS_WEB_IDENTITY_TOKEN_FILE": str(tmp_path / "gone")},
         f"AWS_WEB_IDENTITY_TOKEN_FILE {tmp_path / 'gone'}: no such file"),
        ({"AWS_ROLE_ARN": "ci-deploy"},
         "AWS_ROLE_ARN: 'ci-deploy' is not a role ARN; expected e.g. "
         "arn:aws:iam::123456789012:role/Admin"),
        ({"AWS_ROLE_SESSION_NAME": "build 42"},
         "AWS_ROLE_SESSION_NAME: role session name 'build 42' is not valid; use 2-64 "
         "characters from ASCII letters, digits and +=,.@_-"),
    ]
    for changes, message in cases:
        with monkeypatch.context() as patch:
            for name, value in changes.items():
                if value is None:
                    patch.delenv(name)
                else:
                    patch.setenv(name, value)
            result = run_cli(["getcallerid"])
        assert (result.code, error_line(result.err)) == (2, f"aws-login: error: {message}")
    assert calls.actions() == []


def test_option_problems(cache_env: Path, calls: Recorder, tmp_path: Path,
                         token_file: Path) -> None:
    empty = tmp_path / "empty"
    empty.write_text("\n")
    spaced = tmp_path / "spaced"
    spaced.write_text("part one\npart two\n")
    huge = tmp_path / "huge"
    huge.write_text("a" * 30_000)
    long = tmp_path / "long"
    long.write_text("a" * 20_001)
    both = ["--web-identity-role-arn", CI_ROLE]
    cases: list[tuple[list[str], str]] = [
        (["--web-identity-role-arn", CI_ROLE],
         "--web-identity-token-file and --web-identity-role-arn go together; give both, e.g. "
         "--web-identity-token-file /run/token --web-identity-role-arn "
         "arn:aws:iam::123456789012:role/Admin"),
        (["--web-identity-token-file", str(token_file)],
         "--web-identity-token-file and --web-identity-role-arn go together; give both, e.g. "
         "--web-identity-token-file /run/token --web-identity-role-arn "
         "arn:aws:iam::123456789012:role/Admin"),
        (["--web-identity-token-file", " ", *both],
         "--web-identity-token-file needs a file, e.g. --web-identity-token-file "
         "/var/run/secrets/token"),
        (["--web-identity-token-file", str(tmp_path), *both],
         f"--web-identity-token-file {tmp_path} is a folder; give the file that holds a web "
         "identity token"),
        (["--web-identity-token-file", str(empty), *both],
         f"--web-identity-token-file {empty} is empty; it should hold the OIDC token (a JWT) "
         "issued to this workload"),
        (["--web-identity-token-file", str(spaced), *both],
         f"--web-identity-token-file {spaced} does not hold a single token (it has spaces, "
         "line breaks or non-ASCII characters inside); it should hold only the OIDC token"),
        (["--web-identity-token-file", str(huge), *both],
         f"--web-identity-token-file {huge} is larger than 21024 bytes, too large for a web "
         "identity token; check that it is the right file"),
        (["--web-identity-token-file", str(long), *both],
         f"--web-identity-token-file {long} holds 20001 characters; a web identity token has "
         "4-20000"),
        (["--web-identity-token-file", str(token_file), "--web-identity-role-arn",
          "arn:aws:iam::111111111111:user/ci"],
         "--web-identity-role-arn: 'arn:aws:iam::111111111111:user/ci' is not a role ARN; "
         "expected e.g. arn:aws:iam::123456789012:role/Admin"),
        (["--web-identity-token-file", str(token_file), *both, "--profile", "dev"],
         "give one starting source, not --web-identity-token-file and --profile"),
        (["--web-identity-token-file", str(token_file), *both, "--get-federation-token"],
         "GetFederationToken needs long-term IAM user keys, but a web identity start gives "
         "a role session; drop --get-session-token / --get-federation-token"),
        (["--web-identity-token-file", str(token_file), *both, "--duration", "100"],
         "--duration 100 is out of range; AssumeRoleWithWebIdentity allows 900-43200 "
         "seconds"),
    ]
    for argv, message in cases:
        result = run_cli(["getcallerid", *argv])
        assert (result.code, error_line(result.err)) == (2, f"aws-login: error: {message}"), argv
    assert calls.actions() == []


def test_chained_duration_is_checked_for_the_environment_start_too(
        eks_env: Path, calls: Recorder) -> None:
    result = run_cli(["getcallerid", "--assume-roles", ROLE_B, "--duration", "3601"])
    assert (result.code, error_line(result.err)) == (
        2, f"aws-login: error: hop 1/1 ({ROLE_B}) is signed by role session credentials (the "
           "web identity start); AWS caps such chained role sessions at 3600 s, so use "
           "--duration 3600 or less")
    assert calls.actions() == []


def test_debug_log_never_shows_the_token(eks_env: Path, calls: Recorder) -> None:
    result = run_cli(["getcallerid", "--debug"])
    assert result.code == 0, result.err
    assert (f"aws-login: debug: starting source: web identity role {CI_ROLE} "
            "(AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN)") in result.err.splitlines()
    assert WEB_IDENTITY_TOKEN not in result.err
    assert WEB_IDENTITY_TOKEN.split(".")[1] not in result.err


# --- chains and the cache ----------------------------------------------------------------------

def test_web_identity_then_a_hop(eks_env: Path, calls: Recorder) -> None:
    result = run_cli(["getcallerid", "--assume-roles", ROLE_B])
    assert result.code == 0, result.err
    assert identity_arn(result.out) == f"arn:aws:sts::222222222222:assumed-role/B/{SUBJECT_NAME}"
    assert calls.actions() == ["AssumeRoleWithWebIdentity", "GetCallerIdentity", "AssumeRole",
                               "GetCallerIdentity"]


def test_session_cache_keys_on_the_token(eks_env: Path, cache_env: Path, calls: Recorder) -> None:
    argv = ["dumpcreds", "--credential-helper", "--use-cache"]
    first = run_cli(argv)
    assert first.code == 0, first.err
    assert calls.actions() == ["AssumeRoleWithWebIdentity"]
    calls.clear()
    second = run_cli(argv)
    assert second.code == 0, second.err
    assert calls.actions() == []
    assert json.loads(second.out) == json.loads(first.out)
    for file in cache_env.rglob("*"):
        if file.is_file():
            assert WEB_IDENTITY_TOKEN.split(".")[1] not in file.read_text(errors="replace")
    # EKS rewrote the token file: a new token is a new request.
    eks_env.write_text(jwt({"sub": WEB_IDENTITY_SUBJECT, "iat": 2}))
    third = run_cli(argv)
    assert third.code == 0, third.err
    assert calls.actions() == ["AssumeRoleWithWebIdentity"]
