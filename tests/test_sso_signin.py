"""IAM Identity Center sign-in end to end: PKCE through a $BROWSER stand-in, the device flow
with its pending / slow-down / denied / expired answers, and SSO roles as a starting source.
Everything talks to the loopback FakeSso (whose role credentials are real moto sessions)."""

from __future__ import annotations

import io
import json
import os
import sys
import threading
from datetime import datetime, timezone
from pathlib import Path

import pytest
import requests

from aws_login.context import Context
from aws_login.errors import AwsCallError, OperationError
from aws_login.model import ClientRegistration
from aws_login.sso.flows import SignInUi, device_sign_in
from aws_login.sso.loopback import CallbackListener
from aws_login.sso.oidc import DEVICE_GRANT, DeviceAuthorization, OidcApi
from tests.fakes.sso import FakeSso
from tests.helpers import BROWSER_STANDIN, SIGN_IN, SSO_ROLE, START_URL, run_cli, run_process


def sso_role_arn_prefix(account: str, role: str) -> str:
    return f"arn:aws:sts::{account}:assumed-role/AWSReservedSSO_{role}_"


class Sleeps:
    """Records the waits the device flow asks for, without waiting."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def test_pkce_sign_in_through_a_browser_stand_in(sso_env: Path, fake_sso: FakeSso,
                                                 tmp_path: Path) -> None:
    log = tmp_path / "browser.log"
    env = dict(os.environ, BROWSER=f"{sys.executable} {BROWSER_STANDIN} %s", STANDIN_LOG=str(log))
    result = run_process(["getcallerid", *SIGN_IN, *SSO_ROLE], env=env)
    assert result.returncode == 0, result.stderr
    identity = json.loads(result.stdout)  # stdout holds the JSON and nothing else
    assert identity["Arn"].startswith(sso_role_arn_prefix("111111111111", "AdministratorAccess"))
    assert identity["Arn"].endswith("/alice@example.com")
    # The browser went to the fake's /authorize and came back to our listener's page.
    (authorize,) = fake_sso.authorize_requests
    assert authorize.outcome == "code"
    assert authorize.params["code_challenge_method"] == "S256"
    assert authorize.params["scopes"] == "sso:account:access"
    assert authorize.params["redirect_uri"].startswith("http://127.0.0.1:")
    assert authorize.params["redirect_uri"].endswith("/oauth/callback")
    assert "Signed in" in log.read_text()
    assert fake_sso.calls["CreateToken:authorization_code"] == 1
    client = next(iter(fake_sso.clients.values()))
    assert set(client.grant_types) == {"authorization_code", "refresh_token"}
    assert client.issuer_url == START_URL
    # Without --use-cache a sign-in is stateless: nothing written.
    assert not sso_env.exists()


def test_pkce_denied_in_the_browser_is_one_clear_line(sso_env: Path, fake_sso: FakeSso) -> None:
    fake_sso.browser_decision = "deny"
    env = dict(os.environ, BROWSER=f"{sys.executable} {BROWSER_STANDIN} %s")
    result = run_process(["getcallerid", *SIGN_IN, *SSO_ROLE], env=env)
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        "aws-login: error: sign-in was not approved (access_denied); run the command again "
        "and approve the request in the browser")
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_a_browser_that_cannot_open_falls_back_to_the_device_flow(
        sso_env: Path, fake_sso: FakeSso, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BROWSER", "/nonexistent/browser")
    fake_sso.auto_approve = True
    opened: list[str] = []

    def cannot_open(url: str) -> bool:
        opened.append(url)
        return False

    result = run_cli(["dumpcreds", "--credential-helper", *SIGN_IN, *SSO_ROLE],
                     open_url=cannot_open, sleep=Sleeps())
    assert result.code == 0, result.err
    assert "using the device code sign-in instead" in result.err
    assert "/authorize?" in opened[0]
    assert fake_sso.calls["CreateToken:device_code"] == 1
    assert json.loads(result.out)["Version"] == 1


def test_device_flow_honours_interval_and_slow_down(sso_env: Path, fake_sso: FakeSso) -> None:
    fake_sso.device_interval = 2
    fake_sso.device_script = ["pending", "slow_down", "pending", "approve"]
    sleeps = Sleeps()
    result = run_cli(["getcallerid", "--use-device-code", *SIGN_IN, *SSO_ROLE], sleep=sleeps)
    assert result.code == 0, result.err
    assert sleeps.calls == [2, 2, 7, 7]  # +5 s after SlowDown, kept from then on
    assert fake_sso.calls["CreateToken:device_code"] == 4
    auth = fake_sso.device()
    assert f"enter the code {auth.user_code}" in result.err
    assert auth.user_code not in result.out
    assert json.loads(result.out)["Arn"].startswith(
        sso_role_arn_prefix("111111111111", "AdministratorAccess"))


@pytest.mark.parametrize("answer, message", [
    ("deny", "sign-in was denied in the browser; run the command again and choose Allow"),
    ("expire", "the sign-in code expired before it was approved; run the command again and "
               "approve it sooner"),
])
def test_device_flow_denied_or_expired(sso_env: Path, fake_sso: FakeSso, answer: str,
                                       message: str) -> None:
    fake_sso.device_script = ["pending", answer]
    result = run_cli(["getcallerid", "--use-device-code", *SIGN_IN, *SSO_ROLE], sleep=Sleeps())
    assert result.code == 1
    assert result.err.splitlines()[-1] == f"aws-login: error: {message}"
    assert result.out == ""
    assert fake_sso.calls["GetRoleCredentials"] == 0


def test_no_browser_uses_the_device_flow_and_opens_nothing(
        sso_env: Path, fake_sso: FakeSso, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BROWSER", "/bin/true")
    fake_sso.auto_approve = True
    opened: list[str] = []

    def open_url(url: str) -> bool:
        opened.append(url)
        return True

    result = run_cli(["dumpcreds", "--credential-helper", "--no-browser", *SIGN_IN, *SSO_ROLE],
                     open_url=open_url, sleep=Sleeps())
    assert result.code == 0, result.err
    assert opened == []
    assert fake_sso.calls["Authorize"] == 0
    assert fake_sso.calls["CreateToken:device_code"] == 1


def test_sso_region_is_said_when_guessed(sso_env: Path, fake_sso: FakeSso,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    fake_sso.auto_approve = True
    result = run_cli(["getcallerid", "--start-url", START_URL, *SSO_ROLE], sleep=Sleeps())
    assert result.code == 0, result.err
    assert "using SSO region eu-west-1 from AWS_REGION; pass --sso-region to choose" in result.err


def test_sso_region_from_the_profile_is_said_and_a_bad_one_refused(
        sso_env: Path, fake_sso: FakeSso, monkeypatch: pytest.MonkeyPatch) -> None:
    config = Path(os.environ["AWS_CONFIG_FILE"])
    config.write_text("[default]\nregion = eu-central-1\n")
    fake_sso.auto_approve = True
    result = run_cli(["getcallerid", "--start-url", START_URL, *SSO_ROLE], sleep=Sleeps())
    assert result.code == 0, result.err
    assert ("using SSO region eu-central-1 from region setting of profile 'default'; pass "
            "--sso-region to choose") in result.err
    monkeypatch.setenv("AWS_REGION", "eu west 1")
    bad = run_cli(["getcallerid", "--start-url", START_URL, *SSO_ROLE], sleep=Sleeps())
    assert bad.code == 2
    assert bad.err == ("aws-login: error: AWS_REGION: region 'eu west 1' is not valid; "
                       "expected e.g. us-east-1\n")
    assert fake_sso.calls["RegisterClient"] == 1  # only the first run's sign-in


def test_sso_role_then_two_hop_chain(sso_env: Path, fake_sso: FakeSso) -> None:
    token = fake_sso.issue_token(START_URL).access_token
    result = run_cli(["getcallerid", "--sso-access-token", token, "--sso-region", "us-east-1",
                      *SSO_ROLE, "--assume-roles",
                      "arn:aws:iam::222222222222:role/A arn:aws:iam::333333333333:role/B"])
    assert result.code == 0, result.err
    identity = json.loads(result.out)
    # The session name is derived from the SSO user.
    assert identity["Arn"] == "arn:aws:sts::333333333333:assumed-role/B/alice@example.com"
    assert fake_sso.calls["GetRoleCredentials"] == 1


def test_revoked_token_and_unassigned_role(sso_env: Path, fake_sso: FakeSso) -> None:
    token = fake_sso.issue_token(START_URL).access_token
    base = ["getcallerid", "--sso-access-token", token, "--sso-region", "us-east-1"]
    unassigned = run_cli([*base, "--sso-acct-id", "222222222222",
                          "--sso-role-name", "AdministratorAccess"])
    assert unassigned.code == 1
    assert unassigned.err == (
        "aws-login: error: SSO GetRoleCredentials (222222222222/AdministratorAccess): role "
        "AdministratorAccess in account 222222222222 is not assigned to you; check "
        "--sso-acct-id and --sso-role-name (aws-login dumpconfig lists what you can reach)\n")
    fake_sso.revoke(token)
    revoked = run_cli([*base, *SSO_ROLE])
    assert revoked.code == 1
    assert revoked.err == (
        "aws-login: error: SSO GetRoleCredentials (111111111111/AdministratorAccess): the "
        "portal refused the SSO sign-in (revoked, signed out elsewhere, or expired early); pass "
        "a new --sso-access-token, or sign in with aws-login login --start-url URL "
        "--sso-region us-east-1 and use --use-cache\n")
    assert token not in revoked.err


def test_listener_rejects_a_wrong_state_and_answers_once() -> None:
    listener = CallbackListener("right-state", "/oauth/callback")
    uri = listener.redirect_uri
    assert uri.startswith("http://127.0.0.1:")
    answers: list[int] = []

    def browser() -> None:
        answers.append(requests.get(f"{uri}?code=evil&state=wrong", timeout=5).status_code)
        answers.append(requests.get(uri.replace("/oauth/callback", "/other"),
                                    timeout=5).status_code)
        answers.append(requests.get(f"{uri}?code=good&state=right-state",
                                    timeout=5).status_code)

    thread = threading.Thread(target=browser)
    thread.start()
    assert listener.wait(10) == "good"
    thread.join()
    assert answers == [400, 404, 200]
    with pytest.raises(requests.ConnectionError):  # closed after its one answer
        requests.get(f"{uri}?code=again&state=right-state", timeout=2)


def test_console_from_an_sso_role(sso_env: Path, fake_sso: FakeSso,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.fakes.federation import start_fake_federation

    fed = start_fake_federation()
    try:
        monkeypatch.setenv("AWS_LOGIN_FEDERATION_URL", fed.federation_url)
        token = fake_sso.issue_token(START_URL).access_token
        result = run_cli(["console", "--no-browser", "--sso-access-token", token,
                          "--sso-region", "us-east-1", *SSO_ROLE,
                          "--destination", fed.console_url("console/s3/home")])
        assert result.code == 0, result.err
        assert "secret" in result.err  # the warning that the URL is a secret
        page = requests.Session().get(result.out.strip(), timeout=10)
        assert page.status_code == 200
        assert ("<p id='who'>arn:aws:sts::111111111111:assumed-role/"
                "AWSReservedSSO_AdministratorAccess_") in page.text
        assert "/alice@example.com</p>" in page.text
        assert fed.actions() == ["getSigninToken", "login", "/console/s3/home"]
        assert fake_sso.calls["GetRoleCredentials"] == 1
    finally:
        fed.stop()


WRONG_START_URL = "https://d-0000000000.awsapps.com/start"


def _check_it(operation: str) -> str:
    return (f"sign-in: {operation}: IAM Identity Center does not know the start URL "
            f"{WRONG_START_URL} in this region; check --start-url (your AWS access portal "
            "URL, as the portal's Settings page shows it) and --sso-region")


@pytest.mark.parametrize("flow", [["--use-device-code"], []])
def test_a_wrong_start_url_says_to_check_it(sso_env: Path, fake_sso: FakeSso,
                                            monkeypatch: pytest.MonkeyPatch,
                                            flow: list[str]) -> None:
    monkeypatch.setenv("BROWSER", str(BROWSER_STANDIN))
    fake_sso.start_urls = (START_URL,)
    result = run_cli(["getcallerid", *flow, "--start-url", WRONG_START_URL, "--sso-region",
                      "us-east-1", *SSO_ROLE], sleep=Sleeps())
    # both flows register with the start URL as issuerUrl, which the fake checks first
    assert (result.code, result.out) == (1, "")
    assert result.err.splitlines()[-1] == f"aws-login: error: {_check_it('RegisterClient')}"


def test_start_device_authorization_with_a_wrong_start_url(sso_env: Path,
                                                           fake_sso: FakeSso) -> None:
    fake_sso.start_urls = (START_URL,)
    ctx = Context(environ=os.environ, stdout=io.StringIO(), stderr=io.StringIO(),
                  stdin=io.StringIO())
    api = OidcApi(ctx.clients.client("sso-oidc", "us-east-1", None), ctx.log, ctx.retry)
    registration = api.register(grant_types=[DEVICE_GRANT, "refresh_token"])
    with pytest.raises(OperationError) as caught:
        api.start_device_authorization(registration, WRONG_START_URL)
    assert caught.value.message == _check_it("StartDeviceAuthorization")
    # the fake answers as the service does
    assert fake_sso.calls["StartDeviceAuthorization"] == 1


class _SpentCodeOidc:
    """An OIDC service whose CreateToken finds the device code already spent, as when the
    answer to an approved poll was lost and the poll was sent again."""

    def __init__(self) -> None:
        self.polls = 0

    def start_device_authorization(self, registration: object,
                                   start_url: str) -> DeviceAuthorization:
        return DeviceAuthorization("device-code", "ABCD-EFGH", "https://device.example/",
                                   "https://device.example/?user_code=ABCD-EFGH", 600, 1)

    def create_token(self, registration: object, step: str, **params: object) -> object:
        self.polls += 1
        raise AwsCallError(step, "InvalidGrantException", "Invalid device code provided")


def test_a_spent_device_code_says_to_sign_in_anew() -> None:
    said: list[str] = []
    oidc = _SpentCodeOidc()
    ui = SignInUi(say=said.append, open_url=lambda url: False, sleep=lambda seconds: None,
                  now=lambda: datetime(2026, 1, 1, tzinfo=timezone.utc), may_open_browser=False)
    registration = ClientRegistration("client", "secret",
                                      datetime(2026, 6, 1, tzinfo=timezone.utc))
    with pytest.raises(OperationError) as raised:
        device_sign_in(oidc, registration, START_URL, "us-east-1", ui)  # type: ignore[arg-type]
    assert raised.value.message == (
        "the sign-in code was refused as already used or unknown (an answer may have been lost "
        "on the way); run the command again to sign in anew")
    assert oidc.polls == 1
    assert said == [f"to sign in to {START_URL}, open https://device.example/ and enter the "
                    "code ABCD-EFGH\n  (or open https://device.example/?user_code=ABCD-EFGH)"]
