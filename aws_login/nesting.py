"""Nesting: aws-login started, directly or not, by aws-login.

A `credential_process` profile whose command asks aws-login for that same profile makes
botocore start aws-login, which starts botocore, which starts aws-login... without end. So
each aws-login process (cli.main) appends a digest of its request to AWS_LOGIN_NESTING in
its own environment, which its children inherit (botocore's credential_process and runas's
program alike); a process that finds its own request already in that chain refuses at once.

A request is the command line's words plus the profile variables (the same words under
another AWS_PROFILE ask for something else). Different requests may nest (runas of a
program that calls aws-login for another profile; a credential_process profile pointing at
another profile), up to MAX_DEPTH aws-login processes in one chain as a backstop. Only
digests go into the variable: command-line words may hold an MFA code or an SSO token.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aws_login.digest import sha256_hex
from aws_login.errors import OperationError

VARIABLE = "AWS_LOGIN_NESTING"
# aws-login processes in one chain, this one included: real chains are 2 or 3 deep (runas,
# a program, a credential_process).
MAX_DEPTH = 5
_PROFILE_VARIABLES = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE")
_LOOP = "runs aws-login again for the same request"
_TOO_DEEP = "aws-login is already nested"
_PREFIX = "aws-login: error: "


class NestingError(OperationError):
    """aws-login runs inside itself for the same request, or too deep (exit 1: the command
    line is fine, the configuration around it loops)."""


def request_key(argv: Sequence[str], environ: Mapping[str, str]) -> str:
    parts = ["\0".join(argv), *(f"{name}={environ.get(name, '')}"
                                for name in _PROFILE_VARIABLES)]
    return sha256_hex("\0\0".join(parts).encode("utf-8", "surrogateescape"))[:16]


def enter(argv: Sequence[str], environ: Mapping[str, str]) -> str:
    """The chain to hand to children (this request appended); NestingError when this
    request is already running further up, or the chain is MAX_DEPTH long."""
    chain = [key for key in environ.get(VARIABLE, "").split(",") if key]
    key = request_key(argv, environ)
    if key in chain:
        raise NestingError(f"{_subject(argv, environ)} {_LOOP} (e.g. a credential_process "
                           "that calls aws-login for its own profile); point it at another "
                           "profile or at the starting credentials")
    if len(chain) >= MAX_DEPTH:
        raise NestingError(f"{_subject(argv, environ)}: {_TOO_DEEP} {len(chain)} deep "
                           "(aws-login started by aws-login through credential_process or "
                           "runas); check the profiles for a loop")
    return ",".join([*chain, key])


def from_child(stderr: str) -> NestingError | None:
    """The refusal of a nested aws-login (the stderr of a credential_process that failed),
    passed on as it is: every aws-login up the chain then reports the same one line instead
    of wrapping it once per level."""
    line = stderr.rpartition(_PREFIX)[2].strip() if _PREFIX in stderr else ""
    return NestingError(line) if _LOOP in line or _TOO_DEEP in line else None


def _subject(argv: Sequence[str], environ: Mapping[str, str]) -> str:
    """What the error names: the profile asked for, else the command."""
    words = list(argv)
    for index, word in enumerate(words):
        if word == "--":
            break
        if word == "--profile" and index + 1 < len(words):
            return f"profile {words[index + 1]!r}"
        if word.startswith("--profile="):
            return f"profile {word.partition('=')[2]!r}"
    for name in _PROFILE_VARIABLES:
        if environ.get(name):
            return f"profile {environ[name]!r} ({name})"
    command = next((word for word in words if not word.startswith("-")), "")
    return f"aws-login {command}".rstrip()
