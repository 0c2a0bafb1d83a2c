"""Real servers on 127.0.0.1 for the tests: moto's STS (which also serves IMDS paths),
wrapped so each test can see exactly which requests reached it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from werkzeug.serving import BaseWSGIServer, make_server

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


@dataclass
class Request:
    method: str
    path: str
    action: str | None  # the STS Action of a query-protocol POST


class RecordingMiddleware:
    """Records every request, then hands it to the wrapped WSGI app unchanged."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app
        self.requests: list[Request] = []
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any],
                 start_response: Callable[..., Any]) -> Iterable[bytes]:
        action = None
        if environ.get("REQUEST_METHOD") == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length)
            action = parse_qs(body.decode("utf-8", "replace")).get("Action", [None])[0]
            import io

            environ["wsgi.input"] = io.BytesIO(body)
        with self._lock:
            self.requests.append(Request(environ["REQUEST_METHOD"], environ.get("PATH_INFO", ""),
                                         action))
        return self.app(environ, start_response)

    def actions(self) -> list[str | None]:
        with self._lock:
            return [r.action for r in self.requests if r.action]

    def clear(self) -> None:
        with self._lock:
            self.requests.clear()


class LoopbackServer:
    """A threaded WSGI server on 127.0.0.1 and an ephemeral port."""

    def __init__(self, app: WsgiApp) -> None:
        self.recorder = RecordingMiddleware(app)
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
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    return LoopbackServer(DomainDispatcherApplication(create_backend_app)).start()
