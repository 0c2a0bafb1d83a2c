"""SHA-256 digests for cache keys, without loading OpenSSL.

`hashlib` loads OpenSSL first, which costs a cache hit about 4 ms; CPython's own module gives
the same digest. (It is `_sha2` from Python 3.12, `_sha256` before.)"""

from __future__ import annotations

# Typing names only: importing `typing` or `collections.abc` would cost the fast path
# milliseconds (mypy treats a TYPE_CHECKING constant as true).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def sha256_hex(data: bytes) -> str:
    return str(_sha256(data).hexdigest())


def _sha256(data: bytes) -> Any:
    try:
        from _sha2 import sha256  # type: ignore[import-not-found]
    except ImportError:
        try:
            from _sha256 import sha256  # type: ignore[import-not-found]
        except ImportError:  # pragma: no cover - a Python built without them
            from hashlib import sha256
    return sha256(data)
