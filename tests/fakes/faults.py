"""A fault-injecting HTTP proxy on 127.0.0.1, put in front of each server aws-login talks to.

    with FaultProxy(sts_server.url, STS) as proxy:            # AWS_ENDPOINT_URL_STS=proxy.url
        proxy.inject("AssumeRole", Fault.HTTP_503, times=2)   # two failures, then pass through
        proxy.always("getSigninToken", Fault.RESET)           # every request of that step
        ... run aws-login ...
        assert proxy.injected("AssumeRole") == 2 and proxy.passed("AssumeRole") == 1

Each request is classified into a *step* (the STS Action, the SSO operation as FakeSso names
it, e.g. `CreateToken:refresh_token`, or the federation Action). A matching rule answers with
its fault instead of the server; otherwise the request is forwarded unchanged and the answer
relayed. Injected faults never reach the server, as when a load balancer or the network fails
in front of it, so a retry can still succeed (a rotated refresh token is not spent).

The faults, in each server's own dialect (`Flavor`):
- HTTP 500 with the service's error document; HTTP 503 with a load balancer's HTML page;
- throttling (STS: 400 Throttling; SSO: 429 TooManyRequestsException; federation: 429);
- a connection reset (RST) after the request was read;
- no answer for longer than the client's read timeout (then the connection is closed);
- a truncated body (Content-Length promises more; the connection closes mid-body);
- a malformed body (complete HTTP, but the document is cut: invalid XML / JSON);
- a well-formed reply that lacks the expected members.
Bodies of the last three carry CANARY secrets: they must never show up in aws-login's output.

The proxy also harvests every secret that crosses it (keys, session tokens, access, refresh
and sign-in tokens, client secrets, device codes, PKCE codes) so tests can scan aws-login's
output for all of them.

Also here, shared by the hardening tests: a world of fakes behind proxies (start_servers,
make_world; conftest's `world` fixture), a subprocess environment (process_env), a sign-in
in the cache (write_sso_token), the cache check run after every case (cache_problems), and
the report that build-tools/chaos tabulates (record; AWS_LOGIN_CHAOS=1 selects the long
matrix).
"""

from __future__ import annotations

import contextlib
import enum
import http.client
import json
import os
import re
import socket
import stat
import struct
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from aws_login.sso.cache import cache_key
from tests.fakes.federation import start_fake_federation
from tests.fakes.sso import GRANT_SHORT_NAMES, ROUTES, FakeSso
from tests.helpers import START_URL, USER_KEY_ID, USER_SECRET, Result, run_cli

# Secret-looking values planted in fabricated bodies (long enough for the log's scrubber).
CANARY_SECRET_KEY = "FaultCanarySecretKey/0123456789abcdefghijKL"
CANARY_SESSION_TOKEN = "FaultCanarySessionToken0123456789abcdefghijklmnopqrstuvwxyz"
CANARY_ACCESS_TOKEN = "aoaFaultCanaryAccessToken0123456789abcdefghij"
CANARY_SIGNIN_TOKEN = "FaultCanarySigninToken0123456789abcdefghijklmnop"
CANARIES = (CANARY_SECRET_KEY, CANARY_SESSION_TOKEN, CANARY_ACCESS_TOKEN, CANARY_SIGNIN_TOKEN)

# Values of these members / parameters / headers / XML elements are secrets.
SECRET_MEMBERS = frozenset({
    "SecretAccessKey", "SessionToken", "secretAccessKey", "sessionToken", "accessToken",
    "refreshToken", "clientSecret", "deviceCode", "code", "codeVerifier", "SigninToken",
    "sessionKey", "SAMLAssertion", "WebIdentityToken"})
SECRET_HEADERS = frozenset({"x-amz-sso_bearer_token", "x-amz-security-token"})
_XML_SECRET = re.compile(r"<(SecretAccessKey|SessionToken)>([^<]+)</\1>")
_HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-connection", "transfer-encoding",
                         "content-length", "te", "trailer", "upgrade"})


