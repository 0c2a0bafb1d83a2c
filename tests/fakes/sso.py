"""A loopback fake of AWS SSO OIDC and the SSO (IAM Identity Center) portal.

One `http.server` on 127.0.0.1 serves the sso-oidc paths (RegisterClient,
StartDeviceAuthorization, CreateToken), the browser-facing pages (GET /authorize for the PKCE
flow, GET /device for the device flow's verification URL) and the portal paths
(GetRoleCredentials, ListAccounts, ListAccountRoles, Logout), following botocore's service
models (data/sso-oidc/2019-06-10 and data/sso/2019-06-10, both rest-json): the same methods,
paths, query-string and header member names, and errors carried in the `x-amzn-ErrorType`
header with the model's HTTP status and body members.

Not Werkzeug: it drops request headers containing `_`, and the portal's token header is
`x-amz-sso_bearer_token`.

Where the models are silent the fake follows what the real service is known to do, and says so:
ForbiddenException (403, not in the model) for an unassigned role, refresh tokens only for
clients that registered `sso:account:access`, rotating refresh tokens, `interval` 1 s.

    with FakeSso(make_accounts(30), latency_ms=5) as fake:
        ... AWS_ENDPOINT_URL_SSO_OIDC=fake.url AWS_ENDPOINT_URL_SSO=fake.url ...
        fake.approve()                       # the user approves the latest device sign-in
        assert fake.calls["CreateToken:refresh_token"] == 1

Run as a process: `python -m tests.fakes.sso --port 0 --accounts 300 --latency-ms 50
--auto-approve` prints the URL on stdout and serves until killed.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import html
import json
import random
import secrets
import signal
import socket
import string
import sys
import threading
import time
import uuid
import xml.etree.ElementTree as ElementTree
from collections import Counter, deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
AUTH_CODE_GRANT = "authorization_code"
REFRESH_GRANT = "refresh_token"
ACCOUNT_SCOPE = "sso:account:access"
KNOWN_GRANTS = (DEVICE_GRANT, AUTH_CODE_GRANT, REFRESH_GRANT)
# What a client that registered no grantTypes may use (the AWS CLI's legacy device flow).
LEGACY_GRANTS = (DEVICE_GRANT, REFRESH_GRANT)
# The portal's bearer token header (sso model: GetRoleCredentialsRequest.accessToken).
TOKEN_HEADER = "x-amz-sso_bearer_token"

# sso-oidc error shapes: name -> (HTTP status from the model, the OAuth `error` value the real
# service puts in the body). Bodies carry `error` and `error_description`.
OIDC_ERRORS: dict[str, tuple[int, str]] = {
    "AccessDeniedException": (400, "access_denied"),
    "AuthorizationPendingException": (400, "authorization_pending"),
    "ExpiredTokenException": (400, "expired_token"),
    "InternalServerException": (500, "server_error"),
    "InvalidClientException": (401, "invalid_client"),
    "InvalidClientMetadataException": (400, "invalid_client_metadata"),
    "InvalidGrantException": (400, "invalid_grant"),
    "InvalidRedirectUriException": (400, "invalid_redirect_uri"),
    "InvalidRequestException": (400, "invalid_request"),
    "InvalidRequestRegionException": (400, "invalid_request"),
    "InvalidScopeException": (400, "invalid_scope"),
    "SlowDownException": (400, "slow_down"),
    "UnauthorizedClientException": (400, "unauthorized_client"),
    "UnsupportedGrantTypeException": (400, "unsupported_grant_type"),
}
# sso (portal) error shapes: name -> HTTP status. Bodies carry `message`.
# ForbiddenException is not in the model; the real portal answers it ("No access") for a
# role that is not assigned, and botocore surfaces it from the header like any other code.
PORTAL_ERRORS: dict[str, int] = {
    "InvalidRequestException": 400,
    "UnauthorizedException": 401,
    "ForbiddenException": 403,
    "ResourceNotFoundException": 404,
    "TooManyRequestsException": 429,
}
UNMODELED_PORTAL_ERRORS = frozenset({"ForbiddenException"})

OIDC = "oidc"
PORTAL = "portal"
BROWSER = "browser"
# (HTTP method, path) -> (operation, family). Operation names are botocore's.
ROUTES: dict[tuple[str, str], tuple[str, str]] = {
    ("POST", "/client/register"): ("RegisterClient", OIDC),
    ("POST", "/device_authorization"): ("StartDeviceAuthorization", OIDC),
    ("POST", "/token"): ("CreateToken", OIDC),
    ("GET", "/authorize"): ("Authorize", BROWSER),
    ("GET", "/device"): ("DeviceVerification", BROWSER),
    ("GET", "/federation/credentials"): ("GetRoleCredentials", PORTAL),
    ("GET", "/assignment/accounts"): ("ListAccounts", PORTAL),
    ("GET", "/assignment/roles"): ("ListAccountRoles", PORTAL),
    ("POST", "/logout"): ("Logout", PORTAL),
}
PORTAL_OPERATIONS = ("GetRoleCredentials", "ListAccounts", "ListAccountRoles", "Logout")
GRANT_SHORT_NAMES = {DEVICE_GRANT: "device_code"}

# Request members and headers whose values are secrets: logged as a fingerprint only.
SECRET_MEMBERS = frozenset({"clientSecret", "refreshToken", "deviceCode", "code", "codeVerifier",
                            "accessToken"})
SECRET_HEADERS = frozenset({TOKEN_HEADER, "authorization", "x-amz-security-token"})

# Long-term keys the fake uses to call the (moto) STS; moto accepts any.
_STS_KEY_ID = "AKIAFAKESSOPORTAL000"
_STS_SECRET = "fakeSsoPortalSecretKeyForLoopbackOnly000"
_STS_NS = "{https://sts.amazonaws.com/doc/2011-06-15/}"


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Account:
    account_id: str
    name: str
    email: str
    roles: tuple[str, ...]


def default_accounts() -> list[Account]:
    """A small organisation (the one in issue 5's example output)."""
    return [
        Account("111111111111", "my-acct-1", "acct1@example.com",
                ("AdministratorAccess", "ReadOnlyAccess")),
        Account("222222222222", "my-acct-2", "acct2@example.com", ("ReadOnlyAccess",)),
    ]


# Account names that break naive config writers; "Sandbox" twice on purpose (duplicates).
AWKWARD_NAMES = (
    "Production",
    "Sandbox",
    "Sandbox",
    'Team "Alpha"',
    "[legacy] billing",
    "ops #1",
    "shared; services",
    "Zürich Ops",
    "データ基盤",
    "🚀 Launchpad",
    "O'Brien's lab",
    "dev account",
    "a=b",
    "  padded  ",
    "Log Archive",
    "Audit/Security",
)
# Permission-set names allow [\w+=,.@-]; one with + and = catches unencoded query strings.
ROLE_NAMES = (
    "AdministratorAccess",
    "ReadOnlyAccess",
    "PowerUserAccess",
    "ViewOnlyAccess",
    "Billing",
    "DeveloperAccess",
    "SecurityAudit",
    "Deploy+Ops=Team",
    "data.eng@ml-1",
)


def make_accounts(n: int, *, seed: int = 0) -> list[Account]:
    """`n` accounts with 1-4 roles each and awkward, partly duplicate names (deterministic).

    The second account's id has a leading zero (account ids are strings of 12 digits)."""
    rng = random.Random(seed)
    ids: set[str] = set()
    accounts = []
    for i in range(n):
        while True:
            low, high = (10**10, 10**11) if i == 1 else (10**11, 10**12)
            account_id = f"{rng.randrange(low, high):012d}"
            if account_id not in ids:
                ids.add(account_id)
                break
        cycle, index = divmod(i, len(AWKWARD_NAMES))
        name = AWKWARD_NAMES[index] + (f" {cycle + 1}" if cycle else "")
        roles = tuple(rng.sample(ROLE_NAMES, rng.randint(1, 4)))
        accounts.append(Account(account_id, name, f"aws+{i}@example.com", roles))
    return accounts


@dataclass
class Client:
    """A RegisterClient registration."""

    client_id: str
    client_secret: str
    client_name: str
    client_type: str
    scopes: tuple[str, ...]
    grant_types: tuple[str, ...]
    redirect_uris: tuple[str, ...]
    issuer_url: str | None
    issued_at: int
    secret_expires_at: int

    def allows(self, grant: str) -> bool:
        return grant in (self.grant_types or LEGACY_GRANTS)


@dataclass
class DeviceAuth:
    """One StartDeviceAuthorization and what happened to it.

    `state`: pending | approved | denied | expired | consumed (the token was issued).
    `script`: outcomes for the next polls, taking precedence over `state`; each step is one of
    pending, slow_down, approve, deny, expire ("approve" issues the token on that poll).
    `polls`: time.monotonic() of every CreateToken poll; `outcomes`: what each poll got
    (pending, slow_down, token, denied, expired, invalid_grant)."""

    device_code: str
    user_code: str
    client_id: str
    start_url: str
    expires_at: float
    interval: int
    state: str = "pending"
    script: deque[str] = field(default_factory=deque)
    polls: list[float] = field(default_factory=list)
    outcomes: list[str] = field(default_factory=list)
    visits: int = 0

    def gaps(self) -> list[float]:
        """Seconds between consecutive polls."""
        return [b - a for a, b in zip(self.polls, self.polls[1:], strict=False)]

    def required_gaps(self) -> list[float]:
        """The interval each poll after the first had to wait: `interval`, plus 5 s for every
        SlowDownException answered before it (RFC 8628 §3.5)."""
        required = []
        interval = float(self.interval)
        for outcome in self.outcomes[:-1] if self.outcomes else []:
            if outcome == "slow_down":
                interval += 5
            required.append(interval)
        return required

    def interval_violations(self, tolerance: float = 0.05) -> list[tuple[int, float, float]]:
        """(poll index, actual gap, required gap) for each poll that came too early."""
        pairs = zip(self.gaps(), self.required_gaps(), strict=True)
        return [(i + 1, gap, need) for i, (gap, need) in enumerate(pairs)
                if gap < need - tolerance]


@dataclass(frozen=True)
class AuthorizeRequest:
    """What GET /authorize received and answered."""

    params: dict[str, str]
    outcome: str  # "code", an OAuth error (redirected), or "page:<reason>" (no redirect)
    location: str | None


@dataclass
class _AuthCode:
    code: str
    client_id: str
    redirect_uri: str
    challenge: str
    scopes: tuple[str, ...]
    start_url: str
    expires_at: float
    used: bool = False


@dataclass
class _Session:
    """One sign-in: the family of access and refresh tokens it produced."""

    session_id: str
    client_id: str
    start_url: str
    scopes: tuple[str, ...]


@dataclass
class AccessToken:
    token: str
    session_id: str
    client_id: str
    start_url: str
    grant_type: str
    issued_at: float
    expires_at: float
    revoked: bool = False


@dataclass
class RefreshToken:
    token: str
    session_id: str
    client_id: str
    alive: bool = True


@dataclass(frozen=True)
class TokenGrant:
    """A sign-in made directly by a test (`FakeSso.issue_token`)."""

    start_url: str
    client_id: str
    client_secret: str
    registration_expires_at: int  # epoch seconds
    access_token: str
    expires_at: float  # epoch seconds
    refresh_token: str | None

    def cache_json(self, region: str = "us-east-1") -> dict[str, str]:
        """The token as the AWS CLI / botocore SSO token cache stores it."""
        data = {
            "startUrl": self.start_url,
            "region": region,
            "accessToken": self.access_token,
            "expiresAt": _iso_z(self.expires_at),
            "clientId": self.client_id,
            "clientSecret": self.client_secret,
            "registrationExpiresAt": _iso_z(self.registration_expires_at),
        }
        if self.refresh_token:
            data["refreshToken"] = self.refresh_token
        return data


@dataclass(frozen=True)
class LoggedRequest:
    at: float  # time.monotonic()
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names; secret values replaced by fingerprints
    body: dict[str, Any]  # secret members replaced by fingerprints
    operation: str
    status: int
    error: str | None


@dataclass(frozen=True)
class _Reply:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


class ApiError(Exception):
    """An error answered the way the service answers it (status, header, body)."""

    def __init__(self, code: str, message: str, status: int | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status

    def reply(self, family: str) -> _Reply:
        if family == OIDC:
            status, error = OIDC_ERRORS.get(self.code, (400, "invalid_request"))
            payload: dict[str, str] = {"error": error, "error_description": self.message}
            namespace = "com.amazonaws.switchboard.oidc"
        else:
            status = PORTAL_ERRORS.get(self.code, 400)
            payload = {"message": self.message}
            namespace = "com.amazonaws.switchboard.portal"
        status = self.status or status
        return _json_reply(payload, status, {
            # botocore keeps what precedes ':' (restJson error parsing).
            "x-amzn-ErrorType": f"{self.code}:http://internal.amazon.com/coral/{namespace}/",
        })


def _json_reply(payload: object, status: int = 200,
                headers: dict[str, str] | None = None) -> _Reply:
    return _Reply(status, json.dumps(payload).encode(),
                  {"Content-Type": "application/json", **(headers or {})})


def _html_reply(status: int, title: str, text: str) -> _Reply:
    page = (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}"
            f"</title></head><body><h1>{html.escape(title)}</h1><p>{html.escape(text)}</p>"
            "</body></html>")
    return _Reply(status, page.encode(), {"Content-Type": "text/html; charset=utf-8"})


def _iso_z(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _random_string(alphabet: str, length: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def _is_loopback_http(uri: str) -> bool:
    parts = urlsplit(uri)
    return parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost", "::1")


def _redirect_matches(registered: str, given: str) -> bool:
    """Exact match, or for loopback http URIs any port (RFC 8252 §7.3): a native app registers
    http://127.0.0.1/oauth/callback and listens on an ephemeral port."""
    if registered == given:
        return True
    if not (_is_loopback_http(registered) and _is_loopback_http(given)):
        return False
    reg, got = urlsplit(registered), urlsplit(given)
    return (reg.hostname, reg.path, reg.query) == (got.hostname, got.path, got.query) and (
        reg.port is None or reg.port == got.port)


def _with_query(uri: str, params: dict[str, str]) -> str:
    parts = urlsplit(uri)
    query = "&".join(q for q in (parts.query, urlencode(params)) if q)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def _split_scopes(value: str) -> tuple[str, ...]:
    return tuple(s for s in value.replace(",", " ").split() if s)


# --------------------------------------------------------------------------- server


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], fake: FakeSso) -> None:
        self.fake = fake
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like the real endpoints
    disable_nagle_algorithm = True
    # Buffered: headers and body leave in one write when the request is done (the base class
    # flushes). Two small segments would meet the client's delayed ACK: ~40 ms a request.
    wbufsize = 64 * 1024
    server: _Server
    timeout = 60  # an idle keep-alive connection is closed after this

    def setup(self) -> None:
        super().setup()
        self.server.fake._track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.fake._track(self.connection, add=False)

    def handle_expect_100(self) -> bool:
        accepted = super().handle_expect_100()
        self.wfile.flush()
        return accepted

    def _dispatch(self) -> None:
        self.server.fake._handle(self)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _dispatch

    def log_message(self, format: str, *args: Any) -> None:
        pass


class FakeSso:
    """The fake sso-oidc + SSO portal. See the module docstring; attributes set by the
    constructor can also be changed while it runs (latency_ms, throttle_rps, auto_approve,
    browser_decision, refresh_rotation, access_token_ttl, device_script, ...)."""

    def __init__(
        self,
        accounts: Sequence[Account] | None = None,
        *,
        user_name: str = "alice@example.com",
        start_urls: Sequence[str] | None = None,
        access_token_ttl: int = 3600,
        refresh_rotation: bool = True,
        device_interval: int = 1,
        device_expires_in: int = 600,
        device_script: Sequence[str] | None = None,
        strict_interval: bool = False,
        client_secret_ttl: int = 90 * 86400,
        role_credentials_ttl: int = 3600,
        auto_approve: bool = False,
        browser_decision: str = "approve",
        latency_ms: float = 0,
        throttle_rps: float | None = None,
        throttle_operations: Iterable[str] = PORTAL_OPERATIONS,
        page_size: int = 20,
        sts_url: str | None = None,
        port: int = 0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.accounts: list[Account] = list(default_accounts() if accounts is None else accounts)
        self.user_name = user_name
        self.start_urls = None if start_urls is None else tuple(start_urls)
        self.access_token_ttl = access_token_ttl
        self.refresh_rotation = refresh_rotation
        self.device_interval = device_interval
        self.device_expires_in = device_expires_in
        self.device_script: list[str] | None = None if device_script is None else list(
            device_script)
        self.strict_interval = strict_interval
        self.client_secret_ttl = client_secret_ttl
        self.role_credentials_ttl = role_credentials_ttl
        self.auto_approve = auto_approve
        self.browser_decision = browser_decision  # approve | deny | ignore
        self.latency_ms = latency_ms
        self.throttle_rps = throttle_rps
        self.throttle_operations = frozenset(throttle_operations)
        self.page_size = page_size
        self.sts_url = sts_url
        self._clock = clock
        self._offset = 0.0

        self._lock = threading.RLock()
        # Observations.
        self.calls: Counter[str] = Counter()
        self.throttled: Counter[str] = Counter()
        self.requests: deque[LoggedRequest] = deque(maxlen=100_000)
        self.authorize_requests: list[AuthorizeRequest] = []
        self.role_credentials_issued: list[tuple[str, str, str]] = []  # account, role, key id
        # State.
        self.clients: dict[str, Client] = {}
        self.devices: dict[str, DeviceAuth] = {}
        self.access_tokens: dict[str, AccessToken] = {}
        self.refresh_tokens: dict[str, RefreshToken] = {}
        self._sessions: dict[str, _Session] = {}
        self._codes: dict[str, _AuthCode] = {}
        self._page_tokens: dict[str, tuple[str, str, int]] = {}
        self._faults: dict[str, deque[ApiError]] = {}
        self._window: deque[float] = deque()
        self._connections: set[socket.socket] = set()
        self._stopped = False

        self._server = _Server(("127.0.0.1", port), self)
        # A short poll interval: stop() returns within 50 ms.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        name="fake-sso", daemon=True)

    # ----------------------------------------------------------------- lifecycle

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeSso:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close every open (keep-alive) connection."""
        self._stopped = True
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        self._server.server_close()

    def __enter__(self) -> FakeSso:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def _track(self, conn: socket.socket, add: bool) -> None:
        with self._lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    # ----------------------------------------------------------------- test controls

    def now(self) -> float:
        """The fake's clock (epoch seconds): `clock()` plus everything `advance`d."""
        return self._clock() + self._offset

    def advance(self, seconds: float) -> None:
        """Move the fake's clock forward: tokens, codes and device codes expire server-side."""
        with self._lock:
            self._offset += seconds

    def device(self, device_code: str | None = None) -> DeviceAuth:
        """A device authorization (the latest one when no code is given)."""
        with self._lock:
            if device_code is not None:
                return self.devices[device_code]
            if not self.devices:
                raise LookupError("no device authorization was started")
            return next(reversed(self.devices.values()))

    def approve(self, device_code: str | None = None) -> None:
        """The user approves the device sign-in: the next poll gets the token."""
        self._set_device_state(device_code, "approved")

    def deny(self, device_code: str | None = None) -> None:
        """The user denies it: the next poll gets AccessDeniedException."""
        self._set_device_state(device_code, "denied")

    def expire(self, device_code: str | None = None) -> None:
        """The device code expires: the next poll gets ExpiredTokenException."""
        self._set_device_state(device_code, "expired")

    def script(self, steps: Sequence[str], device_code: str | None = None) -> None:
        """Script the next polls of a device authorization (the latest when no code is
        given), e.g. ["pending", "slow_down", "pending", "approve"]."""
        for step in steps:
            if step not in ("pending", "slow_down", "approve", "deny", "expire"):
                raise ValueError(f"unknown device step {step!r}")
        with self._lock:
            self.device(device_code).script.extend(steps)

    def _set_device_state(self, device_code: str | None, state: str) -> None:
        with self._lock:
            self.device(device_code).state = state

    def register_client(self, *, scopes: Sequence[str] = (ACCOUNT_SCOPE,),
                        grant_types: Sequence[str] = (),
                        redirect_uris: Sequence[str] = (),
                        issuer_url: str | None = None) -> Client:
        """A registration made directly (what RegisterClient would create)."""
        with self._lock:
            now = int(self.now())
            client = Client(
                client_id=secrets.token_urlsafe(16), client_secret=secrets.token_urlsafe(48),
                client_name="fake-sso-test", client_type="public", scopes=tuple(scopes),
                grant_types=tuple(grant_types), redirect_uris=tuple(redirect_uris),
                issuer_url=issuer_url, issued_at=now,
                secret_expires_at=now + self.client_secret_ttl)
            self.clients[client.client_id] = client
            return client

    def issue_token(self, start_url: str = "https://d-0000000000.awsapps.com/start", *,
                    scopes: Sequence[str] = (ACCOUNT_SCOPE,),
                    access_token_ttl: int | None = None) -> TokenGrant:
        """Sign in without a flow: a fresh client registration and a token for it (with a
        refresh token when `scopes` holds sso:account:access)."""
        client = self.register_client(scopes=scopes, issuer_url=start_url)
        with self._lock:
            issued = self._issue(client, start_url, tuple(scopes), "test", None,
                                 ttl=access_token_ttl)
        return TokenGrant(start_url, client.client_id, client.client_secret,
                          client.secret_expires_at, issued["accessToken"],
                          self.access_tokens[issued["accessToken"]].expires_at,
                          issued.get("refreshToken"))

    def revoke(self, token: str) -> None:
        """Revoke an access token or a refresh token."""
        with self._lock:
            if token in self.access_tokens:
                self.access_tokens[token].revoked = True
            elif token in self.refresh_tokens:
                self.refresh_tokens[token].alive = False
            else:
                raise KeyError("unknown token")

    def revoke_all(self) -> None:
        """Every access and refresh token becomes invalid (the user's sessions ended)."""
        with self._lock:
            for access in self.access_tokens.values():
                access.revoked = True
            for refresh in self.refresh_tokens.values():
                refresh.alive = False

    def expire_access_tokens(self, token: str | None = None) -> None:
        """Expire one access token (or all of them) now; refresh tokens stay usable."""
        with self._lock:
            now = self.now()
            targets = self.access_tokens.values() if token is None else [
                self.access_tokens[token]]
            for access in targets:
                access.expires_at = min(access.expires_at, now - 1)

    def expire_client(self, client_id: str | None = None) -> None:
        """Expire a client registration (all when None): it gets InvalidClientException."""
        with self._lock:
            targets = self.clients.values() if client_id is None else [self.clients[client_id]]
            for client in targets:
                client.secret_expires_at = int(self.now()) - 1

    def inject(self, operation: str, code: str, times: int = 1, *, message: str | None = None,
               status: int | None = None) -> None:
        """Answer the next `times` calls of `operation` (e.g. "ListAccountRoles" or
        "CreateToken:refresh_token") with the error `code`, before any other check."""
        error = ApiError(code, message or f"injected {code}", status)
        with self._lock:
            self._faults.setdefault(operation, deque()).extend([error] * times)

    def reset_counters(self) -> None:
        with self._lock:
            self.calls.clear()
            self.throttled.clear()
            self.requests.clear()
            self.authorize_requests.clear()
            self.role_credentials_issued.clear()

    def live_refresh_tokens(self) -> list[str]:
        with self._lock:
            return [t.token for t in self.refresh_tokens.values() if t.alive]

    def role_arn(self, account_id: str, role_name: str) -> str:
        """The IAM role Identity Center provisions for a permission set in an account."""
        suffix = hashlib.sha256(f"{account_id}/{role_name}".encode()).hexdigest()[:16]
        return (f"arn:aws:iam::{account_id}:role/aws-reserved/sso.amazonaws.com/"
                f"AWSReservedSSO_{role_name}_{suffix}")

    @staticmethod
    def fingerprint(secret: str) -> str:
        """How the request log shows a secret value."""
        return "sha256:" + hashlib.sha256(secret.encode()).hexdigest()[:12]

    def stats(self) -> dict[str, dict[str, int]]:
        with self._lock:
            return {"calls": dict(self.calls), "throttled": dict(self.throttled)}

    # ----------------------------------------------------------------- request handling

    def _handle(self, handler: _Handler) -> None:
        if self._stopped:
            handler.close_connection = True
            return
        split = urlsplit(handler.path)
        path = split.path
        query = {k: v[0] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in handler.headers.items()}

        if handler.command == "GET" and path == "/_fake/stats":
            self._send(handler, _json_reply(self.stats()))
            return
        route = ROUTES.get((handler.command, path))
        operation, family = route if route else ("Unknown", PORTAL)
        body: dict[str, Any] = {}
        key = operation
        reply: _Reply
        try:
            if route is None:
                raise ApiError("UnknownOperationException",
                               f"no operation for {handler.command} {path}", 404)
            if family != BROWSER and raw:
                try:
                    parsed = json.loads(raw)
                except ValueError:
                    raise ApiError("InvalidRequestException", "the body is not JSON") from None
                if not isinstance(parsed, dict):
                    raise ApiError("InvalidRequestException", "the body is not a JSON object")
                body = parsed
            if operation == "CreateToken":
                grant = str(body.get("grantType", ""))
                key = f"CreateToken:{GRANT_SHORT_NAMES.get(grant, grant)}"
            with self._lock:
                self.calls[operation] += 1
                if key != operation:
                    self.calls[key] += 1
            if self.latency_ms > 0:
                time.sleep(self.latency_ms / 1000)
            self._check_faults(operation, key)
            self._check_throttle(operation)
            reply = self._route(operation, query, headers, body)
        except ApiError as error:
            reply = error.reply(OIDC if family == OIDC else PORTAL)
        except Exception as error:  # a bug in the fake: answer 500, never hang the client
            reply = ApiError("InternalServerException", f"fake error: {error!r}", 500).reply(
                OIDC if family == OIDC else PORTAL)
        self._send(handler, reply)
        self._log(handler.command, path, query, headers, body, operation, reply)

    def _send(self, handler: _Handler, reply: _Reply) -> None:
        handler.send_response(reply.status)
        for name, value in reply.headers.items():
            handler.send_header(name, value)
        handler.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        handler.send_header("Content-Length", str(len(reply.body)))
        handler.end_headers()
        if handler.command != "HEAD":
            handler.wfile.write(reply.body)

    def _log(self, method: str, path: str, query: dict[str, str], headers: dict[str, str],
             body: dict[str, Any], operation: str, reply: _Reply) -> None:
        error = reply.headers.get("x-amzn-ErrorType", "").split(":", 1)[0] or None
        safe_headers = {k: self.fingerprint(v) if k in SECRET_HEADERS else v
                        for k, v in headers.items()}
        safe_body = {k: self.fingerprint(str(v)) if k in SECRET_MEMBERS else v
                     for k, v in body.items()}
        entry = LoggedRequest(time.monotonic(), method, path, query, safe_headers, safe_body,
                              operation, reply.status, error)
        with self._lock:
            self.requests.append(entry)

    def _check_faults(self, operation: str, key: str) -> None:
        with self._lock:
            for name in (key, operation):
                queue = self._faults.get(name)
                if queue:
                    raise queue.popleft()

    def _check_throttle(self, operation: str) -> None:
        """A sliding one-second window: above `throttle_rps` accepted requests in the last
        second, answer TooManyRequestsException (throttled requests do not count)."""
        if self.throttle_rps is None or operation not in self.throttle_operations:
            return
        with self._lock:
            now = time.monotonic()
            while self._window and self._window[0] <= now - 1.0:
                self._window.popleft()
            if len(self._window) >= self.throttle_rps:
                self.throttled[operation] += 1
                raise ApiError("TooManyRequestsException", "Too many requests")
            self._window.append(now)

    def _route(self, operation: str, query: dict[str, str], headers: dict[str, str],
               body: dict[str, Any]) -> _Reply:
        if operation == "RegisterClient":
            return self._register_client(body)
        if operation == "StartDeviceAuthorization":
            return self._start_device_authorization(body)
        if operation == "CreateToken":
            if "aws_iam" in query:
                raise ApiError("InvalidRequestException",
                               "CreateTokenWithIAM is not supported by the fake")
            return self._create_token(body)
        if operation == "Authorize":
            return self._authorize(query)
        if operation == "DeviceVerification":
            return self._device_page(query)
        token = headers.get(TOKEN_HEADER, "")
        if operation == "GetRoleCredentials":
            return self._get_role_credentials(token, query)
        if operation == "ListAccounts":
            return self._list_accounts(token, query)
        if operation == "ListAccountRoles":
            return self._list_account_roles(token, query)
        return self._logout(token)

    # ----------------------------------------------------------------- OIDC

    @staticmethod
    def _required(body: dict[str, Any], *names: str) -> None:
        for name in names:
            if not isinstance(body.get(name), str) or not body[name]:
                raise ApiError("InvalidRequestException", f"{name} is required")

    @staticmethod
    def _string_list(body: dict[str, Any], name: str) -> tuple[str, ...]:
        value = body.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ApiError("InvalidRequestException", f"{name} must be a list of strings")
        return tuple(value)

    def _check_start_url(self, url: str, name: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ApiError("InvalidRequestException", f"{name} is not a valid URL")
        if self.start_urls is not None and url.rstrip("/") not in {
                u.rstrip("/") for u in self.start_urls}:
            # the real service's words (sso-oidc, 2024-2026)
            raise ApiError("InvalidRequestException", f"Unknown {name}")

    def _register_client(self, body: dict[str, Any]) -> _Reply:
        self._required(body, "clientName", "clientType")
        if body["clientType"] != "public":
            raise ApiError("InvalidRequestException", "clientType must be public")
        scopes = self._string_list(body, "scopes")
        grants = self._string_list(body, "grantTypes")
        redirects = self._string_list(body, "redirectUris")
        for grant in grants:
            if grant not in KNOWN_GRANTS:
                raise ApiError("UnsupportedGrantTypeException", f"unsupported grant {grant}")
        for uri in redirects:
            parts = urlsplit(uri)
            if parts.scheme not in ("http", "https") or not parts.hostname or (
                    parts.scheme == "http" and not _is_loopback_http(uri)):
                raise ApiError("InvalidRedirectUriException", f"invalid redirect URI {uri}")
        if AUTH_CODE_GRANT in grants and not redirects:
            raise ApiError("InvalidRequestException",
                           "redirectUris is required for the authorization_code grant")
        issuer = body.get("issuerUrl")
        if issuer is not None:
            self._check_start_url(str(issuer), "issuerUrl")
        client = self.register_client(scopes=scopes, grant_types=grants,
                                      redirect_uris=redirects,
                                      issuer_url=None if issuer is None else str(issuer))
        client.client_name = str(body["clientName"])
        reply: dict[str, Any] = {
            "clientId": client.client_id,
            "clientSecret": client.client_secret,
            "clientIdIssuedAt": client.issued_at,  # epoch seconds
            "clientSecretExpiresAt": client.secret_expires_at,  # epoch seconds
        }
        if AUTH_CODE_GRANT in grants:
            reply["authorizationEndpoint"] = f"{self.url}/authorize"
            reply["tokenEndpoint"] = f"{self.url}/token"
        return _json_reply(reply)

    def _client(self, body: dict[str, Any]) -> Client:
        self._required(body, "clientId", "clientSecret")
        client = self.clients.get(body["clientId"])
        if client is None or not secrets.compare_digest(client.client_secret,
                                                        body["clientSecret"]):
            raise ApiError("InvalidClientException", "Invalid client provided")
        if client.secret_expires_at <= self.now():
            raise ApiError("InvalidClientException", "The client registration has expired")
        return client

    def _start_device_authorization(self, body: dict[str, Any]) -> _Reply:
        self._required(body, "clientId", "clientSecret", "startUrl")
        with self._lock:
            client = self._client(body)
            if not client.allows(DEVICE_GRANT):
                raise ApiError("UnauthorizedClientException",
                               "the client is not registered for the device_code grant")
            self._check_start_url(body["startUrl"], "startUrl")
            user_code = (_random_string("BCDFGHJKLMNPQRSTVWXZ", 4) + "-"
                         + _random_string("BCDFGHJKLMNPQRSTVWXZ", 4))
            device = DeviceAuth(
                device_code=secrets.token_urlsafe(48), user_code=user_code,
                client_id=client.client_id, start_url=body["startUrl"],
                expires_at=self.now() + self.device_expires_in, interval=self.device_interval,
                state="approved" if self.auto_approve else "pending",
                script=deque(self.device_script or ()))
            self.devices[device.device_code] = device
        verification = f"{self.url}/device"
        return _json_reply({
            "deviceCode": device.device_code,
            "userCode": user_code,
            "verificationUri": verification,
            "verificationUriComplete": f"{verification}?user_code={user_code}",
            "expiresIn": self.device_expires_in,
            "interval": self.device_interval,
        })

    def _create_token(self, body: dict[str, Any]) -> _Reply:
        self._required(body, "clientId", "clientSecret", "grantType")
        grant = body["grantType"]
        with self._lock:
            client = self._client(body)
            if grant not in KNOWN_GRANTS:
                raise ApiError("UnsupportedGrantTypeException", f"unsupported grant {grant}")
            if not client.allows(grant):
                raise ApiError("UnauthorizedClientException",
                               f"the client is not registered for the {grant} grant")
            if grant == DEVICE_GRANT:
                return _json_reply(self._device_grant(client, body))
            if grant == AUTH_CODE_GRANT:
                return _json_reply(self._code_grant(client, body))
            return _json_reply(self._refresh_grant(client, body))

    def _device_grant(self, client: Client, body: dict[str, Any]) -> dict[str, Any]:
        self._required(body, "deviceCode")
        device = self.devices.get(body["deviceCode"])
        if device is None or device.client_id != client.client_id:
            raise ApiError("InvalidGrantException", "Invalid device code provided")
        device.polls.append(time.monotonic())
        outcome = self._poll_outcome(device)
        device.outcomes.append(outcome)
        if outcome == "token":
            device.state = "consumed"
            return self._issue(client, device.start_url, client.scopes, DEVICE_GRANT, None)
        raise {
            "pending": ApiError("AuthorizationPendingException", "Authorization is pending"),
            "slow_down": ApiError("SlowDownException", "Client is polling too fast"),
            "denied": ApiError("AccessDeniedException", "The user denied the authorization"),
            "expired": ApiError("ExpiredTokenException", "The device code has expired"),
            "invalid_grant": ApiError("InvalidGrantException", "Invalid device code provided"),
        }[outcome]

    def _poll_outcome(self, device: DeviceAuth) -> str:
        if device.state == "consumed":
            return "invalid_grant"
        if device.expires_at <= self.now():
            device.state = "expired"
        if device.state == "expired":
            return "expired"
        if device.script:
            step = device.script.popleft()
            if step in ("pending", "slow_down"):
                return step
            device.state = {"approve": "approved", "deny": "denied", "expire": "expired"}[step]
        elif self.strict_interval and device.polls[1:]:
            gap = device.polls[-1] - device.polls[-2]
            interval = device.interval + 5 * device.outcomes.count("slow_down")
            if gap < interval - 0.05:
                return "slow_down"
        return {"pending": "pending", "approved": "token", "denied": "denied",
                "expired": "expired"}[device.state]

    def _code_grant(self, client: Client, body: dict[str, Any]) -> dict[str, Any]:
        self._required(body, "code", "redirectUri")
        code = self._codes.get(body["code"])
        if code is None or code.used or code.client_id != client.client_id:
            raise ApiError("InvalidGrantException", "Invalid authorization code provided")
        code.used = True  # single use, whatever happens next
        if code.expires_at <= self.now():
            raise ApiError("InvalidGrantException", "The authorization code has expired")
        if body["redirectUri"] != code.redirect_uri:
            raise ApiError("InvalidGrantException", "redirectUri does not match the one "
                           "given to the authorization request")
        verifier = body.get("codeVerifier")
        if not isinstance(verifier, str) or not verifier:
            raise ApiError("InvalidRequestException", "codeVerifier is required")
        if not 43 <= len(verifier) <= 128 or set(verifier) - set(
                string.ascii_letters + string.digits + "-._~"):
            raise ApiError("InvalidRequestException", "codeVerifier is malformed (RFC 7636)")
        if not secrets.compare_digest(_s256(verifier), code.challenge):
            raise ApiError("InvalidGrantException", "codeVerifier does not match the challenge")
        return self._issue(client, code.start_url, client.scopes, AUTH_CODE_GRANT, None)

    def _refresh_grant(self, client: Client, body: dict[str, Any]) -> dict[str, Any]:
        self._required(body, "refreshToken")
        refresh = self.refresh_tokens.get(body["refreshToken"])
        if refresh is None or not refresh.alive or refresh.client_id != client.client_id:
            raise ApiError("InvalidGrantException", "Invalid refresh token provided")
        session = self._sessions[refresh.session_id]
        if self.refresh_rotation:
            refresh.alive = False
            return self._issue(client, session.start_url, session.scopes, REFRESH_GRANT,
                               session.session_id)
        issued = self._issue(client, session.start_url, session.scopes, REFRESH_GRANT,
                             session.session_id, new_refresh=False)
        issued["refreshToken"] = refresh.token
        return issued

    def _issue(self, client: Client, start_url: str, scopes: tuple[str, ...], grant: str,
               session_id: str | None, *, ttl: int | None = None,
               new_refresh: bool = True) -> dict[str, Any]:
        """A new access token (and refresh token, for sso:account:access) in a session."""
        if session_id is None:
            session_id = secrets.token_hex(8)
            self._sessions[session_id] = _Session(session_id, client.client_id, start_url,
                                                  scopes)
        lifetime = self.access_token_ttl if ttl is None else ttl
        now = self.now()
        access = AccessToken("aoa" + secrets.token_urlsafe(64), session_id, client.client_id,
                             start_url, grant, now, now + lifetime)
        self.access_tokens[access.token] = access
        reply: dict[str, Any] = {"accessToken": access.token, "tokenType": "Bearer",
                                 "expiresIn": lifetime}
        if new_refresh and ACCOUNT_SCOPE in client.scopes:
            refresh = RefreshToken("aor" + secrets.token_urlsafe(64), session_id,
                                   client.client_id)
            self.refresh_tokens[refresh.token] = refresh
            reply["refreshToken"] = refresh.token
        return reply

    # ----------------------------------------------------------------- browser pages

    def _authorize(self, query: dict[str, str]) -> _Reply:
        """GET /authorize: validate, then redirect like a user who approves (or denies)."""
        with self._lock:
            reply, outcome, location = self._authorize_decision(query)
            self.authorize_requests.append(AuthorizeRequest(dict(query), outcome, location))
        return reply

    def _authorize_decision(self, q: dict[str, str]) -> tuple[_Reply, str, str | None]:
        client = self.clients.get(q.get("client_id", ""))
        if client is None:
            return _html_reply(400, "Sign-in failed", "Unknown client."), "page:client", None
        redirect = q.get("redirect_uri", "")
        if not any(_redirect_matches(r, redirect) for r in client.redirect_uris):
            return (_html_reply(400, "Sign-in failed", "The redirect URI is not registered."),
                    "page:redirect_uri", None)

        def redirect_to(params: dict[str, str], outcome: str) -> tuple[_Reply, str, str]:
            if "state" in q:
                params["state"] = q["state"]
            location = _with_query(redirect, params)
            return _Reply(302, b"", {"Location": location}), outcome, location

        def error(kind: str, text: str) -> tuple[_Reply, str, str]:
            return redirect_to({"error": kind, "error_description": text}, kind)

        if q.get("response_type") != "code":
            return error("unsupported_response_type", "response_type must be code")
        if not client.allows(AUTH_CODE_GRANT):
            return error("unauthorized_client", "the client may not use authorization_code")
        if not q.get("code_challenge") or q.get("code_challenge_method") != "S256":
            return error("invalid_request", "a code_challenge with method S256 is required")
        scopes = _split_scopes(q.get("scopes", "")) or client.scopes
        if set(scopes) - set(client.scopes):
            return error("invalid_scope", "scopes were not registered by the client")
        if self.browser_decision == "deny":
            return error("access_denied", "The user denied the authorization")
        if self.browser_decision == "ignore":
            return (_html_reply(200, "Sign in", "Waiting for the user (who never answers)."),
                    "page:ignored", None)
        code = _AuthCode(secrets.token_urlsafe(32), client.client_id, redirect,
                         q["code_challenge"], scopes,
                         client.issuer_url or "https://d-0000000000.awsapps.com/start",
                         self.now() + 600)
        self._codes[code.code] = code
        return redirect_to({"code": code.code}, "code")

    def _device_page(self, query: dict[str, str]) -> _Reply:
        """GET /device?user_code=...: the verification page; the visiting user approves (or
        denies, per browser_decision) a pending device sign-in."""
        user_code = query.get("user_code", "")
        with self._lock:
            device = next((d for d in self.devices.values() if d.user_code == user_code), None)
            if device is None:
                return _html_reply(404, "Unknown code", "No sign-in with this code.")
            device.visits += 1
            if device.state == "pending" and self.browser_decision in ("approve", "deny"):
                device.state = "approved" if self.browser_decision == "approve" else "denied"
            return _html_reply(200, "Device sign-in", f"Request {user_code}: {device.state}.")

    # ----------------------------------------------------------------- portal

    def _session_token(self, token: str) -> AccessToken:
        with self._lock:
            access = self.access_tokens.get(token)
            if access is None or access.revoked or access.expires_at <= self.now():
                raise ApiError("UnauthorizedException", "Session token not found or invalid")
            return access

    def _account(self, account_id: str) -> Account | None:
        return next((a for a in self.accounts if a.account_id == account_id), None)

    @staticmethod
    def _account_id(query: dict[str, str]) -> str:
        account_id = query.get("account_id", "")
        if not (len(account_id) == 12 and account_id.isdigit()):
            raise ApiError("InvalidRequestException", "account_id must be 12 digits")
        return account_id

    def _get_role_credentials(self, token: str, query: dict[str, str]) -> _Reply:
        self._session_token(token)
        role_name = query.get("role_name", "")
        if not role_name:
            raise ApiError("InvalidRequestException", "role_name is required")
        account = self._account(self._account_id(query))
        if account is None or role_name not in account.roles:
            raise ApiError("ForbiddenException", "No access")
        if self.sts_url:
            creds = self._sts_credentials(account.account_id, role_name)
        else:
            creds = {
                "accessKeyId": "ASIA" + _random_string(string.ascii_uppercase + "234567", 16),
                "secretAccessKey": base64.b64encode(secrets.token_bytes(30)).decode(),
                "sessionToken": "IQoJb3JpZ2luX2VjE" + base64.b64encode(
                    secrets.token_bytes(300)).decode(),
                "expiration": int((self.now() + self.role_credentials_ttl) * 1000),
            }
        with self._lock:
            self.role_credentials_issued.append((account.account_id, role_name,
                                                 creds["accessKeyId"]))
        return _json_reply({"roleCredentials": creds})

    def _sts_credentials(self, account_id: str, role_name: str) -> dict[str, Any]:
        """AssumeRole on the configured STS (moto) for the Identity Center role."""
        import requests
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials
        from botocore.utils import parse_timestamp

        form = urlencode({
            "Action": "AssumeRole", "Version": "2011-06-15",
            "RoleArn": self.role_arn(account_id, role_name),
            "RoleSessionName": self.user_name,
            "DurationSeconds": str(self.role_credentials_ttl),
        })
        assert self.sts_url is not None
        url = self.sts_url.rstrip("/") + "/"
        request = AWSRequest("POST", url, data=form, headers={
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
        SigV4Auth(Credentials(_STS_KEY_ID, _STS_SECRET), "sts", "us-east-1").add_auth(request)
        response = requests.post(url, data=form, headers=dict(request.headers.items()),
                                 timeout=10)
        if response.status_code != 200:
            raise ApiError("InternalServerException",
                           f"STS AssumeRole failed: HTTP {response.status_code}", 500)
        root = ElementTree.fromstring(response.content)
        creds = root.find(f".//{_STS_NS}Credentials")
        if creds is None:
            raise ApiError("InternalServerException", "STS answered no credentials", 500)

        def text(name: str) -> str:
            return creds.findtext(f"{_STS_NS}{name}") or ""

        expiration = parse_timestamp(text("Expiration")).timestamp()
        return {"accessKeyId": text("AccessKeyId"), "secretAccessKey": text("SecretAccessKey"),
                "sessionToken": text("SessionToken"), "expiration": int(expiration * 1000)}

    def _page(self, kind: str, scope: str, items: list[dict[str, str]], list_key: str,
              query: dict[str, str]) -> _Reply:
        size = self.page_size
        if "max_result" in query:
            try:
                size = int(query["max_result"])
            except ValueError:
                raise ApiError("InvalidRequestException", "max_result is not a number") from None
            if not 1 <= size <= 100:
                raise ApiError("InvalidRequestException", "max_result must be 1 to 100")
        start = 0
        if "next_token" in query:
            with self._lock:
                entry = self._page_tokens.get(query["next_token"])
            if entry is None or entry[:2] != (kind, scope):
                raise ApiError("InvalidRequestException", "Invalid next token")
            start = entry[2]
        reply: dict[str, Any] = {list_key: items[start:start + size]}
        if start + size < len(items):
            # Deliberately holds + / and = : a client that does not URL-encode it breaks.
            token = f"{secrets.token_urlsafe(9)}+/{start + size}=="
            with self._lock:
                self._page_tokens[token] = (kind, scope, start + size)
            reply["nextToken"] = token
        return _json_reply(reply)

    def _list_accounts(self, token: str, query: dict[str, str]) -> _Reply:
        self._session_token(token)
        items = [{"accountId": a.account_id, "accountName": a.name, "emailAddress": a.email}
                 for a in self.accounts]
        return self._page("accounts", "", items, "accountList", query)

    def _list_account_roles(self, token: str, query: dict[str, str]) -> _Reply:
        self._session_token(token)
        account = self._account(self._account_id(query))
        if account is None:
            raise ApiError("ResourceNotFoundException", "Account not found")
        items = [{"roleName": r, "accountId": account.account_id} for r in account.roles]
        return self._page("roles", account.account_id, items, "roleList", query)

    def _logout(self, token: str) -> _Reply:
        access = self._session_token(token)
        with self._lock:
            for other in self.access_tokens.values():
                if other.session_id == access.session_id:
                    other.revoked = True
            for refresh in self.refresh_tokens.values():
                if refresh.session_id == access.session_id:
                    refresh.alive = False
        return _Reply(200)


# --------------------------------------------------------------------------- command line


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.fakes.sso",
        description="Serve the fake sso-oidc + SSO portal on 127.0.0.1 until killed; prints "
                    "its URL on stdout. GET /_fake/stats answers the call counters.")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--accounts", type=int, default=None,
                        help="generate N awkward accounts (default: a 2-account org)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--latency-ms", type=float, default=0)
    parser.add_argument("--throttle-rps", type=float, default=None)
    parser.add_argument("--auto-approve", action="store_true",
                        help="device sign-ins are approved at once")
    parser.add_argument("--deny", action="store_true", help="the browser user denies")
    parser.add_argument("--access-token-ttl", type=int, default=3600)
    parser.add_argument("--no-rotation", action="store_true",
                        help="refresh tokens do not rotate")
    parser.add_argument("--page-size", type=int, default=20)
    parser.add_argument("--sts-url", default=None,
                        help="obtain role credentials by AssumeRole on this STS")
    parser.add_argument("--user-name", default="alice@example.com")
    args = parser.parse_args(argv)

    accounts = None if args.accounts is None else make_accounts(args.accounts, seed=args.seed)
    fake = FakeSso(accounts, port=args.port, latency_ms=args.latency_ms,
                   throttle_rps=args.throttle_rps, auto_approve=args.auto_approve,
                   browser_decision="deny" if args.deny else "approve",
                   access_token_ttl=args.access_token_ttl,
                   refresh_rotation=not args.no_rotation, page_size=args.page_size,
                   sts_url=args.sts_url, user_name=args.user_name)
    done = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        done.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    with fake:
        print(fake.url, flush=True)
        while not done.wait(0.5):
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
