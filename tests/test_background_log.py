"""BackgroundLog: serve's request log, written by one thread, never waited for."""

from __future__ import annotations

import threading

from aws_login.background_log import BackgroundLog

WAIT = 30.0  # a safety net only: every wait below ends on a state


class Sink:
    """Collects written lines; blocks while `gate` is closed."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.gate = threading.Event()
        self.gate.set()
        self.writing = threading.Event()  # set once a write has begun

    def __call__(self, line: str) -> None:
        self.writing.set()
        assert self.gate.wait(WAIT)
        self.lines.append(line)


def test_lines_are_written_in_order_and_drain_waits_for_them() -> None:
    sink = Sink()
    log = BackgroundLog(sink)
    for number in range(50):
        log(f"line {number}")
    log.drain(WAIT)
    assert sink.lines == [f"line {number}" for number in range(50)]


def test_a_stuck_writer_never_holds_up_a_caller_and_the_dropped_lines_are_counted() -> None:
    sink = Sink()
    sink.gate.clear()
    log = BackgroundLog(sink, lines=10)
    log("first")
    assert sink.writing.wait(WAIT)  # the writer is stuck in writing "first"
    for number in range(15):
        log(f"line {number}")  # 10 queued, 5 dropped: none of these calls waits
    assert log.dropped == 5
    log.drain(0.1)  # a stuck writer: drain gives up after its timeout
    assert sink.lines == []
    sink.gate.set()
    log.drain(WAIT)
    log("last")
    log.drain(WAIT)
    assert sink.lines == ["first", "5 more lines were not logged: nothing read this log",
                          *(f"line {number}" for number in range(10)), "last"]


def test_a_failing_writer_keeps_the_log_going() -> None:
    written: list[str] = []

    def write(line: str) -> None:
        if line == "bad":
            raise OSError("the stream is closed")
        written.append(line)

    log = BackgroundLog(write)
    for line in ("one", "bad", "two"):
        log(line)
    log.drain(WAIT)
    assert written == ["one", "two"]
