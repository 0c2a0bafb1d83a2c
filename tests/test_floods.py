"""Floods (issue 8): 64 aws-login processes at once, in rounds, with the SSO token and the
cached session credentials expiring between rounds. Every process must succeed, and the
server must see exactly one token refresh and one GetRoleCredentials per distinct request per
round: single flight across processes, through the token lock and the session cache lock.

CI runs two rounds; build-tools/chaos (AWS_LOGIN_CHAOS=1) runs six.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

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
    utc_text,
    write_sso_token,
)
from tests.fakes.moto_server import LoopbackServer
from tests.fakes.sso import Account, FakeSso
from tests.helpers import START_URL

PROCESSES = 64
REQUESTS = 8  # distinct account/role pairs: 8 processes ask for each
ROUNDS = 6 if CHAOS else 2
ACCOUNTS = [Account(f"{100000000000 + i}", f"flood-{i}", f"flood{i}@example.com",
                    ("ReadOnlyAccess",)) for i in range(REQUESTS)]
# What a process may say while it waits: on the start URL's lock (another one refreshes), on
# its request's session-cache lock (an identical request is being served), or both.
SSO_WAIT = ("aws-login: waiting for another aws-login to finish signing in to "
            f"{START_URL} or refreshing that sign-in...\n")
SAME_WAIT = ("aws-login: waiting for another aws-login getting the same credentials (it may "
             "be signing in or asking for an MFA code)...\n")
WAITING = ("", SSO_WAIT, SAME_WAIT, SAME_WAIT + SSO_WAIT)


@dataclass
class Flood:
    fake: FakeSso
    proxy: FaultProxy
    cache: Path
    env: dict[str, str]

    def run_round(self) -> list[tuple[int, str, str]]:
        """Start every process at once; (exit code, stdout, stderr) of each."""
        commands = [[sys.executable, "-m", "aws_login", "dumpcreds", "--credential-helper",
                     "--use-cache", "--sso-acct-id", ACCOUNTS[i % REQUESTS].account_id,
                     "--sso-role-name", "ReadOnlyAccess"] for i in range(PROCESSES)]
        processes = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      stdin=subprocess.DEVNULL, env=self.env, text=True)
                     for command in commands]
        results = []
        for process in processes:
            out, err = process.communicate(timeout=240)
            results.append((process.returncode, out, err))
        return results

    def expire_everything(self) -> None:
        """Between rounds: the SSO token expires (at the server too), and every cached
        session has less than the 15 minutes aws-login needs to reuse it."""
        path = sso_token_path(self.cache)
        data = json.loads(path.read_text())
        data["expiresAt"] = utc_text(datetime.now(timezone.utc) - timedelta(minutes=1))
        _replace(path, json.dumps(data))
        self.fake.expire_access_tokens()
        soon = datetime.now(timezone.utc) + timedelta(minutes=5)
        for entry in (self.cache / "sessions").glob("*.json"):
            cached = json.loads(entry.read_text())
            cached["Expiration"] = utc_text(soon)
            _replace(entry, json.dumps(cached))
        for entry in (self.cache / "sessions" / "fast").glob("*"):
            header, _, body = entry.read_text().partition("\n")
            _replace(entry, f"{header.rsplit(' ', 1)[0]} {soon.timestamp()!r}\n{body}")


def _replace(path: Path, text: str) -> None:
    """Rewrite a cache file the way aws-login does (atomic, 0600): no process may see it
    half written, because a torn file here would be the test's fault, not aws-login's."""
    temp = path.with_name(f".{path.name}.test.tmp")
    temp.write_text(text)
    temp.chmod(0o600)
    os.replace(temp, path)


@pytest.fixture
def flood(sts_server: LoopbackServer, tmp_path: Path) -> Iterator[Flood]:
    with FakeSso(ACCOUNTS, sts_url=sts_server.url, latency_ms=20) as fake, \
            FaultProxy(fake.url, Flavor.SSO) as proxy:
        cache = tmp_path / "cache"
        env = process_env(tmp_path, AWS_ENDPOINT_URL_SSO=proxy.url,
                          AWS_ENDPOINT_URL_SSO_OIDC=proxy.url, AWS_LOGIN_CACHE_DIR=str(cache))
        write_sso_token(fake, cache, timedelta(minutes=-5))
        yield Flood(fake, proxy, cache, env)


def test_64_processes_per_round_share_one_refresh(flood: Flood) -> None:
    for round_number in range(1, ROUNDS + 1):
        if round_number > 1:
            flood.expire_everything()
        flood.fake.reset_counters()
        started = time.monotonic()
        results = flood.run_round()
        seconds = time.monotonic() - started
        failures = [err for code, _out, err in results if code != 0]
        crashes = sum(tracebacks_in(err) for _code, _out, err in results)
        unexpected = [err for _code, _out, err in results if err not in WAITING]
        corrupt = cache_problems(flood.cache)
        secrets = leaked("".join(err for _code, _out, err in results), flood.proxy.secrets)
        refreshes = flood.fake.calls["CreateToken:refresh_token"]
        role_calls = flood.fake.calls["GetRoleCredentials"]
        record("floods", f"round {round_number}", injected=0, recovered=PROCESSES - len(failures),
               clean_failures=0, tracebacks=crashes, corrupt_files=len(corrupt),
               leaked_secrets=len(secrets), processes=PROCESSES, failures=len(failures),
               refreshes=refreshes, role_credentials=role_calls, seconds=round(seconds, 1))
        assert failures == [], failures[:3]
        assert unexpected == [], unexpected[:3]
        assert all(json.loads(out)["Version"] == 1 for _code, out, _err in results)
        # Same request, same credentials: one GetRoleCredentials served all eight.
        by_request: dict[str, set[str]] = {}
        for index, (_code, out, _err) in enumerate(results):
            by_request.setdefault(ACCOUNTS[index % REQUESTS].account_id, set()).add(
                json.loads(out)["AccessKeyId"])
        assert all(len(keys) == 1 for keys in by_request.values()), by_request
        assert refreshes == 1, f"round {round_number}"
        assert role_calls == REQUESTS, f"round {round_number}"
        assert flood.fake.calls["CreateToken"] == 1  # the refresh, and no sign-in
        assert (corrupt, secrets, crashes) == ([], [], 0)
    # The refresh token rotated every round; the cache holds the live one.
    stored = json.loads(sso_token_path(flood.cache).read_text())
    assert flood.fake.live_refresh_tokens() == [stored["refreshToken"]]
