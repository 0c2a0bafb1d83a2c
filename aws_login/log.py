"""The --debug log: one line per step on stderr, with every known secret scrubbed.

Code only logs names, ARNs and endpoints, never secret values; the scrubber is a second
line of defence for values that reach a message indirectly (e.g. inside an AWS error text).
"""

from __future__ import annotations

from typing import TextIO


class DebugLog:
    def __init__(self, stream: TextIO, enabled: bool = False) -> None:
        self.stream = stream
        self.enabled = enabled
        self._secrets: set[str] = set()

    def add_secret(self, *values: str | None) -> None:
        """Remember values that must never be printed (keys, tokens, URLs with tokens)."""
        self._secrets.update(v for v in values if v and len(v) >= 4)

    def scrub(self, text: str) -> str:
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, "<redacted>")
        return text

    def __call__(self, message: str) -> None:
        if self.enabled:
            self.stream.write(f"aws-login: debug: {self.scrub(message)}\n")
            self.stream.flush()
