"""dumpconfig end to end against the loopback SSO fake, with real botocore: discovery
(pagination, throttling), the generated text used by botocore, and safe merging."""

from __future__ import annotations

import configparser
import hashlib
import io
import json
import os
import random
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from botocore.configloader import raw_config_parse

from aws_login import configgen
from aws_login.cli import main
from aws_login.context import Context
from aws_login.errors import AwsCallError, OperationError
from aws_login.retry import RetryPolicy
from aws_login.sso.discovery import THROTTLE_ATTEMPTS, AdaptiveLimit, CallStats, Pacer
from tests.fakes.sso import Account, FakeSso, make_accounts
from tests.helpers import BEFORE, GOLDEN, GOLDEN_START_URL, Result, run_cli

SMALL_ORG_ROLES = {("111111111111", "AdministratorAccess"), ("111111111111", "ReadOnlyAccess"),
                   ("222222222222", "ReadOnlyAccess")}


@pytest.fixture
def home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No AWS settings of the machine: a temporary HOME, config and aws-login cache."""
    for name in [n for n in os.environ if n.startswith("AWS_")]:
        monkeypatch.delenv(name)
    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(home / ".aws" / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / ".aws" / "none"))
    monkeypatch.setenv("AWS_LOGIN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    return home


@pytest.fixture
def fake(home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSso]:
    """The fake portal with the small org of issue 5 (my-acct-1: 2 roles, my-acct-2: 1)."""
    with FakeSso() as server:
        monkeypatch.setenv("AWS_ENDPOINT_URL_SSO", server.url)
        monkeypatch.setenv("AWS_ENDPOINT_URL_SSO_OIDC", server.url)
        yield server


def dumpconfig(fake: FakeSso, *args: str, token: str | None = None) -> Result:
    token = token or fake.issue_token(GOLDEN_START_URL).access_token
    return run_cli(["dumpconfig", "--sso-access-token", token, "--sso-region", "us-east-1",
                    *args])


def generated(text: str) -> set[tuple[str, str]]:
    """(account id, role) of every profile in config text, read by configparser."""
    parser = configparser.RawConfigParser()
    parser.read_string(text)
    return {(parser[s]["sso_account_id"], parser[s]["sso_role_name"])
            for s in parser.sections() if s.startswith("profile ")}


def one_error_line(result: Result, code: int) -> str:
    assert result.code == code, result.err
    assert result.err.startswith("aws-login: error: ") and result.err.count("\n") == 1
    return result.err


# --------------------------------------------------------------------- output


def test_golden_text_and_exactly_the_needed_calls(fake: FakeSso) -> None:
    result = dumpconfig(fake, "--start-url", GOLDEN_START_URL, "--sso-session-name", "my-sso")
    assert result.code == 0, result.err
    assert result.out == GOLDEN
    assert result.err == ""  # no terminal: no progress
    calls = [(r.operation, r.query.get("account_id"), r.status) for r in fake.requests]
    assert sorted(calls, key=str) == [("ListAccountRoles", "111111111111", 200),
                                      ("ListAccountRoles", "222222222222", 200),
                                      ("ListAccounts", None, 200)]


def test_pagination_with_next_tokens_holding_plus_slash_equals(fake: FakeSso) -> None:
    big = Account("999999999999", "Big", "big@example.com",
                  tuple(f"Role-{i:03d}" for i in range(150)))
    fake.accounts = [*make_accounts(230, seed=3), big]
    result = dumpconfig(fake)
    assert result.code == 0, result.err
    assert generated(result.out) == {(a.account_id, r) for a in fake.accounts for r in a.roles}
    follow_ups = [r for r in fake.requests if "next_token" in r.query]
    assert [(r.operation, r.status) for r in follow_ups] == [
        ("ListAccounts", 200), ("ListAccounts", 200), ("ListAccountRoles", 200)]
    assert all(set("+/=") <= set(r.query["next_token"]) for r in follow_ups)
    assert fake.calls["ListAccounts"] == 3 and fake.calls["ListAccountRoles"] == 232


def test_awkward_and_duplicate_account_names(fake: FakeSso) -> None:
    fake.accounts = make_accounts(20)
    result = dumpconfig(fake, "--sso-session-name", "corp")
    assert result.code == 0, result.err
    assert generated(result.out) == {(a.account_id, r) for a in fake.accounts for r in a.roles}
    headers = [line for line in result.out.splitlines() if line.startswith("[profile ")]
    by_account = {a.account_id: a for a in fake.accounts}
    sandboxes = [a for a in fake.accounts if a.name == "Sandbox"]
    assert len(sandboxes) == 2
    for account in sandboxes:  # same name: both carry their id
        assert {h for h in headers if f"Sandbox-{account.account_id}-" in h} == {
            f"[profile Sandbox-{account.account_id}-{r}]" for r in account.roles}
    assert all(configgen.safe_name(h[9:-1]) == h[9:-1] for h in headers)
    assert len(by_account) == 20


def test_start_url_and_session_name_come_from_a_token_file(fake: FakeSso, tmp_path: Path
                                                           ) -> None:
    token_file = tmp_path / "token.json"
    token_file.write_text(json.dumps(fake.issue_token(GOLDEN_START_URL).cache_json("us-east-1")))
    result = run_cli(["dumpconfig", "--accesstoken-cache", f"file://{token_file}"])
    assert result.code == 0, result.err
    assert result.out == GOLDEN.replace("my-sso", "d-987654321d")


def test_without_a_start_url_the_place_to_fill_in_is_marked(fake: FakeSso) -> None:
    result = dumpconfig(fake, "--region", "eu-west-1")
    assert result.code == 0, result.err
    assert (f"[sso-session aws-login]\nsso_region = us-east-1\n# FILL IN the start URL below "
            f"(or rerun with --start-url URL):\nsso_start_url = "
            f"{configgen.START_URL_PLACEHOLDER}\n") in result.out
    assert result.out.count("\nregion = eu-west-1\n") == 3


def test_progress_only_on_a_terminal(fake: FakeSso) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    err = Terminal()
    ctx = Context(environ=os.environ, stdout=io.StringIO(), stderr=err, stdin=io.StringIO())
    token = fake.issue_token(GOLDEN_START_URL).access_token
    assert main(["dumpconfig", "--sso-access-token", token, "--sso-region", "us-east-1"],
                ctx) == 0
    assert "\raws-login: listing roles: 2/2 accounts" in err.getvalue()
    assert err.getvalue().endswith("\r")  # the line is cleared at the end


# --------------------------------------------------------------------- botocore uses it


def botocore_credentials(profiles: list[str], env: dict[str, str]) -> str:
    script = ("import sys, botocore.session\n"
              "for name in sys.argv[1:]:\n"
              "    c = botocore.session.Session(profile=name).get_credentials()\n"
              "    print(name, c.get_frozen_credentials().access_key)\n")
    done = subprocess.run([sys.executable, "-c", script, *profiles], env=env, text=True,
                          capture_output=True, timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_botocore_gets_role_credentials_through_a_generated_sso_profile(
        fake: FakeSso, home: Path) -> None:
    grant = fake.issue_token(GOLDEN_START_URL)
    config = home / ".aws" / "config"
    result = dumpconfig(fake, "--start-url", GOLDEN_START_URL, "--sso-session-name", "my-sso",
                        "--output", str(config), token=grant.access_token)
    assert result.code == 0, result.err
    assert config.read_text() == GOLDEN
    # botocore names the token file after the SHA-1 of the sso-session name.
    cache = home / ".aws" / "sso" / "cache"
    cache.mkdir(parents=True)
    name = hashlib.sha1(b"my-sso").hexdigest()
    (cache / f"{name}.json").write_text(json.dumps(grant.cache_json("us-east-1")))
    fake.reset_counters()
    env = {**os.environ, "AWS_CONFIG_FILE": str(config)}
    out = botocore_credentials(["my-acct-1-ReadOnlyAccess", "my-acct-2-ReadOnlyAccess"], env)
    issued = fake.role_credentials_issued
    assert [(a, r) for a, r, _ in issued] == [("111111111111", "ReadOnlyAccess"),
                                              ("222222222222", "ReadOnlyAccess")]
    assert out == (f"my-acct-1-ReadOnlyAccess {issued[0][2]}\n"
                   f"my-acct-2-ReadOnlyAccess {issued[1][2]}\n")


def test_botocore_runs_the_generated_credential_process(fake: FakeSso, home: Path,
                                                        tmp_path: Path) -> None:
    grant = fake.issue_token(GOLDEN_START_URL)
    token_file = tmp_path / "token.json"
    token_file.write_text(json.dumps(grant.cache_json("us-east-1")))
    assert run_cli(["importcache", "--accesstoken-cache", f"file://{token_file}"]).code == 0
    config = home / ".aws" / "config"
    result = dumpconfig(fake, "--start-url", GOLDEN_START_URL, "--credential-process", "--output",
                        str(config), token=grant.access_token)
    assert result.code == 0, result.err
    fake.reset_counters()
    venv_bin = str(Path(sys.executable).parent)  # where the aws-login entry point lives
    env = {**os.environ, "AWS_CONFIG_FILE": str(config),
           "PATH": venv_bin + os.pathsep + os.environ.get("PATH", "")}
    out = botocore_credentials(["my-acct-2-ReadOnlyAccess"], env)
    assert fake.role_credentials_issued[0][:2] == ("222222222222", "ReadOnlyAccess")
    assert out == f"my-acct-2-ReadOnlyAccess {fake.role_credentials_issued[0][2]}\n"


# --------------------------------------------------------------------- merging into a file


def test_output_merges_replaces_prunes_and_keeps_a_backup(fake: FakeSso, home: Path) -> None:
    config = home / ".aws" / "config"
    config.write_bytes(BEFORE.encode() + "# café ✓, CR\r and tab\t kept as is\n".encode())
    config.chmod(0o640)
    args = ("--start-url", GOLDEN_START_URL, "--sso-session-name", "my-sso", "--output",
            str(config))
    first = dumpconfig(fake, *args)
    assert first.code == 0, first.err
    user_part = config.read_bytes()[:-len(GOLDEN) - 1]
    assert config.read_bytes() == user_part + b"\n" + GOLDEN.encode()
    assert user_part == BEFORE.encode() + "# café ✓, CR\r and tab\t kept as is\n".encode()

    after = b"\n[profile mine]\nregion = eu-west-1\n"
    config.write_bytes(config.read_bytes() + after)  # the user adds to the end by hand
    previous = config.read_bytes()
    fake.accounts = [Account("111111111111", "my-acct-1", "a@example.com",
                             ("AdministratorAccess",))]
    second = dumpconfig(fake, *args)
    assert second.code == 0, second.err
    expected_block = GOLDEN[:GOLDEN.index("\n[profile my-acct-1-ReadOnlyAccess]")] \
        .replace("3 roles in 2 accounts", "1 roles in 1 accounts") \
        + configgen.end_marker("my-sso") + "\n"
    assert config.read_bytes() == user_part + b"\n" + expected_block.encode() + after
    assert Path(f"{config}.bak").read_bytes() == previous
    assert stat.S_IMODE(config.stat().st_mode) == 0o640
    assert second.err == (f"aws-login: wrote {config}: 1 profiles (0 added, 0 changed, 2 "
                          "removed); the "
                          f"previous version is in {config}.bak\n")
    raw_config_parse(str(config))  # botocore reads the merged file

    third = dumpconfig(fake, *args)
    assert third.err == f"aws-login: {config} is up to date (1 profiles)\n"


def test_bytes_that_are_not_utf8_survive_a_merge(fake: FakeSso, home: Path) -> None:
    config = home / ".aws" / "config"
    config.write_bytes(b"# caf\xe9 in Latin-1\n[default]\n")
    assert dumpconfig(fake, "--output", str(config)).code == 0
    assert config.read_bytes().startswith(b"# caf\xe9 in Latin-1\n[default]\n\n# BEGIN")


def test_names_defined_outside_the_block_are_skipped(fake: FakeSso, home: Path) -> None:
    config = home / ".aws" / "config"
    mine = "[sso-session my-sso]\nsso_region = us-east-1\nsso_start_url = x\n\n" \
           "[profile my-acct-1-ReadOnlyAccess]\nregion = eu-west-1\n"
    config.write_text(mine)
    result = dumpconfig(fake, "--sso-session-name", "my-sso", "--output", str(config))
    assert result.code == 0, result.err
    assert "skipped profile my-acct-1-ReadOnlyAccess (111111111111 ReadOnlyAccess)" in result.err
    assert "[sso-session my-sso] is already defined" in result.err
    text = config.read_text()
    assert text.startswith(mine)
    assert text.splitlines().count("[sso-session my-sso]") == 1
    assert generated(text[len(mine):]) == SMALL_ORG_ROLES - {("111111111111", "ReadOnlyAccess")}
    parsed = raw_config_parse(str(config))  # no duplicate section: botocore is fine
    assert parsed["profile my-acct-1-ReadOnlyAccess"] == {"region": "eu-west-1"}


def test_dry_run_prints_the_diff_and_writes_nothing(fake: FakeSso, home: Path) -> None:
    config = home / ".aws" / "config"
    config.write_text(BEFORE)
    result = dumpconfig(fake, "--sso-session-name", "my-sso", "--output", str(config),
                        "--dry-run")
    assert result.code == 0, result.err
    assert result.out.startswith(f"--- {config} (now)\n+++ {config} (after dumpconfig)\n")
    assert "+[profile my-acct-2-ReadOnlyAccess]\n" in result.out
    assert config.read_text() == BEFORE
    assert sorted(p.name for p in config.parent.iterdir()) == ["config"]


def test_dry_run_counts_changed_profiles(fake: FakeSso, home: Path) -> None:
    config = home / ".aws" / "config"
    args = ("--sso-session-name", "my-sso", "--output", str(config))
    assert dumpconfig(fake, *args).code == 0
    written = config.read_text()
    result = dumpconfig(fake, *args, "--region", "eu-west-1", "--dry-run")
    assert result.code == 0, result.err
    assert result.err == "aws-login: dry run: 3 profiles (0 added, 3 changed, 0 removed); " \
        "nothing written\n"
    assert result.out.count("+region = eu-west-1\n") == 3
    assert config.read_text() == written
    # one account gone, the others' region changed back and forth: each counted once
    fake.accounts = fake.accounts[:1]
    result = dumpconfig(fake, *args, "--region", "eu-west-1", "--dry-run")
    assert result.err.startswith("aws-login: dry run: ")
    assert "profiles (0 added, " in result.err and " changed, 1 removed)" in result.err


def test_a_failed_write_leaves_the_file_whole(fake: FakeSso, home: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    config = home / ".aws" / "config"
    config.write_text(BEFORE)

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    result = dumpconfig(fake, "--output", str(config))
    assert "No space left on device; the file was left as it was" in one_error_line(result, 1)
    assert config.read_text() == BEFORE
    assert sorted(p.name for p in config.parent.iterdir()) == ["config"]  # no temp files


def test_a_symlinked_config_is_written_through(fake: FakeSso, home: Path,
                                               tmp_path: Path) -> None:
    real = tmp_path / "dotfiles-config"
    real.write_text(BEFORE)
    link = home / ".aws" / "config"
    link.symlink_to(real)
    assert dumpconfig(fake, "--output", str(link)).code == 0
    assert link.is_symlink() and real.read_text().startswith(BEFORE + "\n# BEGIN")


def test_damaged_markers_fail_before_any_call(fake: FakeSso, home: Path) -> None:
    config = home / ".aws" / "config"
    config.write_text(GOLDEN.replace("# END", "# The end"))
    result = dumpconfig(fake, "--sso-session-name", "my-sso", "--output", str(config))
    assert "must appear once each" in one_error_line(result, 1)
    assert list(fake.requests) == []


# --------------------------------------------------------------------- failures


def test_throttling_portal_still_gives_every_profile(fake: FakeSso) -> None:
    fake.accounts = make_accounts(60, seed=5)
    fake.throttle_rps = 30
    fake.latency_ms = 5
    result = dumpconfig(fake)
    assert result.code == 0, result.err
    assert generated(result.out) == {(a.account_id, r) for a in fake.accounts for r in a.roles}
    throttled = sum(fake.throttled.values())
    assert throttled > 0  # the limiter really was tested
    assert f"the portal throttled {throttled} of {fake.calls.total()} calls; all were retried" \
        in result.err


def test_server_errors_are_retried_other_errors_end_the_run(fake: FakeSso) -> None:
    fake.inject("ListAccountRoles", "InternalServerException", times=2)
    result = dumpconfig(fake)
    assert result.code == 0, result.err
    assert generated(result.out) == SMALL_ORG_ROLES

    fake.inject("ListAccountRoles", "InvalidRequestException", message="bad account")
    result = dumpconfig(fake, "--max-concurrency", "1")
    assert one_error_line(result, 1) == (
        "aws-login: error: SSO ListAccountRoles (111111111111): InvalidRequestException: "
        "bad account\n")
    assert result.out == ""


def test_refused_token_says_sign_in_again_and_prints_nothing(fake: FakeSso) -> None:
    token = fake.issue_token(GOLDEN_START_URL).access_token
    fake.revoke(token)
    result = dumpconfig(fake, token=token)
    assert one_error_line(result, 1) == (
        "aws-login: error: SSO ListAccounts: the portal refused the SSO sign-in (revoked, "
        "signed out elsewhere, or expired early); pass a new --sso-access-token, or sign in "
        "with aws-login login --start-url URL --sso-region us-east-1 and use --use-cache\n")
    assert result.out == ""


@pytest.mark.parametrize(("args", "message"), [
    (["--sso-session-name", "my sso"], "--sso-session-name 'my sso' is not a safe"),
    (["--profile-template", "{account}-{role_name}"], "unknown field {account}"),
    (["--region", "moon-1"], "region 'moon-1' is not valid"),
    (["--dry-run"], "--dry-run shows the change to a file; add --output FILE"),
    (["--max-concurrency", "0"], "--max-concurrency must be 1 to 64"),
    (["--output", "."], "is a folder"),
    (["--start-url", "http://portal.example.com"], "--start-url"),
    (["--use-cache"], "give either"),  # with --sso-access-token below: two token sources
])
def test_usage_errors_send_no_request(fake: FakeSso, args: list[str], message: str) -> None:
    if args == ["--use-cache"]:
        args = ["--accesstoken-cache", "file:///x.json"]
    result = dumpconfig(fake, *args)
    assert message in one_error_line(result, 2)
    assert result.out == ""
    assert list(fake.requests) == []


def test_no_token_source_is_a_usage_error(fake: FakeSso) -> None:
    result = run_cli(["dumpconfig", "--sso-region", "us-east-1"])
    assert "dumpconfig needs an SSO token" in one_error_line(result, 2)
    assert list(fake.requests) == []


# --------------------------------------------------------------------- the limiter


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_limit_slow_starts_then_halves_once_per_round_and_paces() -> None:
    clock = Clock()
    limit = AdaptiveLimit(32, initial=4, clock=clock)
    epochs = [limit.acquire()[0] for _ in range(4)]
    for epoch in epochs:
        limit.release(epoch, "ok")
    assert limit.limit == 8  # doubled in a round
    started = [limit.acquire() for _ in range(8)]
    for epoch, _ in started:  # a burst of 429s from one round: one halving
        limit.release(epoch, "throttled")
    assert limit.limit == 4
    assert limit.rate == pytest.approx(0.9 * 4)  # 4 accepted in the last second
    delays = [limit.acquire()[1] for _ in range(3)]
    assert delays == pytest.approx([0, 1 / 3.6, 2 / 3.6])


def test_pacer_retries_throttling_with_jitter_until_success() -> None:
    answers = [AwsCallError("SSO ListAccounts", "TooManyRequestsException", "slow")] * 3
    sleeps: list[float] = []

    def call() -> str:
        if answers:
            raise answers.pop()
        return "done"

    stats = CallStats()
    pacer = Pacer(AdaptiveLimit(4), stats, RetryPolicy(sleeps.append, Clock(), random.Random()))
    assert pacer.call(call) == "done"
    assert (stats.calls, stats.throttled, stats.failed) == (4, 3, 0)
    assert len(sleeps) == 3 and all(0 <= s <= 0.1 * 2 ** (i + 1) for i, s in enumerate(sleeps))


def test_pacer_gives_up_on_endless_throttling_and_at_once_on_other_errors() -> None:
    def throttled() -> None:
        raise AwsCallError("SSO ListAccounts", "TooManyRequestsException", "slow")

    stats = CallStats()
    pacer = Pacer(AdaptiveLimit(4), stats, RetryPolicy(lambda s: None, Clock(), random.Random()))
    with pytest.raises(OperationError, match="still throttled after 15 tries"):
        pacer.call(throttled)
    assert (stats.calls, stats.failed) == (THROTTLE_ATTEMPTS, 1)

    def refused() -> None:
        raise AwsCallError("SSO ListAccounts", "UnauthorizedException", "no")

    with pytest.raises(AwsCallError):
        pacer.call(refused)
    assert stats.calls == THROTTLE_ATTEMPTS + 1
