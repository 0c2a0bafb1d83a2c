"""What a process waiting on another aws-login's lock says, and where.

The one wording of each wait (a sign-in can take minutes, so a second process must never
hang in silence), said on stderr and on the prompt channel too (`ctx.prompt.tell`): under
credential_process the SDK captures stderr, so the person at the shell sees the wait on the
controlling terminal (or a dialog). Nothing is asked, and no channel is no failure. The
message is taken down (a dialog closed) once the lock is got.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aws_login.context import Context
    from aws_login.prompts import Shown

# A lock that calls its argument once, before blocking, when another process holds it
# (files.exclusive_lock with the path given, e.g. `lambda on_wait: cache.lock(key, on_wait)`).
Lock = Callable[[Callable[[], None]], AbstractContextManager[None]]

SAME_CREDENTIALS = ("waiting for another aws-login getting the same credentials (it may be "
                    "signing in or asking for an MFA code)...")
SAME_MFA_SESSION = ("waiting for another aws-login asking for an MFA code for the same MFA "
                    "session...")


def sign_in(start_url: str) -> str:
    """The wait on a start URL's lock: another process signing in or refreshing."""
    return (f"waiting for another aws-login to finish signing in to {start_url} or "
            "refreshing that sign-in...")


def jumpcloud_sign_in(idp_url: str) -> str:
    """The wait on a JumpCloud sign-in's lock: another process signing in to the same app."""
    return (f"waiting for another aws-login to finish signing in to JumpCloud for {idp_url} "
            "(it may be asking for a password or an MFA code)...")


@contextmanager
def said(lock: Lock, message: str, ctx: Context) -> Iterator[None]:
    """Hold `lock`; when another process holds it, say `message` while waiting."""
    shown: list[Shown] = []
    with lock(lambda: shown.append(ctx.prompt.tell(message))):
        for window in shown:
            window.close()
        yield
