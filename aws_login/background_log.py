"""A log that its callers never wait for: lines go through a bounded queue to one writer
thread.

`serve` logs every request it answers on stderr. When nobody reads that stderr (a pipe of a
supervisor or an IDE that ignores it), a write blocks once the pipe is full; written by the
request's own thread, every later request would leave a thread stuck behind it. Here a full
queue drops the line instead, and the writer says how many were dropped once it can write
again.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

QUEUE_LINES = 1000  # lines waiting for a writer that is stuck; later ones are counted only


class BackgroundLog:
    def __init__(self, write: Callable[[str], None], lines: int = QUEUE_LINES) -> None:
        """`write`: writes one line (may block, may fail: the writer survives both)."""
        self._write = write
        self._queue: queue.Queue[str | threading.Event] = queue.Queue(lines)
        self._lock = threading.Lock()
        self.dropped = 0  # lines not queued since the writer last said so
        self._thread = threading.Thread(target=self._run, name="aws-login-log", daemon=True)
        self._thread.start()

    def __call__(self, line: str) -> None:
        """Queue `line`; never blocks."""
        try:
            self._queue.put_nowait(line)
        except queue.Full:
            with self._lock:
                self.dropped += 1

    def drain(self, timeout: float) -> None:
        """Wait (at most `timeout` seconds) until the lines queued so far are written: the
        last words of a run come after its log."""
        import time

        done = threading.Event()
        deadline = time.monotonic() + timeout
        try:
            self._queue.put(done, timeout=timeout)
        except queue.Full:
            return  # the writer is stuck
        done.wait(max(0.0, deadline - time.monotonic()))

    def _run(self) -> None:
        while True:
            line = self._queue.get()
            if isinstance(line, threading.Event):
                line.set()
                continue
            with self._lock:
                dropped, self.dropped = self.dropped, 0
            try:
                if dropped:
                    self._write(f"{dropped} more lines were not logged: nothing read this log")
                self._write(line)
            except Exception:  # a log that cannot be written is no reason to stop serving
                pass
