"""A loopback fake of JumpCloud's sign-in as the public clients use it (see
../shared/protocols/jumpcloud.md): the user console and the SSO IdP, each on its own
`ThreadingHTTPServer` on 127.0.0.1 (two random ports, like two hosts).

    with FakeJumpCloud() as fake:                     # or the `jumpcloud` fixture
        AWS_LOGIN_JUMPCLOUD_CONSOLE_URL=fake.console_url   --jumpcloud-url fake.idp_url()
        code = fake.totp_code()                       # the default user's current code
        fake.mfa_required_form = "redirect-4014"      # a switch, set at test time
        assert fake.count(side="idp") == 1

The console (`console_url`):
- GET  /userconsole/xsrf → 200 {"xsrf": <32 letters and digits>}; sets the session cookie
  `_jumpcloud_user_console_` and `_xsrf` = base64url(token)|unix ns|hex HMAC-SHA256 (Beego's
  secure cookie). A request carrying a valid `_xsrf` cookie gets the same token back.
  Cookies are set with `Path=/` and no Domain.
- POST /userconsole/auth {email, password, otp, context, redirectTo} (names in any case, an
  empty otp is none) → 200 {"redirectTo": <absolute IdP URL>}, 401 {"message": "MFA
  required.", "factors": [...]}, 401 {"message": "Authentication failed."}, or a wrong-code
  401 (see switches).
- POST /userconsole/auth/totp {"otp"}                           (only in "totp-path" mode)
- POST /userconsole/auth/push {} → {"id", "expiresAt", "initiatedAt", "status", "userId"};
  GET /userconsole/auth/push/<id> (polling); POST /userconsole/auth/push/<id>/login {}.
- GET/POST /userconsole/auth/webauthn, /userconsole/auth/duo: the challenge documents the
  clients read (for accounts offering those factors); the fake cannot check a key or a Duo
  prompt, so a POST answers 401 "Authentication failed.".
- Every POST, PUT, PATCH and DELETE is a Beego double submit: the token in `X-Xsrftoken`
  (or `X-Csrftoken`, or a `_xsrf` query value) must equal the one sealed in the `_xsrf`
  cookie, whose HMAC must be good and which must be younger than `xsrf_lifetime`.
- A GET of any other path answers the console's single-page app (200 HTML, as /xsrf did for
  saml2aws in #1041); a POST to an unknown path 404 "404 page not found" (Go's text).

The IdP (`idp_url(slug)` = http://127.0.0.1:P2/saml2/<slug>): GET with the session cookie
(only `_jumpcloud_user_console_` is needed; nothing is shared with the console port, the
client forwards it) → 200 HTML auto-post form to https://signin.aws.amazon.com/saml with
hidden inputs SAMLResponse (the base64 Response, built by tests/fakes/saml.py) and
RelayState. Without a signed-in session: a login page without SAMLResponse.

Users (`FakeJumpCloud.users`, `add_user`): email, password, TOTP secret (RFC 6238,
HMAC-SHA1, 6 digits, 30 s steps, the current step ±1 accepted; a code of a step at or before
the last accepted one is rejected like a wrong code, so each code works once), JumpCloud
Protect push, further factors (e.g. webauthn/duo, available or not), locked, the apps
assigned. A user with no factor at all signs in with the password alone.

SWITCHES: where the sources disagree or know nothing (the doc's list), a plain attribute
settable at test time; `reset()` restores the defaults below (the fixture does it per test).
- `mfa_required_form`: "json" (401 with `factors`, saml2aws/#230/authum/jc2aws; default) |
  "redirect-4014" (302, Location /login?error=4014, aws-jumpcloud 2018) | "redirect-login"
  (302, Location /login, aws-jumpcloud PR #45) | "by-accept" (json when the request's Accept
  names application/json, else redirect-4014: a guess that the header selects the form).
- `totp_submission`: "auth" (repeat POST /userconsole/auth with otp; default; then
  /userconsole/auth/totp is 404) | "totp-path" (POST /userconsole/auth/totp {"otp"}, authum;
  a code sent to /userconsole/auth is ignored and "MFA required." answered again).
- `wrong_code_body` (status always 401): "error-multifactor" ({"error": "multifactor
  authentication failed"}, aws-jumpcloud's expectation; default) | "auth-failed"
  ({"message": "Authentication failed."}) | "empty" (no body).
- `require_context_fields`: False (default) | True: `context` ("sso") and `redirectTo` must
  be sent, else 400 {"message": "context and redirectTo are required."} (a guess).
- `absent_redirect_body`: the 200 when no redirectTo was sent (unknown): "empty" ({};
  default) | "console" ({"redirectTo": <console>/userconsole/}: a client must not follow it).
- `xsrf_failure_status`: 403 (Beego 1: "'_xsrf' argument missing from POST" / "XSRF cookie
  does not match POST argument"; default) | 422 | 417 (Beego 2: the status as the body).
- `xsrf_lifetime`: seconds a token stays good (default 3600, Beego's; JumpCloud said ~15 min).
- `refuse_xsrf_next`: refuse the next N double-submit checks as if the token had expired,
  even with a correct token; the refused token is then expired for good, so /xsrf hands out
  a new one (a client should fetch it and retry once).
- `rotate_session_on_sign_in`: False | True: the session cookie changes when the password is
  accepted (a client must keep the cookies of the auth answers, as jc2aws does).
- `push_outcome`: "accepted" (default) | "denied" | "expired" | "pending" (never decided:
  the push expires after `push_lifetime`); `push_polls_before_outcome` (default 1: that many
  polls answer "pending" first); `push_denied_status`: 401 (saml2aws's mock; default) | 200;
  `push_lifetime` seconds (default 10).
- Locked account (unknown in the sources; a guess): with the right password, `locked_status`
  (default 401) {"message": "Your account has been locked. Contact your administrator."};
  a wrong password on a locked account is the usual "Authentication failed.".
  `lockout_after`: None (default) | N: N failed passwords in a row lock the user.
- `idp_signed_out`: what the IdP answers without a signed-in session (unknown): "login-page"
  (200 HTML sign-in page; default) | "redirect" (302 to the console's /login, the SPA).
  An unassigned user: 200 HTML "You do not have access to this application."; an unknown
  slug: 404 HTML "Application not found"; with `app_requires_mfa` a session signed in
  without MFA: 200 HTML asking for MFA (#771). None of them holds a SAMLResponse.
- The assertion: `roles_encoding` "values" (one Role Attribute, several values; default) |
  "attributes" (one Role Attribute per pair: moto needs it for several roles);
  `provider_first` (pairs as "provider,role"); `session_duration` (None = no attribute);
  `assertion_lifetime` seconds to NotOnOrAfter (default 300); `extra_unnamed_input` (the
  page also has an `<input type="submit">` without a name, which saml2aws chokes on).
  The roles are per app (`apps[slug].roles`, role ARNs paired with `apps[slug].provider`);
  RoleSessionName is the user's email; the default role is in moto's account 123456789012.
- `fail_next` / `fail_status`: the next N requests (either side) answer `fail_status`
  (default 503) with no body: JumpCloud having a bad moment.
- `drop_answer_to` ("METHOD /path", e.g. "POST /userconsole/auth") / `drop_answer_at`
  (default 1): the drop_answer_at-th such request from now is handled as usual (a code is
  spent, a push started), then the connection is closed without an answer: the answer lost
  on its way back. Then `drop_answer_to` is None again.

Helpers for tests: `totp_code(email=None, at=None)`, `next_totp_code(email=None)` (a code
not used yet), `add_user`, `user`, `lock_user`, `unlock_user`, `unassign`, `assign`,
`add_app`, `decide_push(outcome)`, `assertion_for(user, app)`, `assertions` (every
SAMLResponse served), `sessions`, `pushes`. The clock: `now()` is real time plus
`time_offset`; `freeze(at=None)` stops it (by default mid-step, so no TOTP step ends during
a test). To test a reused code, send the same code string twice (not two totp_code() calls,
which may straddle a step boundary).

Every request is recorded (`requests`, `count`, `paths`, `clear`): side ("console" or
"idp"), method, path, status, the body's field names and the cookie names sent, never a
value; the fake prints nothing. Secrets (passwords, TOTP secrets) are kept out of every repr.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import secrets
import string
import struct
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

from tests.fakes.saml import ADMIN, PROVIDER, USER, pair, saml_response
from tests.fakes.saml import encode as encode_saml

SESSION_COOKIE = "_jumpcloud_user_console_"
XSRF_COOKIE = "_xsrf"
XSRF_HEADERS = ("x-xsrftoken", "x-csrftoken")
ACS_URL = "https://signin.aws.amazon.com/saml"
DEFAULT_SLUG = "aws-prod"
DEFAULT_PASSWORD = "hunter2 \"Zürich\" $HOME"  # a space, quotes, non-ASCII, a shell word
DEFAULT_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # base32, 20 bytes

MFA_REQUIRED = "MFA required."
AUTH_FAILED = "Authentication failed."
LOCKED_MESSAGE = "Your account has been locked. Contact your administrator."
CONTEXT_MESSAGE = "context and redirectTo are required."
NOT_FOUND = "404 page not found\n"

Side = Literal["console", "idp"]
CONSOLE: Side = "console"
IDP: Side = "idp"
PushStatus = Literal["pending", "accepted", "denied", "expired"]

TOTP_STEP = 30
TOTP_DIGITS = 6

# The switches and their defaults (reset() restores them; the docstring explains each).
SWITCH_DEFAULTS: dict[str, Any] = {
    "mfa_required_form": "json",
    "totp_submission": "auth",
    "wrong_code_body": "error-multifactor",
    "require_context_fields": False,
    "absent_redirect_body": "empty",
    "xsrf_failure_status": 403,
    "xsrf_lifetime": 3600.0,
    "refuse_xsrf_next": 0,
    "rotate_session_on_sign_in": False,
    "push_outcome": "accepted",
    "push_polls_before_outcome": 1,
    "push_denied_status": 401,
    "push_lifetime": 10.0,
    "locked_status": 401,
    "lockout_after": None,
    "idp_signed_out": "login-page",
    "app_requires_mfa": False,
    "roles_encoding": "values",
    "provider_first": False,
    "session_duration": None,
    "assertion_lifetime": 300.0,
    "extra_unnamed_input": False,
    "fail_next": 0,
    "fail_status": 503,
    "drop_answer_to": None,
    "drop_answer_at": 1,
}

SPA_PAGE = ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<title>JumpCloud User Portal</title></head><body><div id=\"app\"></div>"
            "<script src=\"/userconsole/app.js\"></script></body></html>")


# --------------------------------------------------------------------------- TOTP


def totp_at(secret: str, when: float, digits: int = TOTP_DIGITS, step: int = TOTP_STEP) -> str:
    """RFC 6238 (HMAC-SHA1) code of a base32 secret at unix time `when`."""
    return hotp(secret, int(when // step), digits)


def hotp(secret: str, counter: int, digits: int = TOTP_DIGITS) -> str:
    """RFC 4226 code of a base32 secret (padding and case forgiven) for `counter`."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10 ** digits).zfill(digits)


