"""Security checks (issue 8), as tests:

- cache files are 0600 and folders 0700 even under umask 000;
- a symbolic link planted where a cache file (or lock) goes is never followed to write;
- secrets (secret keys, session tokens, access and refresh tokens, client secrets, device and
  PKCE codes, sign-in tokens and URLs) never appear in --debug output, error messages or
  repr(): every secret that crossed the fault proxies is searched for in the output;
- the PKCE listener listens on 127.0.0.1 only, refuses a wrong `state`, and answers once;
- runas puts no secret on any command line (the child reads every /proc/*/cmdline).
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import stat
import subprocess
import sys
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import requests

from aws_login.errors import OperationError
from aws_login.federation import session_json
from aws_login.model import (
    Acquired,
    ChainStep,
    ClientRegistration,
    Credentials,
    MfaInput,
    Plan,
    SsoToken,
)
from aws_login.sources.saml import SamlStart
from aws_login.sources.sso import SsoRoleStart
from aws_login.sources.web_identity import WebIdentityStart
from aws_login.sso.loopback import CallbackListener
from aws_login.sso.oidc import DeviceAuthorization, TokenReply
from aws_login.sso.token_sources import GivenToken
from tests.fakes.faults import (
    Fault,
    World,
    browser,
    cache_problems,
    leaked,
    process_env,
    record,
    user_keys,
)
from tests.fakes.moto_server import LoopbackServer
from tests.fakes.sso import FakeSso
from tests.helpers import (
    BROWSER_STANDIN,
    ROLE_A,
    ROLE_B,
    SIGN_IN,
    SSO_ROLE,
    START_URL,
    USER_KEY_ID,
    USER_SECRET,
)


def _record_leaks(name: str, found: list[str]) -> None:
    record("security", name, leaked_secrets=len(found))


# --------------------------------------------------------------------- modes under umask 000


def test_cache_files_are_private_even_under_umask_000(sts_server: LoopbackServer,
                                                      tmp_path: Path) -> None:
    with FakeSso(sts_url=sts_server.url) as fake:
        cache = tmp_path / "deep" / "er" / "cache"  # every missing parent is made private
        env = process_env(tmp_path, AWS_ENDPOINT_URL_SSO=fake.url,
                          AWS_ENDPOINT_URL_SSO_OIDC=fake.url, AWS_LOGIN_CACHE_DIR=str(cache),
                          BROWSER=f"{sys.executable} {BROWSER_STANDIN} %s")
        runs = [["dumpcreds", "--credential-helper", "--use-cache", *SIGN_IN, *SSO_ROLE],
                ["dumpcreds", "--credential-helper", "--use-cache", *SSO_ROLE],  # fast path entry
                ["dumpconfig", "--use-cache", "--output", str(tmp_path / "out" / "config")]]
        (tmp_path / "out").mkdir()  # dumpconfig --output makes no folders
        for argv in runs:
            completed = subprocess.run(
                [sys.executable, "-m", "aws_login", *argv], capture_output=True, text=True,
                env=env, timeout=60, stdin=subprocess.DEVNULL,
                preexec_fn=lambda: os.umask(0))
            assert completed.returncode == 0, completed.stderr
    made = [cache.parent.parent, cache.parent, *[p for p in [cache, *cache.rglob("*")]]]
    modes = {p.relative_to(tmp_path).as_posix(): stat.S_IMODE(p.lstat().st_mode) for p in made}
    expected = {name: 0o700 if (tmp_path / name).is_dir() else 0o600 for name in modes}
    record("security", "modes under umask 000",
           corrupt_files=sum(modes[name] != expected[name] for name in modes), files=len(modes))
    assert modes == expected
    kinds = {p.parent.name for p in cache.rglob("*") if p.is_file()}
    assert kinds == {"sso", "registrations", "locks", "sessions", "fast", "known"}
    assert stat.S_IMODE((tmp_path / "out" / "config").stat().st_mode) == 0o600
    assert cache_problems(cache) == []


# --------------------------------------------------------------------- planted symlinks


def _cache_files(cache: Path) -> list[Path]:
    return sorted(p for p in cache.rglob("*") if p.is_file() and not p.name.endswith(".lock"))


def test_symlinks_planted_where_cache_files_go_are_replaced_not_followed(world: World) -> None:
    world.monkeypatch.setenv("BROWSER", "aws-login-test-browser")
    argv = ["dumpcreds", "--credential-helper", "--use-cache", *SIGN_IN, *SSO_ROLE]
    first = world.run(argv, open_url=browser)
    assert first.code == 0, first.err
    files = _cache_files(world.cache)
    assert {p.parent.name for p in files} == {"sso", "registrations", "sessions", "fast",
                                              "known"}
    victims = {}
    for number, path in enumerate(files):  # another user's file, say, or ~/.bashrc
        victim = world.tmp / f"victim-{number}"
        victim.write_text(f"victim {number}\n")
        path.unlink()
        path.symlink_to(victim)
        victims[victim] = victim.read_text()
    second = world.run(argv, open_url=browser)
    changed = [v for v in victims if v.read_text() != victims[v]]
    record("security", "planted symlinks", injected=len(victims),
           recovered=int(second.code == 0), corrupt_files=len(changed))
    assert second.code == 0, second.err
    assert changed == []
    assert all(not p.is_symlink() for p in _cache_files(world.cache))
    assert cache_problems(world.cache) == []
    # Each planted link that was read was reported as unusable, and then replaced: the sign-in
    # and the client registration and the session cache entry once each.
    assert second.err.count("unusable") + second.err.count("corrupt") == 3, second.err


def test_a_symlink_planted_where_a_lock_goes_is_refused(world: World) -> None:
    world.token_file(timedelta(minutes=-5))  # expired: the refresh takes the lock
    locks = world.cache / "sso" / "locks"
    locks.mkdir(mode=0o700)
    victim = world.tmp / "victim"
    victim.write_text("victim\n")
    from aws_login.sso.cache import cache_key

    lock = locks / f"{cache_key(START_URL)}.lock"
    lock.symlink_to(victim)
    result = world.run(["dumpcreds", "--credential-helper", "--use-cache", *SSO_ROLE])
    assert (result.code, result.out) == (1, "")
    assert result.err == (f"aws-login: error: cannot lock {lock}: Too many levels of symbolic "
                          "links; it is a symbolic link; remove it\n")
    assert victim.read_text() == "victim\n"
    assert world.sso.seen == []  # refused before any request


# --------------------------------------------------------------------- no secret in output


def _debug_flows(world: World) -> list[tuple[str, str, str]]:
    """(name, stderr, scanned stdout) of the main flows, all with --debug."""
    world.monkeypatch.setenv("BROWSER", "aws-login-test-browser")
    flows = []

    def run(name: str, argv: list[str], stdout_is_product: bool = False, **kw: object) -> None:
        result = world.run(["--debug", *argv], **kw)
        assert result.code == 0, (name, result.err)
        assert "aws-login: debug: " in result.err
        flows.append((name, result.err, "" if stdout_is_product else result.out))

    run("PKCE sign-in", ["getcallerid", "--use-cache", *SIGN_IN, *SSO_ROLE], open_url=browser)
    world.fake.auto_approve = True
    run("device sign-in", ["dumpcreds", "--credential-helper", "--use-device-code", *SIGN_IN,
                           *SSO_ROLE], stdout_is_product=True, terminal=True)
    world.token_file(timedelta(minutes=-1))
    run("refresh", ["dumpcreds", "--credential-helper", "--use-cache", *SSO_ROLE],
        stdout_is_product=True)
    run("dumpconfig", ["dumpconfig", "--use-cache"])
    user_keys(world)
    run("role chain", ["getcallerid", "--assume-roles", f"{ROLE_A}, {ROLE_B}"])
    run("session step", ["dumpcreds", "--get-session-token"], stdout_is_product=True)
    run("console", ["console", "--no-browser", "--assume-roles", ROLE_A], stdout_is_product=True)
    run("console (federation token)", ["console", "--no-browser", "--logout-first"],
        stdout_is_product=True)
    return flows


def test_no_secret_in_debug_output(world: World) -> None:
    flows = _debug_flows(world)
    secrets = world.secrets() | {USER_SECRET}
    # The harvest is real: tokens, client secrets, role keys and sign-in tokens crossed.
    assert len(secrets) >= 20
    found = {name: leaked(err + out, secrets) for name, err, out in flows}
    _record_leaks("--debug output", [s for f in found.values() for s in f])
    assert found == {name: [] for name, _, _ in flows}


def test_no_secret_in_error_messages_with_or_without_debug(world: World) -> None:
    """Failures after secrets are in hand: the hop 2 call fails for good, and the
    federation endpoint refuses; neither message nor traceback may show a secret."""
    user_keys(world)
    world.sts.always("AssumeRole", Fault.HTTP_500, RoleArn=ROLE_B)
    world.fed.always("getSigninToken", Fault.MALFORMED)
    world.sso.always("GetRoleCredentials", Fault.TRUNCATED)
    token = world.fake.issue_token(START_URL).access_token
    outputs = []
    for debug in ([], ["--debug"]):
        for argv in (["dumpcreds", "--assume-roles", f"{ROLE_A}, {ROLE_B}"],
                     ["console", "--no-browser", "--assume-roles", ROLE_A],
                     ["getcallerid", "--sso-access-token", token, "--sso-region", "us-east-1",
                      *SSO_ROLE]):
            result = world.run([*debug, *argv])
            assert (result.code, result.out) == (1, "")
            assert result.err.endswith("\n") and "aws-login: error: " in result.err
            outputs.append(result.err)
    found = leaked("".join(outputs), world.secrets() | {USER_SECRET, token})
    _record_leaks("error messages", found)
    assert found == []


def test_secret_fields_stay_out_of_repr() -> None:
    canary = "CanarySecretValue0123456789"
    when = datetime(2030, 1, 1, tzinfo=timezone.utc)
    creds = Credentials("ASIAEXAMPLE", canary, canary, when)
    registration = ClientRegistration("client-id", canary, when)
    objects: list[object] = [
        creds,
        registration,
        SsoToken(START_URL, "us-east-1", canary, when, registration, canary),
        GivenToken(access_token=canary),
        MfaInput("arn:aws:iam::123456789012:mfa/alice", canary),
        ChainStep(ROLE_A, "name", None, canary),
        SamlStart(assertion=canary, role_arn=ROLE_A, principal_arn="arn:aws:iam::1:saml-provider/x",
                 duration=None, region=None),
        WebIdentityStart(token=canary, role_arn=ROLE_A, token_file="/t", session_name=None,
                        duration=None, from_environment=False, region=None),
        TokenReply(canary, 3600, canary),
        DeviceAuthorization(canary, "ABCD-EFGH", "https://x/device", "https://x/device?u",
                            600, 5),
        Acquired(creds, "us-east-1"),
        Plan(start=SsoRoleStart(GivenToken(access_token=canary), "111111111111", "Admin"),
             region=None,
             hops=(ChainStep(ROLE_A, None, None, canary),),
             mfa=MfaInput("arn:aws:iam::123456789012:mfa/alice", canary)),
    ]
    shown = {type(o).__name__: canary in repr(o) or canary in str(o) for o in objects}
    assert shown == {type(o).__name__: False for o in objects}
    assert canary in session_json(creds)  # the one place it must be (the request)


# --------------------------------------------------------------------- the PKCE listener


def _get(port: int, query: str, host: str = "127.0.0.1") -> tuple[int, str]:
    connection = http.client.HTTPConnection(host, port, timeout=5)
    try:
        connection.request("GET", f"/oauth/callback?{query}")
        reply = connection.getresponse()
        return reply.status, reply.read().decode()
    finally:
        connection.close()


def test_the_pkce_listener_is_loopback_only_checks_state_and_answers_once() -> None:
    listener = CallbackListener("the-right-state", "/oauth/callback")
    port = int(listener.redirect_uri.split(":")[2].split("/")[0])
    assert listener.redirect_uri == f"http://127.0.0.1:{port}/oauth/callback"
    codes: list[str | None] = []
    waiter = threading.Thread(target=lambda: codes.append(listener.wait(10)))
    waiter.start()
    try:
        # 127.0.0.2 is loopback too: only a listener bound to every address would answer.
        with pytest.raises(ConnectionRefusedError), socket.create_connection(
                ("127.0.0.2", port), timeout=2):
            pass
        assert _get(port, "code=stolen&state=guessed")[0] == 400
        assert _get(port, "code=stolen")[0] == 400
        status, page = _get(port, "code=the-code&state=the-right-state")
        assert (status, "Signed in" in page) == (200, True)
    finally:
        waiter.join(15)
    assert codes == ["the-code"]
    with pytest.raises(ConnectionRefusedError):  # it answered once, and is gone
        _get(port, "code=again&state=the-right-state")


def test_a_browser_answer_with_the_wrong_state_never_signs_in(world: World) -> None:
    world.monkeypatch.setenv("BROWSER", "aws-login-test-browser")

    def forged(url: str) -> bool:  # a page that redirects with its own state
        reply = requests.get(url, allow_redirects=False, timeout=10)
        location = reply.headers["Location"].replace("state=", "state=forged")
        requests.get(location, timeout=10)
        return True

    result = world.run(["getcallerid", "--use-cache", *SIGN_IN, *SSO_ROLE], open_url=forged,
                       signin_timeout=1.5)
    assert (result.code, result.out) == (1, "")
    assert result.err.endswith(
        "aws-login: error: sign-in timed out after 1 s without an answer from the browser; "
        "run the command again, or add --use-device-code\n")
    assert world.fake.calls["CreateToken:authorization_code"] == 0


def test_an_error_answer_is_reported_without_its_details_growing_unbounded() -> None:
    listener = CallbackListener("s", "/oauth/callback")
    port = int(listener.redirect_uri.split(":")[2].split("/")[0])
    outcome: list[OperationError] = []

    def wait() -> None:
        try:
            listener.wait(10)
        except OperationError as exc:
            outcome.append(exc)

    waiter = threading.Thread(target=wait)
    waiter.start()
    _get(port, "error=" + "x" * 5000 + "&state=s")
    waiter.join(15)
    (error,) = outcome
    assert error.message == (f"sign-in was not approved ({'x' * 100}); run the command again "
                             "and approve the request in the browser")


# --------------------------------------------------------------------- runas command lines

CHILD = r"""
import json, os, sys
secrets = [os.environ["AWS_SECRET_ACCESS_KEY"], os.environ["AWS_SESSION_TOKEN"]]
hits, scanned = [], 0
for pid in os.listdir("/proc"):
    if pid.isdigit():
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                words = handle.read().decode("utf-8", "replace")
        except OSError:
            continue
        scanned += 1
        hits += [pid for s in secrets if s in words]
print(json.dumps({"scanned": scanned, "hits": hits, "parent": os.getppid(),
                  "lengths": [len(s) for s in secrets]}))
"""


@pytest.mark.parametrize("form", ["--", "--command"])
def test_runas_puts_no_secret_on_any_command_line(world: World, form: str) -> None:
    script = world.tmp / "child.py"
    script.write_text(CHILD)
    env = {k: v for k, v in os.environ.items()}
    env.update(AWS_ACCESS_KEY_ID=USER_KEY_ID, AWS_SECRET_ACCESS_KEY=USER_SECRET)
    program = ["--", sys.executable, str(script)] if form == "--" else [
        "--command", f"{sys.executable} {script}"]
    completed = subprocess.run(
        [sys.executable, "-m", "aws_login", "runas", "--assume-roles", ROLE_A, *program],
        capture_output=True, text=True, env=env, timeout=60, stdin=subprocess.DEVNULL)
    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout)
    assert report["scanned"] >= 3  # at least aws-login, the child, and this test
    assert min(report["lengths"]) >= 16  # real secrets were in the child's environment
    _record_leaks(f"runas {form} command lines", report["hits"])
    assert report["hits"] == []
