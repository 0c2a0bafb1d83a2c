"""clearcache: forget aws-login's cached sessions, SSO sign-ins and/or JumpCloud assertions and
saved password."""

from __future__ import annotations

import argparse
import shutil

from aws_login.context import Context
from aws_login.errors import OperationError

EXAMPLES = """\
examples:
  aws-login clearcache                  # everything: sessions, SSO sign-ins, JumpCloud
  aws-login clearcache --only sessions  # keep the SSO sign-ins, drop cached role credentials
  aws-login clearcache --only jumpcloud # the JumpCloud assertions and saved password
  aws-login clearcache --entry sso-1a2b3c4d5e6f  # one entry that aws-login status lists
The cache folder is shown with --debug (AWS_LOGIN_CACHE_DIR overrides it).
"""

# What each choice removes, as folders under the cache folder.
_PARTS = {"sessions": ("sessions",), "sso": ("sso",), "jumpcloud": ("jumpcloud",),
          "all": ("sessions", "sso", "jumpcloud")}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    which = parser.add_mutually_exclusive_group()
    which.add_argument(
        "--only", choices=("sessions", "sso", "jumpcloud"), default=None,
        help="clear only the cached final credentials (sessions), only the SSO tokens and "
             "client registrations (sso), or only the JumpCloud assertions and the JumpCloud "
             "password saved in the keychain (jumpcloud), e.g. --only sessions (default: all)")
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
    console = None
    if "jumpcloud" in _PARTS[args.only or "all"]:
        from aws_login.jumpcloud.urls import console_url

        console = console_url(ctx.environ)  # a bad one is a usage error before any removal
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
    if console is not None:
        _forget_password(console, ctx)
    ctx.warn(f"cleared {' and '.join(removed)} from {root}" if removed
             else f"nothing to clear in {root}")
    return 0


def _forget_password(console: str, ctx: Context) -> None:
    """The JumpCloud email and password saved for the console in effect (none can have been
    saved without keyring, or without a keychain)."""
    from aws_login.jumpcloud import keychain

    try:
        if keychain.forget(console, ctx.environ):
            ctx.warn(f"removed the saved JumpCloud password for {console} from the keychain")
    except keychain.KeychainUnavailable as exc:
        ctx.warn(f"the saved JumpCloud password (if any) stays: {exc.message}")