# --------------------------------------------------------------------------- data


@dataclass
class JcUser:
    """A JumpCloud user. `factors` are further (type, status) pairs offered besides TOTP and
    push, e.g. ("webauthn", "available") or ("duo", "unavailable"). `apps`: the slugs
    assigned (None: every app)."""

    email: str
    password: str = field(default=DEFAULT_PASSWORD, repr=False)
    totp_secret: str | None = field(default=DEFAULT_TOTP_SECRET, repr=False)
    push: bool = False
    factors: list[tuple[str, str]] = field(default_factory=list)
    locked: bool = False
    apps: set[str] | None = None
    user_id: str = field(default_factory=lambda: secrets.token_hex(12))
    failed_passwords: int = 0
    last_totp_step: int | None = None  # the step of the last accepted code

    def offered_factors(self) -> list[dict[str, str]]:
        """The `factors` of the "MFA required." answer."""
        offered: list[dict[str, str]] = []
        if self.totp_secret:
            offered.append({"type": "totp", "status": "available"})
        if self.push:
            offered.append({"type": "push", "status": "available"})
        offered.extend({"type": kind, "status": status} for kind, status in self.factors)
        return offered

    def has_factor(self, kind: str) -> bool:
        return any(f["type"] == kind and f["status"] == "available"
                   for f in self.offered_factors())

    def assigned(self, slug: str) -> bool:
        return self.apps is None or slug in self.apps


