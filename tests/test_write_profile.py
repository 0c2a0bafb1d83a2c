"""dumpcreds --write-profile: the acquired credentials as one profile of the shared
credentials file, every other byte kept, 0600, the expiry beside them; botocore reads them."""

from __future__ import annotations

import configparser
import os
import stat
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from aws_login.credentials_file import long_term_keys, with_profile
from aws_login.model import Credentials
from tests.fakes.moto_server import LoopbackServer
from tests.helpers import ROLE_A, ROLE_A_ARN, error_line, run_cli

CREDS = Credentials("ASIANEW", "new-secret", "new-token",
                    datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc))
NEW_KEYS = ("aws_access_key_id = ASIANEW\naws_secret_access_key = new-secret\n"
            "aws_session_token = new-token\nx_security_token_expires = 2030-01-02T03:04:05Z\n")


@pytest.mark.parametrize(("before", "after"), [
    ("", "[dev]\n" + NEW_KEYS),
    ("[a]\nx = 1", "[a]\nx = 1\n\n[dev]\n" + NEW_KEYS),
    ("# c\n[a]\nx = 1\n\n", "# c\n[a]\nx = 1\n\n[dev]\n" + NEW_KEYS),
    # replaced where they were; the profile's other keys, comments and order stay
    ("[dev]\nregion = eu-west-1\naws_access_key_id = OLD\n  continued\n; note\n"
     "aws_secret_access_key = S\naws_session_token = T\noutput = json\n\n[b]\ny = 2\n",
     "[dev]\nregion = eu-west-1\n" + NEW_KEYS + "; note\noutput = json\n\n[b]\ny = 2\n"),
    # a profile without our keys gets them after its last line
    ("[dev]\nregion = eu-west-1\n\n\n[b]\n", "[dev]\nregion = eu-west-1\n" + NEW_KEYS
     + "\n\n[b]\n"),
    ("[dev]", "[dev]\n" + NEW_KEYS),
    # botocore merges a repeated section: the old keys go from every copy
    ("[dev]\nAWS_SESSION_TOKEN = T\n[b]\n[dev]\naws_access_key_id = K\n",
     "[dev]\n" + NEW_KEYS + "[b]\n[dev]\n"),
])
def test_with_profile_changes_only_that_profile(before: str, after: str) -> None:
    assert with_profile(before, "dev", CREDS) == after


@pytest.mark.parametrize(("text", "expected"), [
    ("[dev]\naws_access_key_id = K\naws_secret_access_key = S\n", True),
    ("[dev]\naws_access_key_id = K\naws_session_token = T\n", False),
    ("[other]\naws_access_key_id = K\n", False),
    ("[dev]\nregion = x\n", False),
])
def test_long_term_keys(text: str, expected: bool) -> None:
    assert long_term_keys(text, "dev") is expected


BEFORE = """\
# my keys
[default]
aws_access_key_id = AKIAOTHER
aws_secret_access_key = other-secret

; written by aws-login before
[dev-admin]
region = eu-west-1
aws_access_key_id = ASIAOLD
aws_secret_access_key = old-secret
aws_session_token = old-token
x_security_token_expires = 2020-01-01T00:00:00Z
output = json

[zzz]
aws_access_key_id = AKIALAST
aws_secret_access_key = last
"""


