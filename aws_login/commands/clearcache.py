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
The cache folder is shown with --debug (AWS_LOGIN_CACHE_DIR overrides it).
"""

# What each choice removes, as folders under the cache folder.
_PARTS = {"sessions": ("sessions",), "sso": ("sso",), "all": ("sessions", "sso")}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--only", choices=("sessions", "sso"), default=None,
        help="clear only the cached final credentials (sessions) or only the SSO tokens and "
             "client registrations (sso), e.g. --only sessions (default: both)")


def run(args: argparse.Namespace, ctx: Context) -> int:
    root = ctx.cache_dir
    ctx.log(f"cache folder {root}")
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
