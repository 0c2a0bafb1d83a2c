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
    override = _override(environ, "AWS_LOGIN_CACHE_DIR", "$HOME/.cache/aws-login")
    if override:
        return override
    folder = _posix_folder(environ, platform, "XDG_CACHE_HOME", ("Library", "Caches"),
                           (".cache",))
    if folder:
        return folder
    import platformdirs  # Windows, odd HOMEs and the rest: its rules, at its price

    return str(platformdirs.user_cache_dir(APP, appauthor=False))


def data_dir(environ: Mapping[str, str], platform: str = sys.platform) -> str:
    """AWS_LOGIN_DATA_DIR, else the platform's per-user data folder for aws-login: what is
    kept for the person rather than cached (the console's browser profiles, whose cookies
    and settings `clearcache` must not take away)."""
    override = _override(environ, "AWS_LOGIN_DATA_DIR", "$HOME/.local/share/aws-login")
    if override:
        return override
    folder = _posix_folder(environ, platform, "XDG_DATA_HOME",
                           ("Library", "Application Support"), (".local", "share"))
    if folder:
        return folder
    import platformdirs

    return str(platformdirs.user_data_dir(APP, appauthor=False))


def _override(environ: Mapping[str, str], variable: str, example: str) -> str:
    """The folder `variable` names ("" when unset), which must be absolute: a relative one
    would put a cache (credentials among it) wherever the command happens to run."""
    given = environ.get(variable)
    if not given:
        return ""
    folder = os.path.expanduser(given)
    if not os.path.isabs(folder):
        from aws_login.errors import UsageError

        raise UsageError(f"{variable} {given!r} is not an absolute path; give a full path, "
                         f"e.g. {variable}={example}")
    return folder


def _posix_folder(environ: Mapping[str, str], platform: str, xdg_variable: str,
                  mac: tuple[str, ...], other: tuple[str, ...]) -> str:
    """The XDG / macOS / BSD-and-Linux rule platformdirs applies ("" elsewhere)."""
    home = environ.get("HOME") if "HOME" in environ else os.path.expanduser("~")
    if platform == "win32" or not home or not os.path.isabs(home):
        return ""
    xdg = environ.get(xdg_variable, "")
    if os.path.isabs(xdg):  # honoured on macOS too; relative paths are ignored (XDG spec)
        return os.path.join(xdg, APP)
    if platform == "darwin":
        return os.path.join(home, *mac, APP)
    if platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        return os.path.join(home, *other, APP)
    return ""
