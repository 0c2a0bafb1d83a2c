"""JumpCloud with what aws-login keeps: the session cache (a second run makes no request to
JumpCloud), the assertion kept a few minutes (several roles, one MFA), the password in the
keychain (a real keyring backend of the tests: saved, used, refused and removed, forgotten,
locked), status and clearcache; secrets in no output, log or file; and the commands after
the start (runas, console)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.fakes import keyring_backend
from tests.fakes.federation import FakeFederation
from tests.fakes.jumpcloud import DEFAULT_PASSWORD, FakeJumpCloud
from tests.fakes.moto_server import Recorder
from tests.fakes.saml import ADMIN, READ_ONLY, USER
from tests.helpers import error_line, identity_arn
from tests.jumpcloud_support import SESSION, JcWorld, leaks, make_world, secrets_of

ITEM = "aws-login JumpCloud\0"  # the keychain item's service, then the console as user


@pytest.fixture
def jc(cache_env: Path, jumpcloud: FakeJumpCloud, tmp_path: Path,
       monkeypatch: pytest.MonkeyPatch) -> JcWorld:
    return make_world(jumpcloud, cache_env, tmp_path, monkeypatch)


def item(jc: JcWorld) -> str:
    return ITEM + jc.fake.console_url


# --- the session cache and the assertion kept ----------------------------------------------

def test_a_second_run_with_use_cache_asks_jumpcloud_nothing(jc: JcWorld, calls: Recorder) -> None:
    argv = ["dumpcreds", "--credential-helper", "--use-cache", *jc.programs()]
    first = jc.run(argv)
    assert (first.code, first.err) == (0, "")
    jc.fake.clear()
    calls.clear()
    second = jc.run(argv)
    assert (second.code, second.err) == (0, "")
    assert json.loads(second.out) == json.loads(first.out)
    assert jc.fake.requests == []
    assert calls.actions() == []


def test_another_role_of_the_same_sign_in_costs_no_second_mfa(jc: JcWorld,
                                                               calls: Recorder) -> None:
    jc.fake.add_app("aws-prod", [ADMIN, READ_ONLY])
    jc.fake.roles_encoding = "attributes"
    first = jc.run(["getcallerid", "--use-cache", *jc.programs("--saml-role-arn", ADMIN)])
    assert (first.code, first.err) == (0, "")
    jc.fake.clear()
    calls.clear()
    # no password or code source now: the kept assertion must serve, or this fails
    second = jc.run(["getcallerid", "--use-cache", *jc.start("--saml-role-arn", READ_ONLY),
                      "--prompt", "none"])
    assert (second.code, second.err) == (0, "")
    assert identity_arn(second.out).endswith(f":assumed-role/ReadOnly/{USER}")
    assert jc.fake.requests == []
    assert calls.actions() == ["AssumeRoleWithSAML", "GetCallerIdentity"]
    kept = list((jc.cache / "jumpcloud").glob("*.json"))
    assert len(kept) == 1
    assert kept[0].stat().st_mode & 0o777 == 0o600
    assert (jc.cache / "jumpcloud").stat().st_mode & 0o777 == 0o700
    assert json.loads(kept[0].read_text())["Assertion"] == jc.fake.assertions[-1]


def test_a_role_the_kept_assertion_does_not_grant_keeps_it(jc: JcWorld) -> None:
    assert jc.run(["getcallerid", "--use-cache", *jc.programs()]).code == 0
    jc.fake.clear()
    typo = jc.run(["getcallerid", "--use-cache", *jc.start("--saml-role-arn", READ_ONLY),
                   "--prompt", "none"])
    assert (typo.code, error_line(typo.err)) == (
        1, f"aws-login: error: --saml-role-arn {READ_ONLY} is not a role JumpCloud's SAML "
           f"assertion grants; it grants {ADMIN}")
    assert jc.fake.requests == []
    assert len(list((jc.cache / "jumpcloud").glob("*.json"))) == 1  # still good for Admin


def test_without_use_cache_no_assertion_is_kept(jc: JcWorld) -> None:
    result = jc.run(["getcallerid", *jc.programs()])
    assert result.code == 0, result.err
    assert list((jc.cache / "jumpcloud").glob("*.json")) == []


def test_a_kept_assertion_is_not_used_near_its_end(jc: JcWorld) -> None:
    jc.fake.assertion_lifetime = 20  # NotOnOrAfter in 20 s: under the 30 s margin
    first = jc.run(["getcallerid", "--use-cache", *jc.programs("--assume-roles",
                                                                 "arn:aws:iam::111111111111:role/A")])
    assert first.code == 0, first.err
    jc.fake.clear()
    jc.next_step()
    second = jc.run(["getcallerid", "--use-cache", *jc.programs()])
    assert second.code == 0, second.err
    assert jc.fake.paths()[0] == "GET /userconsole/xsrf"  # signed in again


def test_status_lists_the_kept_assertion_and_clearcache_entry_drops_it(jc: JcWorld) -> None:
    assert jc.run(["getcallerid", "--use-cache", *jc.programs()]).code == 0
    found = json.loads(jc.run(["status", "--json"]).out)
    (entry,) = found["jumpcloud_assertions"]
    assert set(entry) == {"id", "idp_url", "email", "expires_at", "expired"}
    assert (entry["idp_url"], entry["email"], entry["expired"]) == (jc.url, USER, False)
    text = jc.run(["status"]).out
    assert f"JumpCloud assertions:\n  {entry['id']}  {jc.url}\n      email {USER}, valid until " \
        in text
    dropped = jc.run(["clearcache", "--entry", entry["id"]])
    assert dropped.err == (f"aws-login: cleared the JumpCloud assertion of {USER} for {jc.url} "
                           f"from {jc.cache}\n")
    assert json.loads(jc.run(["status", "--json"]).out)["jumpcloud_assertions"] == []


def test_clearcache_removes_the_assertions(jc: JcWorld) -> None:
    assert jc.run(["getcallerid", "--use-cache", *jc.programs()]).code == 0
    result = jc.run(["clearcache", "--only", "jumpcloud"])
    assert (result.code, result.err) == (0, f"aws-login: cleared jumpcloud from {jc.cache}\n")
    assert not (jc.cache / "jumpcloud").exists()


# --- the keychain ------------------------------------------------------------------------

def saved_sign_in(jc: JcWorld) -> None:
    """A person signs in at a terminal with --save-password."""
    result = jc.run(["getcallerid", *jc.start("--save-password", *jc.code_process())],
                     stdin=f"{DEFAULT_PASSWORD}\n", terminal=True)
    assert result.code == 0, result.err
    assert result.err == (f"JumpCloud password for {USER}: aws-login: saved the JumpCloud "
                          f"email and password of {USER} in the keychain\n")


def test_a_saved_password_is_used_with_its_email(jc: JcWorld) -> None:
    saved_sign_in(jc)
    assert json.loads(jc.saved()[item(jc)]) == {"email": USER, "password": DEFAULT_PASSWORD}
    assert jc.keyring.stat().st_mode & 0o777 == 0o600
    # no email, no password source, nobody to ask: the keychain gives both
    jc.next_step()
    code = jc.fake.totp_code()
    result = jc.run(["getcallerid", "--jumpcloud-url", jc.url, *jc.code_process(code),
                      "--prompt", "none"])
    assert (result.code, result.err) == (0, "")
    assert identity_arn(result.out) == SESSION


def test_a_refused_saved_password_is_removed_and_asked_once(jc: JcWorld) -> None:
    saved_sign_in(jc)
    jc.fake.add_user(USER, password="a new password")  # changed at JumpCloud
    jc.next_step()
    code = jc.fake.totp_code()
    result = jc.run(["getcallerid", *jc.start(*jc.code_process(code))],
                     stdin="a new password\n", terminal=True)
    assert result.code == 0, result.err
    assert result.err == (f"aws-login: JumpCloud refused the saved password for {USER}; "
                          f"removed it from the keychain\nJumpCloud password for {USER}: ")
    assert jc.saved() == {}


def test_a_refused_saved_password_without_a_person(jc: JcWorld) -> None:
    saved_sign_in(jc)
    jc.fake.add_user(USER, password="a new password")
    result = jc.run(["getcallerid", *jc.start(*jc.code_process()), "--prompt", "none"])
    assert result.code == 1
    assert result.err == (
        f"aws-login: JumpCloud refused the saved password for {USER}; removed it from the "
        "keychain\n"
        f"aws-login: error: JumpCloud refused the email or password of {USER} (HTTP 401: "
        "Authentication failed.) (the saved one was removed from the keychain); check them at "
        "a terminal (JumpCloud signs in with the email, not the user name; it locks an account "
        "after a few failures)\n")
    assert jc.saved() == {}


def test_the_saved_password_of_another_email_is_not_used(jc: JcWorld) -> None:
    saved_sign_in(jc)
    jc.fake.add_user("bob@example.com", password="bobs password", totp_secret=None)
    result = jc.run(["getcallerid", "--jumpcloud-url", jc.url, "--jumpcloud-email",
                      "bob@example.com"], stdin="bobs password\n", terminal=True)
    assert result.code == 0, result.err
    assert result.err == "JumpCloud password for bob@example.com: "


def test_forget_password(jc: JcWorld) -> None:
    saved_sign_in(jc)
    jc.next_step()
    code = jc.fake.totp_code()
    result = jc.run(["getcallerid", *jc.start("--forget-password", *jc.code_process(code))],
                     stdin=f"{DEFAULT_PASSWORD}\n", terminal=True)
    assert result.code == 0, result.err
    assert result.err == (f"aws-login: removed the saved JumpCloud email and password for "
                          f"{jc.fake.console_url} from the keychain\n"
                          f"JumpCloud password for {USER}: ")
    assert jc.saved() == {}


def test_clearcache_removes_the_saved_password(jc: JcWorld) -> None:
    saved_sign_in(jc)
    result = jc.run(["clearcache"])
    assert (result.code, result.err) == (0, (
        f"aws-login: removed the saved JumpCloud password for {jc.fake.console_url} from the "
        f"keychain\naws-login: cleared jumpcloud from {jc.cache}\n"))
    assert jc.saved() == {}


def test_clearcache_with_a_bad_console_url_clears_nothing(jc: JcWorld,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """A usage error before anything is removed, not after the cache folders are gone."""
    saved_sign_in(jc)
    monkeypatch.setenv("AWS_LOGIN_JUMPCLOUD_CONSOLE_URL", "http://console.example.com")
    result = jc.run(["clearcache"])
    assert (result.code, result.err) == (2, (
        "aws-login: error: AWS_LOGIN_JUMPCLOUD_CONSOLE_URL='http://console.example.com' uses "
        "http; JumpCloud is reached over https only (the password travels there); fix or unset "
        "it\n"))
    assert (jc.cache / "jumpcloud").is_dir()
    assert len(jc.saved()) == 1


def test_a_locked_keychain_when_saving(jc: JcWorld) -> None:
    keyring_backend.write(jc.keyring, {"items": {}, "locked": True})
    result = jc.run(["getcallerid", *jc.start("--save-password", *jc.code_process())],
                     stdin=f"{DEFAULT_PASSWORD}\n", terminal=True)
    assert result.code == 0, result.err
    assert result.err == (
        # reading it first: the person is asked instead
        "aws-login: not using a saved password: cannot read the keychain: it is locked; unlock "
        "it (or log in to the desktop session) and run again\n"
        f"JumpCloud password for {USER}: aws-login: signed in, but the password was not "
        "saved: cannot save the password in the keychain: it is locked; unlock it (or log in "
        "to the desktop session) and run again\n")


def test_a_locked_keychain_without_a_person(jc: JcWorld) -> None:
    keyring_backend.write(jc.keyring, {"items": {}, "locked": True})
    result = jc.run(["getcallerid", *jc.start(*jc.code_process()), "--prompt", "none"])
    assert (result.code, error_line(result.err)) == (
        1, "aws-login: error: cannot read the keychain: it is locked; unlock it (or log in to "
           "the desktop session) and run again")
    assert jc.fake.requests == []


def test_no_keychain_on_the_system_means_nothing_saved(jc: JcWorld,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    result = jc.run(["getcallerid", *jc.start(*jc.code_process())],
                     stdin=f"{DEFAULT_PASSWORD}\n", terminal=True)
    assert result.code == 0, result.err
    assert result.err == f"JumpCloud password for {USER}: "


# keyring made unimportable, as where the optional extra is not installed
WITHOUT_KEYRING = ("import sys, runpy; sys.modules['keyring'] = None; "
                   "sys.argv = ['aws-login', *sys.argv[1:]]; "
                   "runpy.run_module('aws_login', run_name='__main__')")


def test_without_the_keyring_package(jc: JcWorld) -> None:
    save = subprocess.run([sys.executable, "-c", WITHOUT_KEYRING, "getcallerid",
                           *jc.start(*jc.code_process(), "--save-password")],
                          capture_output=True, text=True,
                          env=dict(os.environ), timeout=60, stdin=subprocess.DEVNULL)
    assert (save.returncode, save.stdout) == (2, "")
    assert save.stderr == ("aws-login: error: --save-password needs the keyring package; "
                           "install it with: pip install 'aws-login[keyring]'\n")
    assert jc.fake.requests == []
    # Without --save-password nothing needs it: the password comes from its program.
    done = subprocess.run([sys.executable, "-c", WITHOUT_KEYRING, "getcallerid",
                           *jc.programs()], capture_output=True, text=True,
                          env=dict(os.environ), timeout=60, stdin=subprocess.DEVNULL)
    assert (done.returncode, done.stderr) == (0, "")
    assert identity_arn(done.stdout) == SESSION


# --- secrets -----------------------------------------------------------------------------

def test_no_secret_in_the_output_the_debug_log_or_a_file(jc: JcWorld, calls: Recorder) -> None:
    code = jc.fake.totp_code()
    result = jc.run(["--debug", "dumpcreds", "--use-cache", "--save-password", *jc.start()],
                     stdin=f"{DEFAULT_PASSWORD}\n{code}\n", terminal=True)
    assert result.code == 0, result.err
    assert "aws-login: debug: JumpCloud POST" in result.err
    secrets = secrets_of(jc, code)
    assert len(secrets) >= 5  # the password, three codes, a session id, the assertion
    assert leaks(result.err, secrets) == []
    assert leaks(result.out, secrets) == []
    for path in jc.cache.rglob("*"):
        if path.is_file() and path.parent.name != "jumpcloud":
            assert leaks(path.read_text(errors="replace"), secrets) == [], path
    # the kept assertion is the one file with a secret (0600); the password is in the
    # keychain only
    (kept,) = (jc.cache / "jumpcloud").glob("*.json")
    assert leaks(kept.read_text(), secrets) == [jc.fake.assertions[-1]]


def test_no_secret_in_a_failure_with_debug(jc: JcWorld) -> None:
    jc.fake.unassign()
    result = jc.run(["--debug", "getcallerid", *jc.programs()])
    assert result.code == 1
    assert "Traceback" in result.err  # --debug shows it, scrubbed
    assert leaks(result.err, secrets_of(jc)) == []


def test_the_password_process_gets_no_secret_on_its_command_line(jc: JcWorld) -> None:
    """The programs' words are the user's; aws-login adds nothing to them, and the spec
    (repr, status) never shows them."""
    script = jc.tmp / "argv.py"
    script.write_text("import sys, json\nopen(sys.argv[1], 'w').write(json.dumps(sys.argv))\n"
                      f"print({DEFAULT_PASSWORD!r})\n")
    seen = jc.tmp / "seen.json"
    result = jc.run(["getcallerid", *jc.start("--password-process",
                                                f"{sys.executable} {script} {seen}",
                                                *jc.code_process())])
    assert result.code == 0, result.err
    assert json.loads(seen.read_text()) == [str(script), str(seen)]


# --- the commands after the start ----------------------------------------------------------

def test_runas_gives_the_child_the_jumpcloud_session(jc: JcWorld,
                                                     capfd: pytest.CaptureFixture[str]) -> None:
    result = jc.run(["runas", *jc.programs(), "--", sys.executable, "-m", "aws_login",
                      "getcallerid"])
    assert result.code == 0, result.err
    assert identity_arn(capfd.readouterr().out) == SESSION


def test_console_from_a_jumpcloud_start(jc: JcWorld, calls: Recorder,
                                        fed: FakeFederation) -> None:
    destination = fed.console_url("console/s3/home")
    result = jc.run(["console", "--no-browser", *jc.programs(), "--destination", destination])
    assert result.code == 0, result.err
    assert calls.actions() == ["AssumeRoleWithSAML"]
    page = requests.Session().get(result.out.strip(), timeout=10)
    assert f"<p id='who'>{SESSION}</p>" in page.text
