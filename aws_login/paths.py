"""Where aws-login keeps its cache and its data, computed without importing anything heavy.

platformdirs is the reference (tests compare against it), but importing it costs a cache hit
about 20 ms, so the POSIX rules it applies are repeated here; other platforms ask it.
"""

from __future__ import annotations

import os
import sys

# Typing names only: importing `typing` or `collections.abc` would cost the fast path
# milliseconds (mypy treats a TYPE_CHECKING constant as true).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping


APP = "aws-login"


def cache_dir(environ: Mapping[str, str], platform: str = sys.platform) -> str:
    """AWS_LOGIN_CACHE_DIR, else the platform's per-user cache folder for aws-login."""
    override = environ.get("AWS_LOGIN_CACHE_DIR")
    if override:
        folder = os.path.expanduser(override)
        if not os.path.isabs(folder):
            # A relative folder would put a cache (credentials among it) wherever the
            # command happens to run.
            from aws_login.errors import UsageError

            raise UsageError(f"AWS_LOGIN_CACHE_DIR {override!r} is not an absolute path; give "
                             "a full path, e.g. AWS_LOGIN_CACHE_DIR=$HOME/.cache/aws-login")
        return folder
    home = environ.get("HOME") if "HOME" in environ else os.path.expanduser("~")
    if platform != "win32" and home and os.path.isabs(home):
        xdg = environ.get("XDG_CACHE_HOME", "")
        if os.path.isabs(xdg):  # honoured on macOS too; relative paths are ignored (XDG spec)
            return os.path.join(xdg, APP)
        if platform == "darwin":
            return os.path.join(home, "Library", "Caches", APP)
        if platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
            return os.path.join(home, ".cache", APP)
    import platformdirs  # Windows, odd HOMEs and the rest: its rules, at its price

    return str(platformdirs.user_cache_dir(APP, appauthor=False))


def data_dir(environ: Mapping[str, str], platform: str = sys.platform) -> str:
    """AWS_LOGIN_DATA_DIR, else the platform's per-user data folder for aws-login: what is
    kept for the person rather than cached (the console's browser profiles, whose cookies
    and settings `clearcache` must not take away)."""
    override = environ.get("AWS_LOGIN_DATA_DIR")
    if override:
        folder = os.path.expanduser(override)
        if not os.path.isabs(folder):
            from aws_login.errors import UsageError

            raise UsageError(f"AWS_LOGIN_DATA_DIR {override!r} is not an absolute path; give "
                             "a full path, e.g. AWS_LOGIN_DATA_DIR=$HOME/.local/share/aws-login")
        return folder
    home = environ.get("HOME") if "HOME" in environ else os.path.expanduser("~")
    if platform != "win32" and home and os.path.isabs(home):
        xdg = environ.get("XDG_DATA_HOME", "")
        if os.path.isabs(xdg):
            return os.path.join(xdg, APP)
        if platform == "darwin":
            return os.path.join(home, "Library", "Application Support", APP)
        if platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
            return os.path.join(home, ".local", "share", APP)
    import platformdirs

    return str(platformdirs.user_data_dir(APP, appauthor=False))