@dataclass
class JcApp:
    """An SSO application (the AWS app): its IdP slug and the roles its assertion offers."""

    slug: str
    roles: list[str] = field(default_factory=lambda: [ADMIN])
    provider: str = PROVIDER


@dataclass
class Session:
    """A console session (the `_jumpcloud_user_console_` cookie's value names it)."""

    sid: str
    pending: str | None = None  # email whose password was accepted, awaiting a second factor
    email: str | None = None  # signed in as
    mfa: bool = False  # signed in with a second factor
    redirect_to: str | None = None  # the redirectTo sent with the password, remembered


@dataclass
class Push:
    id: str
    sid: str
    email: str
    user_id: str
    initiated_at: datetime
    expires_at: datetime
    status: PushStatus = "pending"
    polls: int = 0
    decided: PushStatus | None = None  # set by decide_push(): wins over push_outcome

    def document(self) -> dict[str, str]:
        return {"id": self.id, "expiresAt": _rfc3339(self.expires_at),
                "initiatedAt": _rfc3339(self.initiated_at), "status": self.status,
                "userId": self.user_id}


@dataclass
class JcRequest:
    """One request as the fake saw it: names only, never a password, code or cookie value."""

    side: Side
    method: str
    path: str
    status: int = 0
    fields: tuple[str, ...] = ()  # the JSON body's field names, as sent
    cookies: tuple[str, ...] = ()  # the names of the cookies sent
    xsrf_header: bool = False  # X-Xsrftoken or X-Csrftoken was sent
    accept: str = ""


@dataclass
class Answer:
    status: int
    body: str = ""
    content_type: str = "application/json; charset=utf-8"
    headers: list[tuple[str, str]] = field(default_factory=list)


def _json(status: int, document: object, headers: Iterable[tuple[str, str]] = ()) -> Answer:
    return Answer(status, json.dumps(document), headers=list(headers))


def _html(status: int, body: str) -> Answer:
    return Answer(status, body, "text/html; charset=utf-8")


# --------------------------------------------------------------------------- the fake


