"""Stand-in browser programs for the console tests.

`install(folder, names)` writes one small executable per name (google-chrome, firefox,
osascript, ...) into `folder` (put it on PATH); each runs this file as `browsers.py NAME
ARGS...`, which appends {"program", "argv", "stdin"} as a JSON line to $STANDIN_LOG (stdin:
all it was given, "" for none) and exits with $STANDIN_EXIT (default 0).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

_SELF = Path(__file__).resolve()


def install(folder: Path, names: tuple[str, ...]) -> Path:
    """Write the stand-in executables into `folder`; returns it."""
    from tests.fakes.standin import install_programs  # in the tests' process, not the script's

    return install_programs(folder, names, _SELF)


def calls(log: Path) -> list[dict[str, Any]]:
    """Every start of a stand-in, in order."""
    from tests.fakes.standin import read_log

    return read_log(log)


def main(name: str, argv: list[str]) -> int:
    given = sys.stdin.read()
    with open(os.environ["STANDIN_LOG"], "a", encoding="utf-8") as stream:
        stream.write(json.dumps({"program": name, "argv": argv, "stdin": given}) + "\n")
    return int(os.environ.get("STANDIN_EXIT", "0"))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2:]))
