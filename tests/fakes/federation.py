"""A loopback fake of the AWS sign-in federation endpoint, its sign-out and a "console" page.

It plays AWS's part faithfully enough to fail when aws-login gets the protocol wrong:
- GET /federation?Action=getSigninToken: the Session JSON must have exactly sessionId,
  sessionKey and sessionToken; the credentials must be ones STS issued (it asks moto who they
  are, through its own moto listener so the test's STS request log stays aws-login's alone);
  GetSessionToken and unknown credentials are refused, as AWS does; SessionDuration must be
  900-43200 and is refused for GetFederationToken credentials. Answers {"SigninToken": ...}.
- GET /federation?Action=login: needs a token it issued (within 15 minutes), an Issuer and a
  Destination on this server (AWS only lands on its own consoles); sets a console cookie and
  redirects (302) to the Destination.
- GET /oauth?Action=logout[&redirect_uri=...]: clears the cookie; redirects only to this
  server's own /federation, as AWS only redirects to its sign-in hosts.
- GET /console/...: the "console"; 200 with the signed-in identity, 401 without a session.
Every request is recorded.
"""

from __future__ import annotations

import html
import http.server
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.fakes.moto_server import LoopbackServer, start_moto
from tests.helpers import FEDERATED_ARN

COOKIE = "fake-console-session"
TOKEN_LIFETIME = 15 * 60
IDENTITY_REGIONS = ("us-east-1", "us-gov-west-1", "cn-north-1")
FEDERATION_POLICY = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*",'
                     '"Resource":"*"}]}')


@dataclass
class FedRequest:
    path: str
    params: dict[str, str]
    status: int = 0
    cookie: str | None = None

    @property
    def action(self) -> str:
        """getSigninToken, login, logout, or the path for other pages."""
        return self.params.get("Action") or self.path


@dataclass
class IssuedToken:
    arn: str
    kind: str  # "role" or "federated"
    session_duration: int | None
    issued_at: float