class FakeJumpCloud:
    """The console and IdP fake; see the module docstring. Start with `start()` or `with`."""

    # switches (annotated for mypy; values set by reset())
    mfa_required_form: Literal["json", "redirect-4014", "redirect-login", "by-accept"]
    totp_submission: Literal["auth", "totp-path"]
    wrong_code_body: Literal["error-multifactor", "auth-failed", "empty"]
    require_context_fields: bool
    absent_redirect_body: Literal["empty", "console"]
    xsrf_failure_status: int
    xsrf_lifetime: float
    refuse_xsrf_next: int
    rotate_session_on_sign_in: bool
    push_outcome: PushStatus
    push_polls_before_outcome: int
    push_denied_status: int
    push_lifetime: float
    locked_status: int
    lockout_after: int | None
    idp_signed_out: Literal["login-page", "redirect"]
    app_requires_mfa: bool
    roles_encoding: Literal["values", "attributes"]
    provider_first: bool
    session_duration: int | str | None
    assertion_lifetime: float
    extra_unnamed_input: bool
    fail_next: int
    fail_status: int
    drop_answer_to: str | None
    drop_answer_at: int

    def __init__(self, users: Sequence[JcUser] | None = None,
                 apps: Sequence[JcApp] | None = None, *, idp_host: str = "127.0.0.1") -> None:
        """`users`/`apps`: what reset() restores (default: alice with TOTP; aws-prod → Admin).
        `idp_host`: the IdP URLs' host name; "localhost" makes it another host than the
        console's 127.0.0.1 for a cookie jar, as sso.jumpcloud.com is for
        console.jumpcloud.com, so only a client that forwards the cookie gets an assertion
        (both listeners are on 127.0.0.1 whatever the name)."""
        self.lock = threading.RLock()
        self.idp_host = idp_host
        self._initial_users = list(users) if users is not None else None
        self._initial_apps = list(apps) if apps is not None else None
        self._console: ThreadingHTTPServer | None = None
        self._idp: ThreadingHTTPServer | None = None
        self._secret = secrets.token_bytes(32)  # the XSRF cookie's HMAC key
        self.time_offset = 0.0  # added to the fake's clock (TOTP steps, push expiry, XSRF age)
        self.frozen_at: float | None = None  # see freeze()
        self.users: dict[str, JcUser] = {}
        self.apps: dict[str, JcApp] = {}
        self.sessions: dict[str, Session] = {}
        self.pushes: dict[str, Push] = {}
        self.requests: list[JcRequest] = []
        self.assertions: list[str] = []  # every SAMLResponse value served (base64)
        self._expired_tokens: set[str] = set()
        self.reset()

    # -- set-up and helpers for tests ---------------------------------------------------

    def reset(self) -> None:
        """Defaults again: switches, users (alice@example.com with TOTP, password
        DEFAULT_PASSWORD), apps (aws-prod → Admin), no sessions, pushes or requests."""
        with self.lock:
            for name, value in SWITCH_DEFAULTS.items():
                setattr(self, name, value)
            self.time_offset = 0.0
            self.frozen_at = None
            users = (self._initial_users if self._initial_users is not None
                     else [JcUser(USER)])
            apps = self._initial_apps if self._initial_apps is not None else [JcApp(DEFAULT_SLUG)]
            self.users = {}
            for user in users:
                self.add_user(**_user_kwargs(user))
            self.apps = {app.slug: JcApp(app.slug, list(app.roles), app.provider)
                         for app in apps}
            self.sessions.clear()
            self.pushes.clear()
            self.requests.clear()
            self.assertions.clear()
            self._expired_tokens.clear()

    def add_user(self, email: str, password: str = DEFAULT_PASSWORD, *,
                 totp_secret: str | None = DEFAULT_TOTP_SECRET, push: bool = False,
                 factors: Iterable[tuple[str, str]] = (), locked: bool = False,
                 apps: Iterable[str] | None = None) -> JcUser:
        """Add (or replace) a user. `totp_secret=None`: no TOTP factor."""
        user = JcUser(email, password, totp_secret, push, list(factors), locked,
                      None if apps is None else set(apps))
        with self.lock:
            self.users[email.lower()] = user
        return user

    def add_app(self, slug: str, roles: Sequence[str] = (ADMIN,),
                provider: str = PROVIDER) -> JcApp:
        app = JcApp(slug, list(roles), provider)
        with self.lock:
            self.apps[slug] = app
        return app

    def user(self, email: str | None = None) -> JcUser:
        """The user of that email, or the only (first) user."""
        with self.lock:
            if email is None:
                return next(iter(self.users.values()))
            return self.users[email.lower()]

    def lock_user(self, email: str | None = None) -> None:
        self.user(email).locked = True

    def unlock_user(self, email: str | None = None) -> None:
        user = self.user(email)
        user.locked = False
        user.failed_passwords = 0

    def unassign(self, email: str | None = None, slug: str = DEFAULT_SLUG) -> None:
        """Remove the app from the user's assignments (the IdP then offers no SAMLResponse)."""
        user = self.user(email)
        with self.lock:
            user.apps = (set(self.apps) if user.apps is None else user.apps) - {slug}

    def assign(self, email: str | None = None, slug: str = DEFAULT_SLUG) -> None:
        user = self.user(email)
        with self.lock:
            if user.apps is not None:
                user.apps.add(slug)

    def now(self) -> float:
        """The fake's clock: real time (or the frozen instant) plus `time_offset`."""
        base = time.time() if self.frozen_at is None else self.frozen_at
        return base + self.time_offset

    def freeze(self, at: float | None = None) -> None:
        """Stop the fake's clock at unix time `at` (default: the middle of the current TOTP
        step), so no 30 s step ends during a test; move it with `time_offset`."""
        if at is None:
            at = (time.time() // TOTP_STEP) * TOTP_STEP + TOTP_STEP / 2
        self.time_offset = 0.0
        self.frozen_at = at

    def totp_code(self, email: str | None = None, at: float | datetime | None = None) -> str:
        """The user's TOTP code at `at` (unix time or datetime; default: the fake's now).
        A code of the next step (at=fake.now() + 30) is accepted too, once."""
        user = self.user(email) if email is not None else self._first_totp_user()
        if not user.totp_secret:
            raise ValueError(f"{user.email} has no TOTP factor")
        when = at.timestamp() if isinstance(at, datetime) else (self.now() if at is None else at)
        return totp_at(user.totp_secret, when)

    def next_totp_code(self, email: str | None = None) -> str:
        """A code not yet used: the first step after the last accepted one (within ±1)."""
        user = self.user(email) if email is not None else self._first_totp_user()
        step = int(self.now() // TOTP_STEP)
        if user.last_totp_step is not None and user.last_totp_step >= step:
            step = user.last_totp_step + 1
        return self.totp_code(user.email, at=step * TOTP_STEP)

    def decide_push(self, outcome: PushStatus, push_id: str | None = None) -> Push:
        """Decide a push (the latest one by default) now, whatever push_outcome says."""
        with self.lock:
            push = self.pushes[push_id] if push_id else list(self.pushes.values())[-1]
            push.decided = outcome
            return push

    def count(self, method: str | None = None, path: str | None = None,
              side: Side | None = None) -> int:
        with self.lock:
            return sum(1 for r in self.requests
                       if (method is None or r.method == method)
                       and (path is None or r.path == path)
                       and (side is None or r.side == side))

    def paths(self, side: Side | None = None) -> list[str]:
        """'METHOD path' of each request, in order."""
        with self.lock:
            return [f"{r.method} {r.path}" for r in self.requests
                    if side is None or r.side == side]

    def clear(self) -> None:
        """Forget the request log (state and switches stay)."""
        with self.lock:
            self.requests.clear()

    # -- URLs and the servers ------------------------------------------------------------

    @property
    def console_url(self) -> str:
        assert self._console is not None, "start() the fake first"
        return f"http://127.0.0.1:{self._console.server_port}"

    @property
    def idp_base(self) -> str:
        assert self._idp is not None, "start() the fake first"
        return f"http://{self.idp_host}:{self._idp.server_port}"

    def idp_url(self, slug: str = DEFAULT_SLUG) -> str:
        return f"{self.idp_base}/saml2/{slug}"

    def start(self) -> FakeJumpCloud:
        self._console = ThreadingHTTPServer(("127.0.0.1", 0), self._handler(CONSOLE))
        self._idp = ThreadingHTTPServer(("127.0.0.1", 0), self._handler(IDP))
        for server in (self._console, self._idp):
            server.daemon_threads = True
            threading.Thread(target=server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        for server in (self._console, self._idp):
            if server is not None:
                server.shutdown()
                server.server_close()

    def __enter__(self) -> FakeJumpCloud:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()

    # -- XSRF ----------------------------------------------------------------------------

    def _seal(self, token: str) -> str:
        """Beego's secure cookie value: base64(token)|unix nanoseconds|hex HMAC."""
        encoded = base64.urlsafe_b64encode(token.encode()).decode()
        stamp = str(int(self.now() * 1e9))
        return f"{encoded}|{stamp}|{self._mac(encoded, stamp)}"

    def _mac(self, encoded: str, stamp: str) -> str:
        return hmac.new(self._secret, (encoded + stamp).encode(), hashlib.sha256).hexdigest()

    def _unseal(self, cookie: str | None) -> str | None:
        """The token of a good, young `_xsrf` cookie; None if forged, old or expired."""
        parts = (cookie or "").split("|")
        if len(parts) != 3:
            return None
        encoded, stamp, mac = parts
        if not hmac.compare_digest(mac, self._mac(encoded, stamp)):
            return None
        try:
            age = self.now() - int(stamp) / 1e9
            token = base64.urlsafe_b64decode(encoded.encode()).decode()
        except (ValueError, UnicodeDecodeError):
            return None
        if age > self.xsrf_lifetime or token in self._expired_tokens:
            return None
        return token

    def _xsrf_failure(self, cookies: dict[str, str], sent: str | None) -> Answer | None:
        """None when the double submit holds; else Beego's refusal."""
        token = self._unseal(cookies.get(XSRF_COOKIE))
        if self.refuse_xsrf_next > 0:
            self.refuse_xsrf_next -= 1
            if token is not None:
                self._expired_tokens.add(token)
            token = None
        if sent and token is not None and hmac.compare_digest(sent, token):
            return None
        status = self.xsrf_failure_status
        if status == 403:
            text = ("'_xsrf' argument missing from POST" if not sent
                    else "XSRF cookie does not match POST argument")
        else:
            text = str(status)
        return Answer(status, text, "text/plain; charset=utf-8")

    # -- the console -----------------------------------------------------------------------

    def _console_answer(self, method: str, path: str, query: dict[str, str],
                        headers: dict[str, str], cookies: dict[str, str],
                        body: dict[str, Any] | None) -> Answer:
        session = self.sessions.get(cookies.get(SESSION_COOKIE, ""))
        new_cookies: list[tuple[str, str]] = []
        if session is None and (path.startswith("/userconsole/auth")
                                or path == "/userconsole/xsrf"):
            session = self._new_session()
            new_cookies.append(("Set-Cookie", _session_cookie(session.sid)))
        route = _console_route(method, path)
        if route is None:
            return (_html(200, SPA_PAGE) if method == "GET"
                    else Answer(404, NOT_FOUND, "text/plain; charset=utf-8"))
        if route == "totp" and self.totp_submission != "totp-path":
            return Answer(404, NOT_FOUND, "text/plain; charset=utf-8")
        assert session is not None
        if method in ("POST", "PUT", "PATCH", "DELETE"):
            sent = headers.get("x-xsrftoken") or headers.get("x-csrftoken") or query.get("_xsrf")
            refusal = self._xsrf_failure(cookies, sent)
            if refusal is not None:
                refusal.headers.extend(new_cookies)
                return refusal
        if route == "xsrf":
            answer = self._xsrf(cookies)
        elif route in ("auth", "totp", "push-start", "push-login", "webauthn-post",
                       "duo-post") and body is None:
            answer = _json(400, {"message": "Bad Request"})
        elif route == "auth":
            answer = self._auth(session, headers, _lower_keys(body or {}))
        elif route == "totp":
            answer = self._totp_path(session, _lower_keys(body or {}))
        elif route == "push-start":
            answer = self._push_start(session)
        elif route == "push-poll":
            answer = self._push_poll(session, path.split("/")[4])
        elif route == "push-login":
            answer = self._push_login(session, path.split("/")[4])
        elif route in ("webauthn-get", "duo-get"):
            answer = self._challenge(session, route.split("-")[0])
        else:  # webauthn-post, duo-post: a key or Duo prompt the fake cannot check
            answer = _json(401, {"message": AUTH_FAILED})
        answer.headers = new_cookies + answer.headers
        return answer

    def _new_session(self) -> Session:
        session = Session(secrets.token_hex(16))
        self.sessions[session.sid] = session
        return session

    def _xsrf(self, cookies: dict[str, str]) -> Answer:
        token = self._unseal(cookies.get(XSRF_COOKIE))
        headers: list[tuple[str, str]] = []
        if token is None:
            token = "".join(secrets.choice(string.ascii_letters + string.digits)
                            for _ in range(32))
            headers.append(("Set-Cookie", f"{XSRF_COOKIE}={self._seal(token)}; Path=/; "
                                          f"Max-Age={int(self.xsrf_lifetime)}"))
        return _json(200, {"xsrf": token}, headers)

    def _auth(self, session: Session, headers: dict[str, str], body: dict[str, Any]) -> Answer:
        email, password = str(body.get("email") or ""), str(body.get("password") or "")
        otp = str(body.get("otp") or "").strip()
        context, redirect_to = body.get("context"), body.get("redirectto")
        if self.require_context_fields and (context != "sso" or not redirect_to):
            return _json(400, {"message": CONTEXT_MESSAGE})
        user = self.users.get(email.lower())
        if user is None or not hmac.compare_digest(user.password.encode(), password.encode()):
            if user is not None and not user.locked:
                user.failed_passwords += 1
                if self.lockout_after is not None and user.failed_passwords >= self.lockout_after:
                    user.locked = True
            return _json(401, {"message": AUTH_FAILED})
        if user.locked:
            return _json(self.locked_status, {"message": LOCKED_MESSAGE})
        user.failed_passwords = 0
        if redirect_to:
            session.redirect_to = str(redirect_to)
        extra: list[tuple[str, str]] = []
        if self.rotate_session_on_sign_in and session.pending != user.email:
            old = session.sid
            session.sid = secrets.token_hex(16)
            self.sessions[session.sid] = self.sessions.pop(old)
            extra.append(("Set-Cookie", _session_cookie(session.sid)))
        if not user.offered_factors():
            answer = self._signed_in(session, user, mfa=False)
        elif otp and self.totp_submission == "auth":
            answer = self._check_code(session, user, otp)
        else:  # no code, or a code where this console wants /auth/totp
            session.pending = user.email
            session.email, session.mfa = None, False
            answer = self._mfa_required(user, headers)
        answer.headers.extend(extra)
        return answer

    def _mfa_required(self, user: JcUser, headers: dict[str, str]) -> Answer:
        form = self.mfa_required_form
        if form == "by-accept":
            form = "json" if "application/json" in headers.get("accept", "") else "redirect-4014"
        if form == "redirect-4014":
            return Answer(302, "", headers=[("Location", "/login?error=4014")])
        if form == "redirect-login":
            return Answer(302, "", headers=[("Location", "/login")])
        return _json(401, {"message": MFA_REQUIRED, "factors": user.offered_factors()})

    def _check_code(self, session: Session, user: JcUser, otp: str) -> Answer:
        session.pending = user.email
        if user.totp_secret and user.has_factor("totp"):
            step = self._matching_step(user.totp_secret, otp)
            if step is not None and (user.last_totp_step is None or step > user.last_totp_step):
                user.last_totp_step = step
                return self._signed_in(session, user, mfa=True)
        return self._wrong_code()

    def _matching_step(self, secret: str, otp: str) -> int | None:
        now_step = int(self.now() // TOTP_STEP)
        for step in (now_step - 1, now_step, now_step + 1):
            if hmac.compare_digest(hotp(secret, step), otp):
                return step
        return None

    def _wrong_code(self) -> Answer:
        if self.wrong_code_body == "auth-failed":
            return _json(401, {"message": AUTH_FAILED})
        if self.wrong_code_body == "empty":
            return Answer(401, "", "text/plain; charset=utf-8")
        return _json(401, {"error": "multifactor authentication failed"})

    def _signed_in(self, session: Session, user: JcUser, *, mfa: bool) -> Answer:
        session.pending = None
        session.email, session.mfa = user.email, mfa
        if session.redirect_to:
            target = session.redirect_to
            if not target.startswith(("http://", "https://")):
                target = f"{self.idp_base}/{target.lstrip('/')}"
            return _json(200, {"redirectTo": target})
        if self.absent_redirect_body == "console":
            return _json(200, {"redirectTo": f"{self.console_url}/userconsole/"})
        return _json(200, {})

    def _pending_user(self, session: Session) -> JcUser | None:
        return self.users.get(session.pending.lower()) if session.pending else None

    def _totp_path(self, session: Session, body: dict[str, Any]) -> Answer:
        user = self._pending_user(session)
        if user is None:
            return _json(401, {"message": AUTH_FAILED})
        otp = str(body.get("otp") or "").strip()
        return self._check_code(session, user, otp) if otp else self._wrong_code()

    def _push_start(self, session: Session) -> Answer:
        user = self._pending_user(session)
        if user is None:
            return _json(401, {"message": AUTH_FAILED})
        if not user.has_factor("push"):
            return _json(400, {"message": "Push authentication is not available."})
        now = datetime.fromtimestamp(self.now(), timezone.utc)
        push = Push(secrets.token_hex(12), session.sid, user.email, user.user_id, now,
                    now + timedelta(seconds=self.push_lifetime))
        self.pushes[push.id] = push
        return _json(200, push.document())

    def _push_poll(self, session: Session, push_id: str) -> Answer:
        push = self.pushes.get(push_id)
        if push is None or push.sid != session.sid:
            return _json(404, {"message": "Not Found"})
        push.polls += 1
        if push.status == "pending":
            if push.decided is not None:
                push.status = push.decided
            elif (push.polls > self.push_polls_before_outcome
                  and self.push_outcome != "pending"):
                push.status = self.push_outcome
            if (push.status == "pending"
                    and self.now() >= push.expires_at.timestamp()):
                push.status = "expired"
        status = self.push_denied_status if push.status == "denied" else 200
        return _json(status, push.document())

    def _push_login(self, session: Session, push_id: str) -> Answer:
        push = self.pushes.get(push_id)
        user = self._pending_user(session)
        if push is None or push.sid != session.sid or user is None or push.status != "accepted":
            return _json(401, {"message": AUTH_FAILED})
        del self.pushes[push_id]  # one login per approval
        return self._signed_in(session, user, mfa=True)

    def _challenge(self, session: Session, kind: str) -> Answer:
        user = self._pending_user(session)
        if user is None or not user.has_factor(kind):
            return _json(401, {"message": AUTH_FAILED})
        token = secrets.token_urlsafe(24)
        if kind == "webauthn":
            return _json(200, {"publicKey": {
                "challenge": secrets.token_urlsafe(32), "rpId": "console.jumpcloud.com",
                "timeout": 60000, "userVerification": "preferred",
                "allowCredentials": [{"id": secrets.token_urlsafe(32), "type": "public-key"}]},
                "token": token})
        return _json(200, {"api_host": "api-fake0000.duosecurity.com",
                           "sig_request": f"TX|{token}:APP|{secrets.token_urlsafe(16)}",
                           "token": token})

    # -- the IdP -------------------------------------------------------------------------

    def _idp_answer(self, method: str, path: str, cookies: dict[str, str]) -> Answer:
        parts = path.split("/")
        if method != "GET" or len(parts) != 3 or parts[1] != "saml2":
            return _html(404, _page("Not found", "<h1>Not found</h1>"))
        app = self.apps.get(parts[2])
        if app is None:
            return _html(404, _page("Application not found",
                                    "<h1>Application not found</h1>"))
        session = self.sessions.get(cookies.get(SESSION_COOKIE, ""))
        user = self.users.get(session.email.lower()) if session and session.email else None
        if session is None or user is None:
            if self.idp_signed_out == "redirect":
                return Answer(302, "", headers=[("Location", f"{self.console_url}/login")])
            return _html(200, LOGIN_PAGE)
        if not user.assigned(app.slug):
            return _html(200, _page("Access denied",
                                    "<p>You do not have access to this application.</p>"))
        if self.app_requires_mfa and not session.mfa:
            return _html(200, _page("Multi-factor authentication required",
                                    "<p>This application requires multi-factor "
                                    "authentication.</p>"))
        assertion = self.assertion_for(user, app)
        self.assertions.append(assertion)
        return _html(200, self._post_form(assertion))

    def assertion_for(self, user: JcUser, app: JcApp) -> str:
        """The base64 SAMLResponse the IdP page carries for this user and app now."""
        expires = datetime.fromtimestamp(self.now() + self.assertion_lifetime, timezone.utc)
        roles = [pair(role, app.provider, self.provider_first) for role in app.roles]
        return encode_saml(saml_response(roles, session_name=user.email,
                                         session_duration=self.session_duration,
                                         expires=expires, layout=self.roles_encoding))

    def _post_form(self, assertion: str) -> str:
        extra = '<input type="submit" value="Continue"/>' if self.extra_unnamed_input else ""
        return ('<!DOCTYPE html><html><head><meta charset="utf-8"><title>JumpCloud</title>'
                '</head><body onload="document.forms[0].submit()">'
                f'<form method="post" action="{ACS_URL}">'
                f'<input type="hidden" name="SAMLResponse" value="{html.escape(assertion)}"/>'
                '<input type="hidden" name="RelayState" value=""/>'
                f'{extra}<noscript><p>Press Continue.</p></noscript></form></body></html>')

    # -- the HTTP side ---------------------------------------------------------------------

    def _handler(self, side: Side) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

            def do_PUT(self) -> None:
                self._serve("PUT")

            def do_DELETE(self) -> None:
                self._serve("DELETE")

            def _serve(self, method: str) -> None:
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                headers = {k.lower(): v for k, v in self.headers.items()}
                cookies = _cookies(self.headers.get_all("Cookie") or [])
                raw = self.rfile.read(int(headers.get("content-length") or 0))
                body: dict[str, Any] | None = None
                if raw.strip():
                    try:
                        parsed = json.loads(raw)
                        body = parsed if isinstance(parsed, dict) else None
                    except ValueError:
                        body = None
                elif method != "GET":
                    body = {}
                record = JcRequest(side, method, parts.path,
                                   fields=tuple(body) if body else (),
                                   cookies=tuple(cookies),
                                   xsrf_header=any(h in headers for h in XSRF_HEADERS),
                                   accept=headers.get("accept", ""))
                with fake.lock:
                    fake.requests.append(record)
                    if fake.fail_next > 0:
                        fake.fail_next -= 1
                        answer = Answer(fake.fail_status, "", "text/plain; charset=utf-8")
                    elif side == CONSOLE:
                        answer = fake._console_answer(method, parts.path, query, headers,
                                                      cookies, body)
                    else:
                        answer = fake._idp_answer(method, parts.path, cookies)
                    record.status = answer.status
                    lost = fake._answer_lost(f"{method} {parts.path}")
                if lost:
                    self.close_connection = True
                    return
                data = answer.body.encode("utf-8")
                self.send_response(answer.status)
                self.send_header("Content-Type", answer.content_type)
                self.send_header("Content-Length", str(len(data)))
                for name, value in answer.headers:
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # the request log is the record above; nothing is printed

        return Handler

    def _answer_lost(self, request: str) -> bool:
        """Whether the answer to this request is dropped (`drop_answer_to`)."""
        if self.drop_answer_to != request:
            return False
        self.drop_answer_at -= 1
        if self.drop_answer_at > 0:
            return False
        self.drop_answer_to, self.drop_answer_at = None, 1
        return True

    def _first_totp_user(self) -> JcUser:
        with self.lock:
            for user in self.users.values():
                if user.totp_secret:
                    return user
        raise ValueError("no user has a TOTP factor")


LOGIN_PAGE = ('<!DOCTYPE html><html><head><meta charset="utf-8"><title>JumpCloud - Sign in'
              '</title></head><body><h1>Sign in to JumpCloud</h1>'
              '<form method="post" action="/login"><input type="email" name="email"/>'
              '<input type="password" name="password"/><button type="submit">Continue'
              '</button></form></body></html>')


def _page(title: str, inner: str) -> str:
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head>'
            f'<body>{inner}</body></html>')


def _console_route(method: str, path: str) -> str | None:
    parts = path.rstrip("/").split("/")  # "", "userconsole", "auth", ...
    if parts[:2] != ["", "userconsole"]:
        return None
    rest = parts[2:]
    if method == "GET" and rest == ["xsrf"]:
        return "xsrf"
    if method == "POST" and rest == ["auth"]:
        return "auth"
    if method == "POST" and rest == ["auth", "totp"]:
        return "totp"
    if method == "POST" and rest == ["auth", "push"]:
        return "push-start"
    if method == "GET" and len(rest) == 3 and rest[:2] == ["auth", "push"]:
        return "push-poll"
    if method == "POST" and len(rest) == 4 and rest[:2] == ["auth", "push"] \
            and rest[3] == "login":
        return "push-login"
    if rest in (["auth", "webauthn"], ["auth", "duo"]) and method in ("GET", "POST"):
        return f"{rest[1]}-{method.lower()}"
    return None


def _session_cookie(sid: str) -> str:
    return f"{SESSION_COOKIE}={sid}; Path=/; HttpOnly"


def _cookies(headers: Iterable[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for header in headers:
        for part in header.split(";"):
            name, sep, value = part.strip().partition("=")
            if sep and name:
                found[name] = value.strip('"')
    return found


def _lower_keys(body: dict[str, Any]) -> dict[str, Any]:
    """Field names in any case (saml2aws sends Go's Email, Password, OTP, RedirectTo)."""
    return {str(key).lower(): value for key, value in body.items()}


def _user_kwargs(user: JcUser) -> dict[str, Any]:
    return {"email": user.email, "password": user.password, "totp_secret": user.totp_secret,
            "push": user.push, "factors": list(user.factors), "locked": user.locked,
            "apps": None if user.apps is None else set(user.apps)}


def _rfc3339(when: datetime) -> str:
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def start_fake_jumpcloud(users: Sequence[JcUser] | None = None,
                         apps: Sequence[JcApp] | None = None, *,
                         idp_host: str = "127.0.0.1") -> FakeJumpCloud:
    return FakeJumpCloud(users, apps, idp_host=idp_host).start()
