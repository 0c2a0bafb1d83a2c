"""The JumpCloud fake is faithful: raw `requests` drive it the way the public clients do
(XSRF double submit, /userconsole/auth, MFA, push, the IdP page), every disputed point's
switch changes what it answers, and moto's AssumeRoleWithSAML takes its assertions."""

from __future__ import annotations

import base64
import re
import string
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

from tests.fakes.jumpcloud import (
    AUTH_FAILED,
    DEFAULT_PASSWORD,
    DEFAULT_TOTP_SECRET,
    LOCKED_MESSAGE,
    MFA_REQUIRED,
    SESSION_COOKIE,
    SPA_PAGE,
    XSRF_COOKIE,
    FakeJumpCloud,
    hotp,
    totp_at,
)
from tests.fakes.moto_server import LoopbackServer
from tests.fakes.saml import ADMIN, DEPLOY, PROVIDER, READ_ONLY, USER

ATTRIBUTES = "https://aws.amazon.com/SAML/Attributes/"
SAML_NS = "{urn:oasis:names:tc:SAML:2.0:assertion}"
SLUG_PATH = "saml2/aws-prod"
SAML_INPUT = re.compile(r'<input type="hidden" name="SAMLResponse" value="([^"]+)"/>')
BOB = "bob@example.com"
BOB_PASSWORD = "bobs own password"


class Console:
    """A client of the fake the way aws-jumpcloud / saml2aws talk to JumpCloud."""

    def __init__(self, fake: FakeJumpCloud) -> None:
        self.fake = fake
        self.http = requests.Session()
        self.token = ""

    def xsrf(self) -> str:
        answer = self.http.get(f"{self.fake.console_url}/userconsole/xsrf", timeout=10)
        assert answer.status_code == 200
        self.token = answer.json()["xsrf"]
        return self.token

    def post(self, path: str, body: dict[str, Any] | None = None,
             headers: dict[str, str] | None = None) -> requests.Response:
        sent = {"X-Xsrftoken": self.token, "Accept": "application/json",
                "X-Requested-With": "XMLHttpRequest"}
        return self.http.post(f"{self.fake.console_url}{path}", json={} if body is None else body,
                              headers={**sent, **(headers or {})}, allow_redirects=False,
                              timeout=10)

    def get(self, path: str) -> requests.Response:
        return self.http.get(f"{self.fake.console_url}{path}",
                             headers={"X-Xsrftoken": self.token}, timeout=10)

    def auth(self, otp: str = "", email: str = USER, password: str = DEFAULT_PASSWORD,
             **extra: str) -> requests.Response:
        body = {"email": email, "password": password, "otp": otp, "context": "sso",
                "redirectTo": SLUG_PATH, **extra}
        return self.post("/userconsole/auth", body)

    def idp(self, slug: str = "aws-prod", forward: bool = True) -> requests.Response:
        """The IdP page, with the session cookie forwarded explicitly (or not)."""
        cookie = self.http.cookies.get(SESSION_COOKIE)
        cookies = {SESSION_COOKIE: cookie} if forward and cookie else {}
        return requests.get(self.fake.idp_url(slug), cookies=cookies, allow_redirects=False,
                            timeout=10)

    def sign_in(self) -> requests.Response:
        self.xsrf()
        assert self.auth().status_code == 401
        answer = self.auth(self.fake.totp_code())
        assert answer.status_code == 200, answer.text
        return answer


def saml_of(page: requests.Response) -> str:
    (value,) = SAML_INPUT.findall(page.text)
    return str(value)


def attributes(assertion: str) -> dict[str, list[list[str]]]:
    """Attribute name → the values of each Attribute element of that name."""
    root = ElementTree.fromstring(base64.b64decode(assertion))
    found: dict[str, list[list[str]]] = {}
    for element in root.iter(f"{SAML_NS}Attribute"):
        values = [v.text or "" for v in element.iter(f"{SAML_NS}AttributeValue")]
        found.setdefault(element.attrib["Name"].removeprefix(ATTRIBUTES), []).append(values)
    return found


@pytest.fixture
def console(jumpcloud: FakeJumpCloud) -> Console:
    return Console(jumpcloud)


# --- TOTP codes ----------------------------------------------------------------------------

