"""Local AWS emulators for build-tools/demo and build-tools/bench, on 127.0.0.1 only.

As a program:

    python build-tools/_emulators.py --env-file FILE [NAME ...]

starts the named emulators (default: all of EMULATORS), writes `export NAME='VALUE'` lines
that point aws-login at them to FILE once every one answers, then serves until SIGTERM or
SIGINT, or until the process that started it has gone.

As a module (build-tools/bench): `running = start(["sts"])`, use `running.env`, then
`running.stop()`.

To add an emulator (e.g. SSO OIDC, the SSO portal, the federation endpoint), add a function
that starts a server and returns an Emulator, and list it in EMULATORS.
"""

from __future__ import annotations

import argparse
import logging
import os
import shlex
import signal
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

HOST = "127.0.0.1"  # loopback only: nothing here ever listens on another address

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


@dataclass
class Emulator:
    name: str
    env: dict[str, str]  # what points aws-login (and botocore) at it
    stop: Callable[[], None]


@dataclass
class Running:
    emulators: list[Emulator] = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        merged: dict[str, str] = {}
        for emulator in self.emulators:
            merged.update(emulator.env)
        return merged

    def stop(self) -> None:
        for emulator in reversed(self.emulators):
            emulator.stop()
        self.emulators.clear()


def serve_wsgi(app: WsgiApp) -> tuple[str, Callable[[], None]]:
    """Serve a WSGI app on HOST and a free port in a daemon thread; return (url, stop)."""
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    server = make_server(HOST, 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="emulator", daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()

    return f"http://{HOST}:{server.server_port}", stop


def wait_until_answering(url: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never a proxy
    while True:
        try:
            with direct.open(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # any HTTP answer means it is up
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"emulator at {url} did not answer within {timeout:.0f} s") from None
            time.sleep(0.05)


def start_sts() -> Emulator:
    """moto's server: STS (any role can be assumed; long-term keys are user 'moto')."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    url, stop = serve_wsgi(DomainDispatcherApplication(create_backend_app))
    wait_until_answering(url)
    return Emulator("sts", {"AWS_ENDPOINT_URL_STS": url}, stop)


EMULATORS: dict[str, Callable[[], Emulator]] = {
    "sts": start_sts,
}


def start(names: Iterable[str] | None = None) -> Running:
    running = Running()
    try:
        for name in names or EMULATORS:
            if name not in EMULATORS:
                raise SystemExit(f"unknown emulator {name!r}; known: {', '.join(EMULATORS)}")
            running.emulators.append(EMULATORS[name]())
    except BaseException:
        running.stop()
        raise
    return running


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--env-file", required=True,
                        help="write `export NAME='VALUE'` lines here once all emulators answer")
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"emulators to start (default: all of {', '.join(EMULATORS)})")
    args = parser.parse_args(argv)

    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, lambda *_: stopping.set())
    parent = os.getppid()

    running = start(args.names)
    try:
        lines = [f"export {name}={shlex.quote(value)}" for name, value in running.env.items()]
        partial = args.env_file + ".partial"
        with open(partial, "w", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")
        os.replace(partial, args.env_file)  # readers never see half a file
        # Serve until told to stop, or until the parent (the demo) is gone: a demo killed
        # with SIGKILL must not leave servers behind.
        while not stopping.wait(0.5):
            if os.getppid() != parent:
                break
    finally:
        running.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
