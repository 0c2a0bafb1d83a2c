"""The fast path: answers given before argparse, the data model or botocore are imported.

The SDKs run `credential_process` for every new process, so the common call
`aws-login dumpcreds --credential-helper --use-cache ...` must cost little more than starting
Python. When the normal path answers such a call, it also stores the exact answer under a
digest of the call (its words and every AWS_* variable); an identical later call is served
from that file while the credentials have more than 15 minutes left. Anything else, or any
doubt, falls through to the normal path, which validates everything and refreshes the file.

Entries live in the session cache folder (`clearcache --only sessions` removes them), 0600,
written atomically. A file name reveals nothing; the content is the credential_process JSON.

Why this key is not the credentials cache's (credentials_cache.key_input, derived from the
Plan): that key exists only once argparse has parsed the call and the option modules have
built the Plan, which is the cost this path is there to avoid (build-tools/bench: the
lightest normal-path command takes about twice as long as a fast-path hit). So this key is a
digest of what the Plan is built from instead: the call's words and every AWS_* variable.
Calls whose Plan also reads something that can change under the same words (an assertion,
a token file, a file:// policy, stdin) are not eligible; files read through a name in the
Plan, such as a profile in the AWS config file, are outside both keys alike. So two calls
with the same digest build the same Plan: the key is finer than the Plan's, and can only
miss where the credentials cache would hit (other word order, an unrelated AWS_* variable),
never answer for another identity. The answer is stored verbatim, so the digest also covers
the aws-login version and the entry format: an upgrade never serves an older entry.
"""

# PYTHON_ARGCOMPLETE_OK  (the console script's module: argcomplete looks for this marker)
from __future__ import annotations

import os
import sys
import time

# Typing names only: importing `typing` or `collections.abc` would cost the fast path
# milliseconds (mypy treats a TYPE_CHECKING constant as true).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import TextIO


MAGIC = b"aws-login-fast 1"
# The SDKs refresh credential_process credentials 15 minutes before they expire: an answer
# with less left would make them call again at once. credentials_cache uses the same rule.
MIN_REMAINING_SECONDS = 15 * 60
MAX_ENTRY_BYTES = 64 * 1024
# Words that read files or stdin, ask questions or print diagnostics: never answered here.
_INELIGIBLE = ("--debug", "-h", "--help", "--saml-assertion", "--web-identity-token-file",
               "--accesstoken-cache", "--federation-policy", "--forget-password",
               "--save-password", "-")
# Variables outside AWS_* that a Plan is built from (the JumpCloud email): in the key too.
_KEYED_VARIABLES = ("JUMPCLOUD_EMAIL",)


def serve(argv: Sequence[str], environ: Mapping[str, str], stdout: TextIO) -> int | None:
    """The exit code when answered here; None to take the normal path."""
    if list(argv) == ["--version"]:
        from aws_login import __version__

        stdout.write(f"aws-login {__version__}\n")
        return 0
    if not eligible(argv, environ):
        return None
    try:
        with open(entry_path(argv, environ), "rb") as handle:
            data = handle.read(MAX_ENTRY_BYTES + 1)
    except OSError:
        return None
    header, _, body = data.partition(b"\n")
    fields = header.rsplit(b" ", 1)
    if len(data) > MAX_ENTRY_BYTES or len(fields) != 2 or fields[0] != MAGIC:
        return None
    try:
        expires = float(fields[1])
        text = body.decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None
    if expires - time.time() <= MIN_REMAINING_SECONDS or not text.endswith("}\n"):
        return None
    stdout.write(text)
    return 0


def eligible(argv: Sequence[str], environ: Mapping[str, str]) -> bool:
    words = list(argv)
    return (bool(words) and words[0] == "dumpcreds" and "--credential-helper" in words
            and "--use-cache" in words
            and not any(word in _INELIGIBLE or "file://" in word for word in words)
            # a rotating web identity token file: let the normal path read it
            and not environ.get("AWS_WEB_IDENTITY_TOKEN_FILE")
            # a relative cache folder: the normal path refuses it, with its message
            and _absolute_or_unset(environ.get("AWS_LOGIN_CACHE_DIR")))


def _absolute_or_unset(folder: str | None) -> bool:
    return not folder or os.path.isabs(os.path.expanduser(folder))


def remember(argv: Sequence[str], environ: Mapping[str, str], answer: str,
             expires: float) -> None:
    """Store the normal path's answer to this exact call (best effort: it is only a cache)."""
    if not eligible(argv, environ):
        return
    import contextlib
    from pathlib import Path

    from aws_login.errors import AwsLoginError
    from aws_login.files import write_private

    # On failure the next call takes the normal path: slower, still right.
    with contextlib.suppress(AwsLoginError):
        write_private(Path(entry_path(argv, environ)),
                      f"{MAGIC.decode()} {expires!r}\n{answer}")


def entry_path(argv: Sequence[str], environ: Mapping[str, str]) -> str:
    from aws_login.paths import cache_dir

    return os.path.join(cache_dir(environ), "sessions", "fast", _digest(argv, environ))


def _digest(argv: Sequence[str], environ: Mapping[str, str]) -> str:
    """The entry's name: the call, the AWS_* environment, the version and the entry format
    (the module docstring says why this is not the credentials cache's key)."""
    from aws_login import __version__
    from aws_login.digest import sha256_hex

    # AWS_LOGIN_NESTING (cli.main's mark for its children, aws_login/nesting.py) changes no
    # Plan: a credential_process call under runas is the same call as one from a terminal.
    parts = [MAGIC.decode(), __version__, "\0".join(argv),
             *sorted(f"{k}={v}" for k, v in environ.items()
                     if (k.startswith("AWS_") and k != "AWS_LOGIN_NESTING")
                     or k in _KEYED_VARIABLES)]
    return sha256_hex("\0\0".join(parts).encode("utf-8", "surrogateescape"))


def main() -> None:
    """The console script: the fast path first, else the whole program."""
    code = serve(sys.argv[1:], os.environ, sys.stdout)
    if code is None:
        from aws_login.cli import main as full_main

        code = full_main()
    sys.exit(code)
