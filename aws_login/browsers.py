"""The browsers `console --browser` can name: where each one's program is, the words that
open a URL in it, and starting it.

A sign-in URL is a secret for 15 minutes, and a program's arguments are visible to every user
of the machine (`ps`). Chromium-family browsers and Firefox take a URL to open only as an
argument, so for them it cannot be avoided; Safari is told through `osascript` reading its
script from stdin, and a `--browser-command` without `{url}` gets the URL on stdin
(docs/console.md says which is which).
"""

from __future__ import annotations

import enum
import os
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path

from aws_login.errors import OperationError, UsageError
from aws_login.record import field, record

# How long a started browser is watched: one that hands the URL to a running instance exits
# within it (0: done), one that cannot start (no display, a broken profile) fails within it;
# one still running after it is the browser itself, left to run.
LAUNCH_WAIT = 1.5


class Family(enum.Enum):
    """How a browser is told to open a URL in an isolated identity."""

    CHROMIUM = "Chromium"  # --user-data-dir=FOLDER: a profile of its own
    FIREFOX = "Firefox"  # ext+container: URLs (the "Open external links in a container" add-on)
    SAFARI = "Safari"  # no isolation aws-login can ask for
    OTHER = "other"


@record
class Kind:
    label: str
    family: Family
    programs: tuple[str, ...]  # program names looked for on PATH, in order
    mac_app: str = ""  # the program inside /Applications (macOS puts browsers there)
    # The program under Program Files or LocalAppData: Windows installers rarely add
    # browsers to PATH.
    windows: tuple[str, ...] = ()


KINDS: dict[str, Kind] = {
    "firefox": Kind("Firefox", Family.FIREFOX, ("firefox", "firefox-esr"),
                    "Firefox.app/Contents/MacOS/firefox", ("Mozilla Firefox", "firefox.exe")),
    "chrome": Kind("Chrome", Family.CHROMIUM, ("google-chrome", "google-chrome-stable", "chrome"),
                   "Google Chrome.app/Contents/MacOS/Google Chrome",
                   ("Google", "Chrome", "Application", "chrome.exe")),
    "chromium": Kind("Chromium", Family.CHROMIUM, ("chromium", "chromium-browser"),
                     "Chromium.app/Contents/MacOS/Chromium",
                     ("Chromium", "Application", "chrome.exe")),
    "brave": Kind("Brave", Family.CHROMIUM, ("brave-browser", "brave"),
                  "Brave Browser.app/Contents/MacOS/Brave Browser",
                  ("BraveSoftware", "Brave-Browser", "Application", "brave.exe")),
    "edge": Kind("Edge", Family.CHROMIUM,
                 ("microsoft-edge", "microsoft-edge-stable", "msedge"),
                 "Microsoft Edge.app/Contents/MacOS/Microsoft Edge",
                 ("Microsoft", "Edge", "Application", "msedge.exe")),
    "safari": Kind("Safari", Family.SAFARI, ()),
}
NAMES = tuple(KINDS)
# Where Windows installs programs: for all users (64- and 32-bit), and for one user.
_WINDOWS_ROOTS = ("PROGRAMFILES", "PROGRAMFILES(X86)", "LOCALAPPDATA")


@record
class Browser:
    """A browser found on this machine."""

    label: str  # "Chrome", or the file name of a program given by path
    family: Family
    program: str  # the executable to start (Safari: osascript)


@record
class Launch:
    """What to start: its words, and what to write to its stdin (None: nothing)."""

    argv: tuple[str, ...]
    stdin: str | None = field(default=None, repr=False)


def find(value: str, environ: Mapping[str, str], platform: str = sys.platform) -> Browser:
    """--browser NAME|PATH: the browser, or an error saying what was looked for."""
    text = value.strip()
    kind = KINDS.get(text.lower())
    if kind is not None:
        return _installed(text.lower(), kind, environ, platform)
    if not _is_path(text):
        raise UsageError(f"--browser {value[:80]!r} is not a browser aws-login knows; use one "
                         f"of {', '.join(NAMES)}, the path of the browser's program, or "
                         "--browser-command TEMPLATE")
    path = program_path(text, environ)
    if path is None:
        raise OperationError(f"--browser {value[:200]}: no such program (not an executable "
                             "file); give the full path of the browser's program")
    label, family = family_of(path)
    return Browser(label, family, os.path.abspath(path))


def family_of(path: str) -> tuple[str, Family]:
    """The label and family of a program given by path, from its file name."""
    base = os.path.basename(path).lower().removesuffix(".exe")
    for kind in KINDS.values():
        if base in kind.programs or (kind.mac_app and base == Path(kind.mac_app).name.lower()):
            return kind.label, kind.family
    return os.path.basename(path), Family.OTHER