@dataclass
class FakeFederation:
    identity_sts: LoopbackServer  # a private moto listener to ask "who is this?"
    requests: list[FedRequest] = field(default_factory=list)
    tokens: dict[str, IssuedToken] = field(default_factory=dict)
    sessions: dict[str, str] = field(default_factory=dict)  # cookie value -> ARN
    known_tokens: dict[str, str] = field(default_factory=dict)  # session token -> kind
    lock: threading.Lock = field(default_factory=threading.Lock)
    _server: http.server.ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_port}"

    @property
    def federation_url(self) -> str:
        return f"{self.url}/federation"

    def console_url(self, path: str = "console/home") -> str:
        return f"{self.url}/{path}"

    def actions(self) -> list[str]:
        with self.lock:
            return [r.action for r in self.requests]

    def find(self, action: str) -> list[FedRequest]:
        with self.lock:
            return [r for r in self.requests if r.action == action]

    def clear(self) -> None:
        with self.lock:
            self.requests.clear()

    # -- the protocol --------------------------------------------------------------------

    def get_signin_token(self, params: dict[str, str]) -> tuple[int, str]:
        if set(params) - {"Action", "Session", "SessionDuration"}:
            return 400, f"unexpected parameters {sorted(params)}"
        try:
            session = json.loads(params.get("Session", ""))
        except json.JSONDecodeError:
            return 400, "Session is not JSON"
        if not isinstance(session, dict) or sorted(session) != [
                "sessionId", "sessionKey", "sessionToken"]:
            return 400, "Session must have exactly sessionId, sessionKey, sessionToken"
        if not all(isinstance(v, str) and v for v in session.values()):
            return 400, "Session fields must be non-empty strings"
        kind, arn = self._classify(session)
        if kind not in ("role", "federated"):
            return 400, f"{kind} credentials cannot sign in to the console"
        duration: int | None = None
        if "SessionDuration" in params:
            if kind == "federated":
                return 400, "SessionDuration is not allowed for GetFederationToken credentials"
            try:
                duration = int(params["SessionDuration"])
            except ValueError:
                return 400, "SessionDuration is not a number"
            if not 900 <= duration <= 43200:
                return 400, "SessionDuration must be 900-43200"
        token = secrets.token_urlsafe(48)
        with self.lock:
            self.tokens[token] = IssuedToken(arn, kind, duration, time.time())
        return 200, json.dumps({"SigninToken": token})

    def login(self, params: dict[str, str]) -> tuple[int, str, dict[str, str]]:
        with self.lock:
            issued = self.tokens.get(params.get("SigninToken", ""))
        if issued is None or time.time() - issued.issued_at > TOKEN_LIFETIME:
            return 400, "unknown or expired SigninToken", {}
        if not params.get("Issuer"):
            return 400, "Issuer is missing", {}
        destination = params.get("Destination", "")
        if not destination.startswith(self.url + "/console/"):
            return 400, f"Destination {destination!r} is not a console page of this server", {}
        cookie = secrets.token_urlsafe(16)
        with self.lock:
            self.sessions[cookie] = issued.arn
        return 302, "", {"Location": destination,
                         "Set-Cookie": f"{COOKIE}={cookie}; Path=/; HttpOnly"}

    def logout(self, params: dict[str, str]) -> tuple[int, str, dict[str, str]]:
        headers = {"Set-Cookie": f"{COOKIE}=; Path=/; Max-Age=0"}
        target = params.get("redirect_uri")
        if target is None:
            return 200, "signed out", headers
        if not target.startswith(self.federation_url + "?"):
            return 400, "redirect_uri must be this sign-in host's federation endpoint", headers
        return 302, "", {**headers, "Location": target}

    def console_page(self, path: str, cookie: str | None) -> tuple[int, str]:
        with self.lock:
            arn = self.sessions.get(cookie or "")
        if arn is None:
            return 401, "<html><body><h1 id='signed-out'>Not signed in</h1></body></html>"
        return 200, (f"<html><head><title>Fake AWS console</title></head><body>"
                     f"<h1 id='fake-console'>Fake AWS console</h1>"
                     f"<p id='who'>{html.escape(arn)}</p><p id='page'>{html.escape(path)}</p>"
                     "</body></html>")

    def _classify(self, session: dict[str, str]) -> tuple[str, str]:
        token = session["sessionToken"]
        if token in self.known_tokens:
            return self.known_tokens[token], FEDERATED_ARN
        import boto3

        arn = ""
        for region in IDENTITY_REGIONS:  # moto keeps each partition's sessions apart
            sts = boto3.client("sts", endpoint_url=self.identity_sts.url, region_name=region,
                               aws_access_key_id=session["sessionId"],
                               aws_secret_access_key=session["sessionKey"],
                               aws_session_token=token)
            arn = sts.get_caller_identity()["Arn"]
            if ":assumed-role/" in arn:
                return "role", arn
        return "unknown", arn

    # -- the server ----------------------------------------------------------------------

    def start(self) -> FakeFederation:
        self._learn_moto_tokens()
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        self.identity_sts.stop()

    def _learn_moto_tokens(self) -> None:
        """moto hands out fixed session tokens per STS call; learn which is which."""
        import boto3

        sts = boto3.client("sts", endpoint_url=self.identity_sts.url, region_name="us-east-1",
                           aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
                           aws_secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
        federated = sts.get_federation_token(Name="probe", Policy=FEDERATION_POLICY)
        session = sts.get_session_token()
        self.known_tokens = {
            federated["Credentials"]["SessionToken"]: "federated",
            session["Credentials"]["SessionToken"]: "GetSessionToken",
        }

    def _handler(self) -> type[http.server.BaseHTTPRequestHandler]:
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                params = {k: v[0] for k, v in parse_qs(parts.query).items()}
                cookie = _cookie(self.headers.get("Cookie"))
                record = FedRequest(parts.path, params, cookie=cookie)
                with fake.lock:
                    fake.requests.append(record)
                headers: dict[str, str] = {}
                if parts.path == "/federation" and params.get("Action") == "getSigninToken":
                    status, body = fake.get_signin_token(params)
                elif parts.path == "/federation" and params.get("Action") == "login":
                    status, body, headers = fake.login(params)
                elif parts.path == "/oauth" and params.get("Action") == "logout":
                    status, body, headers = fake.logout(params)
                elif parts.path.startswith("/console/"):
                    status, body = fake.console_page(parts.path, cookie)
                else:
                    status, body = 404, "not found"
                record.status = status
                self._send(status, body, headers)

            def _send(self, status: int, body: str, headers: dict[str, str]) -> None:
                data = body.encode("utf-8")
                self.send_response(status)
                content_type = "application/json" if body.startswith("{") else "text/html"
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # the request log is the record above

        return Handler


def _cookie(header: str | None) -> str | None:
    for part in (header or "").split(";"):
        name, _, value = part.strip().partition("=")
        if name == COOKIE and value:
            return value
    return None


def start_fake_federation() -> FakeFederation:
    return FakeFederation(identity_sts=start_moto()).start()