def test_totp_follows_rfc_6238() -> None:
    secret = base64.b32encode(b"12345678901234567890").decode()  # RFC 6238's SHA-1 seed
    assert totp_at(secret, 59, digits=8) == "94287082"
    assert totp_at(secret, 1111111109, digits=8) == "07081804"
    assert totp_at(secret, 20000000000, digits=8) == "65353130"
    assert totp_at(secret, 59) == "287082"
    assert hotp(secret.lower().rstrip("="), 1) == "287082"


def test_a_frozen_clock(console: Console, jumpcloud: FakeJumpCloud) -> None:
    jumpcloud.freeze(1_000_000_005)
    assert jumpcloud.now() == 1_000_000_005
    assert jumpcloud.totp_code() == totp_at(DEFAULT_TOTP_SECRET, 1_000_000_005)
    console.xsrf()
    assert console.auth(jumpcloud.totp_code()).status_code == 200
    assert jumpcloud.next_totp_code() == totp_at(DEFAULT_TOTP_SECRET, 1_000_000_020)
    jumpcloud.time_offset = 30  # the frozen clock moves only when told
    assert jumpcloud.now() == 1_000_000_035
    jumpcloud.freeze()
    assert jumpcloud.now() % 30 == 15  # the middle of the current step


def test_totp_code_helper(jumpcloud: FakeJumpCloud) -> None:
    assert jumpcloud.totp_code(at=59) == totp_at(DEFAULT_TOTP_SECRET, 59)
    assert jumpcloud.totp_code(USER) == totp_at(DEFAULT_TOTP_SECRET, jumpcloud.now())
    jumpcloud.add_user(BOB, totp_secret=None, push=True)
    with pytest.raises(ValueError, match="no TOTP factor"):
        jumpcloud.totp_code(BOB)


# --- XSRF ----------------------------------------------------------------------------------

def test_xsrf_token_and_both_cookies(console: Console, jumpcloud: FakeJumpCloud) -> None:
    answer = console.http.get(f"{jumpcloud.console_url}/userconsole/xsrf", timeout=10)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("application/json")
    token = answer.json()["xsrf"]
    assert len(token) == 32 and set(token) <= set(string.ascii_letters + string.digits)
    set_cookies = answer.raw.headers.getlist("Set-Cookie")
    assert len(set_cookies) == 2 and not any("domain" in c.lower() for c in set_cookies)
    encoded, stamp, mac = console.http.cookies[XSRF_COOKIE].split("|")
    assert base64.urlsafe_b64decode(encoded).decode() == token
    assert abs(int(stamp) / 1e9 - jumpcloud.now()) < 60
    assert re.fullmatch("[0-9a-f]{64}", mac)
    assert re.fullmatch("[0-9a-f]{32}", console.http.cookies[SESSION_COOKIE])
    # With a good _xsrf cookie the same token comes back; a fresh client gets another.
    assert console.xsrf() == token
    assert Console(jumpcloud).xsrf() != token


def test_the_wrong_xsrf_path_is_the_single_page_app(console: Console) -> None:
    answer = console.http.get(f"{console.fake.console_url}/xsrf", timeout=10)
    assert (answer.status_code, answer.text) == (200, SPA_PAGE)


def forge(cookie: str) -> str:
    """The cookie with one hex digit of its HMAC changed."""
    return cookie[:-1] + ("1" if cookie.endswith("0") else "0")


@pytest.mark.parametrize(("status", "missing", "mismatch"), [
    (403, "'_xsrf' argument missing from POST", "XSRF cookie does not match POST argument"),
    (422, "422", "422"),
    (417, "417", "417"),
])
def test_double_submit_is_enforced(console: Console, jumpcloud: FakeJumpCloud, status: int,
                                   missing: str, mismatch: str) -> None:
    jumpcloud.xsrf_failure_status = status
    token = console.xsrf()
    no_header = console.http.post(f"{jumpcloud.console_url}/userconsole/auth", json={},
                                  timeout=10)
    assert (no_header.status_code, no_header.text) == (status, missing)
    wrong = console.post("/userconsole/auth", {}, {"X-Xsrftoken": token[::-1]})
    assert (wrong.status_code, wrong.text) == (status, mismatch)
    no_cookie = requests.post(f"{jumpcloud.console_url}/userconsole/auth", json={},
                              headers={"X-Xsrftoken": token}, timeout=10)
    assert (no_cookie.status_code, no_cookie.text) == (status, mismatch)
    forged = requests.post(f"{jumpcloud.console_url}/userconsole/auth", json={},
                           headers={"X-Xsrftoken": token},
                           cookies={XSRF_COOKIE: forge(console.http.cookies[XSRF_COOKIE])},
                           timeout=10)
    assert forged.status_code == status
    # The other header name works, and the check comes before the password.
    other = console.post("/userconsole/auth", {"email": USER, "password": "nope"},
                         {"X-Xsrftoken": "", "X-Csrftoken": token})
    assert (other.status_code, other.json()) == (401, {"message": AUTH_FAILED})
    assert jumpcloud.count("POST", "/userconsole/auth") == 5


