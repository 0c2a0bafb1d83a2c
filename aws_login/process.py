"""runas: the child's environment (pure) and running the child with signals passed on."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
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
# Settings that make a profile a source of credentials of its own. The SDKs try the default
# profile's before a container-credentials endpoint (botocore: the environment, then the
# profile's keys, role, SSO or credential_process, and the container only after them).
_PROFILE_CREDENTIALS = ("aws_access_key_id", "credential_process", "role_arn", "sso_session",
                        "sso_start_url", "web_identity_token_file")
# Signals a parent would get but the child should act on.
_FORWARDED = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP", "SIGQUIT")
                   if hasattr(signal, name))


def child_environment(base: Mapping[str, str], creds: Credentials,
                      region: str | None) -> dict[str, str]:
    env = {k: v for k, v in base.items() if k not in CONFLICTING_VARIABLES}
    for name, value in credential_variables(creds, region).items():
        if value is not None:
            env[name] = value
    return env


def server_environment(base: Mapping[str, str], url: str, token: str,
                       region: str | None) -> dict[str, str]:
    """runas --server: the credential server's two variables instead of any key or profile
    (a static key would win over the server in every SDK), and the region as usual."""
    env = {k: v for k, v in base.items() if k not in CONFLICTING_VARIABLES}
    env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = url
    env["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = token
    if region:
        env["AWS_REGION"] = env["AWS_DEFAULT_REGION"] = region
    return env


def default_profile_credentials(env: Mapping[str, str]) -> str | None:
    """runas --server: where the child's default profile has credentials of its own (which
    its SDK would use instead of the server), as "SETTING in FILE"; None when it has none."""
    from aws_login.awsconfig import aws_files, config_profile, read_sections

    config, credentials = aws_files(env)
    found = [(key, credentials) for key in read_sections(credentials).get("default", {})]
    for section, keys in read_sections(config).items():
        if config_profile(section) == "default":
            found += [(key, config) for key in keys]
    for key, path in found:
        if key in _PROFILE_CREDENTIALS:
            return f"{key} in {path}"
    return None


def run_child(command: str | Sequence[str], env: Mapping[str, str],
              started: Callable[[], None] | None = None) -> int:
    """Run `command` (a string goes through the shell) and return its exit status.

    `started` runs once the child exists: threads (runas --server's) must start only then,
    because the preexec_fn below is unsafe in a process that has threads."""
    shell = isinstance(command, str)
    try:
        # In a terminal's foreground the child shares our process group, so the terminal's
        # Ctrl-C, Ctrl-Z and reads reach it as usual. Elsewhere (CI jobs, supervisors,
        # timeout(1)) it gets a group of its own and every signal we receive goes to that
        # whole group: with --command that reaches the program behind /bin/sh too (dash
        # does not exec it), not only the shell.
        own_group = os.name == "posix" and not _in_terminal_foreground()
        # (preexec_fn: process_group= needs Python 3.11; runas starts no threads before it)
        child = subprocess.Popen(command, shell=shell, env=dict(env),
                                 preexec_fn=os.setpgrp if own_group else None)
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
        if own_group:
            with contextlib.suppress(ProcessLookupError):  # the group may have ended
                os.killpg(child.pid, signum)
        else:
            child.send_signal(signum)

    if started is not None:
        try:
            started()
        except BaseException:
            child.kill()
            child.wait()
            raise
    previous = {sig: signal.signal(sig, forward) for sig in _FORWARDED}
    # Ctrl-C from a terminal reaches a child in our group directly: don't deliver it twice.
    previous[signal.SIGINT] = signal.signal(signal.SIGINT,
                                            forward if own_group else signal.SIG_IGN)
    try:
        status: int = child.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 128 - status if status < 0 else status


def _in_terminal_foreground() -> bool:
    """Whether a terminal we are attached to has our process group in its foreground."""
    for stream in (sys.stdin, sys.stdout, sys.stderr):
        try:
            fd = stream.fileno()
            if os.isatty(fd) and os.tcgetpgrp(fd) == os.getpgrp():
                return True
        except (AttributeError, OSError, ValueError):
            continue
    return False


def _name(command: str | Sequence[str]) -> str:
    return command if isinstance(command, str) else command[0]
