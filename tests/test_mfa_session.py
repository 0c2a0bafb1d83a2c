"""The MFA session (mfa_session.py): with --use-cache, an MFA code buys a GetSessionToken
session that is kept in the session cache and signs the hops, so one code serves every role
reached from that start until the session ends; --mfa-session-duration sets its length."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.fakes.moto_server import Recorder
from tests.helpers import MFA_SERIAL, ROLE_A, ROLE_B, code_program, run_cli, runs_of

MFA = ["--mfa-serial", MFA_SERIAL]


@pytest.fixture
def cache_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, user_keys: None) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("AWS_LOGIN_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def code_process(tmp_path: Path) -> tuple[list[str], Path]:
    return code_program(tmp_path)


def mfa_session_entry(cache_dir: Path) -> Path:
    (entry,) = [path for path in (cache_dir / "sessions").glob("*.json")
                if json.loads(path.read_text())["Plan"]["Identity"] == f"MFA session of "
                                                                        f"{MFA_SERIAL}"]
    return entry


def test_one_code_serves_every_role_of_the_start_until_the_session_ends(
        cache_dir: Path, calls: Recorder, code_process: tuple[list[str], Path]) -> None:
    words, runs = code_process
    first = run_cli(["dumpcreds", "--use-cache", "--assume-roles", ROLE_A, *MFA, *words])
    assert first.code == 0, first.err
    assert calls.actions() == ["GetSessionToken", "GetCallerIdentity", "AssumeRole"]
    session = calls.only("GetSessionToken")
    assert (session.params["SerialNumber"], session.params["TokenCode"]) == (MFA_SERIAL,
                                                                             "111111")
    assert session.params["DurationSeconds"] == "43200"  # the default: one working day
    assert "TokenCode" not in calls.only("AssumeRole").params
    calls.clear()

    # Another role, another chain: signed by the kept session, no code.
    other = run_cli(["dumpcreds", "--use-cache", "--assume-roles", f"{ROLE_A},{ROLE_B}", *MFA,
                     *words])
    assert other.code == 0, other.err
    assert calls.actions() == ["GetCallerIdentity", "AssumeRole", "AssumeRole"]
    assert runs_of(runs) == 1
    calls.clear()

    # The session nearly over (15 minutes or less left): a new code buys a new one.
    entry = mfa_session_entry(cache_dir)
    data = json.loads(entry.read_text())
    soon = datetime.now(timezone.utc) + timedelta(minutes=10)
    data["Expiration"] = soon.strftime("%Y-%m-%dT%H:%M:%SZ")
    entry.write_text(json.dumps(data))
    third = run_cli(["dumpcreds", "--use-cache", "--assume-roles", ROLE_B, *MFA, *words])
    assert third.code == 0, third.err
    assert calls.only("GetSessionToken").params["TokenCode"] == "222222"
    assert runs_of(runs) == 2
    assert entry.stat().st_mode & 0o777 == 0o600


def test_mfa_session_duration_reaches_get_session_token(
        cache_dir: Path, calls: Recorder, code_process: tuple[list[str], Path]) -> None:
    words, _runs = code_process
    done = run_cli(["dumpcreds", "--use-cache", "--assume-roles", ROLE_A, *MFA, *words,
                    "--mfa-session-duration", "7200", "--duration", "1800"])
    assert done.code == 0, done.err
    assert calls.only("GetSessionToken").params["DurationSeconds"] == "7200"
    assert calls.only("AssumeRole").params["DurationSeconds"] == "1800"


def test_an_explicit_session_step_is_the_kept_session(
        cache_dir: Path, calls: Recorder, code_process: tuple[list[str], Path]) -> None:
    words, runs = code_process
    for role in (ROLE_A, ROLE_B):
        done = run_cli(["dumpcreds", "--use-cache", "--get-session-token", "--assume-roles",
                        role, *MFA, *words])
        assert done.code == 0, done.err
    assert calls.actions() == ["GetSessionToken", "GetCallerIdentity", "AssumeRole",
                               "GetCallerIdentity", "AssumeRole"]
    assert runs_of(runs) == 1


def test_without_a_cache_the_code_goes_with_the_first_hop(
        user_keys: None, calls: Recorder, code_process: tuple[list[str], Path]) -> None:
    # Acquired once, nothing to keep: one STS call fewer than buying a session.
    words, _runs = code_process
    done = run_cli(["dumpcreds", "--assume-roles", ROLE_A, *MFA, *words])
    assert done.code == 0, done.err
    assert calls.actions() == ["GetCallerIdentity", "AssumeRole"]
    assert calls.only("AssumeRole").params["TokenCode"] == "111111"


def test_a_start_of_temporary_keys_sends_the_code_with_the_first_hop(
        cache_dir: Path, calls: Recorder, monkeypatch: pytest.MonkeyPatch,
        code_process: tuple[list[str], Path]) -> None:
    # GetSessionToken needs an IAM user's keys: from a session, the code signs hop 1.
    made = run_cli(["dumpcreds", "--credential-helper", "--get-session-token"])
    assert made.code == 0, made.err
    keys = json.loads(made.out)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", keys["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", keys["SecretAccessKey"])
    monkeypatch.setenv("AWS_SESSION_TOKEN", keys["SessionToken"])
    calls.clear()
    words, _runs = code_process
    done = run_cli(["dumpcreds", "--use-cache", "--assume-roles", ROLE_A, *MFA, *words,
                    "--debug"])
    assert done.code == 0, done.err
    assert calls.actions() == ["GetCallerIdentity", "AssumeRole"]
    assert calls.only("AssumeRole").params["TokenCode"] == "111111"
    assert "no MFA session: GetSessionToken needs an IAM user's keys" in done.err
