"""Stand-in clipboard programs (wl-copy, xclip, xsel, pbcopy, clip.exe) for the --copy tests.

`install(folder, names)` writes one small executable per name into `folder` (put it on
PATH); each runs this file as `clipboard.py NAME ARGS...`, which reads all of its stdin,
appends {"program", "argv", "stdin", "display", "pid"} as a JSON line to $CLIPBOARD_LOG,
and then behaves as $CLIPBOARD_MODE says:

  copy   (default) exit 0, as pbcopy and clip.exe do
  serve  as xclip, xsel and wl-copy do: a background child keeps the inherited stdout and
         stderr open while it "serves the selection" (until killed, or 60 s), and the
         program itself exits 0 at once
  fail   "Error: Can't open display: :99" (and a second line) on stderr, exit 1
  hang   wait until killed
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

NAMES = ("wl-copy", "xclip", "xsel", "pbcopy", "clip.exe")
_SELF = Path(__file__).resolve()


def install(folder: Path, names: tuple[str, ...] = NAMES) -> Path:
    """Write the stand-in executables into `folder`; returns it."""
    from tests.fakes.standin import install_programs  # in the tests' process, not the script's

    return install_programs(folder, names, _SELF)


def records(log: Path) -> list[dict[str, Any]]:
    """Every call the stand-ins logged, in order."""
    from tests.fakes.standin import read_log

    return read_log(log)


def main(name: str, argv: list[str]) -> int:
    text = sys.stdin.buffer.read().decode("utf-8")
    mode = os.environ.get("CLIPBOARD_MODE", "copy")
    pid = os.getpid()
    if mode == "serve":
        pid = os.fork()
        if pid == 0:  # the selection's owner: holds stdout and stderr, as xclip's child does
            time.sleep(60)
            os._exit(0)
    with Path(os.environ["CLIPBOARD_LOG"]).open("a") as stream:
        stream.write(json.dumps({"program": name, "argv": argv, "stdin": text, "pid": pid,
                                 "display": os.environ.get("DISPLAY")}) + "\n")
    if mode == "fail":
        sys.stderr.write("Error: Can't open display: :99\nmore detail\n")
        return 1
    if mode == "hang":
        while True:
            time.sleep(3600)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2:]))
