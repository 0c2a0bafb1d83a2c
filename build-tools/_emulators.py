"""Local AWS emulators for build-tools/demo and build-tools/bench, on 127.0.0.1 only.

As a program:

    python build-tools/_emulators.py --env-file FILE [NAME ...]

starts the named emulators (default: all of EMULATORS), writes `export NAME='VALUE'` lines
that point aws-login at them to FILE once every one answers, then serves until SIGTERM or
SIGINT, or until the process that started it has gone.

As a module (build-tools/bench): `running = start(["sts"])`, use `running.env`, then
`running.stop()`.

The emulators, started in the order given (list `sts` first: the others use it):
  sts         moto's server (STS; any role can be assumed)
  sso         the SSO OIDC + portal fake of tests/fakes/sso.py: device sign-ins are approved at
              once for the user alice@example.com; role credentials are real moto AssumeRole
              sessions of the AWSReservedSSO_* roles when sts runs too. With
              --aws-cli-sso-cache DIR it also leaves there the token file `aws sso login` would
              write for SSO_START_URL (a sign-in made directly at the fake).
  federation  the sign-in federation endpoint and a "console" (tests/fakes/federation.py); it
              reads moto's state, so it must run in this same process as sts.
  jumpcloud   JumpCloud's user console and IdP (tests/fakes/jumpcloud.py): alice@example.com
              signs in with a password and a TOTP code, bob@example.com with a push that is
              approved at once; JUMPCLOUD_DEMO_BIN holds `jc-password` and `jc-code`, which
              print alice's password and current code (a password manager's stand-ins).

To add an emulator, add a function that takes a Setup, starts a server and returns an
Emulator, and list it in EMULATORS.
"""

from __future__ import annotations

import argparse
import hashlib
import json
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
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"  # loopback only: nothing here ever listens on another address
ROOT = Path(__file__).resolve().parent.parent
# The AWS access portal the sso emulator serves (any https URL works with the fake).
SSO_START_URL = "https://d-1234567890.awsapps.com/start"
SSO_REGION = "us-east-1"

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


@dataclass
class Setup:
    """What an emulator may use while it starts."""

    env: dict[str, str]  # the variables of the emulators started before it
    aws_cli_sso_cache: Path | None = None  # where to leave an `aws sso login` token file


def _import_tests() -> None:
    """The fakes live in the repository's tests package (this file runs from build-tools/)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))


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


def start_sts(setup: Setup) -> Emulator:
    """moto's server: STS (any role can be assumed; long-term keys are user 'moto')."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    url, stop = serve_wsgi(DomainDispatcherApplication(create_backend_app))
    wait_until_answering(url)
    return Emulator("sts", {"AWS_ENDPOINT_URL_STS": url}, stop)


def start_sso(setup: Setup) -> Emulator:
    """SSO OIDC + the SSO portal: accounts 111111111111 (AdministratorAccess, ReadOnlyAccess)
    and 222222222222 (ReadOnlyAccess), plus ten accounts with awkward names for dumpconfig."""
    _import_tests()
    from tests.fakes.sso import FakeSso, default_accounts, make_accounts

    fake = FakeSso(default_accounts() + make_accounts(10), auto_approve=True,
                   sts_url=setup.env.get("AWS_ENDPOINT_URL_STS")).start()
    try:
        wait_until_answering(fake.url)
        env = {"AWS_ENDPOINT_URL_SSO": fake.url, "AWS_ENDPOINT_URL_SSO_OIDC": fake.url}
        if setup.aws_cli_sso_cache is not None:
            env["SSO_CLI_TOKEN_FILE"] = str(_leave_cli_token(fake, setup.aws_cli_sso_cache))
    except BaseException:
        fake.stop()
        raise
    return Emulator("sso", env, fake.stop)


def _leave_cli_token(fake: Any, folder: Path) -> Path:
    """The token file `aws sso login` writes for SSO_START_URL (botocore's format, named
    after the SHA-1 of the start URL), for a sign-in made directly at the fake."""
    grant = fake.issue_token(SSO_START_URL)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / f"{hashlib.sha1(SSO_START_URL.encode()).hexdigest()}.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(grant.cache_json(SSO_REGION), handle, indent=2)
        handle.write("\n")
    return path


