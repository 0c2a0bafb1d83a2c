"""The session cache (--use-cache): hits make no request and import no botocore; entries
with 15 minutes or less left, corrupt or unreadable ones are replaced; keys reveal nothing;
long-term keys are never written; clearcache forgets everything."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.helpers import USER_SECRET, run_cli

CACHED_ROLE = "arn:aws:iam::111111111111:role/CacheMe"
CHAIN = ["--use-cache", "--assume-roles", CACHED_ROLE]


@pytest.fixture
def cache_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, user_keys: None) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("AWS_LOGIN_CACHE_DIR", str(folder))
    return folder


def entries(cache_dir: Path) -> list[Path]:
    return sorted((cache_dir / "sessions").glob("*.json"))


def test_a_hit_makes_no_request_and_returns_the_same_credentials(cache_dir: Path, sts) -> None:
    first = run_cli(["dumpcreds", "--credential-helper", *CHAIN])
    assert first.code == 0, first.err
    assert sts.recorder.actions() == ["GetCallerIdentity", "AssumeRole"]
    sts.recorder.clear()
    second = run_cli(["dumpcreds", "--credential-helper", *CHAIN])
    assert second.code == 0, second.err
    assert second.out == first.out
    assert sts.recorder.requests == []
    (entry,) = entries(cache_dir)
    assert re.fullmatch(r"[0-9a-f]{64}\.json", entry.name)  # the name reveals nothing
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    assert stat.S_IMODE((cache_dir / "sessions").stat().st_mode) == 0o700


def test_a_hit_imports_neither_boto3_nor_botocore(cache_dir: Path) -> None:
    assert run_cli(["dumpcreds", "--credential-helper", *CHAIN]).code == 0
    probe = ("import sys, runpy; sys.argv = ['aws-login', 'dumpcreds', '--credential-helper', "
             f"'--use-cache', '--assume-roles', {CACHED_ROLE!r}]\n"
             "try:\n    runpy.run_module('aws_login', run_name='__main__')\n"
             "except SystemExit as e:\n    code = e.code\n"
             "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
             "('boto3', 'botocore', 'requests', 'urllib3'))\n"
             "print('HEAVY', heavy, 'CODE', code, file=sys.stderr)")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            env=dict(os.environ), timeout=60)
    assert "HEAVY [] CODE 0" in result.stderr, result.stderr
    assert json.loads(result.stdout)["AccessKeyId"].startswith("ASIA")


def test_different_requests_do_not_share_an_entry(cache_dir: Path, sts,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    assert run_cli(["dumpcreds", *CHAIN]).code == 0
    assert run_cli(["dumpcreds", *CHAIN, "--duration", "1800"]).code == 0
    assert run_cli(["dumpcreds", *CHAIN, "--role-session-name", "other"]).code == 0
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", USER_SECRET + "2")  # other starting keys
    assert run_cli(["dumpcreds", *CHAIN]).code == 0
    assert len(entries(cache_dir)) == 4
    assert sts.recorder.actions().count("AssumeRole") == 4
    for entry in entries(cache_dir):  # the starting keys are not copied into entries
        assert USER_SECRET not in entry.read_text()
        assert CACHED_ROLE not in entry.name


@pytest.mark.parametrize("minutes_left, reused", [(16, True), (14, False), (-5, False)])
def test_entries_need_more_than_fifteen_minutes_left(cache_dir: Path, sts, minutes_left: int,
                                                     reused: bool) -> None:
    assert run_cli(["dumpcreds", "--credential-helper", *CHAIN]).code == 0
    (entry,) = entries(cache_dir)
    data = json.loads(entry.read_text())
    data["Expiration"] = (datetime.now(timezone.utc) + timedelta(minutes=minutes_left)
                          ).strftime("%Y-%m-%dT%H:%M:%SZ")
    entry.write_text(json.dumps(data))
    sts.recorder.clear()
    result = run_cli(["dumpcreds", "--credential-helper", *CHAIN])
    assert result.code == 0, result.err
    assert (json.loads(result.out)["AccessKeyId"] == data["AccessKeyId"]) is reused
    assert (sts.recorder.actions() == []) is reused


@pytest.mark.parametrize("content", [
    "", "{", "[]", '{"Version": 1}', '{"Version": 1, "AccessKeyId": 5}', "\xff\xfe garbage",
])
def test_corrupt_entries_are_replaced(cache_dir: Path, content: str) -> None:
    assert run_cli(["dumpcreds", "--credential-helper", *CHAIN]).code == 0
    (entry,) = entries(cache_dir)
    entry.write_bytes(content.encode("utf-8", "surrogateescape"))
    result = run_cli(["dumpcreds", "--credential-helper", *CHAIN])
    assert result.code == 0, result.err
    # Said once, though the entry is looked up before and after taking its lock.
    assert result.err == (f"aws-login: session cache entry {entry.name} is unusable; it "
                          "will be replaced\n")
    assert json.loads(entry.read_text())["Version"] == 1


def test_long_term_keys_are_never_written(cache_dir: Path) -> None:
    result = run_cli(["dumpcreds", "--use-cache"])
    assert result.code == 0, result.err
    assert entries(cache_dir) == []


def test_mfa_code_is_asked_once_then_the_cache_serves(cache_dir: Path, sts) -> None:
    mfa = ["--mfa-serial", "arn:aws:iam::123456789012:mfa/alice"]
    first = run_cli(["dumpcreds", *CHAIN, *mfa], stdin="123456\n", terminal=True)
    assert first.code == 0, first.err
    assert "MFA code for arn:aws:iam::123456789012:mfa/alice: " in first.err
    assert sts.recorder.actions() == ["GetSessionToken", "GetCallerIdentity", "AssumeRole"]
    sts.recorder.clear()
    # Not a terminal now (as under credential_process), yet served from the cache.
    again = run_cli(["dumpcreds", *CHAIN, *mfa])
    assert again.code == 0, again.err
    assert again.out == first.out
    assert sts.recorder.requests == []
    # Other final credentials from the same start and device: the kept MFA session signs
    # them, and nobody is asked (nobody could be here).
    other = run_cli(["dumpcreds", *CHAIN, *mfa, "--duration", "1800"])
    assert other.code == 0, other.err
    assert sts.recorder.actions() == ["GetCallerIdentity", "AssumeRole"]
    assert other.out != first.out


def test_another_mfa_code_is_served_from_the_cache(cache_dir: Path, sts) -> None:
    mfa = ["--mfa-serial", "arn:aws:iam::123456789012:mfa/alice"]
    first = run_cli(["dumpcreds", *CHAIN, *mfa, "--mfa-token", "123456"])
    assert first.code == 0, first.err
    sts.recorder.clear()
    again = run_cli(["dumpcreds", *CHAIN, *mfa, "--mfa-token", "654321"])
    assert again.code == 0, again.err
    assert again.out == first.out
    assert sts.recorder.requests == []
    assert len(entries(cache_dir)) == 2  # the final credentials and the MFA session


def test_clearcache(cache_dir: Path, sts) -> None:
    assert run_cli(["dumpcreds", *CHAIN]).code == 0
    (cache_dir / "sso").mkdir()
    (cache_dir / "sso" / "token.json").write_text("{}")
    only = run_cli(["clearcache", "--only", "sessions"])
    assert only.code == 0
    assert only.err == f"aws-login: cleared sessions from {cache_dir}\n"
    assert entries(cache_dir) == [] and (cache_dir / "sso" / "token.json").exists()
    everything = run_cli(["clearcache"])
    assert everything.err == f"aws-login: cleared sso from {cache_dir}\n"
    assert run_cli(["clearcache"]).err == f"aws-login: nothing to clear in {cache_dir}\n"
    sts.recorder.clear()
    assert run_cli(["dumpcreds", *CHAIN]).code == 0
    assert "AssumeRole" in sts.recorder.actions()


@pytest.mark.parametrize(("words", "why"), [
    (["--duration", "900"],
     "final credentials not cached: they expire within 15 minutes, when the SDKs already ask "
     "for new ones, so a cached copy would never be used; with --duration 1800 or more they "
     "are cached"),
])
def test_debug_says_why_nothing_was_cached(cache_dir: Path, sts, words: list[str],
                                           why: str) -> None:
    result = run_cli(["dumpcreds", "--credential-helper", *CHAIN, *words, "--debug"])
    assert result.code == 0, result.err
    assert f"aws-login: debug: {why}\n" in result.err
    assert entries(cache_dir) == []


def test_debug_says_long_term_keys_are_not_cached(cache_dir: Path) -> None:
    result = run_cli(["dumpcreds", "--use-cache", "--debug"])
    assert result.code == 0, result.err
    assert ("aws-login: debug: final credentials not cached: they do not expire (long-term "
            "keys are never "
            "copied to disk)\n") in result.err
