"""The credential server (runas --server, serve): the answers and refusals of its HTTP
endpoint, renewal of the whole plan ahead of expiry (single flight), faults during a renewal,
and real children using boto3 across several credential lifetimes. Every wait is for a state
(the keeper's `changed` condition, a file, a line), never for time."""

from __future__ import annotations

import http.client
import io
import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from aws_login import credential_server
from aws_login.acquire import acquire
from aws_login.cli import build_parser
from aws_login.context import Context
from aws_login.credential_keeper import Keeper, refresh_lead
from aws_login.credential_server import CredentialServer
from aws_login.mfa_session import InMemory
from aws_login.options.credentials import build_plan
from aws_login.retry import ATTEMPTS
from tests.fakes.faults import Fault, World
from tests.fakes.faults import user_keys as world_user_keys
from tests.fakes.moto_server import LoopbackServer, Recorder
from tests.fakes.sso import FakeSso
from tests.helpers import (
    MFA_SERIAL,
    ROLE_A,
    ROLE_A_ARN,
    ROLE_B,
    SSO_ROLE,
    TerminalText,
    aws_cli_v2,
    cached_grant,
    code_program,
    no_sleep,
    run_cli,
    run_process,
    sigint_at_its_default,
    write_token,
)

WAIT = 60.0  # a safety net for a broken test only: every wait below ends on a state


class Clock:
    """A Context clock the test moves by hand."""

    def __init__(self) -> None:
        self.value = datetime.now(timezone.utc)

    def now(self) -> datetime:
        return self.value


def in_process(clock: Clock, *words: str,
               typed: str | None = None) -> tuple[Context, Keeper, io.StringIO]:
    """A keeper for `serve WORDS`, on the test's clock, with its first credentials.
    `typed`: stdin and stderr are a person's terminal, who types these lines when asked."""
    stream = io.StringIO if typed is None else TerminalText
    err = stream()
    ctx = Context(environ=os.environ, stdout=io.StringIO(), stderr=err, stdin=stream(typed or ""),
                  now=clock.now, sleep=no_sleep, monotonic=lambda: 0.0, tty=None)
    args = build_parser("serve").parse_args(["serve", *words])
    plan = build_plan(args, ctx)
    keep = InMemory()
    return ctx, Keeper(plan, ctx, acquire(plan, ctx, keep), keep), err


@pytest.fixture
def running(request: pytest.FixtureRequest) -> Iterator[list[CredentialServer]]:
    """Servers to stop at the end of the test."""
    servers: list[CredentialServer] = []
    yield servers
    for server in servers:
        server.stop()


def start(keeper: Keeper, running: list[CredentialServer]) -> CredentialServer:
    server = CredentialServer(keeper)
    server.start()
    running.append(server)
    return server


def get(server: CredentialServer, path: str | None = None, token: str | None = "",
        host: str | None = None, method: str = "GET",
        headers: dict[str, str] | None = None, body: bytes | None = None,
        ) -> tuple[int, bytes, dict[str, str]]:
    """One raw request; token "" means the right one, None none at all."""
    connection = http.client.HTTPConnection(server.authority, timeout=10)
    connection.putrequest(method, path or server.path, skip_host=True,
                          skip_accept_encoding=True)
    connection.putheader("Host", host or server.authority)
    if token is not None:
        connection.putheader("Authorization", token or server.token)
    for name, value in (headers or {}).items():
        connection.putheader(name, value)
    if body is not None:
        connection.putheader("Content-Length", str(len(body)))
    connection.endheaders(body)
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, data, {k.lower(): v for k, v in response.getheaders()}


def wait_until(keeper: Keeper, state: Any) -> None:
    with keeper.changed:
        assert keeper.changed.wait_for(lambda: state(keeper), timeout=WAIT)


# --------------------------------------------------------------------------- the lead (pure)

@pytest.mark.parametrize(("lifetime", "setting", "lead"), [
    (timedelta(hours=1), None, timedelta(minutes=20)),
    (timedelta(minutes=30), None, timedelta(minutes=15)),
    (timedelta(minutes=15), None, timedelta(minutes=7, seconds=30)),  # botocore's 15 min
    (timedelta(hours=12), None, timedelta(minutes=20)),
    (timedelta(minutes=15), "898", timedelta(seconds=898)),
])
def test_refresh_lead(lifetime: timedelta, setting: str | None, lead: timedelta) -> None:
    assert refresh_lead(lifetime, setting) == lead


# --------------------------------------------------------------------------- the endpoint

def test_answers_the_container_credentials_format(user_keys: None, calls: Recorder,
                                                  running: list[CredentialServer]) -> None:
    _ctx, keeper, _err = in_process(Clock(), "--assume-roles", ROLE_A)
    server = start(keeper, running)
    status, body, headers = get(server)
    assert status == 200
    document = json.loads(body)
    assert sorted(document) == ["AccessKeyId", "Expiration", "SecretAccessKey", "Token"]
    assume = calls.only("AssumeRole")
    assert document["AccessKeyId"] == assume.response_values("AccessKeyId")[0]
    assert document["Token"] == assume.response_values("SessionToken")[0]
    assert document["Expiration"].endswith("Z") and len(document["Expiration"]) == 20
    assert headers["content-type"] == "application/json"
    assert not [name for name in headers if name.startswith("access-control")]
    assert server.url.startswith("http://127.0.0.1:")
    assert server.authority == f"127.0.0.1:{server.url.split(':')[2].split('/')[0]}"


