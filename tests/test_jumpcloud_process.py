"""JumpCloud behind `credential_process`: botocore runs `aws-login dumpcreds
--credential-helper --use-cache --jumpcloud-url ...` under a real pseudo-terminal (the SDK
captures stdin, stdout and stderr): the TOTP code is asked on the controlling terminal with
echo off, a later process is answered from the cache without a request to JumpCloud, and no
process's command line ever holds the password or the code."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fakes.jumpcloud import DEFAULT_PASSWORD, FakeJumpCloud
from tests.fakes.moto_server import LoopbackServer
from tests.fakes.saml import USER
from tests.fakes.terminal import PtySession
from tests.jumpcloud_support import SESSION, JcWorld, make_world
from tests.test_credential_process import BOTOCORE_CLIENT


@pytest.fixture
def jc(cache_env: Path, jumpcloud: FakeJumpCloud, tmp_path: Path,
       monkeypatch: pytest.MonkeyPatch) -> JcWorld:
    return make_world(jumpcloud, cache_env, tmp_path, monkeypatch)


def botocore_env(jc: JcWorld, sts: LoopbackServer, helper: str) -> dict[str, str]:
    config = jc.tmp / "botocore-config"
    config.write_text(f"[profile jc]\ncredential_process = {helper}\n")
    return {
        "PATH": os.environ["PATH"], "HOME": str(jc.tmp), "LANG": "C.UTF-8",
        "AWS_CONFIG_FILE": str(config),
        "AWS_SHARED_CREDENTIALS_FILE": str(jc.tmp / "no-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        # inherited by the credential_process child:
        "AWS_ENDPOINT_URL_STS": sts.url,
        "AWS_LOGIN_JUMPCLOUD_CONSOLE_URL": jc.fake.console_url,
        "AWS_LOGIN_CACHE_DIR": str(jc.cache),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",  # never a real keychain
    }


def command_lines() -> list[str]:
    """Every process's command line, as anyone on the machine can read it."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                found.append((entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(
                    "utf-8", "replace"))
            except OSError:
                continue
    return found


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs /proc")
def test_credential_process_asks_the_code_on_the_terminal_then_uses_the_cache(
        jc: JcWorld, sts: LoopbackServer) -> None:
    password = shlex.quote(f"cat {jc.password_file()}")
    helper = (f"{shlex.quote(sys.executable)} -m aws_login dumpcreds --credential-helper "
              f"--use-cache --jumpcloud-url {jc.url} --jumpcloud-email {USER} "
              f"--password-process {password}")
    env = botocore_env(jc, sts, helper)
    code = jc.fake.totp_code()
    with PtySession([sys.executable, "-c", BOTOCORE_CLIENT, "jc"], env) as person:
        person.wait_for(f"JumpCloud TOTP code for {USER}: ")
        assert not person.echo_is_on()  # typed without echo
        lines = command_lines()
        assert [line for line in lines if DEFAULT_PASSWORD in line] == []
        person.press(f"{code}\n")
        done = person.finish()
    assert done.code == 0, done.err
    report = json.loads(done.out)["jc"]
    assert (report["method"], report["arn"]) == ("custom-process", SESSION)
    assert done.screen == f"JumpCloud TOTP code for {USER}: \r\n"
    assert code not in done.screen and code not in done.err
    assert jc.fake.paths() == ["GET /userconsole/xsrf", "POST /userconsole/auth",
                               "POST /userconsole/auth", "GET /saml2/aws-prod"]

    # A later process: from the cache, no question, no request to JumpCloud.
    jc.fake.clear()
    again = subprocess.run([sys.executable, "-c", BOTOCORE_CLIENT, "jc"], env=env,
                           capture_output=True, text=True, stdin=subprocess.DEVNULL,
                           start_new_session=True, timeout=60)
    assert (again.returncode, again.stderr) == (0, "")
    assert json.loads(again.stdout)["jc"]["access_key"] == report["access_key"]
    assert jc.fake.requests == []


def test_credential_process_without_a_terminal_fails_before_jumpcloud(
        jc: JcWorld, sts: LoopbackServer) -> None:
    helper = (f"{shlex.quote(sys.executable)} -m aws_login dumpcreds --credential-helper "
              f"--jumpcloud-url {jc.url} --jumpcloud-email {USER}")
    env = botocore_env(jc, sts, helper)
    done = subprocess.run([sys.executable, "-c", BOTOCORE_CLIENT, "jc"], env=env,
                          capture_output=True, text=True, stdin=subprocess.DEVNULL,
                          start_new_session=True, timeout=60)
    report = json.loads(done.stdout)["jc"]
    assert report["error"] == "CredentialRetrievalError"
    assert report["message"].endswith(
        f"aws-login: error: JumpCloud needs the password of {USER} and nobody can be asked "
        "here (no terminal, /dev/tty or desktop dialog); pass --password-process COMMAND, save "
        "it once at a terminal with --save-password, or run it at a terminal\n")
    assert jc.fake.requests == []