def test_an_old_token_is_refused(console: Console, jumpcloud: FakeJumpCloud) -> None:
    first = console.xsrf()
    jumpcloud.time_offset = 3601
    assert console.auth().status_code == 403
    assert console.xsrf() != first  # the old cookie is no good: a new token and cookie
    assert console.auth().status_code == 401


def test_refuse_xsrf_next_expires_the_token(console: Console, jumpcloud: FakeJumpCloud) -> None:
    first = console.xsrf()
    jumpcloud.refuse_xsrf_next = 1
    refused = console.auth()
    assert (refused.status_code, refused.text) == (403, "XSRF cookie does not match POST argument")
    assert jumpcloud.refuse_xsrf_next == 0
    assert console.auth().status_code == 403  # that token stays refused
    second = console.xsrf()
    assert second != first
    assert console.auth().json()["message"] == MFA_REQUIRED


# --- password and TOTP ---------------------------------------------------------------------

def test_totp_sign_in_through_the_auth_path(console: Console, jumpcloud: FakeJumpCloud) -> None:
    console.xsrf()
    first = console.auth()
    assert (first.status_code, first.json()) == (
        401, {"message": MFA_REQUIRED, "factors": [{"type": "totp", "status": "available"}]})
    # saml2aws's Go field names, no redirectTo this time: the first one is remembered.
    second = console.post("/userconsole/auth", {"Email": USER, "Password": DEFAULT_PASSWORD,
                                                "OTP": jumpcloud.totp_code()})
    assert (second.status_code, second.json()) == (200, {"redirectTo": jumpcloud.idp_url()})
    assert console.post("/userconsole/auth/totp", {"otp": "123456"}).status_code == 404
    page = console.idp()
    assert page.status_code == 200
    assert 'action="https://signin.aws.amazon.com/saml"' in page.text
    assertion = saml_of(page)
    assert jumpcloud.assertions == [assertion]
    found = attributes(assertion)
    assert found["Role"] == [[f"{ADMIN},{PROVIDER}"]]
    assert found["RoleSessionName"] == [[USER]]
    assert "SessionDuration" not in found
    assert jumpcloud.paths() == ["GET /userconsole/xsrf", "POST /userconsole/auth",
                                 "POST /userconsole/auth", "POST /userconsole/auth/totp",
                                 "GET /saml2/aws-prod"]
    assert [r.side for r in jumpcloud.requests] == ["console"] * 4 + ["idp"]
    assert jumpcloud.requests[2].fields == ("Email", "Password", "OTP")
    assert jumpcloud.requests[1].xsrf_header


def test_a_code_in_the_first_request_skips_the_round_trip(console: Console,
                                                          jumpcloud: FakeJumpCloud) -> None:
    console.xsrf()
    answer = console.auth(jumpcloud.totp_code())  # jc2aws
    assert (answer.status_code, answer.json()) == (200, {"redirectTo": jumpcloud.idp_url()})


def test_totp_sign_in_through_the_totp_path(console: Console, jumpcloud: FakeJumpCloud) -> None:
    jumpcloud.totp_submission = "totp-path"
    console.xsrf()
    assert console.auth().json()["message"] == MFA_REQUIRED
    ignored = console.auth(jumpcloud.totp_code())  # the code is ignored on this console
    assert (ignored.status_code, ignored.json()["message"]) == (401, MFA_REQUIRED)
    assert console.post("/userconsole/auth/totp", {"otp": "000000"}).status_code == 401
    answer = console.post("/userconsole/auth/totp", {"otp": jumpcloud.totp_code()})
    assert (answer.status_code, answer.json()) == (200, {"redirectTo": jumpcloud.idp_url()})
    assert SAML_INPUT.search(console.idp().text)


