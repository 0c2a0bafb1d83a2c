"""`aws-login console` end to end: moto STS and a fake federation endpoint on 127.0.0.1,
followed by `requests` and, in one test, by a real headless Chromium started as $BROWSER."""

from __future__ import annotations

import io
import shutil
import stat
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from aws_login.commands import console
from aws_login.context import Context
from tests.fakes.federation import FakeFederation
from tests.fakes.moto_server import LoopbackServer, Recorder
from tests.helpers import (
    FEDERATED_ARN,
    ROLE_A,
    ROLE_B,
    USER_KEY_ID,
    USER_SECRET,
    Result,
    run_cli,
    run_process,
)

CHROMIUM = "/usr/bin/chromium"


# --- fixtures ------------------------------------------------------------------------------

@pytest.fixture
def dest(fed: FakeFederation) -> str:
    return fed.console_url("console/ec2/home")


def run_with_browser(argv: list[str], opened: list[str], works: bool = True
                     ) -> tuple[Result, list[float]]:
    """In-process run whose "browser" records the URLs it is asked to open."""
    pauses: list[float] = []

    def open_url(url: str) -> bool:
        opened.append(url)
        return works

    return run_cli(argv, open_url=open_url, sleep=pauses.append), pauses


def login_params(url: str, fed: FakeFederation) -> dict[str, str]:
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == fed.federation_url
    query = parse_qs(parts.query, keep_blank_values=True)
    assert list(query) == ["Action", "Issuer", "Destination", "SigninToken"]
    return {k: v[0] for k, v in query.items()}


def printed_url(result: Result) -> str:
    assert result.code == 0, result.err
    assert result.out.endswith("\n") and result.out.count("\n") == 1
    return result.out.strip()


def follow(url: str) -> requests.Response:
    """Open the URL as a browser would: follow redirects, keep cookies."""
    return requests.Session().get(url, timeout=10)


def token_request(fed: FakeFederation) -> dict[str, str]:
    [request] = fed.find("getSigninToken")
    return request.params


# --- starting sources ----------------------------------------------------------------------

def test_env_iam_keys_go_through_getfederationtoken(user_keys: None, sts: LoopbackServer,
                                                     calls: Recorder,
                                                     fed: FakeFederation, dest: str) -> None:
    result = run_cli(["console", "--no-browser", "--destination", dest])
    url = printed_url(result)
    params = login_params(url, fed)
    assert params["Action"] == "login"
    assert params["Issuer"] == "aws-login"
    assert params["Destination"] == dest
    assert params["SigninToken"] in fed.tokens
    assert fed.tokens[params["SigninToken"]].kind == "federated"
    assert "long-term IAM user keys" in result.err
    assert "getting GetFederationToken credentials" in result.err
    assert "treat it as a secret" in result.err and "15 minutes" in result.err
    assert sts.recorder.actions() == ["GetCallerIdentity", "GetFederationToken"]
    federation_call = calls.only("GetFederationToken").params
    assert federation_call["Name"] == "moto"
    assert "DurationSeconds" not in federation_call
    assert "SessionDuration" not in token_request(fed)

    page = follow(url)
    assert page.status_code == 200
    assert f"<p id='who'>{FEDERATED_ARN}</p>" in page.text
    assert "<p id='page'>/console/ec2/home</p>" in page.text
    assert fed.actions() == ["getSigninToken", "login", "/console/ec2/home"]


def test_console_duration_sets_the_federation_token_lifetime_not_sessionduration(
        user_keys: None, calls: Recorder, fed: FakeFederation, dest: str) -> None:
    result = run_cli(["console", "--no-browser", "--console-duration", "7200",
                      "--destination", dest])
    printed_url(result)
    assert calls.only("GetFederationToken").params["DurationSeconds"] == "7200"
    assert "SessionDuration" not in token_request(fed)


