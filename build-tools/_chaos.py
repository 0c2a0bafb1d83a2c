"""build-tools/chaos: the whole hardening matrix of issue 8, longer than CI's share, and its
report.

Runs tests/test_faults.py, test_kills.py, test_floods.py, test_bad_inputs.py and
test_security.py with AWS_LOGIN_CHAOS=1 (every step x every fault, transient 1, 2 and
attempts-1 times in a row and persistent; 240 kill trials; six flood rounds of 64
processes), each case appending one JSON line to a report file, then prints the table:
faults injected per step, recovered, clean failures, tracebacks, corrupt files, leaked
secrets. Exits 1 when pytest failed, when a must-be-zero column is not zero, or when fewer
than MIN_KILLS kills landed while aws-login ran.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FILES = ("tests/test_faults.py", "tests/test_kills.py", "tests/test_floods.py",
         "tests/test_bad_inputs.py", "tests/test_security.py")
MIN_KILLS = 200
MUST_BE_ZERO = ("tracebacks", "corrupt_files", "leaked_secrets")
# Report rows in this order (the fault steps as tests/test_faults.py names them).
STEP_ORDER = ("sign-in", "refresh", "GetRoleCredentials", "hop N/M", "session step",
              "web identity", "GetCallerIdentity", "getSigninToken", "discovery")


@dataclass
class Row:
    cases: int = 0
    injected: int = 0
    recovered: int = 0
    clean_failures: int = 0
    tracebacks: int = 0
    corrupt_files: int = 0
    leaked_secrets: int = 0
    notes: dict[str, int] = field(default_factory=dict)

    def add(self, case: dict[str, object]) -> None:
        self.cases += 1
        for name in ("injected", "recovered", "clean_failures", *MUST_BE_ZERO):
            value = case.get(name, 0)
            setattr(self, name, getattr(self, name) + (value if isinstance(value, int) else 0))


def run_pytest(report: Path, extra: list[str]) -> int:
    env = dict(os.environ, AWS_LOGIN_CHAOS="1", AWS_LOGIN_CHAOS_REPORT=str(report))
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
               "--timeout", "1200", *FILES, *extra]
    print("$ AWS_LOGIN_CHAOS=1 " + " ".join(["pytest", *command[3:]]), flush=True)
    return subprocess.run(command, cwd=ROOT, env=env, check=False).returncode


def load(report: Path) -> list[dict[str, object]]:
    if not report.exists():
        return []
    return [json.loads(line) for line in report.read_text().splitlines() if line.strip()]


def tabulate(cases: list[dict[str, object]]) -> tuple[list[tuple[str, str, Row]], Row]:
    rows: dict[tuple[str, str], Row] = defaultdict(Row)
    for case in cases:
        area, step = str(case["area"]), str(case["step"])
        if area == "faults":
            step = f"{step} ({case.get('mode', '?')})"
        elif area in ("hostile", "security"):
            step = "all commands" if area == "hostile" else step
        row = rows[(area, step)]
        row.add(case)
        if area == "floods":
            row.notes["processes"] = row.notes.get("processes", 0) + int(
                str(case.get("processes", 0)))
            row.notes["refreshes"] = row.notes.get("refreshes", 0) + int(
                str(case.get("refreshes", 0)))
        if area == "hostile":
            row.notes["requests"] = row.notes.get("requests", 0) + int(
                str(case.get("requests", 0)))
    total = Row()
    for row in rows.values():
        for name in ("cases", "injected", "recovered", "clean_failures", *MUST_BE_ZERO):
            setattr(total, name, getattr(total, name) + getattr(row, name))

    def order(key: tuple[str, str]) -> tuple[int, int, str]:
        area, step = key
        areas = ("faults", "kills", "floods", "hostile", "security")
        base = step.split(" (")[0]
        rank = STEP_ORDER.index(base) if base in STEP_ORDER else len(STEP_ORDER)
        return areas.index(area) if area in areas else len(areas), rank, step

    return [(area, step, rows[(area, step)]) for area, step in sorted(rows, key=order)], total


def render(table: list[tuple[str, str, Row]], total: Row) -> str:
    head = ("area", "step", "cases", "faults injected", "recovered", "clean failures",
            "tracebacks", "corrupt files", "leaked secrets", "notes")
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for area, step, row in [*table, ("**total**", "", total)]:
        notes = ", ".join(f"{k} {v}" for k, v in row.notes.items())
        cells = (area, step, row.cases, row.injected, row.recovered, row.clean_failures,
                 row.tracebacks, row.corrupt_files, row.leaked_secrets, notes)
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--report", type=Path, default=None,
                        help="keep the JSON lines of every case in this file")
    parser.add_argument("pytest_args", nargs="*", help="extra pytest arguments, e.g. -x")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="aws-login-chaos-") as folder:
        report = args.report or Path(folder) / "chaos.jsonl"
        if report.exists():
            report.unlink()
        started = time.monotonic()
        status = run_pytest(report, args.pytest_args)
        minutes = (time.monotonic() - started) / 60
        cases = load(report)
    table, total = tabulate(cases)
    print()
    print(render(table, total))
    kills = sum(row.injected for area, _, row in table if area == "kills")
    faults = sum(row.injected for area, _, row in table if area == "faults")
    print(f"\n{total.cases} cases in {minutes:.1f} min: {faults} faults injected, {kills} "
          f"processes killed with SIGKILL; pytest exit status {status}")
    problems = [f"{name} = {getattr(total, name)}" for name in MUST_BE_ZERO
                if getattr(total, name)]
    if kills < MIN_KILLS:
        problems.append(f"only {kills} kills landed (at least {MIN_KILLS} wanted)")
    if status != 0:
        problems.append(f"pytest failed (exit status {status})")
    if problems:
        print("chaos: FAILED: " + "; ".join(problems))
        return 1
    print("chaos: OK (tracebacks, corrupt files and leaked secrets are all 0)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