def test_the_totp_path_needs_the_password_first(console: Console,
                                                jumpcloud: FakeJumpCloud) -> None:
    jumpcloud.totp_submission = "totp-path"
    console.xsrf()
    answer = console.post("/userconsole/auth/totp", {"otp": jumpcloud.totp_code()})
    assert (answer.status_code, answer.json()) == (401, {"message": AUTH_FAILED})


@pytest.mark.parametrize(("switch", "body"), [
    ("error-multifactor", '{"error": "multifactor authentication failed"}'),
    ("auth-failed", '{"message": "Authentication failed."}'),
    ("empty", ""),
])
def test_a_wrong_code_then_the_right_one(console: Console, jumpcloud: FakeJumpCloud,
                                         switch: Any, body: str) -> None:
    jumpcloud.wrong_code_body = switch
    console.xsrf()
    console.auth()
    wrong = console.auth("000000" if jumpcloud.totp_code() != "000000" else "111111")
    assert (wrong.status_code, wrong.text) == (401, body)
    assert console.idp().status_code == 200 and not SAML_INPUT.search(console.idp().text)
    right = console.auth(jumpcloud.totp_code())
    assert right.status_code == 200


def test_a_code_works_once(console: Console, jumpcloud: FakeJumpCloud) -> None:
    code = jumpcloud.totp_code()
    console.xsrf()
    assert console.auth(code).status_code == 200
    again = Console(jumpcloud)
    again.xsrf()
    reused = again.auth(code)  # the same text: no flake when a 30 s step ends meanwhile
    assert (reused.status_code, reused.json()) == (
        401, {"error": "multifactor authentication failed"})
    # So does an older one (the previous step); the next step's code is accepted.
    assert again.auth(jumpcloud.totp_code(at=jumpcloud.now() - 30)).status_code == 401
    assert again.auth(jumpcloud.next_totp_code()).status_code == 200
    assert again.auth(jumpcloud.totp_code(at=jumpcloud.now() + 90)).status_code == 401


def test_codes_outside_the_window_are_refused(console: Console,
                                              jumpcloud: FakeJumpCloud) -> None:
    console.xsrf()
    assert console.auth(jumpcloud.totp_code(at=jumpcloud.now() - 75)).status_code == 401
    assert console.auth(jumpcloud.totp_code(at=jumpcloud.now() + 75)).status_code == 401
    assert console.auth(jumpcloud.totp_code(at=jumpcloud.now() + 30)).status_code == 200


@pytest.mark.parametrize(("email", "password"), [(USER, "wrong"), ("nobody@example.com",
                                                                    DEFAULT_PASSWORD),
                                                 ("alice", DEFAULT_PASSWORD)])
def test_wrong_email_or_password(console: Console, email: str, password: str) -> None:
    console.xsrf()
    answer = console.auth(email=email, password=password)
    assert (answer.status_code, answer.json()) == (401, {"message": AUTH_FAILED})
    answer = console.auth(console.fake.totp_code(), email=email, password=password)
    assert (answer.status_code, answer.json()) == (401, {"message": AUTH_FAILED})


def test_a_user_without_factors_needs_no_code(console: Console, jumpcloud: FakeJumpCloud) -> None:
    jumpcloud.add_user(BOB, BOB_PASSWORD, totp_secret=None)
    console.xsrf()
    answer = console.auth(email=BOB.upper(), password=BOB_PASSWORD)
    assert (answer.status_code, answer.json()) == (200, {"redirectTo": jumpcloud.idp_url()})
    assert attributes(saml_of(console.idp()))["RoleSessionName"] == [[BOB]]


