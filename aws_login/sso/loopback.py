"""The one-shot loopback listener that receives the PKCE authorization code.

Bound to 127.0.0.1 only, on an ephemeral port. It answers requests until one carries the
right `state` (or an error for it), shows the browser a clear page, and then closes.
"""

from __future__ import annotations

import html
import http.server
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from aws_login.errors import OperationError

_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>aws-login</title></head>
<body style="font-family:sans-serif;margin:3em"><h1>{title}</h1><p>{text}</p></body></html>"""


@dataclass
class _Outcome:
    code: str | None = None
    error: str | None = None


class CallbackListener:
    def __init__(self, state: str, path: str) -> None:
        self._state = state
        self._path = path
        self._outcome = _Outcome()
        self._server = http.server.HTTPServer(("127.0.0.1", 0), self._handler_class())

    @property
    def redirect_uri(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}{self._path}"

    def wait(self, timeout: float, abandon: Callable[[], bool] = lambda: False) -> str | None:
        """Block until the browser comes back and return the authorization code; None when
        `abandon()` turns true first (e.g. no browser could be opened)."""
        deadline = time.monotonic() + timeout
        try:
            while self._outcome.code is None and self._outcome.error is None:
                if abandon():
                    return None
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise OperationError(
                        f"sign-in timed out after {int(timeout)} s without an answer from the "
                        "browser; run the command again, or add --use-device-code")
                self._server.timeout = min(remaining, 0.5)
                self._server.handle_request()
        finally:
            self._server.server_close()
        if self._outcome.error is not None:
            raise OperationError(f"sign-in was not approved ({self._outcome.error}); run the "
                                 "command again and approve the request in the browser")
        return self._outcome.code

    def _handler_class(self) -> type[http.server.BaseHTTPRequestHandler]:
        listener = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                if parts.path != listener._path:
                    self._answer(404, "Not found", "This address only receives a sign-in.")
                elif query.get("state") != listener._state:
                    self._answer(400, "Sign-in refused",
                                 "This answer does not belong to the sign-in aws-login started "
                                 "(the state does not match). Close this tab.")
                elif "error" in query:
                    listener._outcome.error = query["error"][:100]
                    self._answer(400, "Sign-in not approved",
                                 f"The sign-in ended with: {query['error'][:100]}. "
                                 "You can close this tab.")
                elif query.get("code"):
                    listener._outcome.code = query["code"]
                    self._answer(200, "Signed in",
                                 "aws-login has your sign-in. You can close this tab.")
                else:
                    self._answer(400, "Sign-in refused", "The answer carried no code.")

            def _answer(self, status: int, title: str, text: str) -> None:
                body = _PAGE.format(title=html.escape(title), text=html.escape(text)).encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                return  # the query string holds the code: never log it

        return Handler
