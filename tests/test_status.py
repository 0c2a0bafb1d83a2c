"""aws-login status (the cached sign-ins and sessions, for people and as JSON, never a secret)
and clearcache --entry (one of them)."""

from __future__ import annotations

import io
import json
import os
from datetime import datetime, timezone
from pathlib import Path

import pytest

from aws_login.cli import main
from aws_login.context import Context
from aws_login.credentials_cache import CredentialsCache, describe_plan
from aws_login.model import Acquired, ChainStep, CredentialKind, Credentials, Plan
from aws_login.sources.sso import SsoRoleStart
from aws_login.sso.cache import cache_key
from aws_login.sso.token_sources import CachedToken
from tests.fakes.sso import FakeSso
from tests.helpers import (
    ROLE_A,
    SIGN_IN,
    SSO_ROLE,
    START_URL,
    Result,
    error_line,
    no_sleep,
    run_cli,
    write_token,
)

NOW = datetime(2030, 1, 1, 10, 0, tzinfo=timezone.utc)
OTHER_URL = "https://d-2222222222.awsapps.com/start"
SECRETS = ("access-secret", "refresh-secret", "client-secret", "key-secret", "token-secret",
           "old-secret")
PLAN = Plan(start=SsoRoleStart(CachedToken(START_URL, "us-east-1"), "111111111111",
                               "AdministratorAccess"),
            region="eu-west-1", hops=(ChainStep(ROLE_A, "alice", None, "external-secret"),),
            use_cache=True)


def at_now(argv: list[str]) -> Result:
    out, err = io.StringIO(), io.StringIO()
    ctx = Context(environ=os.environ, stdout=out, stderr=err, stdin=io.StringIO(),
                  now=lambda: NOW)
    return Result(main(argv, ctx), out.getvalue(), err.getvalue())


def sign_in_id(url: str) -> str:
    return "sso-" + cache_key(url)[:12]


@pytest.fixture
def filled(cache_env: Path) -> dict[str, str]:
    """Two sign-ins and two sessions (one stored before plans were described); their ids."""
    write_token(cache_env / "sso", {
        "startUrl": START_URL, "region": "us-east-1", "accessToken": "access-secret",
        "expiresAt": "2030-01-01T12:00:00Z", "clientId": "client-id",
        "clientSecret": "client-secret", "registrationExpiresAt": "2030-03-01T00:00:00Z",
        "refreshToken": "refresh-secret"})
    write_token(cache_env / "sso", {
        "startUrl": OTHER_URL, "region": "eu-west-1", "accessToken": "old-secret",
        "expiresAt": "2029-12-31T00:00:00Z"})
    sessions = CredentialsCache(cache_env / "sessions", lambda _: None)

    def creds(expires: datetime) -> Credentials:
        return Credentials("ASIAEXAMPLE", "key-secret", "token-secret", expires,
                           CredentialKind.ROLE, "hop 1/1")

    assert sessions.store("a" * 64, Acquired(creds(datetime(2030, 1, 1, 11, 0,
                                                            tzinfo=timezone.utc)),
                                             "eu-west-1"), NOW, describe_plan(PLAN))
    assert sessions.store("b" * 64, Acquired(creds(datetime(2030, 1, 1, 10, 30,
                                                            tzinfo=timezone.utc)), None), NOW)
    return {"new": sign_in_id(START_URL), "old": sign_in_id(OTHER_URL),
            "described": "session-" + "a" * 12, "older": "session-" + "b" * 12}


def test_status_for_people(filled: dict[str, str]) -> None:
    result = at_now(["status"])
    assert (result.code, result.err) == (0, "")
    assert result.out.splitlines() == [
        "SSO sign-ins:",
        f"  {filled['new']}  {START_URL}",
        "      region us-east-1, valid until 2030-01-01T12:00:00Z (120 min left), refreshable",
        f"  {filled['old']}  {OTHER_URL}",
        "      region eu-west-1, expired at 2029-12-31T00:00:00Z, not refreshable",
        "sessions:",
        f"  {filled['older']}  plan unknown (stored by an older aws-login)",
        "      identity unknown, region not set, valid until 2030-01-01T10:30:00Z (30 min left)",
        f"  {filled['described']}  SSO role (token cached sign-in, token.start_url {START_URL}, "
        f"token.region us-east-1, account_id 111111111111, role_name AdministratorAccess) -> "
        f"{ROLE_A}",
        f"      identity {ROLE_A}, region eu-west-1, valid until 2030-01-01T11:00:00Z "
        "(60 min left)",
    ]
    assert not any(secret in result.out for secret in (*SECRETS, "external-secret"))