def test_the_redirect_to_field(console: Console, jumpcloud: FakeJumpCloud) -> None:
    jumpcloud.add_user(BOB, BOB_PASSWORD, totp_secret=None)
    console.xsrf()
    bare = console.post("/userconsole/auth", {"email": BOB, "password": BOB_PASSWORD})
    assert (bare.status_code, bare.json()) == (200, {})
    jumpcloud.absent_redirect_body = "console"
    other = Console(jumpcloud)
    other.xsrf()
    answer = other.post("/userconsole/auth", {"email": BOB, "password": BOB_PASSWORD})
    assert answer.json() == {"redirectTo": f"{jumpcloud.console_url}/userconsole/"}
    jumpcloud.require_context_fields = True
    refused = other.post("/userconsole/auth", {"email": BOB, "password": BOB_PASSWORD})
    assert (refused.status_code, refused.json()) == (
        400, {"message": "context and redirectTo are required."})
    assert other.auth(email=BOB, password=BOB_PASSWORD).status_code == 200


def test_a_body_that_is_not_json(console: Console, jumpcloud: FakeJumpCloud) -> None:
    console.xsrf()
    answer = console.http.post(f"{jumpcloud.console_url}/userconsole/auth", data="email=x",
                               headers={"X-Xsrftoken": console.token}, timeout=10)
    assert (answer.status_code, answer.json()) == (400, {"message": "Bad Request"})


# --- the MFA-required forms ----------------------------------------------------------------

@pytest.mark.parametrize(("form", "location"), [("redirect-4014", "/login?error=4014"),
                                                ("redirect-login", "/login")])
def test_mfa_required_as_a_redirect(console: Console, jumpcloud: FakeJumpCloud, form: Any,
                                    location: str) -> None:
    jumpcloud.mfa_required_form = form
    console.xsrf()
    answer = console.auth()
    assert (answer.status_code, answer.headers["Location"], answer.text) == (302, location, "")
    assert console.auth(jumpcloud.totp_code()).status_code == 200
    followed = console.http.get(f"{jumpcloud.console_url}{location}", timeout=10)
    assert (followed.status_code, followed.text) == (200, SPA_PAGE)


def test_mfa_required_by_the_accept_header(console: Console, jumpcloud: FakeJumpCloud) -> None:
    jumpcloud.mfa_required_form = "by-accept"
    console.xsrf()
    assert console.auth().status_code == 401
    body = {"email": USER, "password": DEFAULT_PASSWORD}
    plain = console.post("/userconsole/auth", body, {"Accept": "*/*"})
    assert (plain.status_code, plain.headers["Location"]) == (302, "/login?error=4014")


def test_factors_offered(console: Console, jumpcloud: FakeJumpCloud) -> None:
    jumpcloud.add_user(BOB, BOB_PASSWORD, totp_secret=None,
                       factors=[("webauthn", "available"), ("duo", "unavailable")])
    console.xsrf()
    answer = console.auth(email=BOB, password=BOB_PASSWORD)
    assert answer.json() == {"message": MFA_REQUIRED, "factors": [
        {"type": "webauthn", "status": "available"}, {"type": "duo", "status": "unavailable"}]}
    challenge = console.http.get(f"{jumpcloud.console_url}/userconsole/auth/webauthn",
                                 timeout=10).json()
    assert challenge["publicKey"]["rpId"] == "console.jumpcloud.com"
    assert len(challenge["publicKey"]["allowCredentials"]) == 1 and challenge["token"]
    assert console.post("/userconsole/auth/webauthn", {"token": "x"}).status_code == 401
    duo = console.http.get(f"{jumpcloud.console_url}/userconsole/auth/duo", timeout=10)
    assert duo.status_code == 401  # unavailable
    assert console.auth("123456", email=BOB, password=BOB_PASSWORD).status_code == 401
    jumpcloud.add_user(USER, push=True)
    both = Console(jumpcloud)
    both.xsrf()
    assert both.auth().json()["factors"] == [{"type": "totp", "status": "available"},
                                              {"type": "push", "status": "available"}]


# --- push ----------------------------------------------------------------------------------

def push_user(fake: FakeJumpCloud, console: Console) -> None:
    fake.add_user(BOB, BOB_PASSWORD, totp_secret=None, push=True)
    console.xsrf()
    answer = console.auth(email=BOB, password=BOB_PASSWORD)
    assert answer.json()["factors"] == [{"type": "push", "status": "available"}]


