"""Kills (issue 8): SIGKILL aws-login at random moments while it refreshes the SSO token,
signs in, or writes its caches. Afterwards every cache file is complete: the old content or a
new valid one, never a torn file; and the next run succeeds.

The fake answers slowly (latency) so the windows around each write are wide; a third of the
kills land at random over the whole run, the rest just after the server answered the call
whose result is written next (the token refresh, GetRoleCredentials, the sign-in).

CI kills 16 times; build-tools/chaos (AWS_LOGIN_CHAOS=1) at least 200 times.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from aws_login.files import STALE_TEMP_SECONDS, write_private
from tests.fakes.faults import (
    CHAOS,
    FaultProxy,
    Flavor,
    cache_problems,
    leaked,
    process_env,
    record,
    sso_token_path,
    tracebacks_in,
    write_sso_token,
)
from tests.fakes.moto_server import LoopbackServer
from tests.fakes.sso import FakeSso
from tests.helpers import BROWSER_STANDIN, SSO_ROLE, START_URL

LATENCY_MS = 150
KILLS = {"refresh": 170, "sign-in": 70} if CHAOS else {"refresh": 10, "sign-in": 6}
PARALLEL = 4  # trials at once: most of a trial is waiting for the slow fake
RNG = random.Random(int(os.environ.get("AWS_LOGIN_CHAOS_SEED", "8")))


@dataclass
class Killing:
    fake: FakeSso
    root: Path
    base_env: dict[str, str]
    secrets: set[str]

    def env(self, cache: Path, proxy: FaultProxy, browser: bool = False) -> dict[str, str]:
        env = dict(self.base_env, AWS_LOGIN_CACHE_DIR=str(cache),
                   AWS_ENDPOINT_URL_SSO=proxy.url, AWS_ENDPOINT_URL_SSO_OIDC=proxy.url)
        if browser:
            env["BROWSER"] = f"{sys.executable} {BROWSER_STANDIN} %s"
        return env

    def argv(self, scenario: str) -> list[str]:
        if scenario == "sign-in":
            return ["dumpcreds", "--credential-helper", "--use-cache", "--start-url", START_URL,
                    "--sso-region", "us-east-1", *SSO_ROLE]
        return ["dumpcreds", "--credential-helper", "--use-cache", *SSO_ROLE]

    def prepare(self, scenario: str, cache: Path) -> None:
        """Fresh state for one trial: a sign-in with 5 minutes left (refresh), or none."""
        if scenario == "refresh":
            write_sso_token(self.fake, cache, timedelta(minutes=5))

    def start(self, scenario: str, cache: Path, proxy: FaultProxy) -> subprocess.Popen[str]:
        return subprocess.Popen([sys.executable, "-m", "aws_login", *self.argv(scenario)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL, text=True,
                                env=self.env(cache, proxy, browser=scenario == "sign-in"))


def snapshot(cache: Path) -> dict[str, bytes]:
    return {p.relative_to(cache).as_posix(): p.read_bytes() for p in sorted(cache.rglob("*"))
            if p.is_file() and not p.name.endswith((".lock", ".tmp"))} if cache.exists() else {}


@pytest.fixture
def killing(sts_server: LoopbackServer, tmp_path: Path) -> Iterator[Killing]:
    with FakeSso(sts_url=sts_server.url, latency_ms=LATENCY_MS) as fake:
        yield Killing(fake, tmp_path, process_env(tmp_path), set())


# The answers whose content aws-login writes to its cache right after receiving them.
WRITTEN_AFTER = {"refresh": ("CreateToken:refresh_token", "GetRoleCredentials"),
                 "sign-in": ("RegisterClient", "CreateToken:authorization_code",
                             "GetRoleCredentials")}


def calibrate(killing: Killing, scenario: str) -> float:
    """The length of one undisturbed run."""
    cache = killing.root / f"calibrate-{scenario}"
    killing.prepare(scenario, cache)
    with FaultProxy(killing.fake.url, Flavor.SSO) as proxy:
        started = time.monotonic()
        process = killing.start(scenario, cache, proxy)
        _out, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
        assert {s.step for s in proxy.seen} >= set(WRITTEN_AFTER[scenario])
        return time.monotonic() - started


@dataclass
class Trial:
    scenario: str
    delay: float
    landed: bool  # still running when killed
    outcome: str  # old | new | absent, for the token file
    problems: list[str]
    next_code: int
    next_err: str
    leaked: list[str]


def run_trial(killing: Killing, scenario: str, number: int, plan: tuple[str, float]) -> Trial:
    """`plan`: ("at", seconds after the start) or (step, seconds after that step's answer)."""
    cache = killing.root / f"{scenario}-{number}"
    killing.prepare(scenario, cache)
    before = snapshot(cache)
    trigger, delay = plan
    with FaultProxy(killing.fake.url, Flavor.SSO) as proxy:
        process = killing.start(scenario, cache, proxy)
        landed = _kill_when(process, proxy, trigger, delay)
        _out, err = process.communicate()
        problems = [p for p in cache_problems(cache) if "temp file" not in p]
        after = snapshot(cache)
        token = sso_token_path(cache).relative_to(cache).as_posix()
        outcome = ("absent" if token not in after
                   else "old" if after[token] == before.get(token) else "new")
        if outcome == "new":  # a new token file holds the live end of the rotation
            stored = json.loads(after[token])
            if stored.get("refreshToken") not in killing.fake.live_refresh_tokens():
                problems.append("the new token file holds a dead refresh token")
        following = killing.start(scenario, cache, proxy)
        next_out, next_err = following.communicate(timeout=90)
        if following.returncode == 0:
            json.loads(next_out)  # the product is complete
        problems += [p for p in cache_problems(cache) if "temp file" not in p]
        killing.secrets.update(proxy.secrets)
        secrets = leaked(err + next_err, proxy.secrets)
    return Trial(scenario, delay, landed, outcome, problems, following.returncode,
                 next_err, secrets)


def _kill_when(process: subprocess.Popen[str], proxy: FaultProxy, trigger: str,
               delay: float) -> bool:
    """SIGKILL the process `delay` seconds after the start (trigger "at") or after the
    proxy answered `trigger`; False when it had ended by then."""
    deadline = time.monotonic() + 60
    while trigger != "at" and time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        if trigger in (s.step for s in list(proxy.seen)):
            break
        time.sleep(0.002)
    try:
        process.wait(timeout=delay)
        return False
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        return True


@pytest.mark.parametrize("scenario", ["refresh", "sign-in"])
def test_sigkill_at_random_moments_leaves_valid_caches_and_the_next_run_works(
        killing: Killing, scenario: str) -> None:
    length = calibrate(killing, scenario)
    plans: list[tuple[str, float]] = []
    for index in range(KILLS[scenario]):
        if index % 3 == 0:
            plans.append(("at", RNG.uniform(0.0, length)))
        else:  # just after an answer that is written next: the write windows
            plans.append((RNG.choice(WRITTEN_AFTER[scenario]), RNG.uniform(0.0, 0.03)))
    with ThreadPoolExecutor(PARALLEL) as pool:
        trials = list(pool.map(lambda args: run_trial(killing, scenario, *args),
                               enumerate(plans)))
    landed = [t for t in trials if t.landed]
    outcomes = Counter(t.outcome for t in landed)
    problems = [p for t in trials for p in t.problems]
    failed_next = [t.next_err for t in trials if t.next_code != 0]
    crashes = sum(tracebacks_in(t.next_err) for t in trials)
    secrets = sorted({s for t in trials for s in t.leaked})
    record("kills", scenario, injected=len(landed), recovered=len(trials) - len(failed_next),
           tracebacks=crashes, corrupt_files=len(problems), leaked_secrets=len(secrets),
           trials=len(trials), outcomes=dict(outcomes))
    assert problems == []
    assert failed_next == []
    assert (crashes, secrets) == (0, [])
    # Most kills must land while aws-login runs, or the test proves little.
    assert len(landed) >= len(trials) * 0.7, (len(landed), len(trials))


def test_a_killed_writers_temp_file_is_removed_by_the_next_write(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    target = folder / "entry.json"
    write_private(target, "{}\n")
    stale = folder / ".entry.json.abc123.tmp"  # what a writer killed mid-write leaves
    fresh = folder / ".entry.json.def456.tmp"  # a live writer's, right now
    for path in (stale, fresh):
        path.write_text('{"SecretAccessKey": "half')
    old = time.time() - STALE_TEMP_SECONDS - 5
    os.utime(stale, (old, old))
    write_private(target, '{"a": 1}\n')
    assert not stale.exists()
    assert fresh.exists()
    assert target.read_text() == '{"a": 1}\n'