def test_status_as_json(filled: dict[str, str]) -> None:
    result = at_now(["status", "--json"])
    assert result.code == 0
    assert json.loads(result.out) == {
        "sign_ins": [
            {"id": filled["new"], "start_url": START_URL, "region": "us-east-1",
             "expires_at": "2030-01-01T12:00:00Z", "expired": False, "refreshable": True},
            {"id": filled["old"], "start_url": OTHER_URL, "region": "eu-west-1",
             "expires_at": "2029-12-31T00:00:00Z", "expired": True, "refreshable": False},
        ],
        "sessions": [
            {"id": filled["older"], "start": "unknown", "start_details": {},
             "session_step": None, "hops": None, "identity": None, "region": None,
             "expires_at": "2030-01-01T10:30:00Z", "expired": False},
            {"id": filled["described"], "start": "SsoRole",
             "start_details": {"token": "CachedToken", "token.start_url": START_URL,
                               "token.region": "us-east-1", "account_id": "111111111111",
                               "role_name": "AdministratorAccess"},
             "session_step": None, "hops": [ROLE_A], "identity": ROLE_A,
             "region": "eu-west-1", "expires_at": "2030-01-01T11:00:00Z", "expired": False},
        ],
        "jumpcloud_assertions": [],
    }
    assert not any(secret in result.out for secret in (*SECRETS, "external-secret"))


def test_status_of_an_empty_cache(cache_env: Path) -> None:
    assert at_now(["status"]).out == "SSO sign-ins: none\nsessions: none\n"
    assert json.loads(at_now(["status", "--json"]).out) == {"sign_ins": [], "sessions": [],
                                                            "jumpcloud_assertions": []}


def test_a_real_run_stores_its_plan_description(sso_env: Path, fake_sso: FakeSso) -> None:
    fake_sso.auto_approve = True
    ran = run_cli(["getcallerid", "--use-cache", *SIGN_IN, "--use-device-code", *SSO_ROLE,
                   "--assume-roles", ROLE_A], sleep=no_sleep)
    assert ran.code == 0, ran.err
    status = run_cli(["status", "--json"])
    found = json.loads(status.out)
    assert [entry["start_url"] for entry in found["sign_ins"]] == [START_URL]
    (session,) = found["sessions"]
    assert (session["start"], session["start_details"], session["session_step"],
            session["hops"], session["identity"]) == (
        "SsoRole", {"token": "CachedToken", "token.start_url": START_URL,
                    "token.region": "us-east-1", "token.use_device_code": True,
                    "account_id": "111111111111", "role_name": "AdministratorAccess"},
        None, [ROLE_A], ROLE_A)
    token = json.loads((sso_env / "sso" / f"{cache_key(START_URL)}.json").read_text())
    for secret in (token["accessToken"], token["refreshToken"], token["clientSecret"]):
        assert secret not in status.out


def test_clearcache_drops_one_entry(filled: dict[str, str], cache_env: Path) -> None:
    result = at_now(["clearcache", "--entry", filled["new"]])
    assert result.code == 0, result.err
    assert result.err == f"aws-login: cleared the SSO sign-in for {START_URL} from {cache_env}\n"
    assert not (cache_env / "sso" / f"{cache_key(START_URL)}.json").exists()
    dropped = at_now(["clearcache", "--entry", filled["described"][:12]])  # a unique start
    assert dropped.err == (f"aws-login: cleared the session {filled['described']} from "
                           f"{cache_env}\n")
    left = json.loads(at_now(["status", "--json"]).out)
    assert [entry["id"] for entry in left["sign_ins"] + left["sessions"]] == [
        filled["old"], filled["older"]]


@pytest.mark.parametrize(("entry", "message"), [
    ("session-ffff", "--entry session-ffff: no such entry in the cache; aws-login status "
                     "lists them"),
    ("session-", "--entry session- matches 2 entries; give more of the id"),
    ("sso-", "--entry 'sso-' is not an entry id; use one that aws-login status shows, e.g. "
             "--entry sso-1a2b3c4d5e6f"),
    ("abc", "--entry 'abc' is not an entry id; use one that aws-login status shows, e.g. "
            "--entry sso-1a2b3c4d5e6f"),
])
def test_clearcache_entry_errors(filled: dict[str, str], entry: str, message: str) -> None:
    result = at_now(["clearcache", "--entry", entry])
    assert result.code == 2
    assert error_line(result.err) == f"aws-login: error: {message}"
    assert len(json.loads(at_now(["status", "--json"]).out)["sessions"]) == 2
