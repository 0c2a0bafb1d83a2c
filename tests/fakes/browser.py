"""A stand-in for a web browser, used as $BROWSER: it does the requests a browser would do
for the sign-in URL it is given (following redirects back to aws-login's loopback listener)
and appends what it saw to the file named by $STANDIN_LOG."""

from __future__ import annotations

import os
import sys

import requests


def main() -> int:
    url = sys.argv[1]
    reply = requests.get(url, allow_redirects=True, timeout=30)
    log = os.environ.get("STANDIN_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(f"{reply.status_code} {reply.url}\n{reply.text}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