def test_push_accepted(console: Console, jumpcloud: FakeJumpCloud) -> None:
    push_user(jumpcloud, console)
    started = console.post("/userconsole/auth/push")
    assert started.status_code == 200
    push = started.json()
    assert sorted(push) == ["expiresAt", "id", "initiatedAt", "status", "userId"]
    assert push["status"] == "pending"
    assert push["userId"] == jumpcloud.user(BOB).user_id
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", push["expiresAt"])
    early = console.post(f"/userconsole/auth/push/{push['id']}/login")
    assert early.status_code == 401
    polls = [console.get(f"/userconsole/auth/push/{push['id']}") for _ in range(2)]
    assert [(p.status_code, p.json()["status"]) for p in polls] == [(200, "pending"),
                                                                   (200, "accepted")]
    login = console.post(f"/userconsole/auth/push/{push['id']}/login")
    assert (login.status_code, login.json()) == (200, {"redirectTo": jumpcloud.idp_url()})
    assert attributes(saml_of(console.idp()))["RoleSessionName"] == [[BOB]]
    jumpcloud.app_requires_mfa = True  # a push is a second factor
    assert SAML_INPUT.search(console.idp().text)


@pytest.mark.parametrize("status", [401, 200])
def test_push_denied(console: Console, jumpcloud: FakeJumpCloud, status: int) -> None:
    jumpcloud.push_outcome = "denied"
    jumpcloud.push_polls_before_outcome = 0
    jumpcloud.push_denied_status = status
    push_user(jumpcloud, console)
    push_id = console.post("/userconsole/auth/push").json()["id"]
    poll = console.get(f"/userconsole/auth/push/{push_id}")
    assert (poll.status_code, poll.json()["status"]) == (status, "denied")
    assert console.post(f"/userconsole/auth/push/{push_id}/login").status_code == 401
    assert not SAML_INPUT.search(console.idp().text)


def test_push_expired(console: Console, jumpcloud: FakeJumpCloud) -> None:
    jumpcloud.push_outcome = "expired"
    jumpcloud.push_polls_before_outcome = 2
    push_user(jumpcloud, console)
    push_id = console.post("/userconsole/auth/push").json()["id"]
    statuses = [console.get(f"/userconsole/auth/push/{push_id}").json()["status"]
                for _ in range(3)]
    assert statuses == ["pending", "pending", "expired"]


def test_an_undecided_push_expires_after_its_lifetime(console: Console,
                                                      jumpcloud: FakeJumpCloud) -> None:
    jumpcloud.freeze()  # a slow machine does not age the push
    jumpcloud.push_outcome = "pending"
    jumpcloud.push_lifetime = 2
    push_user(jumpcloud, console)
    push_id = console.post("/userconsole/auth/push").json()["id"]
    assert console.get(f"/userconsole/auth/push/{push_id}").json()["status"] == "pending"
    jumpcloud.time_offset = 2.5
    assert console.get(f"/userconsole/auth/push/{push_id}").json()["status"] == "expired"


def test_decide_push_wins(console: Console, jumpcloud: FakeJumpCloud) -> None:
    jumpcloud.push_outcome = "pending"
    push_user(jumpcloud, console)
    push_id = console.post("/userconsole/auth/push").json()["id"]
    jumpcloud.decide_push("accepted")
    assert console.get(f"/userconsole/auth/push/{push_id}").json()["status"] == "accepted"
    assert console.post(f"/userconsole/auth/push/{push_id}/login").status_code == 200


def test_push_needs_the_password_and_the_factor(console: Console,
                                                jumpcloud: FakeJumpCloud) -> None:
    console.xsrf()
    assert console.post("/userconsole/auth/push").status_code == 401
    console.auth()  # alice: TOTP only
    assert console.post("/userconsole/auth/push").json() == {
        "message": "Push authentication is not available."}
    other = Console(jumpcloud)
    other.xsrf()
    assert other.get("/userconsole/auth/push/nope").status_code == 404


# --- locked, unassigned, the IdP page ------------------------------------------------------

def test_a_locked_account(console: Console, jumpcloud: FakeJumpCloud) -> None:
    jumpcloud.lock_user()
    console.xsrf()
    locked = console.auth()
    assert (locked.status_code, locked.json()) == (401, {"message": LOCKED_MESSAGE})
    assert console.auth(password="wrong").json() == {"message": AUTH_FAILED}
    jumpcloud.locked_status = 403
    assert console.auth(jumpcloud.totp_code()).status_code == 403
    jumpcloud.unlock_user()
    assert console.auth().json()["message"] == MFA_REQUIRED