class Flavor(enum.Enum):
    STS = "sts"  # query protocol, XML answers (moto)
    SSO = "sso"  # rest-json: sso-oidc and the SSO portal (FakeSso)
    FEDERATION = "federation"  # the sign-in federation endpoint (plain HTTP GET, JSON)


class Fault(enum.Enum):
    HTTP_500 = "http-500"
    HTTP_503 = "http-503"
    THROTTLE = "throttle"
    RESET = "reset"
    SLOW = "slow"
    TRUNCATED = "truncated"
    MALFORMED = "malformed"
    WRONG_SHAPE = "wrong-shape"


ALL_FAULTS = tuple(Fault)


@dataclass
class Rule:
    step: str
    fault: Fault
    times: int | None  # None: every matching request
    where: Mapping[str, str] = field(default_factory=dict)  # parameters that must match
    used: int = 0

    def matches(self, step: str, params: Mapping[str, str]) -> bool:
        if self.step not in (step, "*") or (self.times is not None and self.used >= self.times):
            return False
        return all(params.get(name) == value for name, value in self.where.items())


@dataclass(frozen=True)
class Seen:
    """One request that reached the proxy, and what became of it."""

    step: str
    fault: Fault | None  # None: forwarded to the server
    status: int  # the status answered (0: no answer at all)
    params: Mapping[str, str] = field(default_factory=dict, repr=False)
    at: float = field(default_factory=time.monotonic)  # when it was answered

    def is_(self, step: str | None, where: Mapping[str, str]) -> bool:
        return step in (None, self.step) and all(
            self.params.get(k) == v for k, v in where.items())


@dataclass
class _Request:
    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    body: bytes
    step: str = ""
    params: dict[str, str] = field(default_factory=dict)


