"""Role profiles with MFA (sources/role_profile.py): role_arn + source_profile profiles above
an IAM user's keys, with mfa_serial on the role just above the keys. aws-login resolves them
itself so that the MFA session applies: one code per session for --use-cache and the
credential server, where botocore would ask for a code at every AssumeRole."""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from aws_login.cli import build_parser
from aws_login.options.credentials import build_plan
from aws_login.sources.role_profile import RoleProfileStart
from tests.fakes.federation import FakeFederation
from tests.fakes.moto_server import Recorder
from tests.helpers import (
    MFA_SERIAL,
    ROLE_A,
    ROLE_B,
    USER_KEY_ID,
    USER_SECRET,
    code_program,
    error_line,
    run_cli,
    runs_of,
)

OTHER_SERIAL = "arn:aws:iam::123456789012:mfa/bob"


@pytest.fixture
def profiles(aws_env: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """[user]: an IAM user's keys; [prod] and [stage]: roles above them with mfa_serial;
    [admin]: a role above prod. Returns the config file."""
    (aws_env / "credentials").write_text(
        f"[user]\naws_access_key_id = {USER_KEY_ID}\n"
        f"aws_secret_access_key = {USER_SECRET}\n")
    config = aws_env / "config"
    config.write_text(
        f"[profile prod]\nrole_arn = {ROLE_A}\nsource_profile = user\n"
        f"mfa_serial = {MFA_SERIAL}\nregion = eu-west-1\nrole_session_name = alice\n\n"
        f"[profile stage]\nrole_arn = {ROLE_B}\nsource_profile = user\n"
        f"mfa_serial = {MFA_SERIAL}\n\n"
        f"[profile admin]\nrole_arn = {ROLE_B}\nsource_profile = prod\nduration_seconds = 900\n")
    monkeypatch.setenv("AWS_LOGIN_CACHE_DIR", str(tmp_path / "cache"))
    return config


@pytest.fixture
def code_process(tmp_path: Path) -> tuple[list[str], Path]:
    return code_program(tmp_path)


def test_once_the_code_goes_with_the_first_assume_role(profiles: Path, calls: Recorder) -> None:
    done = run_cli(["dumpcreds", "--profile", "prod", "--mfa-token", "123456",
                    "--credential-helper"])
    assert done.code == 0, done.err
    assert calls.actions() == ["AssumeRole"]  # role_session_name given: no caller lookup
    assume = calls.only("AssumeRole")
    assert (assume.params["RoleArn"], assume.params["RoleSessionName"],
            assume.params["SerialNumber"], assume.params["TokenCode"],
            assume.key_id) == (ROLE_A, "alice", MFA_SERIAL, "123456", USER_KEY_ID)
    assert json.loads(done.out)["AccessKeyId"] == assume.response_values("AccessKeyId")[0]


def test_with_the_cache_one_code_serves_every_role_profile_of_the_keys(
        profiles: Path, calls: Recorder, code_process: tuple[list[str], Path]) -> None:
    words, runs = code_process
    first = run_cli(["dumpcreds", "--profile", "prod", "--use-cache", *words])
    assert first.code == 0, first.err
    assert calls.actions() == ["GetSessionToken", "AssumeRole"]
    session = calls.only("GetSessionToken")
    assert (session.params["SerialNumber"], session.params["TokenCode"], session.key_id) == (
        MFA_SERIAL, "111111", USER_KEY_ID)
    assume = calls.only("AssumeRole")
    assert "TokenCode" not in assume.params
    assert assume.key_id == session.response_values("AccessKeyId")[0]
    calls.clear()

    # Another profile on the same keys and device, and a chain above prod: no code.
    for name in ("stage", "admin"):
        again = run_cli(["dumpcreds", "--profile", name, "--use-cache", *words])
        assert again.code == 0, (name, again.err)
    # (a role without role_session_name is named after its caller)
    assert calls.actions() == ["GetCallerIdentity", "AssumeRole", "AssumeRole",
                               "GetCallerIdentity", "AssumeRole"]
    assert [call.params["RoleArn"] for call in calls.of("AssumeRole")] == [
        ROLE_B, ROLE_A, ROLE_B]
    assert calls.of("AssumeRole")[-1].params["DurationSeconds"] == "900"
    assert runs_of(runs) == 1


def test_a_credential_server_asks_for_the_code_once_across_renewals(
        profiles: Path, calls: Recorder, code_process: tuple[list[str], Path],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.test_credential_server import Clock, in_process, wait_until

    # moto's credentials run on the real clock, the keeper on the test's: a fixed lead keeps
    # each renewal due 20 minutes before the credentials' end, however far the clock went.
    monkeypatch.setenv("AWS_LOGIN_SERVER_REFRESH_LEAD", "1200")
    words, runs = code_process
    clock = Clock()
    _ctx, keeper, err = in_process(clock, "--profile", "prod", *words)
    keeper.start()
    try:
        for renewal in (1, 2, 3):
            clock.value = keeper.expiration - timedelta(minutes=20)  # due
            assert keeper.current() is not None  # wakes the renewal
            wait_until(keeper, lambda k, n=renewal: k.refreshes + k.failures >= n)
    finally:
        keeper.stop()
    assert (keeper.refreshes, err.getvalue(), runs_of(runs)) == (3, "", 1)
    assert calls.actions() == ["GetSessionToken"] + ["AssumeRole"] * 4
    assert all("TokenCode" not in call.params for call in calls.of("AssumeRole"))


def test_the_plan_starts_from_the_keys_with_the_profiles_roles_first(
        profiles: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from aws_login.context import Context

    monkeypatch.setenv("AWS_PROFILE", "admin")
    ctx = Context.from_process()
    args = build_parser("dumpcreds").parse_args(["dumpcreds", "--assume-roles", ROLE_A])
    plan = build_plan(args, ctx)
    assert plan.start == RoleProfileStart("admin", "user")
    assert [(hop.role_arn, hop.session_name, hop.duration) for hop in plan.hops] == [
        (ROLE_A, "alice", None), (ROLE_B, None, 900), (ROLE_A, None, None)]
    assert plan.mfa is not None and plan.mfa.serial == MFA_SERIAL


@pytest.mark.parametrize("config", [
    # no mfa_serial: botocore's, as before
    f"[profile p]\nrole_arn = {ROLE_A}\nsource_profile = user\n",
    # mfa_serial on a higher role: botocore asks it there
    f"[profile p]\nrole_arn = {ROLE_B}\nsource_profile = q\nmfa_serial = {MFA_SERIAL}\n"
    f"[profile q]\nrole_arn = {ROLE_A}\nsource_profile = user\n",
    # credential_source: botocore's
    f"[profile p]\nrole_arn = {ROLE_A}\ncredential_source = Environment\n"
    f"mfa_serial = {MFA_SERIAL}\n",
    # a loop
    f"[profile p]\nrole_arn = {ROLE_A}\nsource_profile = p\nmfa_serial = {MFA_SERIAL}\n",
    # keys beside a credential_process: botocore's order decides which it uses
    f"[profile p]\nrole_arn = {ROLE_A}\nsource_profile = user\nmfa_serial = {MFA_SERIAL}\n"
    "[profile user]\ncredential_process = echo\n",
    # keys with a role of their own below: botocore takes those keys as a source only
    f"[profile p]\nrole_arn = {ROLE_A}\nsource_profile = user\nmfa_serial = {MFA_SERIAL}\n"
    f"[profile user]\nrole_arn = {ROLE_B}\nsource_profile = other\n",
])
def test_other_role_profiles_stay_with_botocore(aws_env: Path, config: str) -> None:
    from aws_login.context import Context
    from aws_login.sources.profile import ProfileStart

    (aws_env / "credentials").write_text(
        f"[user]\naws_access_key_id = {USER_KEY_ID}\naws_secret_access_key = {USER_SECRET}\n")
    (aws_env / "config").write_text(config)
    ctx = Context.from_process()
    args = build_parser("dumpcreds").parse_args(["dumpcreds", "--profile", "p"])
    assert build_plan(args, ctx).start == ProfileStart("p")


def test_temporary_keys_below_stay_with_botocore(aws_env: Path) -> None:
    from aws_login.context import Context
    from aws_login.sources.profile import ProfileStart

    (aws_env / "credentials").write_text(
        f"[user]\naws_access_key_id = ASIAEXAMPLE\naws_secret_access_key = {USER_SECRET}\n"
        "aws_session_token = token\n")
    (aws_env / "config").write_text(
        f"[profile p]\nrole_arn = {ROLE_A}\nsource_profile = user\nmfa_serial = {MFA_SERIAL}\n")
    args = build_parser("dumpcreds").parse_args(["dumpcreds", "--profile", "p"])
    assert build_plan(args, Context.from_process()).start == ProfileStart("p")


@pytest.mark.parametrize(("argv", "message"), [
    (["--mfa-serial", OTHER_SERIAL],
     f"--mfa-serial differs from the mfa_serial of profile 'prod' ({MFA_SERIAL}); drop "
     "--mfa-serial"),
    (["--mfa-token", "12345"], None),
    (["--mfa-session-duration", "60"],
     "--mfa-session-duration 60 is out of range; GetSessionToken allows 900-129600 seconds"),
    (["--assume-roles", "arn:aws-cn:iam::111111111111:role/C"],
     "profile 'prod' assumes roles in partition aws but --assume-roles is in aws-cn; a chain "
     "stays in one partition"),
])
def test_bad_settings_are_usage_errors_before_any_call(
        profiles: Path, calls: Recorder, argv: list[str], message: str | None) -> None:
    result = run_cli(["dumpcreds", "--profile", "prod", *argv])
    assert result.code == 2, result.err
    if message is not None:
        assert error_line(result.err) == f"aws-login: error: {message}"
    assert calls.calls == []


def test_a_bad_mfa_serial_in_the_profile_names_the_profile(
        profiles: Path, calls: Recorder) -> None:
    profiles.write_text(profiles.read_text().replace(MFA_SERIAL, "alice", 1))
    result = run_cli(["dumpcreds", "--profile", "prod"])
    assert result.code == 2
    assert error_line(result.err).startswith(
        f"aws-login: error: profile 'prod' in {profiles}: ")
    assert calls.calls == []


def test_status_names_the_role_profile(profiles: Path,
                                      code_process: tuple[list[str], Path]) -> None:
    words, _runs = code_process
    assert run_cli(["dumpcreds", "--profile", "prod", "--use-cache", *words]).code == 0
    listed = run_cli(["status"])
    assert listed.code == 0, listed.err
    # the MFA session belongs to the keys' profile: every role profile above them shares it
    described = sorted(line.split("  ", 2)[-1] for line in listed.out.splitlines()
                       if line.startswith("  session-"))
    assert described == ["profile (profile user) -> GetSessionToken",
                         f"role profile (profile prod, key_profile user) -> {ROLE_A}"]
    assert f"identity MFA session of {MFA_SERIAL}, region not set" in listed.out


def test_runas_gives_the_child_the_named_profiles_region(
        profiles: Path, tmp_path: Path, code_process: tuple[list[str], Path]) -> None:
    words, _runs = code_process
    seen = tmp_path / "seen"
    done = run_cli(["runas", "--profile", "prod", *words, "--", sys.executable, "-c",
                    "import os, sys; open(sys.argv[1], 'w').write(os.environ['AWS_REGION'] + "
                    "' ' + str('AWS_PROFILE' in os.environ))", str(seen)])
    assert (done.code, done.err) == (0, "")
    assert seen.read_text() == "eu-west-1 False"


def test_an_mfa_serial_botocore_keeps_is_still_asked_through_the_prompt_service(
        aws_env: Path, calls: Recorder) -> None:
    """mfa_serial on a role above another role: botocore's to resolve, and its question goes
    through aws-login's prompt service."""
    (aws_env / "credentials").write_text(
        f"[user]\naws_access_key_id = {USER_KEY_ID}\naws_secret_access_key = {USER_SECRET}\n")
    (aws_env / "config").write_text(
        f"[profile p]\nrole_arn = {ROLE_B}\nsource_profile = q\nmfa_serial = {MFA_SERIAL}\n"
        "role_session_name = p-session\nregion = eu-central-1\n"
        f"[profile q]\nrole_arn = {ROLE_A}\nsource_profile = user\n"
        "role_session_name = q-session\n")
    result = run_cli(["getcallerid", "--profile", "p"], stdin="246810\n", terminal=True)
    assert result.code == 0, result.err
    assert result.err == f"Enter MFA code for {MFA_SERIAL}: "  # botocore's own question
    assert [(call.params["RoleArn"], call.params.get("TokenCode"))
            for call in calls.of("AssumeRole")] == [(ROLE_A, None), (ROLE_B, "246810")]


def test_the_console_opens_as_the_role_profiles_role(
        profiles: Path, calls: Recorder, fed: FakeFederation) -> None:
    """aws-vault login prod: the federation sign-in of the profile's role session."""
    result = run_cli(["console", "--no-browser", "--profile", "prod", "--mfa-token", "123456"])
    assert result.code == 0, result.err
    assert result.out.startswith(fed.federation_url + "?Action=login&")
    assert calls.actions() == ["AssumeRole"]  # a role session: no GetFederationToken
    [request] = fed.find("getSigninToken")
    session = json.loads(request.params["Session"])
    assert session["sessionId"] == calls.only("AssumeRole").response_values("AccessKeyId")[0]
