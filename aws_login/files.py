"""Private files: 0700 folders, 0600 files written atomically, and cross-process locks.

Every cache aws-login keeps goes through here, so the rules live in one place:
- a reader sees either the old or the new content, never a partial file (temp + rename);
- no other user can read a secret (modes are set explicitly, whatever the umask);
- a planted symlink is never followed to overwrite another file (rename replaces the link).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from aws_login.errors import OperationError

FOLDER_MODE = 0o700
FILE_MODE = 0o600


def private_folder(path: Path) -> Path:
    """Create `path` (and parents) if needed and make sure only the owner can use it."""
    try:
        # Every folder created here is private, not just the last one (mkdir's parents=True
        # would give the others the umask's mode).
        missing = [p for p in (path, *path.parents) if not p.exists()]
        for folder in reversed(missing):
            folder.mkdir(mode=FOLDER_MODE, exist_ok=True)
            if os.name == "posix":
                os.chmod(folder, FOLDER_MODE)
        if path.is_symlink():
            raise OperationError(f"{path} is a symbolic link; remove it so aws-login can "
                                 "create its private folder there")
        if os.name == "posix" and (path.stat().st_mode & 0o777) != FOLDER_MODE:
            os.chmod(path, FOLDER_MODE)
    except OSError as exc:
        raise OperationError(f"cannot create the private folder {path}: "
                             f"{exc.strerror or exc}; check its permissions") from None
    return path


def write_private(path: Path, text: str) -> None:
    """Atomically replace `path` with `text`, mode 0600, in a private folder."""
    folder = private_folder(path.parent)
    write_atomically(path, text.encode("utf-8"), FILE_MODE)
    _remove_stale_temps(folder, path.name)


def write_atomically(path: Path, data: bytes, mode: int, failure_note: str = "") -> None:
    """Replace `path` with `data` (file mode `mode`) so that a reader, or a writer killed
    half-way, only ever sees the old or the new content: temp file, fsync, rename."""
    import tempfile  # only when writing: a cache hit reads and never pays for it

    try:
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise OperationError(f"cannot write {path}: {exc.strerror or exc}{failure_note}"
                             ) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            if os.name == "posix":
                os.fchmod(handle.fileno(), mode)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        if isinstance(exc, OSError):
            raise OperationError(f"cannot write {path}: {exc.strerror or exc}{failure_note}"
                                 ) from None
        raise


# A live writer holds its temp file for milliseconds; an older one belongs to a writer that
# was killed between creating and renaming it, and would keep a copy of a secret forever.
STALE_TEMP_SECONDS = 60


def _remove_stale_temps(folder: Path, name: str) -> None:
    import time

    now = time.time()
    for leftover in folder.glob(f".{name}.*.tmp"):
        with contextlib.suppress(OSError):
            if now - leftover.lstat().st_mtime > STALE_TEMP_SECONDS:
                leftover.unlink()


def read_limited(path: Path, max_bytes: int) -> bytes:
    """At most max_bytes + 1 bytes of a regular file (more means: too large).

    Raises OSError as open() does; also for a FIFO, socket or device, which could block
    forever or never end (e.g. --accesstoken-cache file:///dev/zero)."""
    import errno
    import stat

    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # a FIFO must not block
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, "Is a directory")
        if not stat.S_ISREG(mode):
            raise OSError(errno.EINVAL, "not a regular file (a pipe, socket or device)")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read(max_bytes + 1)
    finally:
        os.close(fd)


def remove(path: Path) -> bool:
    """Delete a cache file: False when there was none; any other failure is said in one line
    (the caller's entry stays, so nothing is half-removed)."""
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise OperationError(f"cannot remove {path}: {exc.strerror or exc}") from None
    return True


def read_text(path: Path, max_bytes: int = 1 << 20) -> str | None:
    """The file's text, or None when it does not exist. Refuses folders and huge files."""
    try:
        data = read_limited(path, max_bytes)
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise OperationError(f"{path} is a folder, not a file") from None
    except OSError as exc:
        raise OperationError(f"cannot read {path}: {exc.strerror or exc}") from None
    if len(data) > max_bytes:
        raise OperationError(f"{path} is larger than {max_bytes} bytes; it is not a cache file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise OperationError(f"{path} is not UTF-8 text") from None


@contextlib.contextmanager
def exclusive_lock(path: Path, on_wait: Callable[[], None]) -> Iterator[None]:
    """Hold an exclusive lock on `path` (created 0600) for the duration of the block.

    `on_wait` is called once if another process holds the lock, before blocking. It is
    required: a wait on another process (a sign-in can take minutes) must say so, or the
    person sees a command that hangs in silence."""
    private_folder(path.parent)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), FILE_MODE)
    except OSError as exc:  # e.g. ELOOP: a symbolic link planted where the lock goes
        hint = ("it is a symbolic link; remove it" if os.path.islink(path)
                else "check the cache folder's permissions")
        raise OperationError(f"cannot lock {path}: {exc.strerror or exc}; {hint}") from None
    try:
        _lock(fd, on_wait)
        yield
    finally:
        os.close(fd)  # closing releases the lock


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _lock(fd: int, on_wait: Callable[[], None]) -> None:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            on_wait()
            while True:
                try:
                    msvcrt.locking(fd, msvcrt.LK_LOCK, 1)
                    return
                except OSError:
                    continue
else:
    import fcntl

    def _lock(fd: int, on_wait: Callable[[], None]) -> None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            on_wait()
            fcntl.flock(fd, fcntl.LOCK_EX)