def test_explicit_get_federation_token(user_keys: None, sts: LoopbackServer,
                                       calls: Recorder, fed: FakeFederation,
                                       dest: str) -> None:
    result = run_cli(["console", "--no-browser", "--get-federation-token", "--federation-name",
                      "alice-laptop", "--console-duration", "3600", "--destination", dest])
    printed_url(result)
    assert "long-term IAM user keys" not in result.err  # asked for, so nothing to explain
    assert sts.recorder.actions() == ["GetFederationToken"]
    call = calls.only("GetFederationToken").params
    assert (call["Name"], call["DurationSeconds"]) == ("alice-laptop", "3600")
    assert "SessionDuration" not in token_request(fed)


def test_profile_with_a_role_sends_sessionduration(aws_env: Path, sts: LoopbackServer,
                                                   fed: FakeFederation, dest: str) -> None:
    (aws_env / "credentials").write_text(
        f"[base]\naws_access_key_id = {USER_KEY_ID}\naws_secret_access_key = {USER_SECRET}\n")
    (aws_env / "config").write_text(
        f"[profile dev]\nrole_arn = {ROLE_A}\nsource_profile = base\n"
        "role_session_name = alice\nregion = eu-west-1\n")
    result = run_cli(["console", "--profile", "dev", "--no-browser", "--console-duration",
                      "3600", "--destination", dest])
    url = printed_url(result)
    assert "long-term" not in result.err
    assert sts.recorder.actions() == ["AssumeRole"]  # botocore's, for the profile
    assert token_request(fed)["SessionDuration"] == "3600"
    page = follow(url)
    assert "<p id='who'>arn:aws:sts::111111111111:assumed-role/A/alice</p>" in page.text


def test_profile_with_static_keys_is_federated(aws_env: Path, sts: LoopbackServer,
                                               fed: FakeFederation) -> None:
    (aws_env / "credentials").write_text(
        f"[dev]\naws_access_key_id = {USER_KEY_ID}\naws_secret_access_key = {USER_SECRET}\n")
    result = run_cli(["console", "--profile", "dev", "--no-browser", "--region", "eu-west-1",
                      "--destination", "lambda"])
    params = login_params(printed_url(result), fed)
    assert params["Destination"] == (
        "https://eu-west-1.console.aws.amazon.com/lambda/home?region=eu-west-1")
    assert "the credentials from profile dev are long-term IAM user keys" in result.err
    assert sts.recorder.actions() == ["GetCallerIdentity", "GetFederationToken"]


def test_two_hop_chain_signs_in_as_the_last_role(user_keys: None, sts: LoopbackServer,
                                                 calls: Recorder, fed: FakeFederation,
                                                 dest: str) -> None:
    result = run_cli(["console", "--no-browser", "--assume-roles", f"{ROLE_A}, {ROLE_B}",
                      "--console-duration", "43200", "--destination", dest])
    url = printed_url(result)
    assert sts.recorder.actions() == ["GetCallerIdentity", "AssumeRole", "AssumeRole"]
    assert [c.params["RoleArn"] for c in calls.of("AssumeRole")] == [ROLE_A, ROLE_B]
    assert token_request(fed)["SessionDuration"] == "43200"
    assert fed.tokens[login_params(url, fed)["SigninToken"]].kind == "role"
    page = follow(url)
    assert "<p id='who'>arn:aws:sts::222222222222:assumed-role/B/moto</p>" in page.text


def test_chain_without_console_duration_sends_none(user_keys: None, fed: FakeFederation,
                                                   dest: str) -> None:
    printed_url(run_cli(["console", "--no-browser", "--assume-roles", ROLE_A,
                         "--destination", dest]))
    assert "SessionDuration" not in token_request(fed)


def test_get_session_token_then_a_role_works(user_keys: None, sts: LoopbackServer,
                                             fed: FakeFederation, dest: str) -> None:
    printed_url(run_cli(["console", "--no-browser", "--get-session-token", "--assume-roles",
                         ROLE_A, "--destination", dest]))
    assert sts.recorder.actions()[:2] == ["GetSessionToken", "GetCallerIdentity"]
    assert sts.recorder.actions()[-1] == "AssumeRole"