def test_lockout_after_failed_passwords(console: Console, jumpcloud: FakeJumpCloud) -> None:
    jumpcloud.lockout_after = 2
    console.xsrf()
    assert [console.auth(password="bad").status_code for _ in range(2)] == [401, 401]
    assert jumpcloud.user().locked
    assert console.auth().json() == {"message": LOCKED_MESSAGE}


def test_an_unassigned_user_or_unknown_app(console: Console, jumpcloud: FakeJumpCloud) -> None:
    jumpcloud.unassign()
    console.sign_in()
    page = console.idp()
    assert page.status_code == 200
    assert "You do not have access to this application." in page.text
    assert "SAMLResponse" not in page.text
    unknown = console.idp("no-such-app")
    assert unknown.status_code == 404 and "SAMLResponse" not in unknown.text
    jumpcloud.assign()
    assert SAML_INPUT.search(console.idp().text)
    assert jumpcloud.assertions and len(jumpcloud.assertions) == 1


def test_the_idp_needs_the_session_cookie(console: Console, jumpcloud: FakeJumpCloud) -> None:
    console.xsrf()
    console.auth()
    half = console.idp()  # password only: not signed in yet
    assert half.status_code == 200 and "Sign in to JumpCloud" in half.text
    assert "SAMLResponse" not in half.text
    console.auth(jumpcloud.totp_code())
    assert "Sign in to JumpCloud" in console.idp(forward=False).text
    jumpcloud.idp_signed_out = "redirect"
    redirect = console.idp(forward=False)
    assert (redirect.status_code, redirect.headers["Location"]) == (
        302, f"{jumpcloud.console_url}/login")
    assert SAML_INPUT.search(console.idp().text)
    assert jumpcloud.requests[-1].cookies == (SESSION_COOKIE,)


def test_a_cookie_jar_alone_does_not_reach_another_idp_host() -> None:
    with FakeJumpCloud(idp_host="localhost") as fake:
        assert fake.idp_url() == f"http://localhost:{fake.idp_url().split(':')[2]}"
        console = Console(fake)
        console.sign_in()
        jar_only = console.http.get(fake.idp_url(), timeout=10)  # 127.0.0.1's cookies stay
        assert jar_only.status_code == 200 and "SAMLResponse" not in jar_only.text
        assert fake.requests[-1].cookies == ()
        assert SAML_INPUT.search(console.idp().text)  # forwarded explicitly


def test_an_app_that_requires_mfa(console: Console, jumpcloud: FakeJumpCloud) -> None:
    jumpcloud.add_user(BOB, BOB_PASSWORD, totp_secret=None)
    jumpcloud.app_requires_mfa = True
    console.xsrf()
    assert console.auth(email=BOB, password=BOB_PASSWORD).status_code == 200
    page = console.idp()
    assert "requires multi-factor authentication" in page.text
    assert "SAMLResponse" not in page.text
    alice = Console(jumpcloud)
    alice.sign_in()
    assert SAML_INPUT.search(alice.idp().text)


def test_the_session_rotates_on_sign_in(console: Console, jumpcloud: FakeJumpCloud) -> None:
    jumpcloud.rotate_session_on_sign_in = True
    console.xsrf()
    before = console.http.cookies[SESSION_COOKIE]
    stale = {SESSION_COOKIE: before}
    assert console.auth().status_code == 401
    after = console.http.cookies[SESSION_COOKIE]
    assert after != before
    assert console.auth(jumpcloud.totp_code()).status_code == 200
    assert console.http.cookies[SESSION_COOKIE] == after
    old = requests.get(jumpcloud.idp_url(), cookies=stale, timeout=10)
    assert "SAMLResponse" not in old.text
    assert SAML_INPUT.search(console.idp().text)


