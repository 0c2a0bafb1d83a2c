"""SHA-256 digests for cache keys, without loading OpenSSL.

`hashlib` loads OpenSSL first, which costs a cache hit about 4 ms; CPython's own module gives
the same digest. (It is `_sha2` from Python 3.12, `_sha256` before.) The module is found once,
on import: a failed import searches sys.path, which would cost every digest tens of µs.
"""

from __future__ import annotations

try:
    from _sha2 import sha256 as _sha256  # type: ignore[import-not-found]
except ImportError:
    try:
        from _sha256 import sha256 as _sha256  # type: ignore[import-not-found]
    except ImportError:  # pragma: no cover - a Python built without them
        from hashlib import sha256 as _sha256


def sha256_hex(data: bytes) -> str:
    return str(_sha256(data).hexdigest())
