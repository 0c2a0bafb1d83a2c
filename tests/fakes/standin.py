"""Stand-in `zenity`, `kdialog`, `osascript` and `ykman` programs for the prompt tests.

`install(folder)` writes one small executable per name into `folder` (put it first on PATH);
each runs this file as `standin.py NAME ARGS...`, which appends {"program", "argv"} as a JSON
line to $STANDIN_LOG and then behaves as $STANDIN_MODE_<NAME> says:

  answer   (default) print the next of $STANDIN_ANSWERS (lines; the n-th call of NAME
           prints the n-th line, the last one again after that) and exit 0
  cancel   exit 1 as on Cancel (osascript: with its "User canceled. (-128)" on stderr)
  fail     print an error on stderr and exit 3
  touch    ykman: say "Touch your YubiKey..." on stderr, then print the answer only once a
           message window (zenity --info) is in the log: that is the person being told
  nokey    ykman: "ERROR: No YubiKey detected!", exit 1
  noaccount ykman: "ERROR: No matching account found.", exit 1
  hang     wait until killed

Windows that only show a message (zenity --info, kdialog --msgbox, osascript with an "OK"
button) are logged and exit 0 at once, whatever the mode.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

NAMES = ("zenity", "kdialog", "osascript", "ykman")
_SELF = Path(__file__).resolve()


def install_programs(folder: Path, names: Iterable[str], script: Path) -> Path:
    """Write into `folder` one executable per name that runs `script NAME ARGS...` with this
    Python (the stand-in programs of every fake); returns `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        path = folder / name
        path.write_text(f"#!/bin/sh\nexec '{sys.executable}' '{script}' '{name}' \"$@\"\n")
        path.chmod(0o755)
    return folder


def read_log(log: Path) -> list[dict[str, Any]]:
    """Every line of a stand-ins' JSON-lines log, in order."""
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines() if line]


def install(folder: Path) -> Path:
    """Write the stand-in executables into `folder`; returns it."""
    return install_programs(folder, NAMES, _SELF)


def records(log: Path) -> list[dict[str, Any]]:
    """Every call the stand-ins logged, in order."""
    return read_log(log)


def is_message_window(argv: list[str]) -> bool:
    return "--info" in argv or "--msgbox" in argv or any('buttons {"OK"}' in a for a in argv)


def main(name: str, argv: list[str]) -> int:
    log = Path(os.environ["STANDIN_LOG"])
    earlier = sum(1 for record in records(log) if record["program"] == name)
    with log.open("a") as stream:
        stream.write(json.dumps({"program": name, "argv": argv}) + "\n")
    if is_message_window(argv):
        return 0
    mode = os.environ.get(f"STANDIN_MODE_{name.upper()}", "answer")
    answers = os.environ.get("STANDIN_ANSWERS", "").split("\n")
    answer = answers[min(earlier, len(answers) - 1)]
    if mode == "cancel":
        if name == "osascript":
            sys.stderr.write("0:44: execution error: User canceled. (-128)\n")
        return 1
    if mode == "fail":
        sys.stderr.write(f"{name}: cannot open display: :99\nmore detail\n")
        return 3
    if mode == "nokey":
        sys.stderr.write("ERROR: No YubiKey detected!\n")
        return 1
    if mode == "noaccount":
        sys.stderr.write("ERROR: No matching account found.\n")
        return 1
    if mode == "hang":
        while True:
            time.sleep(3600)
    if mode == "touch":
        sys.stderr.write("Touch your YubiKey...\n")
        sys.stderr.flush()
        deadline = time.monotonic() + 30
        while not any(is_message_window(record["argv"]) for record in records(log)):
            if time.monotonic() > deadline:
                sys.stderr.write("standin: nobody was told to touch the key\n")
                return 9
            time.sleep(0.01)  # polling for the state (the window), not waiting for time
    print(answer)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2:]))