def test_several_roles_and_the_assertion_switches(console: Console,
                                                  jumpcloud: FakeJumpCloud) -> None:
    jumpcloud.apps["aws-prod"].roles = [ADMIN, READ_ONLY, DEPLOY]
    jumpcloud.provider_first = True
    jumpcloud.session_duration = 7200
    jumpcloud.extra_unnamed_input = True
    jumpcloud.assertion_lifetime = 120
    console.sign_in()
    page = console.idp()
    assert '<input type="submit" value="Continue"/>' in page.text
    found = attributes(saml_of(page))
    assert found["Role"] == [[f"{PROVIDER},{ADMIN}", f"{PROVIDER},{READ_ONLY}",
                              f"{PROVIDER},{DEPLOY}"]]
    assert found["SessionDuration"] == [["7200"]]
    jumpcloud.roles_encoding = "attributes"
    found = attributes(saml_of(console.idp()))
    assert found["Role"] == [[f"{PROVIDER},{ADMIN}"], [f"{PROVIDER},{READ_ONLY}"],
                             [f"{PROVIDER},{DEPLOY}"]]
    root = ElementTree.fromstring(base64.b64decode(jumpcloud.assertions[-1]))
    (conditions,) = root.iter(f"{SAML_NS}Conditions")
    assert conditions.attrib["NotOnOrAfter"] > conditions.attrib["NotBefore"]


# --- on to AWS (moto) ----------------------------------------------------------------------

def test_moto_takes_the_assertion(console: Console, jumpcloud: FakeJumpCloud,
                                  aws_env: Path, sts: LoopbackServer) -> None:
    jumpcloud.apps["aws-prod"].roles = [ADMIN, READ_ONLY]
    jumpcloud.roles_encoding = "attributes"
    jumpcloud.session_duration = 1800
    console.sign_in()
    assertion = saml_of(console.idp())
    client = boto3.client("sts", endpoint_url=sts.url, region_name="us-east-1",
                          aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="x")
    answer = client.assume_role_with_saml(RoleArn=READ_ONLY, PrincipalArn=PROVIDER,
                                          SAMLAssertion=assertion, DurationSeconds=1800)
    keys = answer["Credentials"]
    assert answer["AssumedRoleUser"]["Arn"] == (
        f"arn:aws:sts::123456789012:assumed-role/ReadOnly/{USER}")
    who = boto3.client("sts", endpoint_url=sts.url, region_name="us-east-1",
                       aws_access_key_id=keys["AccessKeyId"],
                       aws_secret_access_key=keys["SecretAccessKey"],
                       aws_session_token=keys["SessionToken"]).get_caller_identity()
    assert who["Arn"] == f"arn:aws:sts::123456789012:assumed-role/ReadOnly/{USER}"
    assert [r.action for r in sts.recorder.requests] == ["AssumeRoleWithSAML",
                                                         "GetCallerIdentity"]


# --- the fixture, the log, faults ----------------------------------------------------------

def test_the_fixture_sets_the_console_url(jumpcloud: FakeJumpCloud,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    assert os.environ["AWS_LOGIN_JUMPCLOUD_CONSOLE_URL"] == jumpcloud.console_url
    assert jumpcloud.idp_url() != jumpcloud.console_url + "/saml2/aws-prod"  # two listeners
    assert jumpcloud.requests == [] and jumpcloud.mfa_required_form == "json"
    jumpcloud.mfa_required_form = "redirect-login"
    jumpcloud.reset()
    assert str(jumpcloud.mfa_required_form) == "json" and list(jumpcloud.users) == [USER]


def test_nothing_secret_is_recorded(console: Console, jumpcloud: FakeJumpCloud) -> None:
    console.sign_in()
    code = jumpcloud.totp_code()
    text = repr(jumpcloud.requests) + repr(jumpcloud.users) + repr(jumpcloud.sessions)
    assert DEFAULT_PASSWORD not in text and DEFAULT_TOTP_SECRET not in text
    assert code not in text and console.token not in text
    assert console.http.cookies[SESSION_COOKIE] not in repr(jumpcloud.requests)


def test_fail_next(console: Console, jumpcloud: FakeJumpCloud) -> None:
    jumpcloud.fail_next = 2
    statuses = [console.http.get(f"{jumpcloud.console_url}/userconsole/xsrf",
                                 timeout=10).status_code for _ in range(3)]
    assert statuses == [503, 503, 200]
    assert jumpcloud.count(side="console") == 3 and jumpcloud.count(side="idp") == 0