def test_write_profile_then_botocore_reads_it(user_keys: None, aws_env: Path,
                                              sts: LoopbackServer) -> None:
    path = aws_env / "credentials"
    path.write_text(BEFORE)
    result = run_cli(["dumpcreds", "--assume-roles", ROLE_A, "--write-profile", "dev-admin"])
    assert result.code == 0, result.err
    assert result.out == ""
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    parser = configparser.RawConfigParser()
    parser.read_string(path.read_text())
    new = dict(parser.items("dev-admin"))
    assert new["aws_access_key_id"].startswith("ASIA")
    assert path.read_text() == BEFORE.replace(
        "aws_access_key_id = ASIAOLD\naws_secret_access_key = old-secret\n"
        "aws_session_token = old-token\nx_security_token_expires = 2020-01-01T00:00:00Z\n",
        f"aws_access_key_id = {new['aws_access_key_id']}\n"
        f"aws_secret_access_key = {new['aws_secret_access_key']}\n"
        f"aws_session_token = {new['aws_session_token']}\n"
        f"x_security_token_expires = {new['x_security_token_expires']}\n")
    expires = datetime.strptime(new["x_security_token_expires"], "%Y-%m-%dT%H:%M:%SZ")
    minutes = int((expires.replace(tzinfo=timezone.utc) - datetime.now(timezone.utc))
                  .total_seconds() // 60)
    assert result.err in {
        f"aws-login: wrote profile dev-admin to {path}; its credentials expire at "
        f"{new['x_security_token_expires']} (in {m} min); use them with --profile dev-admin "
        "or AWS_PROFILE=dev-admin\n" for m in (minutes, minutes + 1)}

    # botocore, in a process of its own with no keys in its environment, reads the profile.
    env = {k: v for k, v in os.environ.items() if k not in (
        "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")}
    script = ("import boto3; print(boto3.Session(profile_name='dev-admin')"
              ".client('sts', region_name='us-east-1').get_caller_identity()['Arn'])")
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                               env=env, timeout=60, check=False)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == f"{ROLE_A_ARN}\n"


def test_write_profile_refuses_long_term_keys_unless_forced(user_keys: None, aws_env: Path,
                                                            sts: LoopbackServer) -> None:
    path = aws_env / "credentials"
    path.write_text(BEFORE)
    refused = run_cli(["dumpcreds", "--assume-roles", ROLE_A, "--write-profile", "default"])
    assert refused.code == 2
    assert error_line(refused.err) == (
        f"aws-login: error: --write-profile default: that profile of {path} holds long-term "
        "keys (no aws_session_token); choose another name, or add --force to overwrite them")
    assert sts.recorder.requests == []  # refused before anything was acquired
    assert path.read_text() == BEFORE
    forced = run_cli(["dumpcreds", "--assume-roles", ROLE_A, "--write-profile", "default",
                      "--force"])
    assert forced.code == 0, forced.err
    assert "AKIAOTHER" not in path.read_text()
    assert "AKIALAST" in path.read_text()


def test_write_profile_creates_the_file_and_refuses_long_term_results(
        user_keys: None, aws_env: Path, sts: LoopbackServer,
        monkeypatch: pytest.MonkeyPatch) -> None:
    target = aws_env / "new" / "credentials"
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(target))
    made = run_cli(["dumpcreds", "--get-session-token", "--write-profile", "s"])
    assert made.code == 0, made.err
    assert target.read_text().startswith("[s]\naws_access_key_id = ")
    keys = run_cli(["dumpcreds", "--write-profile", "t"])  # the environment's user keys
    assert keys.code == 1
    assert error_line(keys.err) == (
        "aws-login: error: these are long-term IAM user keys; --write-profile writes only "
        "temporary credentials (add --get-session-token or --assume-roles)")
    assert "[t]" not in target.read_text()


@pytest.mark.parametrize(("args", "message"), [
    (("--write-profile", "a b"), "--write-profile 'a b' is not a usable profile name; use "
                                 "letters, digits and -_. e.g. --write-profile dev-admin"),
    (("--write-profile", "[x]"), "--write-profile '[x]' is not a usable profile name; use "
                                 "letters, digits and -_. e.g. --write-profile dev-admin"),
    (("--force",), "--force applies to --write-profile; add it, or drop --force"),
])
def test_write_profile_usage_errors(user_keys: None, sts: LoopbackServer,
                                    args: tuple[str, ...], message: str) -> None:
    result = run_cli(["dumpcreds", "--assume-roles", ROLE_A, *args])
    assert result.code == 2
    assert error_line(result.err) == f"aws-login: error: {message}"
    assert sts.recorder.requests == []
