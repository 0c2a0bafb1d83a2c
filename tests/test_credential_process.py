"""botocore itself loading `aws-login dumpcreds --credential-helper` as a credential_process.

One botocore process (a clean environment, AWS_CONFIG_FILE pointing at our config) resolves
several profiles. botocore starts each credential_process with its own environment, so the
aws-login children inherit the loopback STS endpoint and the IAM user keys from it; botocore
itself ignores those keys because a profile is named explicitly.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from tests.fakes.moto_server import LoopbackServer
from tests.helpers import MOTO_USER_ARN, ROLE_A, ROLE_A_ARN, USER_KEY_ID, USER_SECRET, run_cli

BOTOCORE_CLIENT = """\
import json, sys
import botocore.session

report = {}
for profile in sys.argv[1:]:
    session = botocore.session.Session(profile=profile)
    try:
        creds = session.get_credentials()
        frozen = creds.get_frozen_credentials()
    except Exception as exc:
        report[profile] = {"error": type(exc).__name__, "message": str(exc)}
        continue
    expiry = getattr(creds, "_expiry_time", None)
    sts = session.create_client("sts", region_name="us-east-1")
    report[profile] = {
        "class": type(creds).__name__,
        "method": creds.method,
        "access_key": frozen.access_key,
        "secret_key": frozen.secret_key,
        "token": frozen.token,
        "expiry": expiry.isoformat() if expiry is not None else None,
        "refresh_needed": creds.refresh_needed() if expiry is not None else None,
        "arn": sts.get_caller_identity()["Arn"],
    }
print(json.dumps(report))
"""


@dataclass
class Run:
    report: dict[str, Any]
    printed: dict[str, Any]  # what aws-login printed for profile "teed"
    before: datetime
    after: datetime
    actions: list[str]


@pytest.fixture(scope="module")
def botocore_run(sts_server: LoopbackServer, tmp_path_factory: pytest.TempPathFactory) -> Run:
    """Run the botocore process once for all the profiles."""
    tmp_path = tmp_path_factory.mktemp("credential-process")
    sts_server.recorder.clear()
    aws_login = f"{shlex.quote(sys.executable)} -m aws_login dumpcreds --credential-helper"
    teed = tmp_path / "teed.json"
    teed_command = (f"{aws_login} --assume-roles {ROLE_A} --duration 1800 "
                    f"> {shlex.quote(str(teed))} && cat {shlex.quote(str(teed))}")
    config = tmp_path / "config"
    config.write_text(
        # exactly what the documentation tells users to write
        f"[profile role]\ncredential_process = {aws_login} --assume-roles {ROLE_A}\n\n"
        # the same, with a copy of what aws-login printed, to compare value for value
        f"[profile teed]\ncredential_process = /bin/sh -c {shlex.quote(teed_command)}\n\n"
        # no role: the IAM user keys themselves (no token, no expiration)
        f"[profile user]\ncredential_process = {aws_login}\n\n"
        # aws-login refuses: botocore must show its error
        f"[profile bad]\ncredential_process = {aws_login} --assume-roles not-an-arn\n")
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "AWS_CONFIG_FILE": str(config),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        # inherited by the credential_process children:
        "AWS_ENDPOINT_URL_STS": sts_server.url,
        "AWS_ACCESS_KEY_ID": USER_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": USER_SECRET,
    }
    before = datetime.now(timezone.utc).replace(microsecond=0)
    done = subprocess.run([sys.executable, "-c", BOTOCORE_CLIENT, "role", "teed", "user", "bad"],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60,
                          stdin=subprocess.DEVNULL)
    after = datetime.now(timezone.utc)
    assert (done.returncode, done.stderr) == (0, ""), done.stderr
    return Run(json.loads(done.stdout), json.loads(teed.read_text()), before, after,
               sts_server.recorder.actions())


def test_role_profile_as_documented(botocore_run: Run) -> None:
    role = botocore_run.report["role"]
    assert (role["class"], role["method"], role["arn"]) == (
        "RefreshableCredentials", "custom-process", ROLE_A_ARN)
    assert role["access_key"].startswith("ASIA") and role["access_key"] != USER_KEY_ID
    assert role["secret_key"] != USER_SECRET and role["token"]
    expiry = datetime.fromisoformat(role["expiry"])
    assert expiry.utcoffset() == timedelta(0) and expiry.microsecond == 0
    assert (botocore_run.before + timedelta(seconds=3599) <= expiry
            <= botocore_run.after + timedelta(seconds=3600))
    assert role["refresh_needed"] is False


def test_botocore_parses_exactly_what_we_printed(botocore_run: Run) -> None:
    printed = botocore_run.printed
    teed_report = botocore_run.report["teed"]
    assert list(printed) == ["Version", "AccessKeyId", "SecretAccessKey", "SessionToken",
                             "Expiration"]
    assert (teed_report["access_key"], teed_report["secret_key"], teed_report["token"]) == (
        printed["AccessKeyId"], printed["SecretAccessKey"], printed["SessionToken"])
    # botocore parsed our Expiration to the very second aws-login printed
    assert teed_report["expiry"] == printed["Expiration"].replace("Z", "+00:00")
    expiry = datetime.fromisoformat(teed_report["expiry"])
    assert (botocore_run.before + timedelta(seconds=1799) <= expiry
            <= botocore_run.after + timedelta(seconds=1800))
    assert (teed_report["class"], teed_report["refresh_needed"], teed_report["arn"]) == (
        "RefreshableCredentials", False, ROLE_A_ARN)


def test_long_term_keys_are_static_credentials(botocore_run: Run) -> None:
    assert botocore_run.report["user"] == {
        "class": "Credentials", "method": "custom-process", "access_key": USER_KEY_ID,
        "secret_key": USER_SECRET, "token": None, "expiry": None, "refresh_needed": None,
        "arn": MOTO_USER_ARN}


def test_our_error_reaches_the_botocore_user(botocore_run: Run) -> None:
    # the usage error aws-login reports (before any network call) for the same arguments
    ours = run_cli(["dumpcreds", "--credential-helper", "--assume-roles", "not-an-arn"])
    assert (ours.code, ours.out) == (2, "")
    assert ours.err.startswith("aws-login: error: 'not-an-arn' ") and ours.err.count("\n") == 1
    assert botocore_run.report["bad"] == {
        "error": "CredentialRetrievalError",
        "message": f"Error when retrieving credentials from custom-process: {ours.err}"}


def test_sts_calls(botocore_run: Run) -> None:
    # role: caller name, AssumeRole, the check; teed: the same; user: the check only
    assert botocore_run.actions == ["GetCallerIdentity", "AssumeRole", "GetCallerIdentity"] * 2 \
        + ["GetCallerIdentity"]
