"""Faults on every network step (issue 8): a FaultProxy in front of STS (moto), sso-oidc + the
SSO portal (FakeSso) and the federation endpoint answers HTTP 500/503, throttles, resets the
connection, answers too late, or sends cut and malformed bodies.

- transient (N faults, then the server): the command succeeds, and the server saw the call;
- persistent (every attempt): exactly one line `aws-login: error: <step>: <what>`, exit 1,
  after exactly the documented number of attempts;
- after every case: each cache file is a complete, valid file (old or new), and no secret
  that crossed a proxy appears in aws-login's output.

CI runs a rotating share of the matrix; build-tools/chaos (AWS_LOGIN_CHAOS=1) runs all of it,
with several fault counts, and reads the cases from the report file.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from aws_login.retry import ATTEMPTS, BACKOFF_CAP
from aws_login.sso.discovery import THROTTLE_ATTEMPTS, TRANSIENT_ATTEMPTS
from tests.fakes.faults import (
    ALL_FAULTS,
    CHAOS,
    Fault,
    FaultProxy,
    Flavor,
    World,
    browser,
    cache_problems,
    leaked,
    record,
    tracebacks_in,
    user_keys,
)
from tests.fakes.moto_server import LoopbackServer
from tests.helpers import (
    ROLE_A,
    ROLE_B,
    SIGN_IN,
    SSO_ROLE,
    START_URL,
    USER_KEY_ID,
    USER_SECRET,
    WEB_IDENTITY_TOKEN,
    Result,
    no_sleep,
    run_cli,
)

FEDERATION_ATTEMPTS = 3


# --------------------------------------------------------------------- the steps
# (conftest's `world`: the servers behind fault proxies, and aws-login pointed at them)


@dataclass(frozen=True)
class Step:
    """A network step of some command: where to put the fault, and what it is called."""

    row: str  # the chaos report's row
    flavor: Flavor
    call: str  # the proxy's step name
    prefix: str  # how the error line names the step
    run: Callable[[World], Result]
    kind: str = "aws"  # aws (the retry policy) | federation | discovery: how many attempts
    field_name: str = ""  # the member a malformed answer lacks first
    where: tuple[tuple[str, str], ...] = ()


def _device_sign_in(world: World) -> Result:
    world.fake.auto_approve = True
    return world.run(["getcallerid", "--use-cache", "--use-device-code", *SIGN_IN, *SSO_ROLE],
                     terminal=True)


def _browser_sign_in(world: World) -> Result:
    world.monkeypatch.setenv("BROWSER", "aws-login-test-browser")  # a browser is available
    return world.run(["getcallerid", "--use-cache", *SIGN_IN, *SSO_ROLE], open_url=browser)


def _refresh(world: World) -> Result:
    world.token_file(timedelta(minutes=-5))  # expired: only a refresh can help
    return world.run(["dumpcreds", "--credential-helper", "--use-cache", *SSO_ROLE])


def _role_credentials(world: World) -> Result:
    world.token_file(timedelta(hours=1))
    return world.run(["dumpcreds", "--credential-helper", "--use-cache", *SSO_ROLE])


def _chain(world: World, named: bool = True) -> Result:
    user_keys(world)
    name = ["--role-session-name", "chaos"] if named else []
    return world.run(["dumpcreds", "--credential-helper", "--use-cache", "--assume-roles",
                      f"{ROLE_A}, {ROLE_B}", *name])


def _session_step(world: World) -> Result:
    user_keys(world)
    return world.run(["dumpcreds", "--credential-helper", "--use-cache", "--get-session-token"])


def _console(world: World) -> Result:
    user_keys(world)
    return world.run(["console", "--no-browser", "--assume-roles", ROLE_A,
                      "--role-session-name", "chaos"])


def _discovery(world: World) -> Result:
    token = world.fake.issue_token(START_URL).access_token
    return world.run(["dumpconfig", "--sso-access-token", token, "--sso-region", "us-east-1"])


def _web_identity(world: World) -> Result:
    path = world.tmp / "web-token"
    path.write_text(WEB_IDENTITY_TOKEN)
    return world.run(["getcallerid", "--web-identity-token-file", str(path),
                      "--web-identity-role-arn", ROLE_A])


def _getcallerid(world: World) -> Result:
    user_keys(world)
    return world.run(["getcallerid"])


GRC = "SSO GetRoleCredentials (111111111111/AdministratorAccess)"
STEPS = (
    Step("sign-in", Flavor.SSO, "RegisterClient", "sign-in: RegisterClient", _device_sign_in,
         field_name="clientSecret"),
    Step("sign-in", Flavor.SSO, "StartDeviceAuthorization", "sign-in: StartDeviceAuthorization",
         _device_sign_in, field_name="deviceCode"),
    Step("sign-in", Flavor.SSO, "CreateToken:device_code", "sign-in: CreateToken (device code)",
         _device_sign_in, field_name="accessToken"),
    Step("sign-in", Flavor.SSO, "CreateToken:authorization_code",
         "sign-in: CreateToken (authorization code)", _browser_sign_in,
         field_name="accessToken"),
    Step("refresh", Flavor.SSO, "CreateToken:refresh_token", "token refresh: CreateToken",
         _refresh, field_name="accessToken"),
    Step("GetRoleCredentials", Flavor.SSO, "GetRoleCredentials", GRC, _role_credentials,
         field_name="roleCredentials"),
    Step("hop N/M", Flavor.STS, "AssumeRole", f"hop 1/2 ({ROLE_A})", _chain,
         field_name="Credentials", where=(("RoleArn", ROLE_A),)),
    Step("hop N/M", Flavor.STS, "AssumeRole", f"hop 2/2 ({ROLE_B})", _chain,
         field_name="Credentials", where=(("RoleArn", ROLE_B),)),
    Step("hop N/M", Flavor.STS, "GetCallerIdentity", f"hop 1/2 ({ROLE_A}): GetCallerIdentity",
         lambda world: _chain(world, named=False), field_name="UserId"),
    Step("session step", Flavor.STS, "GetSessionToken", "session step GetSessionToken",
         _session_step, field_name="Credentials"),
    Step("web identity", Flavor.STS, "AssumeRoleWithWebIdentity",
         f"AssumeRoleWithWebIdentity ({ROLE_A})", _web_identity, field_name="Credentials"),
    Step("GetCallerIdentity", Flavor.STS, "GetCallerIdentity", "GetCallerIdentity",
         _getcallerid, field_name="UserId"),
    Step("getSigninToken", Flavor.FEDERATION, "getSigninToken", "getSigninToken", _console,
         kind="federation"),
    Step("discovery", Flavor.SSO, "ListAccounts", "SSO ListAccounts", _discovery,
         kind="discovery", field_name="accountList"),
    Step("discovery", Flavor.SSO, "ListAccountRoles", "SSO ListAccountRoles (111111111111)",
         _discovery, kind="discovery", field_name="roleList",
         where=(("account_id", "111111111111"),)),
)


def attempts(step: Step, fault: Fault) -> int:
    """How many times aws-login tries before it gives up (documented per mechanism)."""
    if step.kind == "federation":
        return FEDERATION_ATTEMPTS
    if step.kind == "discovery":
        return THROTTLE_ATTEMPTS if fault is Fault.THROTTLE else TRANSIENT_ATTEMPTS
    return ATTEMPTS


def expected_error(step: Step, fault: Fault, world: World) -> str:
    """The exact error line of a persistent fault."""
    origin = world.proxy(step.flavor).url
    proxy_hint = "a proxy or firewall may be answering instead of AWS"
    if step.kind == "federation":
        what = {
            Fault.HTTP_500: f"HTTP 500 from {origin}",
            Fault.HTTP_503: f"HTTP 503 from {origin}",
            Fault.THROTTLE: f"HTTP 429 from {origin}",
            Fault.RESET: f"could not reach {origin} (ConnectionError)",
            Fault.SLOW: f"no answer from {origin} in time (ReadTimeout)",
            Fault.TRUNCATED: f"the answer of {origin} was cut short (ChunkedEncodingError)",
        }.get(fault, f"{origin} answered without a SigninToken")
        hint = ("check AWS_LOGIN_FEDERATION_URL points at a sign-in federation endpoint"
                if what.endswith("SigninToken")
                else "check the network, proxy settings and AWS_LOGIN_FEDERATION_URL")
        return f"aws-login: error: getSigninToken: {what}; {hint} (after 3 attempts)\n"
    if step.kind == "discovery" and fault is Fault.THROTTLE:
        return (f"aws-login: error: {step.prefix}: still throttled after {THROTTLE_ATTEMPTS} "
                "tries; the portal is busy: retry later, or lower --max-concurrency\n")
    sts = step.flavor is Flavor.STS
    broke = (f"network error: the connection to {origin} broke before a complete answer; "
             "check the network and proxy settings")
    missing = f"malformed reply: the answer has no {step.field_name!r}; {proxy_hint}"
    what = {
        Fault.HTTP_500: ("InternalFailure" if sts else "InternalServerException")
        + ": injected http-500",
        Fault.HTTP_503: "503: Service Unavailable",
        Fault.THROTTLE: ("Throttling" if sts else "TooManyRequestsException")
        + ": injected throttle",
        Fault.RESET: broke,
        Fault.TRUNCATED: broke,
        Fault.SLOW: f"network error: no answer from {origin} in time; check the network and "
                    "proxy settings (AWS_LOGIN_HTTP_TIMEOUT=SECONDS waits longer)",
        Fault.MALFORMED: ("malformed reply: the HTTP 200 answer could not be read (not the "
                          f"XML or JSON AWS sends); {proxy_hint}") if sts else missing,
        Fault.WRONG_SHAPE: missing,
    }[fault]
    suffix = "" if step.kind == "discovery" else f" (after {ATTEMPTS} attempts)"
    return f"aws-login: error: {step.prefix}: {what}{suffix}\n"


def carries_secrets(out: str) -> bool:
    """Whether stdout is a product that is secret by nature: credentials or a sign-in URL."""
    return '"SecretAccessKey"' in out or out.startswith("http")


def check_success(step: Step, result: Result) -> None:
    assert result.code == 0, result.err
    assert "error" not in result.err, result.err
    if step.kind == "federation":
        assert result.out.startswith(f"{os.environ['AWS_LOGIN_FEDERATION_URL']}?Action=login&")
    elif carries_secrets(result.out):  # dumpcreds --credential-helper
        assert json.loads(result.out)["Version"] == 1
    elif step.kind == "discovery":
        assert "sso_account_id = 111111111111" in result.out
    else:
        assert json.loads(result.out)["Arn"].startswith("arn:aws:sts::")


# --------------------------------------------------------------------- the matrix


def _cases(persistent: bool) -> list[tuple[Step, Fault, int]]:
    """(step, fault, fault count). CI: a rotating share that still covers every step and
    every fault; chaos: everything, transient faults 1, 2 and attempts-1 times in a row."""
    cases = []
    for index, step in enumerate(STEPS):
        for offset, fault in enumerate(ALL_FAULTS):
            rotating = (offset - index) % len(ALL_FAULTS)
            if persistent:
                if CHAOS or rotating == 0:
                    cases.append((step, fault, 0))
                continue
            counts = sorted({1, 2, attempts(step, fault) - 1}) if CHAOS else (
                [1 + index % 2] if rotating in (3, 6) else [])
            cases += [(step, fault, n) for n in counts]
    return cases


def _case_id(case: tuple[Step, Fault, int]) -> str:
    step, fault, count = case
    return f"{step.call}{'-' + step.where[0][1][-1] if step.where else ''}-{fault.value}" + (
        f"-x{count}" if count else "")


def _inject(world: World, step: Step, fault: Fault, times: int | None) -> FaultProxy:
    proxy = world.proxy(step.flavor)
    if times is None:
        proxy.always(step.call, fault, **dict(step.where))
    else:
        proxy.inject(step.call, fault, times, **dict(step.where))
    return proxy


def _check_and_record(world: World, step: Step, fault: Fault, result: Result,
                      recovered: bool, mode: str) -> tuple[list[str], list[str], int]:
    proxy = world.proxy(step.flavor)
    corrupt = cache_problems(world.cache)
    # stdout of dumpcreds and console is the product (credentials, the sign-in URL).
    scanned = result.err + ("" if carries_secrets(result.out) else result.out)
    secrets = leaked(scanned, world.secrets())
    crashes = tracebacks_in(result.err)
    record("faults", step.row, mode=mode, call=step.call, fault=fault.value,
           injected=proxy.injected(step.call, **dict(step.where)), recovered=int(recovered),
           clean_failures=int(not recovered and result.code == 1 and crashes == 0),
           tracebacks=crashes, corrupt_files=len(corrupt), leaked_secrets=len(secrets))
    return corrupt, secrets, crashes


@pytest.mark.parametrize("case", _cases(persistent=False), ids=_case_id)
def test_transient_faults_are_retried_and_the_command_succeeds(
        world: World, case: tuple[Step, Fault, int]) -> None:
    step, fault, count = case
    proxy = _inject(world, step, fault, count)
    result = step.run(world)
    ok = result.code == 0
    corrupt, secrets, crashes = _check_and_record(world, step, fault, result, ok, "transient")
    check_success(step, result)
    assert proxy.injected(step.call, **dict(step.where)) == count
    assert proxy.passed(step.call, **dict(step.where)) == 1  # it got through in the end
    assert (corrupt, secrets, crashes) == ([], [], 0)
    if step.kind == "aws":
        # Each retry paused, within the backoff's cap.
        retry_pauses = [s for s in world.sleeps if 0 < s <= BACKOFF_CAP]
        assert len(retry_pauses) >= count  # (a sign-in also sleeps its polling interval)


@pytest.mark.parametrize("case", _cases(persistent=True), ids=_case_id)
def test_persistent_faults_end_in_one_line_naming_the_step(
        world: World, case: tuple[Step, Fault, int]) -> None:
    step, fault, _ = case
    proxy = _inject(world, step, fault, None)
    result = step.run(world)
    corrupt, secrets, crashes = _check_and_record(world, step, fault, result, False,
                                                  "persistent")
    *before_error, last = result.err.splitlines(keepends=True) or [""]
    assert last == expected_error(step, fault, world)
    # Only a sign-in says something first: where to sign in (no error, no traceback).
    assert before_error == [] or (step.row == "sign-in" and all(
        line.startswith(("aws-login: ", "  ", "http")) and "error" not in line
        for line in before_error)), result.err
    assert (result.code, result.out) == (1, "")
    assert proxy.injected(step.call, **dict(step.where)) == attempts(step, fault)
    assert proxy.passed(step.call, **dict(step.where)) == 0
    assert (corrupt, secrets, crashes) == ([], [], 0)
    for path, content in world.written.items():  # a failed refresh keeps the old sign-in
        assert path.read_bytes() == content


def test_the_matrix_covers_every_step_and_fault() -> None:
    rows = {step.row for step in STEPS}
    assert rows == {"sign-in", "refresh", "GetRoleCredentials", "hop N/M", "getSigninToken",
                    "discovery", "GetCallerIdentity", "session step", "web identity"}
    for persistent in (False, True):
        cases = _cases(persistent)
        assert {fault for _, fault, _ in cases} == set(ALL_FAULTS)
        assert {step for step, _, _ in cases} == set(STEPS)


# --------------------------------------------------------------------- around the matrix


def test_a_refresh_outage_uses_the_sign_in_while_it_lasts(world: World) -> None:
    """The portal's token endpoint is down, but the cached token has 5 minutes left: the
    command works, says why on stderr, and the cache keeps the old sign-in."""
    path = world.token_file(timedelta(minutes=5))
    before = path.read_bytes()
    world.sso.always("CreateToken:refresh_token", Fault.HTTP_503)
    result = world.run(["dumpcreds", "--credential-helper", "--use-cache", *SSO_ROLE])
    assert result.code == 0, result.err
    expires = json.loads(before)["expiresAt"][11:16]
    assert result.err == (f"aws-login: could not refresh the SSO sign-in for {START_URL} "
                          f"(503); using it until it expires at {expires}Z\n")
    assert world.sso.injected("CreateToken:refresh_token") == ATTEMPTS
    assert path.read_bytes() == before
    assert cache_problems(world.cache) == []


def test_an_external_token_file_names_the_refresh_when_the_network_fails(world: World) -> None:
    external = world.tmp / "external.json"
    data = world.fake.issue_token(START_URL).cache_json("us-east-1")
    data["expiresAt"] = "2020-01-01T00:00:00Z"
    external.write_text(json.dumps(data))
    world.sso.always("CreateToken:refresh_token", Fault.RESET)
    result = world.run(["getcallerid", "--accesstoken-cache", f"file://{external}", *SSO_ROLE])
    assert result.code == 1
    assert result.err == (
        f"aws-login: error: token refresh: CreateToken: network error: the connection to "
        f"{world.sso.url} broke before a complete answer; check the network and proxy "
        f"settings (after {ATTEMPTS} attempts)\n")


def test_a_garbled_answer_holding_a_real_secret_never_shows_it(world: World,
                                                               sts_server: LoopbackServer
                                                               ) -> None:
    """An answer cut inside the credentials: botocore's parser error quotes the raw body,
    which must not reach the error line, with or without --debug."""
    user_keys(world)
    world.sts.always("AssumeRole", Fault.MALFORMED)
    for debug in ([], ["--debug"]):
        result = world.run([*debug, "dumpcreds", "--assume-roles", ROLE_A,
                            "--role-session-name", "chaos"])
        assert result.code == 1
        assert result.err.endswith(
            "aws-login: error: hop 1/1 (arn:aws:iam::111111111111:role/A): malformed reply: "
            "the HTTP 200 answer could not be read (not the XML or JSON AWS sends); a proxy "
            f"or firewall may be answering instead of AWS (after {ATTEMPTS} attempts)\n")
        assert leaked(result.err, world.secrets()) == []
        assert "FaultCanary" not in result.err


def test_http_timeout_variable_is_checked_before_any_request(world: World) -> None:
    user_keys(world)
    for value in ("soon", "0", "-1", "nan", "601"):
        world.monkeypatch.setenv("AWS_LOGIN_HTTP_TIMEOUT", value)
        result = world.run(["getcallerid"])
        assert (result.code, result.out) == (2, "")
        assert result.err == (
            f"aws-login: error: AWS_LOGIN_HTTP_TIMEOUT {value!r} is not valid; give the "
            "seconds to wait for an answer, more than 0 and at most 600, e.g. "
            "AWS_LOGIN_HTTP_TIMEOUT=60\n")
    assert world.sts.seen == []


def test_a_proxys_html_error_page_is_reported_with_its_status(
        aws_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A proxy's HTTP 500 page that is not even well-formed XML (botocore cannot parse it):
    the error names the status."""
    page = b"<!DOCTYPE html><html><head><meta charset=utf-8><title>500</title><body>oops<br>"

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(500)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, format: str, *args: object) -> None:
            return None

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", USER_KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", USER_SECRET)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        monkeypatch.setenv("AWS_ENDPOINT_URL_STS", f"http://127.0.0.1:{server.server_port}")
        result = run_cli(["getcallerid"], sleep=no_sleep)
    finally:
        server.shutdown()
        server.server_close()
    assert (result.code, result.out) == (1, "")
    assert result.err == (
        "aws-login: error: GetCallerIdentity: malformed reply: the HTTP 500 answer could not "
        "be read (not the XML or JSON AWS sends); a proxy or firewall may be answering "
        f"instead of AWS (after {ATTEMPTS} attempts)\n")
