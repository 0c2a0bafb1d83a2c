"""serve: the credential server of runas --server in the foreground, for other processes."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType

from aws_login.context import Context
from aws_login.errors import OperationError, UsageError
from aws_login.options import credentials as credential_options
from aws_login.render import OUTFORMS, default_outform, shell_settings

EXAMPLES = """\
examples:
  aws-login serve --profile dev                 # then set the two variables it prints
  aws-login serve --outform fish --assume-roles arn:aws:iam::123456789012:role/Admin
It serves until Ctrl-C or SIGTERM, renewing the whole chain ahead of expiry, and logs each
request on stderr. It listens on 127.0.0.1 only, unless --listen says otherwise.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--outform", choices=OUTFORMS, metavar="|".join(OUTFORMS),
        help="shell syntax of the two variables printed, e.g. --outform fish (default: "
             "picked from the OS and $SHELL)")
    parser.add_argument(
        "--listen", metavar="ADDRESS:PORT",
        help="bind ADDRESS:PORT instead of 127.0.0.1 on a free port, e.g. --listen "
             "127.0.0.1:9911; an address beyond loopback is warned about (the token is "
             "still required)")
    credential_options.add_arguments(parser)


def parse_listen(value: str) -> tuple[str, int]:
    """ADDRESS:PORT ([ADDRESS]:PORT for IPv6) → (address, port), or a usage error."""
    import ipaddress

    address, _, port = value.rpartition(":")
    address = address[1:-1] if address.startswith("[") and address.endswith("]") else address
    try:
        ipaddress.ip_address(address)
        number = int(port)
    except ValueError:
        number = -1
    if not 0 <= number <= 65535:
        raise UsageError(f"--listen {value!r} is not ADDRESS:PORT with an IP address, e.g. "
                         "--listen 127.0.0.1:9911")
    return address, number


def run(args: argparse.Namespace, ctx: Context) -> int:
    from aws_login.credential_server import LOOPBACK, authority, is_loopback

    host, port = parse_listen(args.listen) if args.listen else (LOOPBACK, 0)
    outform = args.outform or default_outform(sys.platform, ctx.environ)
    from aws_login.acquire import acquire
    from aws_login.credential_keeper import Keeper
    from aws_login.credential_server import CredentialServer, listen
    from aws_login.mfa_session import InMemory

    plan = credential_options.build_plan(args, ctx)
    try:  # before the sign-in: a port in use must not cost one (or an MFA code)
        listener = listen(host, port)
    except OSError as exc:
        raise OperationError(f"cannot listen on {authority(host, port)}: "
                             f"{exc.strerror or exc}; pick another --listen address or "
                             "port") from None
    try:
        keep = InMemory()
        keeper = Keeper(plan, ctx, acquire(plan, ctx, keep), keep)
    except BaseException:
        listener.server_close()
        raise

    from aws_login.background_log import BackgroundLog

    log = BackgroundLog(ctx.warn)  # a stderr nobody reads must not hold up a request

    def log_request(method: str, path: str, status: int) -> None:
        log(f"{method} {path}: {status}")

    server = CredentialServer(keeper, request_log=log_request, listener=listener)
    ctx.log.add_secret(server.token)
    if not is_loopback(host):
        ctx.warn(f"warning: listening on {server.authority}, beyond this machine's loopback: "
                 "whoever can reach it and has the token gets the credentials")
    stopped = threading.Event()

    def on_term(_signum: int, _frame: FrameType | None) -> None:
        stopped.set()

    # Before the variables are printed: whoever reads them may stop us at once.
    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        server.start()  # serving before anyone reads where
        ctx.stdout.write(shell_settings(
            {"AWS_CONTAINER_CREDENTIALS_FULL_URI": server.url,
             "AWS_CONTAINER_AUTHORIZATION_TOKEN": server.token}, outform,
            "aws-login serve: set these where the credentials are wanted (Ctrl-C stops it)"))
        ctx.stdout.flush()
        while not stopped.wait(3600):  # Ctrl-C interrupts the wait: cli answers 130
            pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.stop()
        log.drain(timeout=2)
    ctx.warn("stopped")
    return 0
