"""Real servers on 127.0.0.1 for the tests: moto's STS (which also serves IAM and the IMDS
paths), wrapped in a `Recorder` so each test can see exactly which requests reached it: the
STS Action, every form parameter, whether and by which access key the call was signed, and
what moto answered."""

from __future__ import annotations

import io
import re
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from werkzeug.serving import BaseWSGIServer, make_server

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/")


@dataclass
class Request:
    """One request as it reached the server."""

    method: str
    path: str
    params: dict[str, str]  # a POST's form parameters (an STS call: Action, Version, ...)
    signed: bool  # an Authorization header was sent
    key_id: str | None  # the access key id that signed it (SigV4 Credential=KEY/...)
    response: str = ""  # the body the server answered

    @property
    def action(self) -> str | None:
        """The STS (or IAM) Action of a query-protocol POST."""
        return self.params.get("Action")

    def response_values(self, tag: str) -> list[str]:
        """The text of every element named `tag` in the XML answer."""
        root = ET.fromstring(self.response)
        return [el.text or "" for el in root.iter() if el.tag.rsplit("}", 1)[-1] == tag]


class Recorder:
    """WSGI middleware: records every request (and the answer), otherwise hands it to the
    wrapped app unchanged. Safe to use from the server's request threads."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app
        self._requests: list[Request] = []
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any],
                 start_response: Callable[..., Any]) -> Iterable[bytes]:
        params: dict[str, str] = {}
        if environ.get("REQUEST_METHOD") == "POST":
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            environ["wsgi.input"] = io.BytesIO(body)
            params = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace"),
                                                   keep_blank_values=True).items()}
        authorization = environ.get("HTTP_AUTHORIZATION")
        signer = _CREDENTIAL.search(authorization or "")
        request = Request(environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", ""), params,
                          authorization is not None, signer.group(1) if signer else None)
        with self._lock:
            self._requests.append(request)
        answer = self.app(environ, start_response)
        try:
            chunks = list(answer)
        finally:
            close = getattr(answer, "close", None)
            if close is not None:
                close()
        request.response = b"".join(chunks).decode("utf-8", "replace")
        return chunks

    @property
    def requests(self) -> list[Request]:
        """Every request, in order (IMDS reads and IAM calls too)."""
        with self._lock:
            return list(self._requests)

    @property
    def calls(self) -> list[Request]:
        """The query-protocol calls (requests with an Action), in order."""
        return [request for request in self.requests if request.action]

    def actions(self) -> list[str]:
        return [call.action for call in self.calls if call.action]

    def of(self, action: str) -> list[Request]:
        return [call for call in self.calls if call.action == action]

    def only(self, action: str) -> Request:
        """The one call of `action` (fails unless there was exactly one)."""
        found = self.of(action)
        assert len(found) == 1, f"{len(found)} {action} calls: {self.actions()}"
        return found[0]

    def clear(self) -> None:
        with self._lock:
            self._requests.clear()


class LoopbackServer:
    """A threaded WSGI server on 127.0.0.1 and an ephemeral port, recording its requests."""

    def __init__(self, app: WsgiApp) -> None:
        self.recorder = Recorder(app)
        self._server: BaseWSGIServer = make_server("127.0.0.1", 0, self.recorder, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def start(self) -> LoopbackServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join()


def start_moto() -> LoopbackServer:
    """moto's server app (every service; its state is global to this process)."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    return LoopbackServer(DomainDispatcherApplication(create_backend_app)).start()
