"""build-tools/bench_dumpconfig.py: how fast `aws-login dumpconfig` discovers a large
organisation, and whether a throttling portal costs it any profile (issue 5).

The loopback SSO fake (tests/fakes/sso.py) serves N accounts of 1-4 roles with awkward
names and adds a latency to every request; aws-login runs as a real process with a token
the fake issued. Cases: 300 accounts with the default adaptive concurrency and with
--max-concurrency 1 (the same code, serial), the ratio (target: at least 8x); then the fake
throttling above 20 requests per second (target: 0 failed calls, every profile); then 1,000
accounts, unthrottled and throttled. Prints a markdown table ("bound": the least time the
throttle allows for the calls it accepted); exits 1 when a target is missed.

    .venv/bin/python build-tools/bench_dumpconfig.py [--latency-ms 50] [--repeat 3]
"""

from __future__ import annotations

import argparse
import configparser
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for tests.fakes
from tests.fakes.sso import FakeSso, make_accounts

START_URL = "https://d-1234567890.awsapps.com/start"
TARGET_RATIO = 8.0
THROTTLE_RPS = 20.0


@dataclass(frozen=True)
class Case:
    label: str
    accounts: int
    throttle_rps: float | None = None
    max_concurrency: int | None = None  # None: aws-login's default (adaptive up to 32)


@dataclass
class Outcome:
    seconds: float
    profiles: int
    expected_profiles: int
    calls: int  # requests the portal received
    throttled: int  # of which answered 429
    failed_calls: int  # calls that failed for good (any makes the run fail)
    exit_code: int


def clean_environment(home: Path, portal_url: str) -> dict[str, str]:
    """No AWS settings of this machine; the portal on loopback, never through a proxy."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    (home / ".aws").mkdir(parents=True, exist_ok=True)
    env.update(HOME=str(home), AWS_CONFIG_FILE=str(home / ".aws" / "config"),
               AWS_SHARED_CREDENTIALS_FILE=str(home / ".aws" / "credentials"),
               AWS_LOGIN_CACHE_DIR=str(home / "cache"), AWS_EC2_METADATA_DISABLED="true",
               AWS_ENDPOINT_URL_SSO=portal_url)
    for name in ("NO_PROXY", "no_proxy"):
        env[name] = ",".join(filter(None, ("127.0.0.1,localhost", env.get(name))))
    return env


def run_case(case: Case, latency_ms: float, home: Path) -> Outcome:
    accounts = make_accounts(case.accounts)
    with FakeSso(accounts, latency_ms=latency_ms, throttle_rps=case.throttle_rps) as fake:
        token = fake.issue_token(START_URL).access_token
        env = clean_environment(home, fake.url)
        argv = [str(Path(sys.executable).parent / "aws-login"), "dumpconfig",
                "--sso-access-token", token, "--sso-region", "us-east-1",
                "--start-url", START_URL, "--sso-session-name", "bench"]
        if case.max_concurrency is not None:
            argv += ["--max-concurrency", str(case.max_concurrency)]
        fake.reset_counters()
        started = time.perf_counter()
        done = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                              text=True, check=False)
        seconds = time.perf_counter() - started
        calls = sum(fake.calls.values())
        throttled = sum(fake.throttled.values())
    parser = configparser.RawConfigParser()
    parser.read_string(done.stdout)
    profiles = sum(1 for s in parser.sections() if s.startswith("profile "))
    if done.returncode != 0:
        print(f"bench: {case.label}: exit {done.returncode}: {done.stderr.strip()}",
              file=sys.stderr)
    # aws-login gives up on the first call that fails for good, so a failed run is one.
    return Outcome(seconds, profiles, sum(len(a.roles) for a in accounts), calls, throttled,
                   0 if done.returncode == 0 else 1, done.returncode)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of each fast case, the median is shown (default 3; the "
                             "serial and throttled cases run once)")
    args = parser.parse_args(argv)

    serial = Case("300 accounts, serial (--max-concurrency 1)", 300, max_concurrency=1)
    ours = Case("300 accounts, adaptive (default)", 300)
    throttled = Case(f"300 accounts, portal throttles above {THROTTLE_RPS:.0f} req/s", 300,
                     throttle_rps=THROTTLE_RPS)
    large = Case("1,000 accounts, adaptive (default)", 1000)
    large_throttled = Case(f"1,000 accounts, portal throttles above {THROTTLE_RPS:.0f} req/s",
                           1000, throttle_rps=THROTTLE_RPS)
    plan = [(serial, 1), (ours, args.repeat), (throttled, 1), (large, args.repeat),
            (large_throttled, 1)]
    results: dict[str, Outcome] = {}
    with tempfile.TemporaryDirectory(prefix="aws-login-bench.") as home:
        for case, runs in plan:
            outcomes = [run_case(case, args.latency_ms, Path(home)) for _ in range(runs)]
            median = statistics.median(o.seconds for o in outcomes)
            results[case.label] = min(outcomes, key=lambda o: abs(o.seconds - median))

    print(f"`aws-login dumpconfig` against the loopback SSO fake, {args.latency_ms:.0f} ms "
          f"added to every request; accounts of 1-4 roles with awkward names; wall time of "
          f"the whole process (median of {args.repeat} for the unthrottled adaptive cases). "
          f"Python {platform.python_version()} on {platform.system()} {platform.machine()}, "
          f"{os.cpu_count()} CPUs.\n")
    print("| case | profiles | portal calls | answered 429 | failed calls | wall s | "
          "faster than serial | bound s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    base = results[serial.label].seconds
    for case, _ in plan:
        o = results[case.label]
        speedup = f"{base / o.seconds:.1f}x" if case in (serial, ours) else ""
        # The least time the throttle allows: every accepted call within the rate.
        bound = (f"{(o.calls - o.throttled) / case.throttle_rps:.2f}"
                 if case.throttle_rps else "")
        print(f"| {case.label} | {o.profiles}/{o.expected_profiles} | {o.calls} | "
              f"{o.throttled} | {o.failed_calls} | {o.seconds:.2f} | {speedup} | {bound} |")

    ratio = base / results[ours.label].seconds
    missed = []
    if ratio < TARGET_RATIO:
        missed.append(f"adaptive is {ratio:.1f}x faster than serial (target {TARGET_RATIO}x)")
    for o, label in ((results[c.label], c.label) for c, _ in plan):
        if o.exit_code or o.profiles != o.expected_profiles:
            missed.append(f"{label}: exit {o.exit_code}, {o.profiles}/{o.expected_profiles} "
                          "profiles")
    for text in missed:
        print(f"bench: target missed: {text}", file=sys.stderr)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