def test_refusals_have_exact_statuses_and_no_body(user_keys: None,
                                                  running: list[CredentialServer]) -> None:
    _ctx, keeper, _err = in_process(Clock(), "--assume-roles", ROLE_A)
    server = start(keeper, running)
    port = server.authority.split(":")[1]
    cases: list[tuple[dict[str, Any], int]] = [
        ({"token": "wrong"}, 401),
        ({"token": server.token + "x"}, 401),
        ({"token": None}, 401),
        ({"host": f"evil.example:{port}"}, 403),  # DNS rebinding
        ({"host": f"localhost:{port}"}, 403),
        ({"host": "127.0.0.1"}, 403),
        ({"method": "POST"}, 405),
        ({"method": "PUT"}, 405),
        ({"method": "OPTIONS"}, 405),
        ({"path": "/"}, 404),
        ({"path": server.path + "/"}, 404),
        ({"path": "/" + "a" * 3000}, 414),
        ({"headers": {"X-Big": "b" * 9000}}, 431),
        ({"body": b"x" * 10}, 413),
    ]
    for kwargs, expected in cases:
        status, body, headers = get(server, **kwargs)
        assert (status, body) == (expected, b""), kwargs
        assert not [name for name in headers if name.startswith("access-control")]


def raw_exchange(server: CredentialServer, request: bytes) -> bytes:
    """Send `request` as it is and read the whole answer (the server closes the connection)."""
    host, port = server.authority.rsplit(":", 1)
    with socket.create_connection((host.strip("[]"), int(port)), timeout=10) as connection:
        connection.sendall(request)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


def test_the_stdlib_refusals_are_bare_too(user_keys: None,
                                          running: list[CredentialServer]) -> None:
    """What http.server refuses before our handler runs gets a bare status, not its HTML
    error page (which names the method or the request it refuses)."""
    _ctx, keeper, _err = in_process(Clock(), "--assume-roles", ROLE_A)
    server = start(keeper, running)
    many_headers = b"".join(b"X-%d: y\r\n" % n for n in range(120))
    cases = [
        (b"PROPFIND / HTTP/1.0\r\n\r\n", 405),  # an unknown method: 405 like the others
        (b"GET /" + b"a" * 70000 + b" HTTP/1.0\r\n\r\n", 414),
        (b"GET / HTTP/1.0\r\n" + many_headers + b"\r\n", 431),
        (b"GET / HTTP/1.0\r\nX-Long: " + b"z" * 70000 + b"\r\n\r\n", 431),
    ]
    for request, status in cases:
        answer = raw_exchange(server, request)
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.split(b"\r\n")[0].split(b" ")[:2] == [b"HTTP/1.0", b"%d" % status], answer
        assert b"Content-Length: 0" in head.split(b"\r\n") and body == b"", answer
    # No readable version, so no status line (HTTP/0.9): nothing at all, not a page.
    for request in (b"garbage\r\n\r\n", b"GET / HTTP/1.0 extra\r\n\r\n",
                    b"GET / HTTP/2.0\r\n\r\n", b"GET / HTTPS/1.0\r\n\r\n"):
        assert raw_exchange(server, request) == b"", request


def test_a_silent_or_dribbling_client_is_cut_off(user_keys: None,
                                                running: list[CredentialServer],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """REQUEST_TIMEOUT counts from the connection's start: a client that sends nothing, or
    one byte at a time (which resets a socket timeout at every byte), is closed once it is
    spent, and the server answers others meanwhile."""
    monkeypatch.setattr(credential_server, "REQUEST_TIMEOUT", 0.5)
    _ctx, keeper, _err = in_process(Clock(), "--assume-roles", ROLE_A)
    server = start(keeper, running)
    host, port = server.authority.split(":")
    silent = socket.create_connection((host, int(port)), timeout=10)
    dribbling = socket.create_connection((host, int(port)), timeout=10)
    began = time.monotonic()
    assert get(server)[0] == 200
    assert silent.recv(100) == b""  # closed by the server, without an answer
    dribbling.sendall(b"GET / HTTP/1.0\r\n")
    with pytest.raises(OSError):  # the reset of a closed connection
        for _ in range(100):  # 10 s, unless the server closes it
            dribbling.sendall(b"X")
            time.sleep(0.1)
    assert time.monotonic() - began < 5
    silent.close()
    dribbling.close()


def test_the_request_log_shows_no_token_and_no_control_characters(
        user_keys: None, running: list[CredentialServer]) -> None:
    """serve logs each request on stderr: the credentials path by that name, never the
    token, and another path with its control characters escaped (no terminal escape
    sequences written into the log)."""
    _ctx, keeper, _err = in_process(Clock(), "--assume-roles", ROLE_A)
    logged: list[tuple[str, str, int]] = []
    server = CredentialServer(keeper, request_log=lambda *entry: logged.append(entry))
    server.start()
    running.append(server)
    get(server)
    get(server, token="wrong")
    raw_exchange(server, b"GET /\x1b]0;owned\x07" + b"p" * 100 + b" HTTP/1.0\r\nHost: "
                 + server.authority.encode() + b"\r\n\r\n")
    deadline = time.monotonic() + WAIT
    while len(logged) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)  # each request is logged just after its answer has gone out
    assert logged == [("GET", "the credentials path", 200), ("GET", "the credentials path", 401),
                      ("GET", "/\\x1b]0;owned\\x07" + "p" * 69, 404)]
    assert not [entry for entry in logged if server.token in repr(entry)]


