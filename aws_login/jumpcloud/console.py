"""The HTTP client of JumpCloud's user console and of the AWS app's IdP page.

- Cookies live in this object only (never a file) and are sent by hand to the console and
  to the IdP host: the console sets them without a Domain, so no cookie jar would pass them
  on to sso.jumpcloud.com, yet the IdP page needs the console's session.
- XSRF double submit: the token of GET /userconsole/xsrf goes in X-Xsrftoken with every
  POST, next to the `_xsrf` cookie that seals it. A refusal (Beego's 403 naming the XSRF
  token, or 417/422) fetches a fresh token and tries once more.
- Every request goes through the retry policy (ctx.retry): no answer, HTTP 5xx and 429 are
  tried again like every network call, then said in one line. A POST that was sent but got
  no answer (none in time, or the connection closed) is not sent again: it may carry a
  one-time code that JumpCloud has used.
- Redirects are followed by hand (at most MAX_REDIRECTS), sending the cookies only to the
  two JumpCloud origins.
- Nothing secret is logged: paths and statuses only; cookie values and the XSRF token are
  registered with the log's scrubber.

`requests` is imported only when the first request is made.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from aws_login import __version__
from aws_login.aws_errors import MALFORMED_REPLY, NETWORK_ERROR
from aws_login.errors import AwsCallError, OperationError
from aws_login.jumpcloud.urls import CONSOLE_VARIABLE, is_loopback
from aws_login.record import field, record

if TYPE_CHECKING:
    from aws_login.context import Context

XSRF_PATH = "/userconsole/xsrf"
XSRF_COOKIE = "_xsrf"
XSRF_REFUSALS = (417, 422)  # Beego 2; Beego 1 answers 403 with a text naming the token
MAX_REDIRECTS = 5
MAX_BODY = 2 << 20  # the IdP page with its assertion is far smaller
_REDIRECTS = (301, 302, 303, 307, 308)


@record
class Reply:
    """One answer: its status, Location (redirects) and body."""

    status: int
    body: bytes = field(default=b"", repr=False)  # may hold the assertion
    location: str = ""
    url: str = ""  # the URL that gave it (after redirects)

    def document(self) -> dict[str, Any] | None:
        """The body as a JSON object, None when it is not one."""
        try:
            data = json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            return None
        return data if isinstance(data, dict) else None

    def message(self) -> str:
        """JumpCloud's own words: the `message` or `error` field, else a short plain text
        body (one line, shortened), else ""."""
        data = self.document()
        if data is not None:
            for name in ("message", "error"):
                if isinstance(data.get(name), str) and data[name].strip():
                    return _short(data[name])
            return ""
        text = self.body[:400].decode("utf-8", "replace").strip()
        return "" if text.startswith("<") else _short(text)

    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def _short(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= 160 else line[:157] + "..."


def is_xsrf_refusal(reply: Reply) -> bool:
    if reply.status in XSRF_REFUSALS:
        return True
    return reply.status == 403 and b"xsrf" in reply.body[:400].lower()


class Console:
    """One sign-in's conversation with the console (`console`, an origin) and the IdP."""

    def __init__(self, console: str, idp_url: str, ctx: Context) -> None:
        self.console = console
        self.idp_url = idp_url
        self._ctx = ctx
        self._origins = {_origin(console), _origin(idp_url)}
        self._cookies: dict[str, str] = {}
        self._token: str | None = None

    # --- the XSRF token ----------------------------------------------------------------

    def fetch_xsrf(self) -> None:
        """GET /userconsole/xsrf: the token, and the session and `_xsrf` cookies."""
        reply = self._request("GET", self.console + XSRF_PATH)
        data = reply.document() if reply.status == 200 else None
        token = data.get("xsrf") if data is not None else None
        if not isinstance(token, str) or not token:
            seen = ("an HTML page" if reply.body.lstrip()[:1] == b"<"
                    else f"HTTP {reply.status}")
            raise OperationError(f"JumpCloud's console at {self.console} answered {seen}, not "
                                 "the sign-in's XSRF token; check "
                                 f"{CONSOLE_VARIABLE} (default https://console.jumpcloud.com)")
        self._ctx.log.add_secret(token)
        self._token = token

    # --- console calls -------------------------------------------------------------------

    def post(self, path: str, body: Mapping[str, object]) -> Reply:
        """A POST with the XSRF headers; a refused token is fetched anew once."""
        if self._token is None:
            self.fetch_xsrf()
        reply = self._request("POST", self.console + path, body)
        if not is_xsrf_refusal(reply):
            return reply
        self._ctx.log(f"JumpCloud refused the XSRF token (HTTP {reply.status}); fetching a "
                      "new one")
        self._cookies.pop(XSRF_COOKIE, None)
        self.fetch_xsrf()
        reply = self._request("POST", self.console + path, body)
        if is_xsrf_refusal(reply):
            raise OperationError(f"JumpCloud refused the sign-in's XSRF token twice (HTTP "
                                 f"{reply.status}), even a fresh one; try again in a minute, "
                                 f"and check {CONSOLE_VARIABLE} if it is set")
        return reply

    def get(self, path: str) -> Reply:
        """A console GET with the XSRF header (the push's status)."""
        return self._request("GET", self.console + path)

    def idp_page(self) -> Reply:
        """GET the IdP URL with the session cookies, following redirects by hand."""
        url = self.idp_url
        for _ in range(MAX_REDIRECTS + 1):
            reply = self._request("GET", url)
            if reply.status not in _REDIRECTS or not reply.location:
                return reply
            url = urljoin(url, reply.location)
            parts = urlsplit(url)
            if parts.scheme != "https" and not (parts.scheme == "http"
                                                and is_loopback(parts.netloc)):
                return reply  # never follow to plain http: the caller reports the page
        raise OperationError(f"JumpCloud's page for {self.idp_url} redirected more than "
                             f"{MAX_REDIRECTS} times; check --jumpcloud-url")

    # --- one request, through the retry policy -------------------------------------------

    def _request(self, method: str, url: str, body: Mapping[str, object] | None = None) -> Reply:
        shown = f"{method} {_origin(url)}{urlsplit(url).path}"
        try:
            reply = self._ctx.retry.call(f"JumpCloud {shown}",
                                         lambda: self._attempt(method, url, body))
        except AwsCallError as exc:  # the last failure, "(after N attempts)"
            raise OperationError(f"JumpCloud: {exc.detail}") from None
        self._ctx.log(f"JumpCloud {shown}: HTTP {reply.status}")
        return reply

    def _attempt(self, method: str, url: str, body: Mapping[str, object] | None) -> Reply:
        import requests  # only when JumpCloud is really asked
        import urllib3.exceptions

        origin = _origin(url)
        headers = {"Accept": "application/json", "X-Requested-With": "XMLHttpRequest",
                   "User-Agent": f"aws-login/{__version__}"}
        if origin in self._origins and self._cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}"
                                          for name, value in self._cookies.items())
        if origin == _origin(self.console) and self._token is not None:
            headers["X-Xsrftoken"] = self._token
        data: bytes | None = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body).encode("utf-8")
        where = f"{origin}{urlsplit(url).path}"
        try:
            answer = requests.request(method, url, data=data, headers=headers,
                                      allow_redirects=False, stream=True,
                                      timeout=self._ctx.clients.timeouts)
            try:
                content = answer.raw.read(MAX_BODY + 1, decode_content=True)
            finally:
                answer.close()
        except requests.RequestException as exc:
            cause = exc.args[0] if exc.args else None
            if isinstance(exc, requests.ConnectionError) and isinstance(
                    cause, urllib3.exceptions.ProtocolError):
                # Connected and sent, then closed or reset: JumpCloud may have taken it.
                failure = f"the connection to {where} closed before an answer " \
                          f"({type(exc).__name__})"
                again = method == "GET"
            elif isinstance(exc, requests.ConnectionError):  # incl. ConnectTimeout
                failure = f"could not reach {origin} ({type(exc).__name__})"
                again = True
            elif isinstance(exc, requests.Timeout):
                failure = f"no answer from {where} in time ({type(exc).__name__})"
                again = method == "GET"  # a POST may have been used: never sent twice
            else:
                failure = f"the answer of {where} was cut short ({type(exc).__name__})"
                again = method == "GET"
            raise AwsCallError("JumpCloud", NETWORK_ERROR,
                               f"{failure}; check the network and proxy settings",
                               transient=again) from None
        except urllib3.exceptions.HTTPError as exc:  # raised while reading the body
            raise AwsCallError("JumpCloud", NETWORK_ERROR,
                               f"the answer of {where} was cut short ({type(exc).__name__})",
                               transient=method == "GET") from None
        if len(content) > MAX_BODY:
            raise AwsCallError("JumpCloud", MALFORMED_REPLY,
                               f"{where} answered more than {MAX_BODY} bytes")
        self._keep_cookies(answer, origin)
        status = answer.status_code
        if status >= 500 or status == 429:
            raise AwsCallError("JumpCloud", f"HTTP {status}",
                               f"{where} answered HTTP {status}; JumpCloud may be having "
                               "trouble: try again in a few minutes", transient=True)
        return Reply(status, content, answer.headers.get("Location", ""), url)

    def _keep_cookies(self, answer: Any, origin: str) -> None:
        """The cookies an answer of a JumpCloud origin sets (or deletes)."""
        if origin not in self._origins:
            return
        kept = {cookie.name: cookie.value for cookie in answer.cookies
                if cookie.value is not None}
        raw_headers: Any = getattr(answer.raw, "headers", None)
        named = raw_headers.getlist("Set-Cookie") if hasattr(raw_headers, "getlist") else []
        for header in named:
            name = header.split("=", 1)[0].strip()
            if name and name not in kept:
                self._cookies.pop(name, None)  # set expired: deleted
        for name, value in kept.items():
            self._ctx.log.add_secret(value)
            self._cookies[name] = value


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.lower()}"
