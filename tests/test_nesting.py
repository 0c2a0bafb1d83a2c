"""aws-login started by aws-login: a credential_process profile that names itself is refused
at once (with one line naming the profile), while different requests still nest.

Real processes only: botocore starts the credential_process, aws-login marks its children
through AWS_LOGIN_NESTING. The profile's credential_process is a wrapper that logs one line
per start, so each test counts exactly how many aws-login processes ran.
"""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

from aws_login import nesting
from tests.fakes.moto_server import LoopbackServer
from tests.helpers import (
    MOTO_USER_ARN,
    USER_KEY_ID,
    USER_SECRET,
    identity_arn,
    run_cli,
    run_process,
)

SELF_LOOP = ("profile 'self' runs aws-login again for the same request (e.g. a "
             "credential_process that calls aws-login for its own profile); point it at "
             "another profile or at the starting credentials")


def _logged(log: Path, *words: str) -> str:
    """A credential_process command: log a line, then run aws-login with these words."""
    aws_login = " ".join(shlex.quote(w) for w in (sys.executable, "-m", "aws_login", *words))
    script = f"echo started >> {shlex.quote(str(log))}; exec {aws_login}"
    return f"/bin/sh -c {shlex.quote(script)}"


def _env(tmp_path: Path, sts: LoopbackServer, config: str) -> dict[str, str]:
    (tmp_path / "config").write_text(config)
    return {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "LANG": "C.UTF-8",
            "AWS_CONFIG_FILE": str(tmp_path / "config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials"),
            "AWS_EC2_METADATA_DISABLED": "true", "AWS_ENDPOINT_URL_STS": sts.url,
            "AWS_LOGIN_CACHE_DIR": str(tmp_path / "cache"),
            "AWS_ACCESS_KEY_ID": USER_KEY_ID, "AWS_SECRET_ACCESS_KEY": USER_SECRET}


def test_a_profile_whose_credential_process_names_itself(tmp_path: Path,
                                                         sts: LoopbackServer) -> None:
    log = tmp_path / "starts.log"
    command = _logged(log, "dumpcreds", "--credential-helper", "--profile", "self")
    env = _env(tmp_path, sts, f"[profile self]\ncredential_process = {command}\n")
    done = run_process(["getcallerid", "--profile", "self"], env=env)
    # getcallerid -> botocore -> dumpcreds (logged) -> botocore -> dumpcreds (logged):
    # the second dumpcreds finds its own request in the chain and refuses at once.
    assert log.read_text() == "started\n" * 2
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith("aws-login: error: ")
    assert done.stderr == f"aws-login: error: {SELF_LOOP}\n"
    assert sts.recorder.requests == []


def test_the_inner_refusal_alone(tmp_path: Path, sts: LoopbackServer) -> None:
    argv = ["dumpcreds", "--credential-helper", "--profile", "self"]
    env = _env(tmp_path, sts, "")
    env[nesting.VARIABLE] = "0123456789abcdef," + nesting.request_key(argv, env)
    done = run_process(argv, env=env)
    assert (done.returncode, done.stdout, done.stderr) == (
        1, "", f"aws-login: error: {SELF_LOOP}\n")


def test_too_deep_is_refused(tmp_path: Path, sts: LoopbackServer) -> None:
    env = _env(tmp_path, sts, "")
    env[nesting.VARIABLE] = ",".join(f"{n:016x}" for n in range(nesting.MAX_DEPTH))
    done = run_process(["getcallerid"], env=env)
    assert (done.returncode, done.stdout, done.stderr) == (
        1, "", "aws-login: error: aws-login getcallerid: aws-login is already nested 5 deep "
        "(aws-login started by aws-login through credential_process or runas); check the "
        "profiles for a loop\n")


def test_a_profile_pointing_at_another_profile_still_works(tmp_path: Path,
                                                           sts: LoopbackServer) -> None:
    log = tmp_path / "starts.log"
    to_base = _logged(log, "dumpcreds", "--credential-helper", "--profile", "base")
    base = _logged(log, "dumpcreds", "--credential-helper")
    env = _env(tmp_path, sts, f"[profile top]\ncredential_process = {to_base}\n\n"
                              f"[profile base]\ncredential_process = {base}\n")
    done = run_process(["getcallerid", "--profile", "top"], env=env)
    assert (done.returncode, done.stderr) == (0, "")
    assert identity_arn(done.stdout) == MOTO_USER_ARN
    assert log.read_text() == "started\n" * 2


def test_runas_of_a_program_that_calls_aws_login_for_another_request(
        tmp_path: Path, sts: LoopbackServer) -> None:
    env = _env(tmp_path, sts, "")
    inner = f"{shlex.quote(sys.executable)} -m aws_login getcallerid && echo \"$AWS_LOGIN_NESTING\""
    done = run_process(["runas", "--command", inner], env=env)
    assert (done.returncode, done.stderr) == (0, "")
    identity, chain = done.stdout.splitlines()[-2:]
    assert MOTO_USER_ARN in done.stdout
    # runas's own request: one key in its child's environment
    assert chain == nesting.request_key(["runas", "--command", inner], env)
    assert identity.endswith("}")


def test_an_in_process_run_leaves_os_environ_alone(user_keys: None,
                                                   sts: LoopbackServer) -> None:
    assert nesting.VARIABLE not in os.environ
    assert run_cli(["getcallerid"]).code == 0
    assert nesting.VARIABLE not in os.environ