def start_federation(setup: Setup) -> Emulator:
    """The sign-in federation endpoint (getSigninToken, login, logout) and a fake console."""
    _import_tests()
    from tests.fakes.federation import start_fake_federation

    fake = start_fake_federation()
    try:
        wait_until_answering(fake.url)
    except BaseException:
        fake.stop()
        raise
    return Emulator("federation", {"AWS_LOGIN_FEDERATION_URL": fake.federation_url}, fake.stop)


def start_jumpcloud(setup: Setup) -> Emulator:
    """The JumpCloud fake, its two users, and the stand-in password manager commands."""
    import shutil
    import tempfile

    _import_tests()
    from tests.fakes.jumpcloud import DEFAULT_PASSWORD, start_fake_jumpcloud

    fake = start_fake_jumpcloud()
    folder = Path(tempfile.mkdtemp(prefix="aws-login-demo-jumpcloud-"))

    def stop() -> None:
        fake.stop()
        shutil.rmtree(folder, ignore_errors=True)

    try:
        fake.add_user("bob@example.com", "bob's password", totp_secret=None, push=True)
        fake.push_polls_before_outcome = 1
        python = shlex.quote(sys.executable)
        code = ("import sys, time; sys.path.insert(0, sys.argv[1]); "
                "from tests.fakes.jumpcloud import DEFAULT_TOTP_SECRET, totp_at; "
                "print(totp_at(DEFAULT_TOTP_SECRET, time.time()))")
        for name, body in (("jc-password", f"printf '%s\\n' {shlex.quote(DEFAULT_PASSWORD)}"),
                           ("jc-code", f"exec {python} -c {shlex.quote(code)} "
                                       f"{shlex.quote(str(ROOT))}")):
            path = folder / name
            path.write_text(f"#!/bin/sh\n{body}\n")
            path.chmod(0o700)
        wait_until_answering(fake.console_url)
    except BaseException:
        stop()
        raise
    return Emulator("jumpcloud", {"AWS_LOGIN_JUMPCLOUD_CONSOLE_URL": fake.console_url,
                                  "JUMPCLOUD_IDP_URL": fake.idp_url(),
                                  "JUMPCLOUD_DEMO_BIN": str(folder)}, stop)


EMULATORS: dict[str, Callable[[Setup], Emulator]] = {
    "sts": start_sts,
    "sso": start_sso,
    "federation": start_federation,
    "jumpcloud": start_jumpcloud,
}


def start(names: Iterable[str] | None = None, aws_cli_sso_cache: Path | None = None) -> Running:
    running = Running()
    try:
        for name in names or EMULATORS:
            if name not in EMULATORS:
                raise SystemExit(f"unknown emulator {name!r}; known: {', '.join(EMULATORS)}")
            if name == "federation" and "AWS_ENDPOINT_URL_STS" not in running.env:
                raise SystemExit("the federation emulator reads moto's state: start sts "
                                 "before it, in the same process")
            running.emulators.append(
                EMULATORS[name](Setup(running.env, aws_cli_sso_cache)))
    except BaseException:
        running.stop()
        raise
    return running


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--env-file", required=True,
                        help="write `export NAME='VALUE'` lines here once all emulators answer")
    parser.add_argument("--aws-cli-sso-cache", metavar="DIR", type=Path,
                        help="with sso: leave the token file `aws sso login` would write for "
                             f"{SSO_START_URL} in DIR (its path: SSO_CLI_TOKEN_FILE)")
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"emulators to start (default: all of {', '.join(EMULATORS)})")
    args = parser.parse_args(argv)
    # The fakes call each other (sso -> sts, federation -> its own moto listener) on
    # loopback: never through a proxy of the caller's environment.
    for name in ("NO_PROXY", "no_proxy"):
        os.environ[name] = ",".join(filter(None, ["127.0.0.1,localhost", os.environ.get(name)]))

    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, lambda *_: stopping.set())
    parent = os.getppid()

    running = start(args.names, args.aws_cli_sso_cache)
    try:
        env = dict(running.env)
        if "AWS_ENDPOINT_URL_SSO" in env:
            env["SSO_START_URL"] = SSO_START_URL
        lines = [f"export {name}={shlex.quote(value)}" for name, value in env.items()]
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
