"""runas: the child's environment (pure) and running the child with signals passed on."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Mapping, Sequence
from types import FrameType

from aws_login.errors import ChildProgramError
from aws_login.model import Credentials
from aws_login.render import credential_variables

# Variables that would make the child's SDK pick other credentials than ours.
CONFLICTING_VARIABLES = (
    "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_ROLE_SESSION_NAME",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
)
# Signals a parent would get but the child should act on (Ctrl-C reaches the child directly
# from the terminal, so SIGINT is ignored here rather than delivered twice).
_FORWARDED = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP", "SIGQUIT")
                   if hasattr(signal, name))


def child_environment(base: Mapping[str, str], creds: Credentials,
                      region: str | None) -> dict[str, str]:
    env = {k: v for k, v in base.items() if k not in CONFLICTING_VARIABLES}
    for name, value in credential_variables(creds, region).items():
        if value is not None:
            env[name] = value
    return env


def run_child(command: str | Sequence[str], env: Mapping[str, str]) -> int:
    """Run `command` (a string goes through the shell) and return its exit status."""
    shell = isinstance(command, str)
    try:
        child = subprocess.Popen(command, shell=shell, env=dict(env))
    except FileNotFoundError:
        raise ChildProgramError(f"cannot run {_name(command)!r}: no such program; check the "
                                "name and your PATH") from None
    except PermissionError:
        error = ChildProgramError(f"cannot run {_name(command)!r}: permission denied "
                                  "(is it executable?)")
        error.exit_code = 126
        raise error from None
    except OSError as exc:  # e.g. ENOEXEC: an executable file without a #! line
        error = ChildProgramError(f"cannot run {_name(command)!r}: {exc.strerror or exc} "
                                  "(a script needs a #! line, or use --command)")
        error.exit_code = 126
        raise error from None

    def forward(signum: int, _frame: FrameType | None) -> None:
        child.send_signal(signum)

    previous = {sig: signal.signal(sig, forward) for sig in _FORWARDED}
    previous[signal.SIGINT] = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        status = child.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 128 - status if status < 0 else status


def _name(command: str | Sequence[str]) -> str:
    return command if isinstance(command, str) else command[0]
