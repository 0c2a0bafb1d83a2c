"""clearcache: forget aws-login's cached sessions and/or SSO sign-ins."""

from __future__ import annotations

import argparse
import shutil

from aws_login.context import Context
from aws_login.errors import OperationError

EXAMPLES = """\
examples:
  aws-login clearcache                  # everything: sessions and SSO sign-ins
  aws-login clearcache --only sessions  # keep the SSO sign-ins, drop cached role credentials
  aws-login clearcache --entry sso-1a2b3c4d5e6f  # one entry that aws-login status lists
The cache folder is shown with --debug (AWS_LOGIN_CACHE_DIR overrides it).
"""

# What each choice removes, as folders under the cache folder.
_PARTS = {"sessions": ("sessions",), "sso": ("sso",), "all": ("sessions", "sso")}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    which = parser.add_mutually_exclusive_group()
    which.add_argument(
        "--only", choices=("sessions", "sso"), default=None,
        help="clear only the cached final credentials (sessions) or only the SSO tokens and "
             "client registrations (sso), e.g. --only sessions (default: both)")
    which.add_argument(
        "--entry", metavar="ID",
        help="drop only this entry, by the id (or a unique start of it) that aws-login "
             "status shows, e.g. --entry sso-1a2b3c4d5e6f")


def run(args: argparse.Namespace, ctx: Context) -> int:
    root = ctx.cache_dir
    ctx.log(f"cache folder {root}")
    if args.entry is not None:
        from aws_login.cache_entries import drop

        ctx.warn(f"cleared {drop(args.entry, ctx)} from {root}")
        return 0
    removed = []
    for part in _PARTS[args.only or "all"]:
        folder = root / part
        if folder.is_symlink():
            folder.unlink()
        elif folder.exists():
            try:
                shutil.rmtree(folder)
            except OSError as exc:
                raise OperationError(f"cannot remove {folder}: {exc.strerror or exc}") from None
        else:
            continue
        removed.append(part)
    ctx.warn(f"cleared {' and '.join(removed)} from {root}" if removed
             else f"nothing to clear in {root}")
    return 0