class FaultProxy:
    def __init__(self, upstream: str, flavor: Flavor, *, slow_seconds: float = 1.0) -> None:
        parts = urlsplit(upstream)
        if parts.hostname is None or not parts.hostname.startswith("127."):
            raise ValueError(f"the proxy only forwards to loopback addresses, not {upstream}")
        self.upstream = (parts.hostname, parts.port or 80)
        self.flavor = flavor
        self.slow_seconds = slow_seconds  # must exceed the client's read timeout
        self.rules: list[Rule] = []
        self.seen: list[Seen] = []
        self.secrets: set[str] = set(CANARIES)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._server.request_queue_size = 256  # floods: 64 processes connect at once
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        name=f"fault-proxy-{flavor.value}", daemon=True)

    # ----------------------------------------------------------------- control

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> FaultProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # ends SLOW waits at once
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def inject(self, step: str, fault: Fault, times: int = 1, **where: str) -> None:
        """Answer the next `times` requests of `step` (matching `where`) with `fault`."""
        with self._lock:
            self.rules.append(Rule(step, fault, times, where))

    def always(self, step: str, fault: Fault, **where: str) -> None:
        with self._lock:
            self.rules.append(Rule(step, fault, None, where))

    def clear(self) -> None:
        """Drop the rules and the request log (harvested secrets are kept)."""
        with self._lock:
            self.rules.clear()
            self.seen.clear()

    def steps(self) -> list[str]:
        with self._lock:
            return [s.step for s in self.seen]

    def injected(self, step: str | None = None, **where: str) -> int:
        """Requests of `step` (all: None) with these parameters answered with a fault."""
        with self._lock:
            return sum(1 for s in self.seen if s.fault is not None and s.is_(step, where))

    def passed(self, step: str | None = None, **where: str) -> int:
        """Requests of `step` with these parameters forwarded to the server."""
        with self._lock:
            return sum(1 for s in self.seen if s.fault is None and s.is_(step, where))

    def fault_counts(self) -> Counter[Fault]:
        with self._lock:
            return Counter(s.fault for s in self.seen if s.fault is not None)

    # ----------------------------------------------------------------- classification

    def _classify(self, request: _Request) -> None:
        split = urlsplit(request.path)
        params = {k: v[0] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
        if self.flavor is Flavor.STS:
            if request.method == "POST":
                form = parse_qs(request.body.decode("utf-8", "replace"), keep_blank_values=True)
                params.update({k: v[0] for k, v in form.items()})
            request.step = params.get("Action") or split.path
        elif self.flavor is Flavor.SSO:
            operation, _family = ROUTES.get((request.method, split.path), (split.path, ""))
            if operation == "CreateToken":
                with contextlib.suppress(ValueError, AttributeError):
                    body = json.loads(request.body or b"{}")
                    grant = str(body.get("grantType", ""))
                    params.update({k: v for k, v in body.items() if isinstance(v, str)})
                    operation = f"CreateToken:{GRANT_SHORT_NAMES.get(grant, grant)}"
            request.step = operation
        else:
            request.step = params.get("Action") or split.path
        request.params = params

    def _decide(self, request: _Request) -> Fault | None:
        with self._lock:
            for rule in self.rules:
                if rule.matches(request.step, request.params):
                    rule.used += 1
                    return rule.fault
        return None

    # ----------------------------------------------------------------- secrets

    def _harvest_request(self, request: _Request) -> None:
        found = [v for k, v in request.params.items() if k in SECRET_MEMBERS]
        found += [v for k, v in request.headers.items() if k in SECRET_HEADERS]
        session = request.params.get("Session")
        if session:  # getSigninToken: the session JSON, and the whole parameter
            found.append(session)
            with contextlib.suppress(ValueError, AttributeError):
                found += [v for k, v in json.loads(session).items() if k in SECRET_MEMBERS]
        if request.body[:1] == b"{":
            with contextlib.suppress(ValueError):
                found += _json_secrets(json.loads(request.body))
        self._remember(found)

    def _harvest_reply(self, body: bytes) -> None:
        text = body.decode("utf-8", "replace")
        found = [m.group(2) for m in _XML_SECRET.finditer(text)]
        if text[:1] == "{":
            with contextlib.suppress(ValueError):
                found += _json_secrets(json.loads(text))
        self._remember(found)

    def _remember(self, values: Iterable[str]) -> None:
        with self._lock:
            self.secrets.update(v for v in values if isinstance(v, str) and len(v) >= 8)

    # ----------------------------------------------------------------- answers

    def _fault_reply(self, request: _Request, fault: Fault) -> tuple[int, dict[str, str], bytes]:
        """(status, headers, body) for a fault answered in full."""
        step = request.step.split(":")[0]
        if fault is Fault.HTTP_503:
            page = (b"<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>"
                    b"\r\n<body>\r\n<center><h1>503 Service Temporarily Unavailable</h1>"
                    b"</center>\r\n</body>\r\n</html>\r\n")
            return 503, {"Content-Type": "text/html"}, page
        if self.flavor is Flavor.STS:
            if fault in (Fault.HTTP_500, Fault.THROTTLE):
                status, code, kind = ((500, "InternalFailure", "Receiver")
                                      if fault is Fault.HTTP_500
                                      else (400, "Throttling", "Sender"))
                body = (f'<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
                        f"<Error><Type>{kind}</Type><Code>{code}</Code><Message>injected "
                        f"{fault.value}</Message></Error><RequestId>fault-0001</RequestId>"
                        "</ErrorResponse>").encode()
                return status, {"Content-Type": "text/xml"}, body
            if fault is Fault.WRONG_SHAPE:
                body = (f'<{step}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
                        f"<{step}Result></{step}Result></{step}Response>").encode()
                return 200, {"Content-Type": "text/xml"}, body
            return 200, {"Content-Type": "text/xml"}, self._cut(self._full_document(step))
        if self.flavor is Flavor.SSO:
            if fault in (Fault.HTTP_500, Fault.THROTTLE):
                status, code = ((500, "InternalServerException") if fault is Fault.HTTP_500
                                else (429, "TooManyRequestsException"))
                return status, {"Content-Type": "application/json",
                                "x-amzn-ErrorType": f"{code}:http://internal.amazon.com/"}, \
                    json.dumps({"message": f"injected {fault.value}"}).encode()
            if fault is Fault.WRONG_SHAPE:
                return 200, {"Content-Type": "application/json"}, b"{}"
            return 200, {"Content-Type": "application/json"}, self._cut(self._full_document(step))
        if fault is Fault.HTTP_500:
            return 500, {"Content-Type": "text/html"}, b"<html><body>Internal error</body></html>"
        if fault is Fault.THROTTLE:
            return 429, {"Content-Type": "text/html"}, b"<html><body>Rate exceeded</body></html>"
        if fault is Fault.WRONG_SHAPE:
            return 200, {"Content-Type": "application/json"}, b'{"Token": null}'
        return 200, {"Content-Type": "application/json"}, self._cut(self._full_document(step))

    def _full_document(self, step: str) -> bytes:
        """A complete, valid-looking answer holding canary secrets (cut by the caller)."""
        if self.flavor is Flavor.STS:
            return (f'<{step}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
                    f"<{step}Result><Credentials><AccessKeyId>ASIAFAULTINJECTED000</AccessKeyId>"
                    f"<SecretAccessKey>{CANARY_SECRET_KEY}</SecretAccessKey>"
                    f"<SessionToken>{CANARY_SESSION_TOKEN}</SessionToken>"
                    "<Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>"
                    "<AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/R/s</Arn>"
                    "<AssumedRoleId>AROAFAULT:s</AssumedRoleId></AssumedRoleUser>"
                    f"</{step}Result></{step}Response>").encode()
        if self.flavor is Flavor.SSO:
            return json.dumps({
                "roleCredentials": {"accessKeyId": "ASIAFAULTINJECTED000",
                                    "secretAccessKey": CANARY_SECRET_KEY,
                                    "sessionToken": CANARY_SESSION_TOKEN,
                                    "expiration": 4070908800000},
                "accessToken": CANARY_ACCESS_TOKEN, "expiresIn": 3600,
                "accountList": [], "roleList": []}).encode()
        return json.dumps({"SigninToken": CANARY_SIGNIN_TOKEN, "Expires": 900}).encode()

    @staticmethod
    def _cut(document: bytes) -> bytes:
        """The document up to just after its first canary: invalid, and holding a secret."""
        ends = [document.find(c.encode()) + len(c) for c in CANARIES if c.encode() in document]
        return document[:min(ends) + 3]

    def _forward(self, request: _Request) -> tuple[int, str, list[tuple[str, str]], bytes]:
        connection = http.client.HTTPConnection(*self.upstream, timeout=60)
        try:
            headers = {k: v for k, v in request.headers.items() if k not in _HOP_BY_HOP}
            connection.request(request.method, request.path, body=request.body or None,
                               headers=headers)
            reply = connection.getresponse()
            body = reply.read()
            return reply.status, reply.reason, reply.getheaders(), body
        finally:
            connection.close()

    # ----------------------------------------------------------------- the server

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as botocore and requests expect
            timeout = 30

            def handle(self) -> None:
                # A reset or a client that gave up leaves a dead socket: not an error here.
                with contextlib.suppress(OSError, ValueError):
                    super().handle()

            def finish(self) -> None:
                with contextlib.suppress(OSError, ValueError):
                    super().finish()

            def _dispatch(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                request = _Request(self.command, self.path,
                                   {k.lower(): v for k, v in self.headers.items()}, body)
                proxy._classify(request)
                proxy._harvest_request(request)
                fault = proxy._decide(request)
                if fault is None:
                    self._pass(request)
                else:
                    self._inject(request, fault)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _dispatch

            def _pass(self, request: _Request) -> None:
                try:
                    status, reason, headers, body = proxy._forward(request)
                except OSError:
                    status, reason, headers, body = 502, "Bad Gateway", [], b"upstream failed"
                proxy._harvest_reply(body)
                proxy._record(Seen(request.step, None, status, request.params))
                self.send_response(status, reason)
                for name, value in headers:
                    if name.lower() not in _HOP_BY_HOP and name.lower() not in (
                            "server", "date"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def _inject(self, request: _Request, fault: Fault) -> None:
                if fault is Fault.RESET:
                    proxy._record(Seen(request.step, fault, 0, request.params))
                    self._reset()
                    return
                if fault is Fault.SLOW:
                    proxy._record(Seen(request.step, fault, 0, request.params))
                    proxy._stopping.wait(proxy.slow_seconds)
                    self._reset()
                    return
                if fault is Fault.TRUNCATED:
                    proxy._record(Seen(request.step, fault, 200, request.params))
                    document = proxy._full_document(request.step.split(":")[0])
                    self.send_response(200)
                    self.send_header("Content-Type", "application/octet-stream")
                    self.send_header("Content-Length", str(len(document)))
                    self.end_headers()
                    self.wfile.write(proxy._cut(document))
                    self.wfile.flush()
                    self._reset()
                    return
                status, headers, body = proxy._fault_reply(request, fault)
                proxy._record(Seen(request.step, fault, status, request.params))
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _reset(self) -> None:
                # SO_LINGER 0: close() sends RST instead of FIN.
                with contextlib.suppress(OSError):
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                               struct.pack("ii", 1, 0))
                with contextlib.suppress(OSError):
                    self.connection.close()
                self.close_connection = True

            def log_message(self, format: str, *args: Any) -> None:
                return  # the request log is `seen`

        return Handler

    def _record(self, seen: Seen) -> None:
        with self._lock:
            self.seen.append(seen)


def _json_secrets(value: object) -> list[str]:
    """Values of secret members anywhere in a JSON document."""
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key in SECRET_MEMBERS and isinstance(item, str):
                found.append(item)
            else:
                found += _json_secrets(item)
    elif isinstance(value, list):
        for item in value:
            found += _json_secrets(item)
    return found


def leaked(text: str, secrets: Iterable[str]) -> list[str]:
    """The secrets that appear in `text` (shortened, so a report does not leak them)."""
    return sorted(f"{s[:6]}..." for s in set(secrets) if s and s in text)


# --------------------------------------------------------------------------- a world of fakes
# In front of each fake a proxy; aws-login's environment points at the proxies.

READ_TIMEOUT = "1.0"  # AWS_LOGIN_HTTP_TIMEOUT: a SLOW fault holds the answer 2.2 s
SLOW_SECONDS = 2.2


@dataclass
class World:
    """Loopback servers behind fault proxies, and aws-login's environment pointing at them."""

    sts: FaultProxy
    sso: FaultProxy
    fed: FaultProxy
    fake: FakeSso
    tmp: Path
    monkeypatch: pytest.MonkeyPatch
    sleeps: list[float] = field(default_factory=list)
    written: dict[Path, bytes] = field(default_factory=dict)  # token files set up, as written

    @property
    def cache(self) -> Path:
        return self.tmp / "cache"

    def proxy(self, flavor: Flavor) -> FaultProxy:
        return {Flavor.STS: self.sts, Flavor.SSO: self.sso, Flavor.FEDERATION: self.fed}[flavor]

    def secrets(self) -> set[str]:
        return self.sts.secrets | self.sso.secrets | self.fed.secrets

    def run(self, argv: list[str], **context: Any) -> Result:
        """aws-login in this process, on a fake clock: its pauses are recorded, not slept,
        and the retry budget's monotonic clock moves by exactly the pauses taken."""
        context.setdefault("monotonic", lambda: sum(self.sleeps))
        return run_cli(argv, sleep=self.sleeps.append, **context)

    def token_file(self, expires_in: timedelta) -> Path:
        """A real, refreshable sign-in in aws-login's cache, expiring `expires_in` from now."""
        path = write_sso_token(self.fake, self.cache, expires_in)
        self.written[path] = path.read_bytes()
        return path


@dataclass
class Servers:
    sts: FaultProxy
    sso: FaultProxy
    fed: FaultProxy
    fake: FakeSso


@contextlib.contextmanager
def start_servers(sts_url: str) -> Iterator[Servers]:
    """Started once per module (a test resets them): FakeSso, the federation fake, and a
    fault proxy in front of each server."""
    federation = start_fake_federation()
    try:
        with FakeSso(sts_url=sts_url) as fake, \
                FaultProxy(sts_url, Flavor.STS, slow_seconds=SLOW_SECONDS) as sts, \
                FaultProxy(fake.url, Flavor.SSO, slow_seconds=SLOW_SECONDS) as sso, \
                FaultProxy(federation.url, Flavor.FEDERATION, slow_seconds=SLOW_SECONDS) as fed:
            yield Servers(sts, sso, fed, fake)
    finally:
        federation.stop()


def make_world(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, servers: Servers) -> World:
    """A clean aws-login environment pointing at the proxies (which are reset)."""
    for proxy in (servers.sts, servers.sso, servers.fed):
        proxy.clear()
    servers.fake.reset_counters()
    servers.fake.auto_approve = False
    for name in [n for n in os.environ if n.startswith("AWS_")]:
        monkeypatch.delenv(name)
    for name in ("BROWSER", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "config").write_text("")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ENDPOINT_URL", NOWHERE)
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", servers.sts.url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSO", servers.sso.url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSO_OIDC", servers.sso.url)
    monkeypatch.setenv("AWS_LOGIN_FEDERATION_URL", f"{servers.fed.url}/federation")
    monkeypatch.setenv("AWS_LOGIN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("AWS_LOGIN_HTTP_TIMEOUT", READ_TIMEOUT)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    return World(servers.sts, servers.sso, servers.fed, servers.fake, tmp_path, monkeypatch)


def utc_text(value: datetime) -> str:
    """A time as the SSO token cache writes it: 2030-01-01T00:00:00Z."""
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def sso_token_path(cache: Path) -> Path:
    """Where aws-login keeps the sign-in for START_URL."""
    return cache / "sso" / f"{cache_key(START_URL)}.json"


def write_sso_token(fake: FakeSso, cache: Path, expires_in: timedelta) -> Path:
    """A real, refreshable sign-in for START_URL in aws-login's cache, expiring `expires_in`
    from now, in 0700 folders and a 0600 file as aws-login keeps them."""
    data = fake.issue_token(START_URL).cache_json("us-east-1")
    data["expiresAt"] = utc_text(datetime.now(timezone.utc) + expires_in)
    path = sso_token_path(cache)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    cache.chmod(0o700)
    path.write_text(json.dumps(data))
    path.chmod(0o600)
    return path


def process_env(home: Path, **settings: str) -> dict[str, str]:
    """The environment for aws-login as a real process: this one's without AWS_* and browser
    settings; HOME=home, no config or credentials file, no IMDS, AWS_ENDPOINT_URL=NOWHERE,
    loopback never through a proxy; then `settings`."""
    env = {name: value for name, value in os.environ.items()
           if not name.startswith("AWS_") and name not in ("BROWSER", "DISPLAY", "WAYLAND_DISPLAY")}
    env.update(HOME=str(home), AWS_CONFIG_FILE=str(home / "none"),
               AWS_SHARED_CREDENTIALS_FILE=str(home / "none"), AWS_EC2_METADATA_DISABLED="true",
               AWS_ENDPOINT_URL=NOWHERE, NO_PROXY="127.0.0.1")
    env.update(settings)
    return env


def user_keys(world: World) -> None:
    world.monkeypatch.setenv("AWS_ACCESS_KEY_ID", USER_KEY_ID)
    world.monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", USER_SECRET)


def browser(url: str) -> bool:
    """A browser whose user approves at once: follows the redirect to aws-login's listener."""
    requests.get(url, allow_redirects=True, timeout=10)
    return True


# --------------------------------------------------------------------------- cache checks


def cache_problems(folder: Path) -> list[str]:
    """What is wrong with aws-login's cache folder: files that do not parse as what their
    place says they are, modes other than 0700 / 0600, symbolic links, stale temp files.
    An empty list: every file is a complete, valid cache file (old or new)."""
    from aws_login.credentials_cache import parse_entry as parse_session
    from aws_login.sso import tokenfile

    problems: list[str] = []
    if not folder.exists():
        return problems
    for path in sorted([folder, *folder.rglob("*")]):
        where = path.relative_to(folder).as_posix() or "."
        if path.is_symlink():
            problems.append(f"{where}: a symbolic link")
            continue
        mode = stat.S_IMODE(path.lstat().st_mode)
        if path.is_dir():
            if mode != 0o700:
                problems.append(f"{where}: folder mode {mode:o}")
            continue
        if mode != 0o600:
            problems.append(f"{where}: file mode {mode:o}")
        name, parent = path.name, path.parent.relative_to(folder).as_posix()
        if name.endswith(".tmp"):
            problems.append(f"{where}: a temp file left behind")
            continue
        if name.endswith(".lock"):
            continue
        try:
            text = path.read_bytes().decode("utf-8")
            if parent == "sso" and name.endswith(".json"):
                tokenfile.parse(text)
            elif parent == "sessions" and name.endswith(".json"):
                parse_session(text)
            elif parent == "sessions/fast":  # fastpath: "aws-login-fast 1 <expiry>\n<json>"
                header, _, body = text.partition("\n")
                magic, _, expires = header.rpartition(" ")
                if magic != "aws-login-fast 1" or json.loads(body)["Version"] != 1:
                    raise ValueError("fast entry")
                float(expires)
            elif parent == "sso/registrations":
                data = json.loads(text)
                tokenfile.parse_timestamp(data["expiresAt"], "expiresAt")
                if not (isinstance(data["clientId"], str) and isinstance(data["clientSecret"],
                                                                          str)):
                    raise ValueError("types")
            else:
                json.loads(text)
        except Exception as exc:  # any failure to read it back is corruption
            problems.append(f"{where}: {type(exc).__name__}")
    return problems


def temp_files(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.tmp")) if folder.exists() else []


# --------------------------------------------------------------------------- the chaos report

CHAOS = os.environ.get("AWS_LOGIN_CHAOS") == "1"  # build-tools/chaos: the long matrix
# Read at import: the tests clear AWS_* variables from the environment they run in.
REPORT = os.environ.get("AWS_LOGIN_CHAOS_REPORT")
# For AWS_ENDPOINT_URL (botocore: every service without its own AWS_ENDPOINT_URL_*): a
# loopback port nothing listens on, so a call the test did not route fails instead of
# leaving the machine.
NOWHERE = "http://127.0.0.1:9"


def record(area: str, step: str, *, injected: int = 0, recovered: int = 0,
           clean_failures: int = 0, tracebacks: int = 0, corrupt_files: int = 0,
           leaked_secrets: int = 0, **extra: object) -> None:
    """Append one case to the chaos report (AWS_LOGIN_CHAOS_REPORT), when one is kept."""
    if not REPORT:
        return
    row = {"area": area, "step": step, "injected": injected, "recovered": recovered,
           "clean_failures": clean_failures, "tracebacks": tracebacks,
           "corrupt_files": corrupt_files, "leaked_secrets": leaked_secrets, **extra}
    with open(REPORT, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(row) + "\n")


def tracebacks_in(text: str) -> int:
    """Tracebacks, or crashes reported as `unexpected` errors (a bug's one line)."""
    return text.count("Traceback (most recent call last)") + text.count(
        "aws-login: error: unexpected ")