# --- destinations and partitions -----------------------------------------------------------

@pytest.mark.parametrize(("extra", "destination"), [
    ([], "https://us-east-1.console.aws.amazon.com/console/home?region=us-east-1"),
    (["--region", "eu-west-1", "--destination", "s3"],
     "https://eu-west-1.console.aws.amazon.com/s3/home?region=eu-west-1"),
    (["--assume-roles", "arn:aws-us-gov:iam::111111111111:role/Gov", "--destination", "ec2"],
     "https://console.amazonaws-us-gov.com/ec2/home?region=us-gov-west-1"),
    (["--assume-roles", "arn:aws-cn:iam::111111111111:role/Cn", "--region", "cn-northwest-1"],
     "https://console.amazonaws.cn/console/home?region=cn-northwest-1"),
])
def test_destination_follows_region_and_role_partition(user_keys: None, fed: FakeFederation,
                                                       extra: list[str],
                                                       destination: str) -> None:
    result = run_cli(["console", "--no-browser", *extra])
    assert login_params(printed_url(result), fed)["Destination"] == destination


def test_configured_region_picks_the_destination(user_keys: None, fed: FakeFederation,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-northeast-1")
    result = run_cli(["console", "--no-browser", "--destination", "iam"])
    assert login_params(printed_url(result), fed)["Destination"] == (
        "https://console.aws.amazon.com/iam/home")


def test_issuer_option(user_keys: None, fed: FakeFederation, dest: str) -> None:
    result = run_cli(["console", "--no-browser", "--issuer", "https://portal.example.com/aws",
                      "--destination", dest])
    assert login_params(printed_url(result), fed)["Issuer"] == "https://portal.example.com/aws"


# --- browser, logout-first -----------------------------------------------------------------

def test_opens_the_browser_and_prints_nothing(user_keys: None, fed: FakeFederation, dest: str,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BROWSER", "true")
    opened: list[str] = []
    result, pauses = run_with_browser(["console", "--destination", dest], opened)
    assert result.code == 0, result.err
    assert result.out == ""
    [url] = opened
    assert login_params(url, fed)["Destination"] == dest
    assert "opened the AWS console sign-in in your browser" in result.err
    assert url not in result.err and pauses == []


def test_prints_the_url_when_no_browser_opens(user_keys: None, fed: FakeFederation, dest: str,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BROWSER", "true")
    opened: list[str] = []
    result, _ = run_with_browser(["console", "--destination", dest], opened, works=False)
    assert printed_url(result) == opened[0]
    assert "could not open a browser" in result.err


def test_no_display_means_no_browser(user_keys: None, fed: FakeFederation, dest: str) -> None:
    opened: list[str] = []
    result, _ = run_with_browser(["console", "--destination", dest], opened)
    assert opened == []
    login_params(printed_url(result), fed)


def test_logout_first_replaces_the_browser_session_with_one_url(
        user_keys: None, fed: FakeFederation, dest: str) -> None:
    browser = requests.Session()
    first = printed_url(run_cli(["console", "--no-browser", "--assume-roles", ROLE_A,
                                 "--destination", dest]))
    assert "assumed-role/A/moto" in browser.get(first, timeout=10).text
    [old_session] = browser.cookies.values()
    fed.clear()

    result = run_cli(["console", "--no-browser", "--logout-first", "--destination", dest])
    url = printed_url(result)
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{fed.url}/oauth"
    query = parse_qs(parts.query)
    assert query["Action"] == ["logout"]
    assert login_params(query["redirect_uri"][0], fed)["Destination"] == dest
    page = browser.get(url, timeout=10)
    assert page.status_code == 200
    assert f"<p id='who'>{FEDERATED_ARN}</p>" in page.text
    assert fed.actions() == ["getSigninToken", "logout", "login", "/console/ec2/home"]
    assert fed.find("logout")[0].cookie == old_session
    assert fed.find("/console/ec2/home")[0].cookie not in (None, old_session)


def test_two_step_logout_waits_between_sign_out_and_sign_in() -> None:
    """aws-cn: no known redirect after sign-out, so two pages open, in order, with a pause."""
    opened: list[str] = []
    pauses: list[float] = []

    def open_url(url: str) -> bool:
        opened.append(url)
        return True

    ctx = Context(environ={"BROWSER": "true"}, stdout=io.StringIO(), stderr=io.StringIO(),
                  stdin=io.StringIO(), open_url=open_url, sleep=pauses.append)
    urls = ["https://signin.amazonaws.cn/oauth?Action=logout",
            "https://signin.amazonaws.cn/federation?Action=login&SigninToken=t"]
    assert console._deliver(urls, False, ctx) == 0
    assert opened == urls and pauses == [console.LOGOUT_SETTLE_SECONDS]


def test_two_step_logout_without_browser_says_what_to_open_first() -> None:
    out, err = io.StringIO(), io.StringIO()
    ctx = Context(environ={}, stdout=out, stderr=err, stdin=io.StringIO())
    urls = ["https://signin.amazonaws.cn/oauth?Action=logout",
            "https://signin.amazonaws.cn/federation?Action=login&SigninToken=t"]
    console._deliver(urls, True, ctx)
    assert out.getvalue() == urls[1] + "\n"
    assert f"first open {urls[0]} in the same browser" in err.getvalue()


# --- errors and secrets --------------------------------------------------------------------

def test_getsessiontoken_credentials_are_refused_before_any_request(
        user_keys: None, sts: LoopbackServer, fed: FakeFederation) -> None:
    result = run_cli(["console", "--no-browser", "--get-session-token"])
    assert result.code == 2
    assert result.out == ""
    assert "GetSessionToken credentials cannot sign in to the AWS console" in result.err
    assert "--assume-roles" in result.err
    assert sts.recorder.requests == [] and fed.requests == []


@pytest.mark.parametrize("value", ["899", "43201", "0", "-5", "3600.5", "1h"])
def test_bad_console_duration_is_a_usage_error_without_requests(
        user_keys: None, sts: LoopbackServer, fed: FakeFederation, value: str) -> None:
    result = run_cli(["console", "--no-browser", "--assume-roles", ROLE_A,
                      "--console-duration", value])
    assert result.code == 2, result.err
    assert "--console-duration" in result.err
    assert sts.recorder.requests == [] and fed.requests == []


@pytest.mark.parametrize(("argv", "message"), [
    (["--get-federation-token", "--duration", "3600", "--console-duration", "7200"],
     "give only one"),
    (["--destination", "https://evil.example.com/"], "not an AWS console URL"),
    (["--destination", "Not A Service"], "neither a console URL nor a service name"),
    (["--issuer", "has space"], "--issuer"),
])
def test_other_usage_errors_send_nothing(user_keys: None, sts: LoopbackServer,
                                         federation_server: FakeFederation, argv: list[str],
                                         message: str) -> None:
    federation_server.clear()  # no override: the real partition hosts are never reached
    result = run_cli(["console", "--no-browser", *argv])
    assert result.code == 2, result.err
    assert message in result.err
    assert sts.recorder.requests == [] and federation_server.requests == []


def test_bad_federation_override_is_a_usage_error(user_keys: None, sts: LoopbackServer,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_LOGIN_FEDERATION_URL", "signin.example.com/federation")
    result = run_cli(["console", "--no-browser"])
    assert result.code == 2 and "AWS_LOGIN_FEDERATION_URL" in result.err
    assert sts.recorder.requests == []


def test_refused_credentials_fail_with_exit_1_and_no_secrets(
        aws_env: Path, fed: FakeFederation, monkeypatch: pytest.MonkeyPatch) -> None:
    # Temporary credentials STS never issued: the endpoint refuses them, as AWS would.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "ASIAUNKNOWNEXAMPLE12")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "unknown/secret+KEY")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "unknown-session-token-value")
    result = run_cli(["console", "--no-browser", "--debug", "--console-duration", "3600"])
    assert result.code == 1
    assert result.out == ""
    assert "refused the credentials (HTTP 400)" in result.err
    assert "GetSessionToken" in result.err and "drop --console-duration" in result.err
    for secret in ("unknown/secret+KEY", "unknown%2Fsecret", "unknown-session-token-value"):
        assert secret not in result.err


def test_unreachable_endpoint_fails_with_exit_1(user_keys: None, aws_env: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("AWS_LOGIN_FEDERATION_URL", f"http://127.0.0.1:{port}/federation")
    opened: list[str] = []
    result, pauses = run_with_browser(["console", "--no-browser"], opened)
    assert result.code == 1
    assert f"could not reach http://127.0.0.1:{port} (ConnectionError)" in result.err
    assert pauses == [0.5, 1.0]  # three attempts
    assert "Session=" not in result.err and "sessionKey" not in result.err


def test_debug_log_never_shows_the_url_or_token(user_keys: None, fed: FakeFederation,
                                                dest: str) -> None:
    result = run_cli(["--debug", "console", "--no-browser", "--logout-first",
                      "--destination", dest])
    url = printed_url(result)
    login = parse_qs(urlsplit(url).query)["redirect_uri"][0]
    token = login_params(login, fed)["SigninToken"]
    assert "aws-login: debug: getSigninToken at" in result.err
    for secret in (url, login, token, USER_SECRET):
        assert secret not in result.err
    assert "received a sign-in token" in result.err


# --- a real browser ------------------------------------------------------------------------

def _browser_script(tmp_path: Path) -> tuple[Path, Path]:
    """A $BROWSER that loads the URL in headless Chromium and keeps the final page's DOM."""
    dom = tmp_path / "dom.html"
    script = tmp_path / "headless-browser"
    script.write_text(
        "#!/bin/sh\n"
        f"exec {CHROMIUM} --headless --no-sandbox --disable-gpu "
        "--disable-background-networking --disable-component-update --disable-sync "
        "--no-first-run --no-default-browser-check "
        f"--user-data-dir={tmp_path / 'profile'} --dump-dom \"$1\" "
        f">{dom} 2>{tmp_path / 'chromium.log'}\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script, dom


@pytest.mark.skipif(not shutil.which(CHROMIUM), reason="needs Debian's chromium")
@pytest.mark.parametrize("logout_first", [False, True])
def test_headless_chromium_lands_on_the_console(user_keys: None, fed: FakeFederation,
                                                tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch,
                                                logout_first: bool) -> None:
    script, dom = _browser_script(tmp_path)
    monkeypatch.setenv("BROWSER", str(script))
    destination = fed.console_url("console/s3/home")
    argv = ["console", "--assume-roles", ROLE_A, "--destination", destination]
    done = run_process(argv + (["--logout-first"] if logout_first else []), timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert "opened the AWS console sign-in in your browser" in done.stderr
    page = dom.read_text()
    assert "<h1 id=\"fake-console\">Fake AWS console</h1>" in page
    assert "<p id=\"who\">arn:aws:sts::111111111111:assumed-role/A/moto</p>" in page
    assert "<p id=\"page\">/console/s3/home</p>" in page
    served = [r for r in fed.find("/console/s3/home") if r.status == 200]
    assert len(served) == 1
    expected = ["getSigninToken", "login", "/console/s3/home"]
    if logout_first:
        expected.insert(1, "logout")
    assert [a for a in fed.actions() if a != "/favicon.ico"] == expected