def test_a_client_that_hangs_up_leaves_no_traceback(
        user_keys: None, running: list[CredentialServer],
        capfd: pytest.CaptureFixture[str]) -> None:
    """socketserver prints a traceback for an error in a handler; a client gone before its
    answer (a broken pipe, a reset) is no error of the server's."""
    _ctx, keeper, _err = in_process(Clock(), "--assume-roles", ROLE_A)
    server = start(keeper, running)
    for error in (BrokenPipeError(32, "Broken pipe"), ConnectionResetError(104, "reset")):
        try:
            raise error
        except OSError:
            server._httpd.handle_error(None, ("127.0.0.1", 1))
    assert capfd.readouterr().err == ""


def test_serves_on_ipv6_loopback(user_keys: None, running: list[CredentialServer]) -> None:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError as exc:
        pytest.skip(f"no IPv6 loopback here: {exc}")
    _ctx, keeper, _err = in_process(Clock(), "--assume-roles", ROLE_A)
    server = CredentialServer(keeper, "::1")
    server.start()
    running.append(server)
    assert server.url.startswith("http://[::1]:") and server.authority.startswith("[::1]:")
    status, body, _headers = get(server)
    assert status == 200 and sorted(json.loads(body))[0] == "AccessKeyId"


# --------------------------------------------------------------------------- renewal

