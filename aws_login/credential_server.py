"""The credential server: the keeper's credentials over HTTP in the container-credentials
format (AWS_CONTAINER_CREDENTIALS_FULL_URI + AWS_CONTAINER_AUTHORIZATION_TOKEN), which
botocore, the AWS CLI and the other SDKs read.

It binds 127.0.0.1 on a free port unless told otherwise, and answers only `GET` on its
random path with the exact token (compared in constant time). Everything else gets a bare
status and nothing else: a Host that is not the address it serves (DNS rebinding) 403, an
oversized request 413/414/431, another path 404, another method 405, a wrong or missing
token 401, all without a body (and a malformed request nothing at all). No CORS headers, so
no web page can read an answer. A connection gets REQUEST_TIMEOUT seconds to send its
request, then it is closed. After the credentials expire (a renewal kept failing) it answers
503 with a JSON error the SDKs show; it never waits.
"""

from __future__ import annotations

import hmac
import io
import ipaddress
import json
import secrets
import socket
import threading
import time
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aws_login.credential_keeper import Keeper
from aws_login.render import format_expiration

LOOPBACK = "127.0.0.1"
MAX_REQUEST_LINE = 2048
MAX_HEADER_BYTES = 8192
# Seconds a connection has to send its whole request, however slowly it trickles in: then it
# is closed, so an idle or dribbling client holds a thread for no longer than that.
REQUEST_TIMEOUT = 5.0

# (method, path without any token, status) for each answered request: serve's log.
RequestLog = Callable[[str, str, int], None]


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


class _Listener(ThreadingHTTPServer):
    # socketserver's default backlog is 5: fifty SDK clients connecting at once (parallel
    # Terraform providers, say) would overflow it, and the kernel's SYN retries would keep
    # some waiting for seconds, past the SDKs' one-second metadata timeout.
    request_queue_size = 128
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        # socketserver prints a traceback on stderr; a client that hung up before its answer
        # (BrokenPipeError, ConnectionResetError) is no error of ours.
        import sys

        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class _Listener6(_Listener):
    address_family = socket.AF_INET6


class _Deadline(io.RawIOBase):
    """A connection's reading side whose every read waits only for what is left of
    REQUEST_TIMEOUT, counted from the connection's start (the socket's own timeout would
    start again at every byte)."""

    def __init__(self, connection: socket.socket, seconds: float) -> None:
        self._connection = connection
        self._end = time.monotonic() + seconds

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        left = self._end - time.monotonic()
        if left <= 0:
            raise TimeoutError("the request took too long")
        self._connection.settimeout(left)
        return self._connection.recv_into(buffer)


def authority(host: str, port: int) -> str:
    """HOST:PORT as a URL and a Host header write it: an IPv6 address in brackets."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def listen(host: str = LOOPBACK, port: int = 0) -> _Listener:
    """The bound, listening socket of a server (OSError when the address cannot be had):
    `serve` binds before it signs in, so a port in use costs no sign-in or MFA code."""
    listener = _Listener6 if ":" in host else _Listener
    return listener((host, port), BaseHTTPRequestHandler, bind_and_activate=True)


class CredentialServer:
    """One server: `url` and `token` are what the client needs; `start` and `stop`."""

    def __init__(self, keeper: Keeper, host: str = LOOPBACK, port: int = 0,
                 request_log: RequestLog | None = None,
                 listener: _Listener | None = None) -> None:
        """`listener`: one `listen` bound already; else host and port are bound now."""
        self.keeper = keeper
        self.token = secrets.token_urlsafe(32)
        self.path = "/" + secrets.token_urlsafe(12)
        self._request_log = request_log
        self._httpd = listener if listener is not None else listen(host, port)
        self._httpd.RequestHandlerClass = _handler(self)  # served only once started
        bound_host, bound_port = self._httpd.server_address[:2]
        self.authority = authority(str(bound_host), int(bound_port))  # the one Host accepted
        self.url = f"http://{self.authority}{self.path}"
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self.keeper.start()
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        name="aws-login-server", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        # shutdown() would wait forever for a loop that never started
        if self._thread is not None and self._thread.ident is not None:
            self._httpd.shutdown()
        self._httpd.server_close()
        self.keeper.stop()

    def answer(self, method: str, path: str, host: str | None, authorization: str | None,
               oversized: int | None) -> tuple[int, bytes]:
        """The status and body of one request (pure but for the keeper's clock)."""
        if oversized is not None:
            return oversized, b""
        if host != self.authority:
            return 403, b""
        if path != self.path:
            return 404, b""
        if method != "GET":
            return 405, b""
        if authorization is None or not hmac.compare_digest(
                authorization.encode(), self.token.encode()):
            return 401, b""
        creds = self.keeper.current()
        if creds is None:
            error = {"code": "ExpiredToken",
                     "message": "aws-login could not renew the credentials before they "
                                "expired; see aws-login's messages"}
            return 503, json.dumps(error).encode()
        assert creds.expiration is not None  # the keeper holds temporary credentials only
        document = {"AccessKeyId": creds.access_key_id,
                    "SecretAccessKey": creds.secret_access_key,
                    "Token": creds.session_token,
                    "Expiration": format_expiration(creds.expiration)}
        return 200, json.dumps(document).encode()

    def log_request(self, method: str, path: str, status: int) -> None:
        if self._request_log is not None:
            shown = "the credentials path" if path == self.path else path[:80]
            self._request_log(method, _printable(shown), status)  # method: a do_ name


def _printable(text: str) -> str:
    """`text` from a client with its control characters escaped: a request must not write
    terminal escape sequences into serve's log."""
    return "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text)


def _handler(server: CredentialServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "aws-login"
        sys_version = ""
        protocol_version = "HTTP/1.0"  # one request per connection: nothing to keep open
        timeout = REQUEST_TIMEOUT  # for writing the answer (reading: _Deadline)

        def setup(self) -> None:
            super().setup()
            self.rfile = io.BufferedReader(_Deadline(self.connection, REQUEST_TIMEOUT))

        def send_error(self, code: int, message: str | None = None,
                       explain: str | None = None) -> None:
            # The stdlib's own refusals (a request line over 64 KiB, over 100 headers, an
            # unknown method) come bare too, not as its HTML page naming what it refused.
            if code == HTTPStatus.NOT_IMPLEMENTED:
                code = HTTPStatus.METHOD_NOT_ALLOWED
            self.close_connection = True
            self.send_response(code)  # nothing at all to a request without a version
            self.send_header("Content-Length", "0")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()

        def _serve(self) -> None:
            self.connection.settimeout(REQUEST_TIMEOUT)
            size = sum(len(k) + len(v) + 4 for k, v in self.headers.items())
            oversized = (414 if len(self.requestline) > MAX_REQUEST_LINE else
                         431 if size > MAX_HEADER_BYTES else
                         413 if self.headers.get("Content-Length", "0") != "0"
                         or "Transfer-Encoding" in self.headers else None)
            status, body = server.answer(self.command, self.path, self.headers.get("Host"),
                                         self.headers.get("Authorization"), oversized)
            self.send_response(status)
            if body:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            # After the answer: a log that blocks (serve's stderr, a pipe nobody reads) must
            # never hold up the credentials.
            server.log_request(self.command, self.path, status)

        # Every other method gets its 405 from answer(), not the stdlib's 501 page.
        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _serve
        do_OPTIONS = do_TRACE = do_CONNECT = _serve

        def log_message(self, format: str, *args: object) -> None:
            return None  # the stdlib's log would print the path and client; ours is above

    return Handler
