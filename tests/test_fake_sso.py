"""The SSO fake is faithful: real botocore clients (sso-oidc, sso) drive it and get what the
service models promise, errors included."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import botocore
import botocore.session
import pytest
import requests
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.fakes.moto_server import LoopbackServer
from tests.fakes.sso import (
    ACCOUNT_SCOPE,
    AUTH_CODE_GRANT,
    DEVICE_GRANT,
    OIDC_ERRORS,
    PORTAL_ERRORS,
    ROUTES,
    UNMODELED_PORTAL_ERRORS,
    Account,
    FakeSso,
    _s256,
    make_accounts,
)
from tests.helpers import GOLDEN_START_URL

NO_RETRY = Config(retries={"total_max_attempts": 1, "mode": "standard"})
MODELS = Path(botocore.__file__).parent / "data"


def load_model(service: str) -> dict[str, Any]:
    (path,) = sorted((MODELS / service).glob("*/service-2.json.gz"))[-1:]
    model: dict[str, Any] = json.loads(gzip.decompress(path.read_bytes()))
    return model


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[botocore.session.Session]:
    """A botocore session that sees no AWS settings of the machine running the tests."""
    empty = tmp_path_factory.mktemp("aws") / "none"
    with pytest.MonkeyPatch.context() as patch:
        for name in [n for n in os.environ if n.startswith("AWS_")]:
            patch.delenv(name)
        patch.setenv("AWS_CONFIG_FILE", str(empty))
        patch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty))
        yield botocore.session.Session()


@pytest.fixture
def fake() -> Iterator[FakeSso]:
    with FakeSso(make_accounts(5)) as server:
        yield server


def oidc_client(session: botocore.session.Session, fake: FakeSso) -> Any:
    # What botocore's SSOTokenProvider builds: unsigned (the operations are auth "none").
    return session.create_client("sso-oidc", endpoint_url=fake.url, region_name="us-east-1",
                                 config=NO_RETRY.merge(Config(signature_version=UNSIGNED)))


def portal_client(session: botocore.session.Session, fake: FakeSso) -> Any:
    return session.create_client("sso", endpoint_url=fake.url, region_name="us-east-1",
                                 config=NO_RETRY.merge(Config(signature_version=UNSIGNED)))


def error_of(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response: Any = excinfo.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


# ------------------------------------------------------------------ the fake matches the models


def test_routes_and_error_statuses_match_the_botocore_models() -> None:
    for service, family_errors in (("sso-oidc", OIDC_ERRORS), ("sso", PORTAL_ERRORS)):
        model = load_model(service)
        for name, operation in model["operations"].items():
            if name == "CreateTokenWithIAM":  # IAM-signed; not used by sign-in tools
                continue
            http = operation["http"]
            assert ROUTES[(http["method"], http["requestUri"])][0] == name
        modeled = {name: shape["error"]["httpStatusCode"]
                   for name, shape in model["shapes"].items() if shape.get("exception")}
        ours = {name: (v[0] if isinstance(v, tuple) else v) for name, v in family_errors.items()}
        assert {k: v for k, v in ours.items() if k not in UNMODELED_PORTAL_ERRORS} == modeled
    portal = load_model("sso")["shapes"]
    assert portal["GetRoleCredentialsRequest"]["members"]["accessToken"]["locationName"] == (
        "x-amz-sso_bearer_token")
    assert portal["ListAccountsRequest"]["members"]["nextToken"]["locationName"] == "next_token"
    assert portal["ListAccountsRequest"]["members"]["maxResults"]["locationName"] == "max_result"


# ------------------------------------------------------------------ OIDC


def register(oidc: Any, **extra: Any) -> dict[str, Any]:
    registration: dict[str, Any] = oidc.register_client(clientName="test", clientType="public",
                                                        **extra)
    return registration


def test_device_flow_pending_then_approved(session: botocore.session.Session,
                                           fake: FakeSso) -> None:
    oidc = oidc_client(session, fake)
    reg = register(oidc, scopes=[ACCOUNT_SCOPE])
    now = time.time()
    assert abs(reg["clientIdIssuedAt"] - now) < 5  # epoch seconds
    assert 80 * 86400 < reg["clientSecretExpiresAt"] - now < 100 * 86400
    assert fake.clients[reg["clientId"]].scopes == (ACCOUNT_SCOPE,)

    auth = oidc.start_device_authorization(clientId=reg["clientId"],
                                           clientSecret=reg["clientSecret"],
                                           startUrl=GOLDEN_START_URL)
    assert auth["interval"] == 1 and auth["expiresIn"] == 600
    assert auth["verificationUriComplete"].endswith(f"user_code={auth['userCode']}")
    poll = {"clientId": reg["clientId"], "clientSecret": reg["clientSecret"],
            "grantType": DEVICE_GRANT, "deviceCode": auth["deviceCode"]}

    with pytest.raises(ClientError) as excinfo:
        oidc.create_token(**poll)
    assert error_of(excinfo) == ("AuthorizationPendingException", 400)
    assert excinfo.value.response["error"] == "authorization_pending"
    assert excinfo.value.response["error_description"]

    fake.approve()
    token = oidc.create_token(**poll)
    assert token["tokenType"] == "Bearer" and token["expiresIn"] == 3600
    assert token["accessToken"] in fake.access_tokens and token["refreshToken"]
    assert fake.access_tokens[token["accessToken"]].start_url == GOLDEN_START_URL

    with pytest.raises(ClientError) as excinfo:  # a device code is good for one token
        oidc.create_token(**poll)
    assert error_of(excinfo) == ("InvalidGrantException", 400)
    assert fake.calls["CreateToken:device_code"] == 3
    assert fake.device().outcomes == ["pending", "token", "invalid_grant"]


def test_device_flow_script_and_interval_checks(session: botocore.session.Session,
                                                fake: FakeSso) -> None:
    oidc = oidc_client(session, fake)
    reg = register(oidc, scopes=[ACCOUNT_SCOPE])
    auth = oidc.start_device_authorization(clientId=reg["clientId"],
                                           clientSecret=reg["clientSecret"],
                                           startUrl=GOLDEN_START_URL)
    fake.script(["slow_down", "pending", "approve"])
    poll = {"clientId": reg["clientId"], "clientSecret": reg["clientSecret"],
            "grantType": DEVICE_GRANT, "deviceCode": auth["deviceCode"]}
    codes = []
    for _ in range(3):
        try:
            oidc.create_token(**poll)
            codes.append("token")
        except ClientError as error:
            codes.append(error.response["Error"]["Code"])
    assert codes == ["SlowDownException", "AuthorizationPendingException", "token"]
    device = fake.device(auth["deviceCode"])
    assert len(device.polls) == 3
    # Polling at once broke both waits: 1 s + 5 s after the SlowDown, then 6 s.
    assert device.required_gaps() == [6.0, 6.0]
    assert [index for index, _, _ in device.interval_violations()] == [1, 2]

    # A client that waits `interval` is not flagged.
    auth = oidc.start_device_authorization(clientId=reg["clientId"],
                                           clientSecret=reg["clientSecret"],
                                           startUrl=GOLDEN_START_URL)
    poll["deviceCode"] = auth["deviceCode"]
    with pytest.raises(ClientError):
        oidc.create_token(**poll)
    fake.approve()
    time.sleep(1.0)
    oidc.create_token(**poll)
    assert fake.device().interval_violations() == []


@pytest.mark.parametrize(("action", "code"), [("deny", "AccessDeniedException"),
                                              ("expire", "ExpiredTokenException"),
                                              ("advance", "ExpiredTokenException")])
def test_device_flow_denied_and_expired(session: botocore.session.Session, fake: FakeSso,
                                        action: str, code: str) -> None:
    oidc = oidc_client(session, fake)
    reg = register(oidc)
    auth = oidc.start_device_authorization(clientId=reg["clientId"],
                                           clientSecret=reg["clientSecret"],
                                           startUrl=GOLDEN_START_URL)
    if action == "advance":
        fake.advance(601)
    else:
        getattr(fake, action)()
    with pytest.raises(ClientError) as excinfo:
        oidc.create_token(clientId=reg["clientId"], clientSecret=reg["clientSecret"],
                          grantType=DEVICE_GRANT, deviceCode=auth["deviceCode"])
    assert error_of(excinfo) == (code, 400)


def test_device_verification_page_and_auto_approve(session: botocore.session.Session) -> None:
    with FakeSso(auto_approve=True) as fake:
        oidc = oidc_client(session, fake)
        reg = register(oidc)
        auth = oidc.start_device_authorization(clientId=reg["clientId"],
                                               clientSecret=reg["clientSecret"],
                                               startUrl=GOLDEN_START_URL)
        token = oidc.create_token(clientId=reg["clientId"], clientSecret=reg["clientSecret"],
                                  grantType=DEVICE_GRANT, deviceCode=auth["deviceCode"])
        # No sso:account:access scope registered: no refresh token (as the real service).
        assert "refreshToken" not in token
        fake.auto_approve = False
        auth = oidc.start_device_authorization(clientId=reg["clientId"],
                                               clientSecret=reg["clientSecret"],
                                               startUrl=GOLDEN_START_URL)
        page = requests.get(auth["verificationUriComplete"], timeout=5)
        assert page.status_code == 200 and fake.device().state == "approved"


def test_bad_client_secret_and_expired_registration(session: botocore.session.Session,
                                                    fake: FakeSso) -> None:
    oidc = oidc_client(session, fake)
    reg = register(oidc)
    with pytest.raises(ClientError) as excinfo:
        oidc.start_device_authorization(clientId=reg["clientId"], clientSecret="nope",
                                        startUrl=GOLDEN_START_URL)
    assert error_of(excinfo) == ("InvalidClientException", 401)
    fake.expire_client(reg["clientId"])
    with pytest.raises(ClientError) as excinfo:
        oidc.start_device_authorization(clientId=reg["clientId"],
                                        clientSecret=reg["clientSecret"],
                                           startUrl=GOLDEN_START_URL)
    assert error_of(excinfo) == ("InvalidClientException", 401)
    with pytest.raises(ClientError) as excinfo:
        oidc.create_token(clientId=reg["clientId"], clientSecret=reg["clientSecret"],
                          grantType="password")
    assert error_of(excinfo)[0] == "InvalidClientException"


def test_refresh_rotates_and_the_old_refresh_token_is_dead(session: botocore.session.Session,
                                                           fake: FakeSso) -> None:
    oidc = oidc_client(session, fake)
    grant = fake.issue_token(GOLDEN_START_URL)
    assert grant.refresh_token
    refresh = {"clientId": grant.client_id, "clientSecret": grant.client_secret,
               "grantType": "refresh_token"}
    first = oidc.create_token(refreshToken=grant.refresh_token, **refresh)
    assert first["refreshToken"] != grant.refresh_token
    assert first["accessToken"] != grant.access_token
    with pytest.raises(ClientError) as excinfo:
        oidc.create_token(refreshToken=grant.refresh_token, **refresh)
    assert error_of(excinfo) == ("InvalidGrantException", 400)
    second = oidc.create_token(refreshToken=first["refreshToken"], **refresh)
    assert fake.live_refresh_tokens() == [second["refreshToken"]]
    assert fake.calls["CreateToken:refresh_token"] == 3
    # The log never shows a secret.
    logged = [r.body["refreshToken"] for r in fake.requests if r.operation == "CreateToken"]
    assert logged[0] == fake.fingerprint(grant.refresh_token)
    assert grant.refresh_token not in repr(list(fake.requests))

    fake.refresh_rotation = False
    third = oidc.create_token(refreshToken=second["refreshToken"], **refresh)
    assert third["refreshToken"] == second["refreshToken"]
    oidc.create_token(refreshToken=second["refreshToken"], **refresh)


def test_issue_token_cache_json_is_readable_by_botocore(tmp_path: Path,
                                                        fake: FakeSso) -> None:
    from botocore.utils import SSOTokenLoader

    grant = fake.issue_token(GOLDEN_START_URL)
    data = grant.cache_json()
    assert data["expiresAt"].endswith("Z") and data["registrationExpiresAt"].endswith("Z")
    cache: dict[str, Any] = {}
    SSOTokenLoader(cache=cache).save_token(GOLDEN_START_URL, data)
    assert SSOTokenLoader(cache=cache)(GOLDEN_START_URL)["accessToken"] == grant.access_token


def pkce_register(oidc: Any) -> dict[str, Any]:
    return register(oidc, scopes=[ACCOUNT_SCOPE],
                    grantTypes=[AUTH_CODE_GRANT, "refresh_token"],
                    redirectUris=["http://127.0.0.1/oauth/callback"], issuerUrl=GOLDEN_START_URL)


def authorize(fake: FakeSso, reg: dict[str, Any], verifier: str, redirect: str,
              **overrides: str) -> requests.Response:
    params = {"response_type": "code", "client_id": reg["clientId"], "redirect_uri": redirect,
              "state": "st+/=", "code_challenge": _s256(verifier),
              "code_challenge_method": "S256", "scopes": ACCOUNT_SCOPE, **overrides}
    return requests.get(f"{fake.url}/authorize", params=params, allow_redirects=False,
                        timeout=5)


def test_pkce_authorize_then_token(session: botocore.session.Session, fake: FakeSso) -> None:
    oidc = oidc_client(session, fake)
    reg = pkce_register(oidc)
    assert reg["authorizationEndpoint"] == f"{fake.url}/authorize"
    verifier = "v" * 20 + "-._~" + "x" * 40
    redirect = "http://127.0.0.1:54321/oauth/callback"
    answer = authorize(fake, reg, verifier, redirect)
    assert answer.status_code == 302
    location = urlsplit(answer.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == redirect
    params = parse_qs(location.query)
    assert params["state"] == ["st+/="]
    assert fake.authorize_requests[-1].params["code_challenge_method"] == "S256"
    exchange = {"clientId": reg["clientId"], "clientSecret": reg["clientSecret"],
                "grantType": AUTH_CODE_GRANT, "code": params["code"][0], "redirectUri": redirect}

    token = oidc.create_token(codeVerifier=verifier, **exchange)
    assert token["refreshToken"]
    assert fake.access_tokens[token["accessToken"]].start_url == GOLDEN_START_URL
    with pytest.raises(ClientError) as excinfo:  # codes are single use
        oidc.create_token(codeVerifier=verifier, **exchange)
    assert error_of(excinfo) == ("InvalidGrantException", 400)

    code = parse_qs(urlsplit(authorize(fake, reg, verifier, redirect).headers["Location"])
                    .query)["code"][0]
    with pytest.raises(ClientError) as excinfo:
        oidc.create_token(codeVerifier="w" * 64, **{**exchange, "code": code})
    assert error_of(excinfo) == ("InvalidGrantException", 400)

    code = parse_qs(urlsplit(authorize(fake, reg, verifier, redirect).headers["Location"])
                    .query)["code"][0]
    with pytest.raises(ClientError) as excinfo:
        oidc.create_token(codeVerifier=verifier, **{**exchange, "code": code,
                                                    "redirectUri": redirect + "x"})
    assert error_of(excinfo) == ("InvalidGrantException", 400)


def test_pkce_authorize_refusals(session: botocore.session.Session, fake: FakeSso) -> None:
    oidc = oidc_client(session, fake)
    reg = pkce_register(oidc)
    verifier = "a" * 64
    good = "http://127.0.0.1:1234/oauth/callback"
    assert authorize(fake, reg, verifier, "http://127.0.0.1:1234/elsewhere").status_code == 400
    assert authorize(fake, reg, verifier, good, client_id="unknown").status_code == 400
    plain = authorize(fake, reg, verifier, good, code_challenge_method="plain")
    assert parse_qs(urlsplit(plain.headers["Location"]).query)["error"] == ["invalid_request"]
    fake.browser_decision = "deny"
    denied = parse_qs(urlsplit(authorize(fake, reg, verifier, good).headers["Location"]).query)
    assert denied["error"] == ["access_denied"] and denied["state"] == ["st+/="]
    assert [r.outcome for r in fake.authorize_requests] == [
        "page:redirect_uri", "page:client", "invalid_request", "access_denied"]
    # A device-flow-only client may not use the code grant.
    with pytest.raises(ClientError) as excinfo:
        device_only = register(oidc, scopes=[ACCOUNT_SCOPE])
        oidc.create_token(clientId=device_only["clientId"],
                          clientSecret=device_only["clientSecret"], grantType=AUTH_CODE_GRANT,
                          code="x", redirectUri=good, codeVerifier=verifier)
    assert error_of(excinfo) == ("UnauthorizedClientException", 400)


# ------------------------------------------------------------------ portal


def test_get_role_credentials_expiration_is_epoch_milliseconds(
        session: botocore.session.Session, fake: FakeSso) -> None:
    portal = portal_client(session, fake)
    token = fake.issue_token(GOLDEN_START_URL).access_token
    account = fake.accounts[0]
    creds = portal.get_role_credentials(roleName=account.roles[0], accountId=account.account_id,
                                        accessToken=token)["roleCredentials"]
    assert creds["accessKeyId"].startswith("ASIA") and len(creds["accessKeyId"]) == 20
    assert creds["secretAccessKey"] and creds["sessionToken"]
    assert abs(creds["expiration"] - (time.time() + 3600) * 1000) < 10_000
    logged = fake.requests[-1]
    # The header name with its underscore reached the server intact; its value is not logged.
    assert logged.headers["x-amz-sso_bearer_token"] == fake.fingerprint(token)
    assert logged.query == {"role_name": account.roles[0], "account_id": account.account_id}
    assert fake.role_credentials_issued == [(account.account_id, account.roles[0],
                                             creds["accessKeyId"])]


def test_role_credentials_from_sts_are_the_sso_role(session: botocore.session.Session,
                                                    sts_server: LoopbackServer) -> None:
    with FakeSso(sts_url=sts_server.url, user_name="alice@example.com") as fake:
        portal = portal_client(session, fake)
        token = fake.issue_token(GOLDEN_START_URL).access_token
        creds = portal.get_role_credentials(roleName="AdministratorAccess",
                                            accountId="111111111111",
                                            accessToken=token)["roleCredentials"]
        assert creds["expiration"] > time.time() * 1000 + 3000 * 1000
        sts = session.create_client("sts", endpoint_url=sts_server.url, region_name="us-east-1",
                                    aws_access_key_id=creds["accessKeyId"],
                                    aws_secret_access_key=creds["secretAccessKey"],
                                    aws_session_token=creds["sessionToken"])
        identity = sts.get_caller_identity()
        role_arn = fake.role_arn("111111111111", "AdministratorAccess")
        role_name = role_arn.rsplit("/", 1)[1]
        assert role_name.startswith("AWSReservedSSO_AdministratorAccess_")
        assert identity["Arn"] == (
            f"arn:aws:sts::111111111111:assumed-role/{role_name}/alice@example.com")


def test_paginators_cross_tokens_with_plus_slash_equals(session: botocore.session.Session
                                                        ) -> None:
    accounts = make_accounts(45)
    with FakeSso(accounts, page_size=10) as fake:
        portal = portal_client(session, fake)
        token = fake.issue_token(GOLDEN_START_URL).access_token
        pages = list(portal.get_paginator("list_accounts").paginate(
            accessToken=token, PaginationConfig={"PageSize": 7}))
        assert len(pages) == 7
        listed = [a for page in pages for a in page["accountList"]]
        assert listed == [{"accountId": a.account_id, "accountName": a.name,
                           "emailAddress": a.email} for a in accounts]
        sent = [r.query.get("next_token") for r in fake.requests if r.operation == "ListAccounts"]
        assert sent[0] is None and all(set("+/=") <= set(t or "") for t in sent[1:])

        busy = next(a for a in accounts if len(a.roles) >= 3)
        roles = [r["roleName"] for page in portal.get_paginator("list_account_roles").paginate(
            accessToken=token, accountId=busy.account_id, PaginationConfig={"PageSize": 1})
            for r in page["roleList"]]
        assert tuple(roles) == busy.roles

        # A client that forgets to URL-encode the token sends '+' (a space once decoded).
        raw = requests.get(f"{fake.url}/assignment/accounts?next_token={sent[1]}",
                           headers={"x-amz-sso_bearer_token": token}, timeout=5)
        assert raw.status_code == 400
        assert raw.headers["x-amzn-ErrorType"].startswith("InvalidRequestException:")
        assert "message" in raw.json()


def test_portal_errors(session: botocore.session.Session, fake: FakeSso) -> None:
    portal = portal_client(session, fake)
    account = fake.accounts[0]
    grant = fake.issue_token(GOLDEN_START_URL)
    missing = next(r for r in ("Billing", "SecurityAudit", "ViewOnlyAccess", "PowerUserAccess",
                               "ReadOnlyAccess") if r not in account.roles)

    def code_of(call: Any, **params: Any) -> tuple[str, int]:
        with pytest.raises(ClientError) as excinfo:
            call(**params)
        return error_of(excinfo)

    assert code_of(portal.get_role_credentials, roleName=missing, accountId=account.account_id,
                   accessToken=grant.access_token) == ("ForbiddenException", 403)
    assert code_of(portal.list_account_roles, accountId="000000000000",
                   accessToken=grant.access_token) == ("ResourceNotFoundException", 404)
    assert code_of(portal.list_accounts, accessToken="bogus") == ("UnauthorizedException", 401)
    fake.expire_access_tokens(grant.access_token)
    assert code_of(portal.list_accounts, accessToken=grant.access_token) == (
        "UnauthorizedException", 401)

    other = fake.issue_token(GOLDEN_START_URL)
    portal.list_accounts(accessToken=other.access_token)
    portal.logout(accessToken=other.access_token)
    assert code_of(portal.list_accounts, accessToken=other.access_token) == (
        "UnauthorizedException", 401)
    assert other.refresh_token not in fake.live_refresh_tokens()

    third = fake.issue_token(GOLDEN_START_URL)
    fake.revoke(third.access_token)
    assert code_of(portal.list_accounts, accessToken=third.access_token) == (
        "UnauthorizedException", 401)

    fake.inject("ListAccountRoles", "TooManyRequestsException", times=2)
    valid = fake.issue_token(GOLDEN_START_URL).access_token
    for _ in range(2):
        assert code_of(portal.list_account_roles, accountId=account.account_id,
                       accessToken=valid) == ("TooManyRequestsException", 429)
    assert portal.list_account_roles(accountId=account.account_id, accessToken=valid)


def test_throttling_answers_429_above_the_rate(session: botocore.session.Session) -> None:
    with FakeSso(make_accounts(3), throttle_rps=5) as fake:
        portal = portal_client(session, fake)
        token = fake.issue_token(GOLDEN_START_URL).access_token
        codes = []
        for _ in range(12):
            try:
                portal.list_accounts(accessToken=token)
                codes.append("ok")
            except ClientError as error:
                codes.append(error.response["Error"]["Code"])
        assert codes.count("ok") == 5
        assert codes.count("TooManyRequestsException") == 7
        assert fake.throttled["ListAccounts"] == 7 and fake.calls["ListAccounts"] == 12


def test_latency_is_per_request_and_requests_overlap(session: botocore.session.Session) -> None:
    with FakeSso(latency_ms=100) as fake:
        token = fake.issue_token(GOLDEN_START_URL).access_token
        portal = portal_client(session, fake)
        started = time.monotonic()
        portal.list_accounts(accessToken=token)
        assert time.monotonic() - started >= 0.1

        def call() -> None:
            requests.get(f"{fake.url}/assignment/accounts",
                         headers={"x-amz-sso_bearer_token": token}, timeout=5).raise_for_status()

        threads = [threading.Thread(target=call) for _ in range(10)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert time.monotonic() - started < 0.6
        assert fake.calls["ListAccounts"] == 11


def test_make_accounts_is_awkward_and_deterministic() -> None:
    accounts = make_accounts(40)
    assert accounts == make_accounts(40) and accounts != make_accounts(40, seed=1)
    ids = [a.account_id for a in accounts]
    assert len(set(ids)) == 40 and all(len(i) == 12 and i.isdigit() for i in ids)
    assert ids[1].startswith("0")
    names = [a.name for a in accounts]
    assert len(set(names)) < len(names)
    joined = "".join(names)
    for char in ' "[]#;\'=/ü🚀':
        assert char in joined
    assert all(1 <= len(a.roles) <= 4 and len(set(a.roles)) == len(a.roles) for a in accounts)
    assert isinstance(accounts[0], Account)


def test_stop_closes_keep_alive_connections() -> None:
    fake = FakeSso().start()
    with requests.Session() as http:
        assert http.get(f"{fake.url}/_fake/stats", timeout=5).status_code == 200
        fake.stop()
        with pytest.raises(requests.ConnectionError):
            http.get(f"{fake.url}/_fake/stats", timeout=5)


def test_command_line_entry(session: botocore.session.Session) -> None:
    root = Path(__file__).resolve().parent.parent
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.sso", "--port", "0", "--accounts", "7",
         "--auto-approve", "--latency-ms", "1"],
        cwd=root, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        oidc = session.create_client("sso-oidc", endpoint_url=url, region_name="us-east-1",
                                     config=Config(signature_version=UNSIGNED))
        reg = register(oidc, scopes=[ACCOUNT_SCOPE])
        auth = oidc.start_device_authorization(clientId=reg["clientId"],
                                               clientSecret=reg["clientSecret"],
                                               startUrl=GOLDEN_START_URL)
        token = oidc.create_token(clientId=reg["clientId"], clientSecret=reg["clientSecret"],
                                  grantType=DEVICE_GRANT, deviceCode=auth["deviceCode"])
        portal = session.create_client("sso", endpoint_url=url, region_name="us-east-1",
                                       config=Config(signature_version=UNSIGNED))
        listed = portal.get_paginator("list_accounts").paginate(
            accessToken=token["accessToken"]).build_full_result()
        assert len(listed["accountList"]) == 7
        stats = requests.get(f"{url}/_fake/stats", timeout=5).json()
        assert stats["calls"]["CreateToken:device_code"] == 1
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0