def test_fifty_requests_when_renewal_is_due_renew_once(user_keys: None, calls: Recorder,
                                                       running: list[CredentialServer]) -> None:
    clock = Clock()
    _ctx, keeper, _err = in_process(clock, "--assume-roles", ROLE_A)
    server = start(keeper, running)
    first = json.loads(get(server)[1])["AccessKeyId"]
    calls.clear()
    clock.value = keeper.expiration - timedelta(minutes=20)  # due this instant
    barrier = threading.Barrier(50)
    answers: list[tuple[int, str]] = []

    def one() -> None:
        barrier.wait()
        status, body, _headers = get(server)
        answers.append((status, json.loads(body)["AccessKeyId"]))

    threads = [threading.Thread(target=one) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 50 and {status for status, _key in answers} == {200}
    wait_until(keeper, lambda k: k.refreshes >= 1)
    status, body, _headers = get(server)
    renewed = json.loads(body)["AccessKeyId"]
    assert status == 200 and renewed != first
    # One renewal, one full plan: the caller (for the role session name), then the hop.
    assert calls.actions() == ["GetCallerIdentity", "AssumeRole"]
    assert keeper.refreshes == 1


def test_renewal_runs_the_whole_sso_plan(sso_env: Path, fake_sso: FakeSso, calls: Recorder,
                                         running: list[CredentialServer]) -> None:
    """SSO refresh, role credentials and the hop at each renewal; with --use-cache the
    session cache's copy of the credentials held is not taken for new ones."""
    write_token(sso_env / "sso", cached_grant(fake_sso, timedelta(minutes=30)))
    clock = Clock()
    _ctx, keeper, err = in_process(clock, "--use-cache", *SSO_ROLE, "--assume-roles", ROLE_B)
    server = start(keeper, running)
    first = json.loads(get(server)[1])["AccessKeyId"]
    def hops() -> int:  # the fake's GetRoleCredentials makes its own AssumeRole at moto
        return len([r for r in calls.of("AssumeRole") if r.params["RoleArn"] == ROLE_B])

    assert (fake_sso.calls["CreateToken:refresh_token"], fake_sso.calls["GetRoleCredentials"],
            hops()) == (0, 1, 1)
    # To when the renewal is due (about 40 minutes on), for aws-login and the portal alike:
    # the sign-in (30 minutes) has expired by then.
    due = keeper.expiration - timedelta(minutes=20)
    fake_sso.advance((due - clock.value).total_seconds())
    clock.value = due
    assert get(server)[0] == 200
    wait_until(keeper, lambda k: k.refreshes + k.failures >= 1)
    assert (keeper.refreshes, err.getvalue()) == (1, "")
    status, body, _headers = get(server)
    assert status == 200 and json.loads(body)["AccessKeyId"] != first
    assert (fake_sso.calls["CreateToken:refresh_token"], fake_sso.calls["GetRoleCredentials"],
            hops()) == (1, 2, 2)


def test_fault_during_renewal_keeps_serving_then_expires_then_recovers(
        world: World, running: list[CredentialServer]) -> None:
    world_user_keys(world)
    clock = Clock()
    _ctx, keeper, err = in_process(clock, "--assume-roles", ROLE_A)
    server = start(keeper, running)
    first = json.loads(get(server)[1])["AccessKeyId"]
    world.sts.always("AssumeRole", Fault.HTTP_500)
    clock.value = keeper.expiration - timedelta(minutes=19)
    status, body, _headers = get(server)  # due: wakes the renewal, which fails
    assert (status, json.loads(body)["AccessKeyId"]) == (200, first)
    wait_until(keeper, lambda k: k.failures >= 1)
    clock.value += timedelta(seconds=10)  # past the backoff: the next request retries
    status, body, _headers = get(server)
    assert (status, json.loads(body)["AccessKeyId"]) == (200, first)  # still valid
    wait_until(keeper, lambda k: k.failures >= 2)
    clock.value = keeper.expiration
    status, body, _headers = get(server)
    assert status == 503
    assert json.loads(body) == {
        "code": "ExpiredToken",
        "message": "aws-login could not renew the credentials before they expired; see "
                   "aws-login's messages"}
    wait_until(keeper, lambda k: k.failures >= 3)
    lines = err.getvalue().splitlines()
    assert len(lines) == 1, lines  # said once, however many attempts fail
    assert lines[0].startswith("aws-login: could not renew the credentials (")
    assert lines[0].endswith(f"serving the current ones until "
                             f"{keeper.expiration.strftime('%Y-%m-%dT%H:%M:%SZ')} and trying "
                             "again")
    world.sts.clear()
    clock.value += timedelta(seconds=10)
    assert get(server)[0] == 503  # wakes the renewal, which now succeeds
    wait_until(keeper, lambda k: k.refreshes >= 1)
    clock.value = datetime.now(timezone.utc)  # moto's new credentials run on the real clock
    status, body, _headers = get(server)
    assert status == 200 and json.loads(body)["AccessKeyId"] != first
    assert err.getvalue().splitlines()[1:] == ["aws-login: the credentials are renewed again"]


def test_portal_fault_during_renewal_keeps_serving_then_recovers(
        world: World, running: list[CredentialServer]) -> None:
    """The SSO side fails (GetRoleCredentials 500s, after the retries) during a renewal:
    the held credentials are served, the failure said once, and the next attempt recovers."""
    world.token_file(timedelta(hours=8))
    clock = Clock()
    _ctx, keeper, err = in_process(clock, "--use-cache", *SSO_ROLE, "--assume-roles", ROLE_B)
    server = start(keeper, running)
    first = json.loads(get(server)[1])["AccessKeyId"]
    world.sso.always("GetRoleCredentials", Fault.HTTP_500)
    clock.value = keeper.expiration - timedelta(minutes=19)
    status, body, _headers = get(server)
    assert (status, json.loads(body)["AccessKeyId"]) == (200, first)
    wait_until(keeper, lambda k: k.failures >= 1)
    assert world.sso.injected("GetRoleCredentials") == ATTEMPTS
    status, body, _headers = get(server)
    assert (status, json.loads(body)["AccessKeyId"]) == (200, first)  # still valid
    world.sso.clear()
    clock.value += timedelta(seconds=10)  # past the backoff
    assert get(server)[0] == 200
    wait_until(keeper, lambda k: k.refreshes >= 1)
    status, body, _headers = get(server)
    assert status == 200 and json.loads(body)["AccessKeyId"] != first
    lines = err.getvalue().splitlines()
    assert len(lines) == 2, lines
    assert lines[0].startswith("aws-login: could not renew the credentials (SSO GetRoleCredentials "
                               "(111111111111/AdministratorAccess): InternalServerException: "
                               f"injected http-500 (after {ATTEMPTS} attempts)); serving")
    assert lines[1] == "aws-login: the credentials are renewed again"


def test_mfa_is_asked_once_per_session_across_renewals(
        user_keys: None, calls: Recorder, running: list[CredentialServer],
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # moto's credentials run on the real clock, the keeper on the test's: a fixed lead keeps
    # each renewal due 20 minutes before the credentials' end, however far the clock went.
    monkeypatch.setenv("AWS_LOGIN_SERVER_REFRESH_LEAD", "1200")
    words, runs = code_program(tmp_path)
    clock = Clock()
    _ctx, keeper, err = in_process(clock, "--assume-roles", ROLE_A, "--mfa-serial",
                                   MFA_SERIAL, *words, "--mfa-session-duration", "7200")
    server = start(keeper, running)
    assert calls.actions() == ["GetSessionToken", "GetCallerIdentity", "AssumeRole"]
    assert calls.only("GetSessionToken").params["TokenCode"] == "111111"
    session_ends = datetime.fromisoformat(
        calls.only("GetSessionToken").response_values("Expiration")[0].replace("Z", "+00:00"))
    for renewal in (1, 2, 3):
        clock.value = keeper.expiration - timedelta(minutes=20)  # due; the session has 80 min
        assert get(server)[0] == 200
        wait_until(keeper, lambda k, n=renewal: k.refreshes + k.failures >= n)
    assert (keeper.refreshes, err.getvalue()) == (3, "")
    # Each renewal: the hop signed by the kept session; no code, no GetSessionToken.
    assert calls.actions().count("GetSessionToken") == 1
    assert len(calls.of("AssumeRole")) == 4
    assert all("TokenCode" not in call.params for call in calls.of("AssumeRole"))
    assert len(runs.read_text()) == 1
    # The session nearly over: the next renewal spends a new code on a new session.
    clock.value = session_ends - timedelta(minutes=10)
    assert get(server)[0] == 503  # the test's clock jumped past the role credentials too
    wait_until(keeper, lambda k: k.refreshes + k.failures >= 4)
    assert keeper.refreshes == 4
    assert [call.params["TokenCode"] for call in calls.of("GetSessionToken")] == ["111111",
                                                                                   "222222"]
    assert len(runs.read_text()) == 2


def test_a_spent_mfa_token_is_not_sent_again_when_the_session_ends(
        user_keys: None, calls: Recorder, running: list[CredentialServer],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """--mfa-token's code bought the first MFA session; when that session ends with nobody to
    ask (no terminal: a service), the renewal says so once, sends STS no spent code, and the
    server keeps serving the credentials it holds while they are valid."""
    monkeypatch.setenv("AWS_LOGIN_SERVER_REFRESH_LEAD", "1200")
    clock = Clock()
    _ctx, keeper, err = in_process(clock, "--assume-roles", ROLE_A, "--mfa-serial", MFA_SERIAL,
                                   "--mfa-token", "123456", "--mfa-session-duration", "900",
                                   "--duration", "3600")
    server = start(keeper, running)
    first = json.loads(get(server)[1])["AccessKeyId"]
    calls.clear()
    clock.value = keeper.expiration - timedelta(minutes=19)  # due; the session is over
    status, body, _headers = get(server)
    assert (status, json.loads(body)["AccessKeyId"]) == (200, first)
    wait_until(keeper, lambda k: k.refreshes + k.failures >= 1)
    assert (keeper.refreshes, calls.actions()) == (0, [])  # not renewed with the spent code
    clock.value += timedelta(seconds=10)  # past the backoff: tried again, said once
    assert get(server)[0] == 200
    wait_until(keeper, lambda k: k.failures >= 2)
    assert (keeper.refreshes, calls.actions()) == (0, [])
    # Not "pass --mfa-token CODE": a running server cannot be given one.
    assert err.getvalue() == (
        "aws-login: could not renew the credentials (--mfa-serial needs a new MFA code and "
        "nobody can be asked here (no terminal, /dev/tty or desktop dialog); restart "
        "aws-login with --mfa-process COMMAND or a YubiKey (--prompt ykman), or run it where "
        "a terminal or dialog can ask); serving the current ones until "
        f"{keeper.expiration.strftime('%Y-%m-%dT%H:%M:%SZ')} and trying again\n")


class UntilRenewed(Clock):
    """The test's clock until the keeper has renewed once, then the real one (moto's): the
    renewed credentials and MFA session are then fresh, so nothing more is due."""

    keeper: Keeper | None = None

    def now(self) -> datetime:
        if self.keeper is not None and self.keeper.refreshes:
            return datetime.now(timezone.utc)
        return self.value


def test_a_renewal_says_why_it_asks_for_a_new_mfa_code(
        user_keys: None, calls: Recorder, running: list[CredentialServer],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The first code is asked plainly; the one a renewal needs when the MFA session ends
    comes out of the blue (a job's output may be on the terminal), so it is said why."""
    monkeypatch.setenv("AWS_LOGIN_SERVER_REFRESH_LEAD", "1200")
    clock = UntilRenewed()
    question = f"MFA code for {MFA_SERIAL}: "
    _ctx, keeper, err = in_process(clock, "--assume-roles", ROLE_A, "--mfa-serial", MFA_SERIAL,
                                   "--mfa-session-duration", "900", "--duration", "3600",
                                   typed="123456\n654321\n")
    clock.keeper = keeper
    assert err.getvalue() == question
    server = start(keeper, running)
    clock.value = keeper.expiration - timedelta(minutes=19)  # due; the session is over
    assert get(server)[0] == 200
    wait_until(keeper, lambda k: k.refreshes + k.failures >= 1)
    assert keeper.refreshes == 1
    assert err.getvalue() == (
        f"{question}aws-login: the MFA session of {MFA_SERIAL} has ended; a new MFA code "
        f"keeps the served credentials fresh\n{question}")
    assert [call.params["TokenCode"] for call in calls.of("GetSessionToken")] == ["123456",
                                                                                   "654321"]


def test_runas_server_does_not_wait_for_a_slow_renewal_when_the_child_ends(
        world: World, tmp_path: Path) -> None:
    """The child ends while a renewal waits on a slow STS: runas returns without waiting
    for it (the renewal's answer has not come yet when it does)."""
    world_user_keys(world)
    go, ready = tmp_path / "go", tmp_path / "ready"
    child = tmp_path / "child.py"
    child.write_text(
        "import os, pathlib, time, urllib.request\n"
        f"go = pathlib.Path({str(go)!r})\n"
        f"pathlib.Path({str(ready)!r}).write_text('')\n"
        "while not go.exists(): time.sleep(0.01)\n"
        "request = urllib.request.Request(os.environ['AWS_CONTAINER_CREDENTIALS_FULL_URI'],\n"
        "    headers={'Authorization': os.environ['AWS_CONTAINER_AUTHORIZATION_TOKEN']})\n"
        "urllib.request.urlopen(request).read()  # finds the renewal due: wakes it\n"
        "while go.read_text() != 'end': time.sleep(0.01)\n")
    clock = Clock()
    before = set(threading.enumerate())

    def drive() -> None:
        deadline = time.monotonic() + WAIT
        # The child runs only once aws-login holds the first credentials. (Waiting for
        # the fake to pass AssumeRole was not enough: the clock could move before aws-login
        # read the answer, and then saw a 15-minute lifetime with no renewal due.)
        while not ready.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        world.sts.inject("AssumeRole", Fault.SLOW, times=3)  # ~3 s of read timeouts
        clock.value += timedelta(minutes=45)  # a renewal is due
        go.write_text("")
        while world.sts.injected("AssumeRole") < 1 and time.monotonic() < deadline:
            time.sleep(0.01)  # the renewal is under way
        go.write_text("end")

    driver = threading.Thread(target=drive)
    driver.start()
    result = world.run(["runas", "--server", "--assume-roles", ROLE_A, "--",
                        sys.executable, str(child)], now=clock.now)
    answered = world.sts.passed("AssumeRole")
    keepers = [t for t in set(threading.enumerate()) - before if t.name == "aws-login-keeper"]
    driver.join()
    for keeper in keepers:  # let the abandoned renewal end before the next test's world
        keeper.join(timeout=WAIT)
    assert (result.code, result.err) == (0, "")
    assert answered == 1  # returned while the renewal still waited for STS
    assert len(keepers) == 1
    # The abandoned renewal went on alone: three slow answers, then its retry got through.
    assert (world.sts.injected("AssumeRole"), world.sts.passed("AssumeRole")) == (3, 2)


def test_long_term_keys_cannot_be_served(user_keys: None, calls: Recorder) -> None:
    result = run_cli(["runas", "--server", "--", "true"])
    assert (result.code, result.out) == (1, "")
    assert result.err == (
        "aws-login: error: a credential server needs temporary credentials; these are "
        "long-term IAM user keys without an expiry: add --assume-roles ROLE_ARN or "
        "--get-session-token\n")


# --------------------------------------------------------------------------- real children

# A boto3 child: GetCallerIdentity in a loop until it has used 4 different key ids (three
# renewals), then writes what it saw to argv[1]; any failure fails it.
LONG_JOB = """\
import json, os, sys, time
import boto3
session = boto3.Session(region_name="us-east-1")
client = session.client("sts")
keys, arns, calls = [], set(), 0
env = {k: v for k, v in os.environ.items() if k.startswith("AWS_")}
deadline = time.monotonic() + 90
while len(set(keys)) < 4:
    if time.monotonic() > deadline:
        sys.exit(3)
    arns.add(client.get_caller_identity()["Arn"])
    calls += 1
    creds = session.get_credentials().get_frozen_credentials()
    keys.append(creds.access_key)
json.dump({"keys": keys, "arns": sorted(arns), "calls": calls, "env": env,
           "method": session.get_credentials().method}, open(sys.argv[1], "w"))
"""


def test_boto3_child_survives_three_lifetimes(user_keys: None, calls: Recorder,
                                              tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    env = dict(os.environ, AWS_LOGIN_SERVER_REFRESH_LEAD="898")  # renew every ~2 s
    done = run_process(["runas", "--server", "--debug", "--assume-roles", ROLE_A,
                        "--duration", "900", "--", sys.executable, "-c", LONG_JOB,
                        str(report)], env=env, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(report.read_text())
    assert seen["arns"] == [ROLE_A_ARN]
    assert seen["method"] == "container-role"
    token = seen["env"]["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
    assert seen["env"]["AWS_CONTAINER_CREDENTIALS_FULL_URI"].startswith("http://127.0.0.1:")
    assert not {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                "AWS_PROFILE"} & set(seen["env"])
    renewals = done.stderr.count("credentials renewed, valid until")
    assert renewals >= 3
    # One AssumeRole for the start, then exactly one per renewal: each a full plan.
    assert len(calls.of("AssumeRole")) == 1 + renewals
    # Each plan also asks who the caller is (the role session name), besides the child.
    assert len(calls.of("GetCallerIdentity")) == seen["calls"] + 1 + renewals
    assert token not in done.stderr and token not in done.stdout  # not in --debug


# An AWS CLI v2 child: a new `aws` process per call (as a script's commands are), each reading
# the server afresh, until 12 calls; any failure fails it.
AWS_CLI_JOB = """\
for n in 1 2 3 4 5 6 7 8 9 10 11 12; do
    "$AWS" sts get-caller-identity --endpoint-url "$STS" --region us-east-1 \\
        --query Arn --output text || exit 9
    sleep 0.5
done
"""


def test_aws_cli_child_survives_three_lifetimes_and_mfa_is_asked_once(
        user_keys: None, calls: Recorder, sts: LoopbackServer, tmp_path: Path) -> None:
    aws = aws_cli_v2()
    if aws is None:
        pytest.skip("the AWS CLI v2 is not installed (.ci/run installs Debian's awscli)")
    words, runs = code_program(tmp_path)
    env = dict(os.environ, AWS_LOGIN_SERVER_REFRESH_LEAD="898", AWS=aws, STS=sts.url)
    done = run_process(["runas", "--server", "--debug", "--assume-roles", ROLE_A,
                        "--duration", "900", "--mfa-serial", MFA_SERIAL, *words, "--",
                        "bash", "-c", AWS_CLI_JOB], env=env, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.splitlines() == [ROLE_A_ARN] * 12
    renewals = done.stderr.count("credentials renewed, valid until")
    assert renewals >= 3
    assert len(calls.of("AssumeRole")) == 1 + renewals  # one full plan per renewal
    child_keys = {call.key_id for call in calls.of("GetCallerIdentity")
                  if call.key_id in {key for hop in calls.of("AssumeRole")
                                     for key in hop.response_values("AccessKeyId")}}
    assert len(child_keys) >= 3  # the CLI saw the renewed credentials
    assert calls.actions().count("GetSessionToken") == 1
    assert len(runs.read_text()) == 1  # one code for the whole job


WHICH_CREDENTIALS = """\
import boto3
print(boto3.Session().get_credentials().method)
"""


@pytest.mark.parametrize(("file", "section", "setting"), [
    ("credentials", "default", "aws_access_key_id = AKIADEFAULTPROFILE01"),
    ("config", "default", "credential_process = /bin/false"),
    ("config", "profile default", "role_arn = arn:aws:iam::123456789012:role/Other"),
])
def test_a_default_profile_with_credentials_is_warned_about(
        user_keys: None, aws_env: Path, capfd: pytest.CaptureFixture[str], file: str,
        section: str, setting: str) -> None:
    """SDKs take the default profile's credentials before the server's (botocore's chain
    tries the container endpoint after the profile): the child would silently run as
    someone else, so runas --server says so."""
    (aws_env / file).write_text(f"[{section}]\n{setting}\naws_secret_access_key = x\n")
    result = run_cli(["runas", "--server", "--assume-roles", ROLE_A, "--", sys.executable,
                      "-c", WHICH_CREDENTIALS])
    assert result.err.splitlines()[0] == (
        f"aws-login: warning: the default profile has credentials of its own "
        f"({setting.split(' = ')[0]} in {aws_env / file}), and AWS SDKs use those before a "
        "credential server: the program may not run with these credentials; move them to a "
        "named profile, or use runas without --server")
    if file == "credentials":  # what the warning is about: the child took the profile's keys
        assert (result.code, capfd.readouterr().out) == (0, "shared-credentials-file\n")


def test_a_default_profile_without_credentials_is_fine(user_keys: None, aws_env: Path,
                                                       capfd: pytest.CaptureFixture[str]) -> None:
    (aws_env / "config").write_text("[default]\nregion = eu-west-1\noutput = json\n")
    result = run_cli(["runas", "--server", "--assume-roles", ROLE_A, "--", sys.executable,
                      "-c", WHICH_CREDENTIALS])
    assert (result.code, result.err) == (0, "")
    assert capfd.readouterr().out == "container-role\n"


# Writes its environment's token to argv[1], then waits for argv[1] + ".go" to appear.
WAITER = """\
import os, sys, time
open(sys.argv[1] + ".tmp", "w").write(os.environ["AWS_CONTAINER_AUTHORIZATION_TOKEN"])
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
deadline = time.monotonic() + 60
while not os.path.exists(sys.argv[1] + ".go") and time.monotonic() < deadline:
    time.sleep(0.05)
"""


def test_token_is_on_no_command_line(user_keys: None, tmp_path: Path) -> None:
    ready = tmp_path / "token"
    proc = subprocess.Popen([sys.executable, "-m", "aws_login", "runas", "--server",
                             "--assume-roles", ROLE_A, "--", sys.executable, "-c", WAITER,
                             str(ready)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL)
    try:
        while not ready.exists():  # the child says when it runs
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.01)  # a poll for that state, not a wait for time
        token = ready.read_text().encode()
        lines = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    lines.append((entry / "cmdline").read_bytes())
                except OSError:
                    continue  # a process that ended meanwhile
        assert lines and not [line for line in lines if token in line]
    finally:
        (tmp_path / "token.go").write_text("")
        out, err = proc.communicate(timeout=WAIT)
    assert proc.returncode == 0, err
    assert token not in out + err


# --------------------------------------------------------------------------- serve

def test_serve_prints_the_variables_logs_requests_and_stops_on_sigterm(
        user_keys: None, calls: Recorder, tmp_path: Path) -> None:
    """A boto3 process in another "terminal" works through three credential lifetimes."""
    env = dict(os.environ, AWS_LOGIN_SERVER_REFRESH_LEAD="898")  # renew every ~2 s
    # The log goes to a file: a pipe nobody reads while the job runs would fill (a line per
    # request, and botocore asks at every call this close to expiry).
    log = (tmp_path / "serve.err").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "aws_login", "serve", "--outform", "linux",
                             "--assume-roles", ROLE_A, "--duration", "900"],
                            stdout=subprocess.PIPE, stderr=log,
                            stdin=subprocess.DEVNULL, text=True, env=env)
    report = tmp_path / "report.json"
    try:
        assert proc.stdout is not None
        header = proc.stdout.readline()
        settings = dict(shlex.split(proc.stdout.readline())[1].split("=", 1)
                        for _ in range(2))
        assert header == ("# aws-login serve: set these where the credentials are wanted "
                          "(Ctrl-C stops it)\n")
        assert sorted(settings) == ["AWS_CONTAINER_AUTHORIZATION_TOKEN",
                                    "AWS_CONTAINER_CREDENTIALS_FULL_URI"]
        child_env = {k: v for k, v in os.environ.items()
                     if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
        child = subprocess.run([sys.executable, "-c", LONG_JOB, str(report)],
                               env={**child_env, **settings}, capture_output=True, text=True,
                               timeout=120)
        assert child.returncode == 0, child.stderr
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _none = proc.communicate(timeout=WAIT)
        log.close()
    err = (tmp_path / "serve.err").read_text()
    seen = json.loads(report.read_text())
    assert (seen["arns"], seen["method"]) == ([ROLE_A_ARN], "container-role")
    renewals = len(set(seen["keys"])) - 1
    assert renewals >= 3
    assert len(calls.of("AssumeRole")) in (1 + renewals, 2 + renewals)  # one may be under way
    assert (proc.returncode, out) == (0, "")
    lines = err.splitlines()
    served = lines.count("aws-login: GET the credentials path: 200")
    assert served >= 4 and lines == ["aws-login: GET the credentials path: 200"] * served + [
        "aws-login: stopped"]
    assert settings["AWS_CONTAINER_AUTHORIZATION_TOKEN"] not in err


def test_serve_ctrl_c_is_130(user_keys: None) -> None:
    with sigint_at_its_default():  # (a background job's SIGINT is ignored, and inherited)
        proc = subprocess.Popen([sys.executable, "-m", "aws_login", "serve", "--assume-roles",
                                 ROLE_A], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    for _ in range(3):
        proc.stdout.readline()  # serving
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=WAIT)
    assert (proc.returncode, err) == (130, "aws-login: interrupted\n"), err


def test_serve_listen_elsewhere_is_warned(user_keys: None) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "aws_login", "serve", "--listen",
                             "0.0.0.0:0", "--assume-roles", ROLE_A], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None and proc.stderr is not None
    warning = proc.stderr.readline()
    out = "".join(proc.stdout.readline() for _ in range(3))  # printed once SIGTERM is handled
    proc.send_signal(signal.SIGTERM)
    rest, _err = proc.communicate(timeout=WAIT)
    assert (proc.returncode, rest) == (0, "")
    assert warning.startswith("aws-login: warning: listening on 0.0.0.0:")
    assert warning.endswith(", beyond this machine's loopback: whoever can reach it and has "
                            "the token gets the credentials\n")
    assert "AWS_CONTAINER_CREDENTIALS_FULL_URI='http://0.0.0.0:" in out


@pytest.mark.parametrize(("family", "host", "shown"), [
    (socket.AF_INET, "127.0.0.1", "127.0.0.1"), (socket.AF_INET6, "::1", "[::1]"),
])
def test_serve_on_an_address_in_use_says_it_as_a_url_would(
        user_keys: None, calls: Recorder, family: socket.AddressFamily, host: str,
        shown: str) -> None:
    with socket.socket(family) as taken:
        try:
            taken.bind((host, 0))
        except OSError as exc:
            pytest.skip(f"no {host} here: {exc}")
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli(["serve", "--listen", f"{shown}:{port}", "--assume-roles", ROLE_A])
    assert (result.code, result.out) == (1, "")
    assert result.err == (f"aws-login: error: cannot listen on {shown}:{port}: Address "
                          "already in use; pick another --listen address or port\n")
    assert calls.actions() == []  # found before the chain was acquired


@pytest.mark.parametrize("value", ["9911", "localhost:9911", "127.0.0.1:", "127.0.0.1:70000",
                                   "[::1]:x"])
def test_serve_bad_listen_is_a_usage_error(user_keys: None, calls: Recorder,
                                           value: str) -> None:
    result = run_cli(["serve", "--listen", value, "--assume-roles", ROLE_A])
    assert (result.code, result.out) == (2, "")
    assert result.err == (f"aws-login: error: --listen {value!r} is not ADDRESS:PORT with an "
                          "IP address, e.g. --listen 127.0.0.1:9911\n")
    assert calls.actions() == []



def test_serve_keeps_answering_when_nobody_reads_its_log(user_keys: None) -> None:
    """serve's stderr is a pipe nobody reads: once the pipe is full, the log drops lines
    instead of leaving a thread stuck behind each request."""
    proc = subprocess.Popen([sys.executable, "-m", "aws_login", "serve", "--outform", "linux",
                             "--assume-roles", ROLE_A], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None
        proc.stdout.readline()
        settings = dict(shlex.split(proc.stdout.readline())[1].split("=", 1)
                        for _ in range(2))
        url = settings["AWS_CONTAINER_CREDENTIALS_FULL_URI"]
        authority, path = url.removeprefix("http://").split("/", 1)
        # ~70 bytes a line: 3000 requests fill a 64 KiB pipe three times over.
        statuses = []
        for _ in range(3000):
            connection = http.client.HTTPConnection(authority, timeout=10)
            connection.request("GET", "/" + path, headers={
                "Authorization": settings["AWS_CONTAINER_AUTHORIZATION_TOKEN"]})
            statuses.append(connection.getresponse().status)
            connection.close()
        threads = next(int(line.split()[1]) for line in
                       Path(f"/proc/{proc.pid}/status").read_text().splitlines()
                       if line.startswith("Threads:"))
    finally:
        proc.kill()
        proc.communicate(timeout=WAIT)
    assert statuses == [200] * 3000
    assert threads <= 6  # main, server, keeper, log, and at most a request or two