def launch(browser: Browser, url: str, user_data_dir: Path | None = None) -> Launch:
    """The words that open `url` in `browser`; with `user_data_dir`, in the Chromium profile
    kept there. A first start of that profile opens its own window; a later one adds a tab
    to it, so each identity keeps one window."""
    if browser.family is Family.SAFARI:
        quoted = url.replace("\\", "\\\\").replace('"', '\\"')
        script = f'tell application "Safari"\nactivate\nopen location "{quoted}"\nend tell\n'
        return Launch((browser.program,), script)  # osascript reads its script from stdin
    words = [browser.program]
    if user_data_dir is not None:
        words += [f"--user-data-dir={user_data_dir}", "--no-first-run",
                  "--no-default-browser-check"]
    return Launch((*words, url))


def start(what: Launch, wait: float = LAUNCH_WAIT) -> str | None:
    """Start the program, detached from aws-login; None when it runs (or ran) fine, else why
    not. Its output is dropped: browsers write noise there."""
    import subprocess

    try:
        process = subprocess.Popen(
            list(what.argv), stdin=subprocess.DEVNULL if what.stdin is None else subprocess.PIPE,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, close_fds=True,
            start_new_session=True)  # a Ctrl-C in this terminal must not close the browser
    except OSError as exc:
        return f"could not start {what.argv[0]}: {exc.strerror or exc}"
    if what.stdin is not None and process.stdin is not None:
        try:
            process.stdin.write(what.stdin.encode("utf-8"))
            process.stdin.close()
        except OSError:
            pass  # it did not read it: its exit status says the rest
    try:
        code = process.wait(wait)
    except subprocess.TimeoutExpired:
        import threading

        # Still running: the browser itself. Reaped when it ends, if aws-login still runs.
        threading.Thread(target=process.wait, daemon=True).start()
        return None
    return None if code == 0 else f"{os.path.basename(what.argv[0])} exited with status {code}"


def _installed(name: str, kind: Kind, environ: Mapping[str, str], platform: str) -> Browser:
    if kind.family is Family.SAFARI:
        if platform != "darwin":
            raise OperationError("--browser safari: Safari is only on macOS; name another "
                                 f"browser, e.g. --browser firefox ({', '.join(NAMES[:-1])})")
        program = shutil.which("osascript", path=_path(environ)) or "/usr/bin/osascript"
        if not os.access(program, os.X_OK):
            raise OperationError("--browser safari: osascript, which tells Safari what to "
                                 "open, is not in /usr/bin or on PATH")
        return Browser(kind.label, kind.family, program)
    for program in kind.programs:
        found = shutil.which(program, path=_path(environ))
        if found:
            return Browser(kind.label, kind.family, found)
    tried = f"looked for {', '.join(kind.programs)} on PATH"
    places, where = _usual_places(kind, environ, platform)
    for place in places:
        if os.path.isfile(place) and os.access(place, os.X_OK):
            return Browser(kind.label, kind.family, place)
    if where:
        tried += f" and {where}"
    raise OperationError(f"--browser {name}: {kind.label} is not installed here ({tried}); "
                         "install it, or give its program's path, e.g. --browser "
                         f"/path/to/{kind.programs[0]}")


def _usual_places(kind: Kind, environ: Mapping[str, str],
                  platform: str) -> tuple[list[str], str]:
    """Where the OS's installer puts the browser's program, off PATH, and how to say so."""
    if platform == "darwin" and kind.mac_app:
        home = environ.get("HOME", "")
        roots = ["/Applications", *([os.path.join(home, "Applications")] if home else [])]
        return ([os.path.join(root, kind.mac_app) for root in roots],
                f"for {kind.mac_app.split('/')[0]} in /Applications")
    if platform == "win32" and kind.windows:
        roots = [environ[name] for name in _WINDOWS_ROOTS if environ.get(name)]
        shown = "\\".join(kind.windows)
        return ([os.path.join(root, *kind.windows) for root in roots],
                f"for {shown} in Program Files and LocalAppData")
    return [], ""


def program_path(word: str, environ: Mapping[str, str]) -> str | None:
    """The executable a command's first word names: a path as given, else found on PATH."""
    if _is_path(word):
        path = os.path.expanduser(word)
        return path if os.path.isfile(path) and os.access(path, os.X_OK) else None
    return shutil.which(word, path=_path(environ))


def _path(environ: Mapping[str, str]) -> str:
    return environ.get("PATH") or os.defpath


def _is_path(text: str) -> bool:
    return os.sep in text or (os.altsep or "/") in text or text.startswith("~")
