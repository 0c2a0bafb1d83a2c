"""JumpCloud as a starting source, against the loopback JumpCloud fake and moto's STS: sign-ins
with TOTP (both "MFA required" forms, both ways of sending the code) and push, through to
GetCallerIdentity and a further hop; the roles and SessionDuration of the assertion; and
every failure said in one line (exit 1, nothing written)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.fakes import standin
from tests.fakes.faults import NOWHERE
from tests.fakes.jumpcloud import DEFAULT_PASSWORD, FakeJumpCloud, hotp
from tests.fakes.moto_server import Recorder
from tests.fakes.saml import ADMIN, PROVIDER, READ_ONLY, USER
from tests.helpers import ROLE_A, error_line, identity_arn, no_sleep
from tests.jumpcloud_support import SESSION, JcWorld, make_world

AUTH = "POST /userconsole/auth"
XSRF = "GET /userconsole/xsrf"
IDP = "GET /saml2/aws-prod"
TOTP_PATH = "POST /userconsole/auth/totp"


@pytest.fixture
def jc(cache_env: Path, jumpcloud: FakeJumpCloud, tmp_path: Path,
       monkeypatch: pytest.MonkeyPatch) -> JcWorld:
    return make_world(jumpcloud, cache_env, tmp_path, monkeypatch)


def wrong_code(fake: FakeJumpCloud) -> str:
    """A code valid in no step the fake accepts now."""
    from tests.fakes.jumpcloud import DEFAULT_TOTP_SECRET

    step = int(fake.now() // 30)
    taken = {hotp(DEFAULT_TOTP_SECRET, step + offset) for offset in (-1, 0, 1)}
    return next(code for code in ("111111", "222222", "333333", "444444") if code not in taken)


def push_user(fake: FakeJumpCloud, totp: bool = False) -> None:
    if totp:
        fake.add_user(USER, push=True)
    else:
        fake.add_user(USER, totp_secret=None, push=True)


# --- sign-ins --------------------------------------------------------------------------

def test_totp_sign_in_through_to_a_further_hop(jc: JcWorld, calls: Recorder) -> None:
    result = jc.run(["getcallerid", *jc.programs("--assume-roles", ROLE_A)])
    assert (result.code, result.err) == (0, "")
    assert identity_arn(result.out) == f"arn:aws:sts::111111111111:assumed-role/A/{USER}"
    assert jc.fake.paths() == [XSRF, AUTH, AUTH, IDP]
    assert calls.actions() == ["AssumeRoleWithSAML", "GetCallerIdentity", "AssumeRole",
                               "GetCallerIdentity"]
    saml = calls.only("AssumeRoleWithSAML")
    assert (saml.params["RoleArn"], saml.params["PrincipalArn"]) == (ADMIN, PROVIDER)
    assert saml.params["SAMLAssertion"] == jc.fake.assertions[-1]
    assert not saml.signed
    # the password went with the email and the fields JumpCloud calls required, the code too
    first, second = (r for r in jc.fake.requests if r.path == "/userconsole/auth")
    assert first.fields == second.fields == ("email", "password", "otp", "context",
                                             "redirectTo")
    assert all(r.xsrf_header for r in jc.fake.requests if r.method == "POST")
    # the IdP page got the console's session cookie, forwarded by hand to another port
    assert jc.fake.requests[-1].cookies == ("_jumpcloud_user_console_", "_xsrf")


def test_a_user_without_a_second_factor_signs_in_with_the_password(jc: JcWorld) -> None:
    jc.fake.add_user(USER, totp_secret=None)
    result = jc.run(["getcallerid", *jc.start(*jc.password_process())])
    assert (result.code, result.err) == (0, "")
    assert identity_arn(result.out) == SESSION
    assert jc.fake.paths() == [XSRF, AUTH, IDP]


@pytest.mark.parametrize("form", ["json", "redirect-4014", "redirect-login", "by-accept"])
@pytest.mark.parametrize(("submission", "paths"), [
    ("auth", [XSRF, AUTH, AUTH, IDP]),
    # the console answers a code sent with the password with "MFA required." again
    ("totp-path", [XSRF, AUTH, AUTH, TOTP_PATH, IDP]),
])
def test_both_mfa_required_forms_and_both_ways_to_send_the_code(
        jc: JcWorld, form: str, submission: str, paths: list[str]) -> None:
    jc.fake.mfa_required_form = form  # type: ignore[assignment]
    jc.fake.totp_submission = submission  # type: ignore[assignment]
    result = jc.run(["getcallerid", *jc.programs()])
    assert (result.code, result.err) == (0, "")
    assert identity_arn(result.out) == SESSION
    assert jc.fake.paths() == paths


def test_a_person_types_the_password_and_the_code(jc: JcWorld) -> None:
    code = jc.fake.totp_code()
    result = jc.run(["getcallerid", *jc.start()], stdin=f"{DEFAULT_PASSWORD}\n{code}\n",
                     terminal=True)
    assert result.code == 0, result.err
    assert result.err == (f"JumpCloud password for {USER}: "
                          f"JumpCloud TOTP code for {USER}: ")
    assert identity_arn(result.out) == SESSION


def test_the_email_is_asked_when_not_given(jc: JcWorld) -> None:
    result = jc.run(["getcallerid", "--jumpcloud-url", jc.url, *jc.password_process(),
                      *jc.code_process()], stdin="alice\nalice@example.com\n", terminal=True)
    assert result.code == 0, result.err
    assert result.err == ("JumpCloud email: aws-login: the email 'alice' is not an email "
                          "address; JumpCloud signs in with the email, not the user name, "
                          "e.g. alice@example.com\nJumpCloud email: ")


def test_the_email_from_the_environment(jc: JcWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JUMPCLOUD_EMAIL", USER)
    result = jc.run(["getcallerid", "--jumpcloud-url", jc.url, *jc.password_process(),
                      *jc.code_process()])
    assert (result.code, result.err) == (0, "")
    assert identity_arn(result.out) == SESSION


def test_push_sign_in_through_to_a_further_hop(jc: JcWorld, calls: Recorder) -> None:
    push_user(jc.fake)
    jc.fake.push_polls_before_outcome = 2
    result = jc.run(["getcallerid", *jc.start(*jc.password_process(),
                                                "--assume-roles", ROLE_A)])
    assert result.code == 0, result.err
    # said on the prompt channel (none here: so on stderr), then taken down
    assert result.err == (f"aws-login: approve the sign-in on your phone (JumpCloud Protect, "
                          f"{USER})\n")
    assert identity_arn(result.out) == f"arn:aws:sts::111111111111:assumed-role/A/{USER}"
    push = next(iter(jc.fake.requests[3:4])).path
    assert jc.fake.paths() == [XSRF, AUTH, "POST /userconsole/auth/push",
                               f"GET {push}", f"GET {push}", f"GET {push}",
                               f"POST {push}/login", IDP]
    assert calls.actions()[:2] == ["AssumeRoleWithSAML", "GetCallerIdentity"]


def test_push_is_polled_every_half_second(jc: JcWorld) -> None:
    push_user(jc.fake)
    jc.fake.push_polls_before_outcome = 4
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        jc.sleep(seconds)

    result = jc.run(["getcallerid", *jc.start(*jc.password_process())], sleep=sleep)
    assert result.code == 0, result.err
    assert waits == [0.5] * 4


@pytest.mark.parametrize(("mode", "offered", "paths"), [
    # auto: a configured code source means TOTP, even with push on offer
    ("auto", "both", [XSRF, AUTH, AUTH, IDP]),
    ("totp", "both", [XSRF, AUTH, AUTH, IDP]),
])
def test_a_code_source_means_totp(jc: JcWorld, mode: str, offered: str,
                                  paths: list[str]) -> None:
    push_user(jc.fake, totp=True)
    result = jc.run(["getcallerid", *jc.programs("--jumpcloud-mfa", mode)])
    assert (result.code, result.err) == (0, "")
    assert jc.fake.paths() == paths


def test_auto_without_a_code_source_or_a_person_takes_push(jc: JcWorld) -> None:
    push_user(jc.fake, totp=True)
    result = jc.run(["getcallerid", *jc.start(*jc.password_process())])
    assert result.code == 0, result.err
    assert "POST /userconsole/auth/push" in jc.fake.paths()


@pytest.mark.parametrize(("answer", "push"), [("1", False), ("2", True), ("push", True)])
def test_auto_asks_a_person_when_both_are_offered(jc: JcWorld, answer: str, push: bool) -> None:
    push_user(jc.fake, totp=True)
    stdin = f"{answer}\n" + ("" if push else f"{jc.fake.totp_code()}\n")
    result = jc.run(["getcallerid", *jc.start(*jc.password_process())], stdin=stdin,
                     terminal=True)
    assert result.code == 0, result.err
    assert result.err.startswith(f"JumpCloud offers {USER} two second factors:\n"
                                 "  1) a TOTP code from your authenticator app\n"
                                 "  2) a push to JumpCloud Protect on your phone\n"
                                 "Second factor")
    assert ("POST /userconsole/auth/push" in jc.fake.paths()) is push


def test_totp_wanted_with_nobody_to_ask_fails_before_any_request(jc: JcWorld) -> None:
    result = jc.run(["getcallerid", *jc.start(*jc.password_process(), "--jumpcloud-mfa",
                                                "totp")])
    assert result.code == 2
    assert result.err == (
        "aws-login: error: --jumpcloud-mfa totp needs a TOTP code and nobody can be asked here "
        "(no terminal, /dev/tty or desktop dialog); pass --mfa-process COMMAND, use --prompt "
        "ykman for a YubiKey, or run it at a terminal\n")
    assert jc.fake.paths() == []


def test_only_totp_offered_with_nobody_to_ask_is_a_failed_sign_in(jc: JcWorld,
                                                                    calls: Recorder) -> None:
    """Known only once JumpCloud has answered the password: exit 1, not a usage error."""
    result = jc.run(["getcallerid", *jc.start(*jc.password_process())])
    assert failed(result.code, result.err) == (
        f"JumpCloud asks {USER} for a TOTP code and nobody can be asked here (no terminal, "
        "/dev/tty or desktop dialog); pass --mfa-process COMMAND, use --prompt ykman for a "
        "YubiKey, or run it at a terminal")
    assert jc.fake.paths() == [XSRF, AUTH]
    assert calls.actions() == []


def test_push_wanted_with_a_console_that_lists_no_factors(jc: JcWorld) -> None:
    push_user(jc.fake)
    jc.fake.mfa_required_form = "redirect-login"
    result = jc.run(["getcallerid", *jc.start(*jc.password_process(),
                                                "--jumpcloud-mfa", "push")])
    assert result.code == 0, result.err
    assert "POST /userconsole/auth/push" in jc.fake.paths()


# --- roles and lifetime ------------------------------------------------------------------

def test_several_roles_chosen_by_option(jc: JcWorld, calls: Recorder) -> None:
    jc.fake.add_app("aws-prod", [ADMIN, READ_ONLY])
    jc.fake.roles_encoding = "attributes"  # moto reads only this encoding of several roles
    jc.fake.provider_first = True
    result = jc.run(["getcallerid", *jc.programs("--saml-role-arn", READ_ONLY)])
    assert (result.code, result.err) == (0, "")
    assert identity_arn(result.out) == (f"arn:aws:sts::123456789012:assumed-role/ReadOnly/"
                                        f"{USER}")
    assert calls.only("AssumeRoleWithSAML").params["RoleArn"] == READ_ONLY


@pytest.mark.parametrize("encoding", ["values", "attributes"])
def test_several_roles_without_a_person_fail_listing_them(jc: JcWorld, calls: Recorder,
                                                          encoding: str) -> None:
    jc.fake.add_app("aws-prod", [ADMIN, READ_ONLY])
    jc.fake.roles_encoding = encoding  # type: ignore[assignment]
    result = jc.run(["getcallerid", *jc.programs()])
    assert (result.code, error_line(result.err)) == (
        1, "aws-login: error: JumpCloud's SAML assertion grants 2 roles; choose one with "
           f"--saml-role-arn ARN: {ADMIN}, {READ_ONLY}")
    assert calls.actions() == []


def test_several_roles_asked_of_a_person(jc: JcWorld) -> None:
    jc.fake.add_app("aws-prod", [ADMIN, READ_ONLY])
    jc.fake.roles_encoding = "attributes"
    result = jc.run(["getcallerid", *jc.programs()], stdin="2\n", terminal=True)
    assert result.code == 0, result.err
    assert "The SAML assertion grants these roles:" in result.err
    assert identity_arn(result.out).endswith(f":assumed-role/ReadOnly/{USER}")


def test_a_role_the_assertion_does_not_grant(jc: JcWorld, calls: Recorder) -> None:
    result = jc.run(["getcallerid", *jc.programs("--saml-role-arn", READ_ONLY)])
    assert (result.code, error_line(result.err)) == (
        1, f"aws-login: error: --saml-role-arn {READ_ONLY} is not a role JumpCloud's SAML "
           f"assertion grants; it grants {ADMIN}")
    assert calls.actions() == []


def test_session_duration_is_honoured_unless_duration_says(jc: JcWorld, calls: Recorder) -> None:
    jc.fake.session_duration = 7200
    result = jc.run(["dumpcreds", "--credential-helper", *jc.programs()])
    assert result.code == 0, result.err
    assert calls.only("AssumeRoleWithSAML").params["DurationSeconds"] == "7200"
    calls.clear()
    jc.next_step()
    result = jc.run(["dumpcreds", "--credential-helper",
                     *jc.start(*jc.password_process(), *jc.code_process(), "--duration",
                               "1800")])
    assert result.code == 0, result.err
    assert calls.only("AssumeRoleWithSAML").params["DurationSeconds"] == "1800"


# --- failures: one line, exit 1 -----------------------------------------------------------

def failed(result_code: int, err: str) -> str:
    assert result_code == 1, err
    return error_line(err).removeprefix("aws-login: error: ")


def test_wrong_password_from_a_program(jc: JcWorld, calls: Recorder) -> None:
    result = jc.run(["getcallerid", *jc.start(*jc.password_process("wrong"),
                                                *jc.code_process())])
    assert failed(result.code, result.err) == (
        f"JumpCloud refused the email or password of {USER} (HTTP 401: Authentication "
        "failed.) with the password from --password-process cat; check that it prints the "
        "JumpCloud password, and the email (not the user name)")
    assert jc.fake.paths() == [XSRF, AUTH]
    assert calls.actions() == []


def test_a_wrong_typed_password_is_asked_once_more(jc: JcWorld) -> None:
    code = jc.fake.totp_code()
    result = jc.run(["getcallerid", *jc.start()],
                     stdin=f"wrong\n{DEFAULT_PASSWORD}\n{code}\n", terminal=True)
    assert result.code == 0, result.err
    assert result.err == (f"JumpCloud password for {USER}: aws-login: JumpCloud refused the "
                          "email or password; type the password again\n"
                          f"JumpCloud password for {USER}: JumpCloud TOTP code for {USER}: ")
    assert jc.fake.paths() == [XSRF, AUTH, AUTH, AUTH, IDP]


def test_a_wrong_typed_password_twice_fails(jc: JcWorld) -> None:
    result = jc.run(["getcallerid", *jc.start()], stdin="wrong\nworse\n", terminal=True)
    assert result.code == 1
    # (a hidden answer is not echoed, so the error follows the question on its line)
    assert result.err.splitlines()[-1] == (
        f"JumpCloud password for {USER}: aws-login: error: JumpCloud refused the email or "
        f"password of {USER} (HTTP 401: "
        "Authentication failed.); check them at a terminal (JumpCloud signs in with the "
        "email, not the user name; it locks an account after a few failures)")


def test_an_unknown_email(jc: JcWorld) -> None:
    result = jc.run(["getcallerid", "--jumpcloud-url", jc.url, "--jumpcloud-email",
                      "bob@example.com", *jc.password_process(), "--prompt", "none"])
    assert failed(result.code, result.err).startswith(
        "JumpCloud refused the email or password of bob@example.com (HTTP 401: "
        "Authentication failed.)")


@pytest.mark.parametrize("body", ["error-multifactor", "auth-failed", "empty"])
def test_a_wrong_code_then_the_right_one(jc: JcWorld, body: str) -> None:
    jc.fake.wrong_code_body = body  # type: ignore[assignment]
    stdin = f"{wrong_code(jc.fake)}\n{jc.fake.totp_code()}\n"
    result = jc.run(["getcallerid", *jc.start(*jc.password_process())], stdin=stdin,
                     terminal=True)
    assert result.code == 0, result.err
    assert result.err == (f"JumpCloud TOTP code for {USER}: aws-login: JumpCloud refused the "
                          f"code; type the current one\nJumpCloud TOTP code for {USER}: ")
    assert jc.fake.paths() == [XSRF, AUTH, AUTH, AUTH, IDP]


def test_a_wrong_code_through_the_totp_path_then_the_right_one(jc: JcWorld) -> None:
    jc.fake.totp_submission = "totp-path"
    stdin = f"{wrong_code(jc.fake)}\n{jc.fake.totp_code()}\n"
    result = jc.run(["getcallerid", *jc.start(*jc.password_process())], stdin=stdin,
                     terminal=True)
    assert result.code == 0, result.err
    # the second code goes straight to /auth/totp
    assert jc.fake.paths() == [XSRF, AUTH, AUTH, TOTP_PATH, TOTP_PATH, IDP]


def test_three_wrong_codes_fail(jc: JcWorld) -> None:
    wrong = wrong_code(jc.fake)
    others = [code for code in ("555555", "666666", "777777") if code != wrong][:2]
    result = jc.run(["getcallerid", *jc.start(*jc.password_process())],
                     stdin="".join(f"{code}\n" for code in (wrong, *others)), terminal=True)
    assert result.code == 1
    assert result.err.splitlines()[-1] == (
        f"JumpCloud TOTP code for {USER}: aws-login: error: JumpCloud refused the TOTP code 3 "
        "times; check that the "
        f"authenticator app shows {USER}'s JumpCloud account and that the device's clock is "
        "right")


def test_a_wrong_code_from_a_program(jc: JcWorld) -> None:
    result = jc.run(["getcallerid", *jc.start(*jc.password_process(),
                                                *jc.code_process(wrong_code(jc.fake)))])
    assert failed(result.code, result.err) == (
        "JumpCloud refused the TOTP code from --mfa-process cat; check that it gives the "
        f"current code of {USER}'s JumpCloud account")


def test_a_code_already_used_says_wait_for_the_next(jc: JcWorld) -> None:
    argv = ["getcallerid", *jc.programs()]  # the same code file for both runs
    assert jc.run(argv).code == 0
    second = jc.run(argv, sleep=no_sleep)  # the wait is not waited here
    assert second.code == 1
    assert second.err == (
        "aws-login: waiting 15 s for the next TOTP code (the last sign-in used the current "
        "one)\n"
        "aws-login: error: JumpCloud refused the TOTP code from --mfa-process cat: it was "
        "already used by the last sign-in (a code is good once); wait for the next code (in "
        "15 s) and run again\n")


def test_a_program_code_waits_for_the_next_step_after_a_sign_in(jc: JcWorld) -> None:
    argv = ["getcallerid", *jc.programs()]
    assert jc.run(argv).code == 0
    waits: list[float] = []

    def sleep(seconds: float) -> None:  # the next step comes: the program's code changes
        waits.append(seconds)
        jc.sleep(seconds)
        jc.code_file(jc.fake.totp_code())

    second = jc.run(argv, sleep=sleep)
    assert second.code == 0, second.err
    assert waits == [15]


def test_a_person_told_the_code_was_used_types_the_next(jc: JcWorld) -> None:
    code = jc.fake.totp_code()
    first = jc.run(["getcallerid", *jc.start(*jc.password_process())], stdin=f"{code}\n",
                    terminal=True)
    assert first.code == 0, first.err
    jc.fake.time_offset += 10  # still the same step: the app still shows the same code
    following = jc.fake.totp_code(at=jc.fake.now() + 30)
    second = jc.run(["getcallerid", *jc.start(*jc.password_process())],
                     stdin=f"{code}\n{code}\n{following}\n", terminal=True)
    assert second.code == 0, second.err
    assert second.err == (
        f"JumpCloud TOTP code for {USER} (the last sign-in used the current one: wait for the "
        "next, in 5 s): aws-login: JumpCloud refused the code: it was already used (a code is "
        f"good once); wait for the next code\nJumpCloud TOTP code for {USER}: aws-login: "
        "JumpCloud refused that code already; wait for the next code\n"
        f"JumpCloud TOTP code for {USER}: ")


@pytest.mark.parametrize("status", [401, 200])
def test_push_denied(jc: JcWorld, calls: Recorder, status: int) -> None:
    push_user(jc.fake)
    jc.fake.push_outcome = "denied"
    jc.fake.push_denied_status = status
    result = jc.run(["getcallerid", *jc.start(*jc.password_process())])
    assert result.code == 1
    assert result.err.splitlines()[-1] == (
        "aws-login: error: the JumpCloud Protect push was denied on the phone; run again and "
        "approve it, or use --jumpcloud-mfa totp")
    assert "/login" not in " ".join(jc.fake.paths())
    assert calls.actions() == []


@pytest.mark.parametrize("outcome", ["expired", "pending"])
def test_push_expired(jc: JcWorld, calls: Recorder, outcome: str) -> None:
    """"expired" from JumpCloud, or never decided: the client's own deadline (expiresAt)."""
    push_user(jc.fake)
    jc.fake.push_outcome = outcome  # type: ignore[assignment]
    jc.fake.push_lifetime = 3
    result = jc.run(["getcallerid", *jc.start(*jc.password_process())])
    assert result.code == 1
    assert result.err.splitlines()[-1] == (
        "aws-login: error: the JumpCloud Protect push expired before it was approved; run "
        "again and approve it on your phone in time")
    polls = [path for path in jc.fake.paths() if path.startswith("GET /userconsole/auth/push/")]
    assert len(polls) == (2 if outcome == "expired" else 7)  # every 0.5 s for 3 s
    assert calls.actions() == []


def test_a_locked_account(jc: JcWorld, calls: Recorder) -> None:
    jc.fake.lock_user()
    result = jc.run(["getcallerid", *jc.programs()])
    assert failed(result.code, result.err) == (
        f"JumpCloud says the account {USER} is locked (HTTP 401: Your account has been locked. "
        "Contact your administrator.); ask your JumpCloud administrator to unlock it, or wait "
        "if your organisation unlocks accounts after some minutes")
    assert calls.actions() == []


def test_an_app_not_assigned(jc: JcWorld, calls: Recorder) -> None:
    jc.fake.unassign()
    result = jc.run(["getcallerid", *jc.programs()])
    assert failed(result.code, result.err) == (
        f"JumpCloud signed {USER} in, but {jc.url} answered a page titled 'Access denied' "
        "without a SAMLResponse: the AWS app not assigned to you (ask your JumpCloud "
        "administrator), or a wrong --jumpcloud-url")
    assert calls.actions() == []


def test_an_unknown_app(jc: JcWorld) -> None:
    url = jc.fake.idp_url("aws-nope")
    result = jc.run(["getcallerid", "--jumpcloud-url", url, "--jumpcloud-email", USER,
                      *jc.password_process(), *jc.code_process()])
    assert failed(result.code, result.err) == (
        f"JumpCloud has no application at {url} (HTTP 404); check --jumpcloud-url: the AWS "
        "app's IdP URL, in the JumpCloud admin console's SSO settings of the app")


def test_an_app_that_wants_mfa_the_sign_in_did_not_have(jc: JcWorld) -> None:
    jc.fake.add_user(USER, totp_secret=None)
    jc.fake.app_requires_mfa = True
    result = jc.run(["getcallerid", *jc.start(*jc.password_process())])
    assert failed(result.code, result.err) == (
        f"JumpCloud signed {USER} in, but {jc.url} answered a page titled 'Multi-factor "
        "authentication required' without a SAMLResponse: an app policy that wants MFA, "
        "which this sign-in did not have (enable TOTP or push for your account); the AWS app "
        "not assigned to you (ask your JumpCloud administrator), or a wrong --jumpcloud-url")


def test_a_page_with_an_unnamed_input_still_gives_the_assertion(jc: JcWorld) -> None:
    jc.fake.extra_unnamed_input = True
    result = jc.run(["getcallerid", *jc.programs()])
    assert (result.code, result.err) == (0, "")


def test_webauthn_or_duo_only(jc: JcWorld) -> None:
    jc.fake.add_user(USER, totp_secret=None, factors=[("webauthn", "available"),
                                                       ("duo", "unavailable")])
    result = jc.run(["getcallerid", *jc.start(*jc.password_process())])
    assert failed(result.code, result.err) == (
        f"JumpCloud asks {USER} for a second factor aws-login cannot use (webauthn); not "
        "supported yet: enable TOTP or push in JumpCloud")


def test_totp_wanted_but_only_push_offered(jc: JcWorld) -> None:
    push_user(jc.fake)
    result = jc.run(["getcallerid", *jc.start(*jc.password_process(),
                                                *jc.code_process("123456"),
                                                "--jumpcloud-mfa", "totp")])
    assert failed(result.code, result.err) == (
        f"--jumpcloud-mfa totp: JumpCloud offers {USER} no TOTP code (it offers a JumpCloud "
        "Protect push); use --jumpcloud-mfa push or auto")


@pytest.mark.parametrize("status", [403, 422, 417])
def test_an_xsrf_token_refused_once_is_fetched_again(jc: JcWorld, status: int) -> None:
    jc.fake.xsrf_failure_status = status
    jc.fake.refuse_xsrf_next = 1
    result = jc.run(["getcallerid", *jc.programs()])
    assert (result.code, result.err) == (0, "")
    assert jc.fake.paths() == [XSRF, AUTH, XSRF, AUTH, AUTH, IDP]


def test_an_xsrf_token_refused_twice(jc: JcWorld) -> None:
    jc.fake.refuse_xsrf_next = 2
    result = jc.run(["getcallerid", *jc.programs()])
    assert failed(result.code, result.err) == (
        "JumpCloud refused the sign-in's XSRF token twice (HTTP 403), even a fresh one; try "
        "again in a minute, and check AWS_LOGIN_JUMPCLOUD_CONSOLE_URL if it is set")


def test_jumpcloud_having_a_bad_moment_is_tried_again(jc: JcWorld) -> None:
    jc.fake.fail_next = 2
    result = jc.run(["getcallerid", *jc.programs()], sleep=no_sleep)
    assert (result.code, result.err) == (0, "")
    assert jc.fake.paths() == [XSRF, XSRF, XSRF, AUTH, AUTH, IDP]


def test_a_code_whose_answer_was_lost_is_not_sent_again(jc: JcWorld, calls: Recorder) -> None:
    """The connection closes after JumpCloud took the code: sent again, the code would be
    refused as used (and count as a failure towards a lockout)."""
    jc.fake.drop_answer_to, jc.fake.drop_answer_at = AUTH, 2  # the POST with the code
    result = jc.run(["getcallerid", *jc.programs()], sleep=no_sleep)
    assert failed(result.code, result.err) == (
        f"JumpCloud: the connection to {jc.fake.console_url}/userconsole/auth closed before an "
        "answer (ConnectionError); check the network and proxy settings")
    assert jc.fake.paths() == [XSRF, AUTH, AUTH]
    assert calls.actions() == []


def test_a_lost_answer_to_a_get_is_asked_again(jc: JcWorld) -> None:
    jc.fake.drop_answer_to = XSRF
    result = jc.run(["getcallerid", *jc.programs()], sleep=no_sleep)
    assert (result.code, result.err) == (0, "")
    assert jc.fake.paths() == [XSRF, XSRF, AUTH, AUTH, IDP]


def test_jumpcloud_unreachable(jc: JcWorld, monkeypatch: pytest.MonkeyPatch,
                               calls: Recorder) -> None:
    monkeypatch.setenv("AWS_LOGIN_JUMPCLOUD_CONSOLE_URL", NOWHERE)
    result = jc.run(["getcallerid", *jc.programs()], sleep=no_sleep)
    assert failed(result.code, result.err) == (
        f"JumpCloud: could not reach {NOWHERE} (ConnectionError); check the network and proxy "
        "settings (after 5 attempts)")
    assert calls.actions() == []


def test_the_wrong_console_is_said(jc: JcWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    """A console URL that answers with a web page (as /xsrf did for saml2aws, #1041)."""
    monkeypatch.setenv("AWS_LOGIN_JUMPCLOUD_CONSOLE_URL", jc.fake.idp_base)
    result = jc.run(["getcallerid", *jc.programs()])
    assert failed(result.code, result.err) == (
        f"JumpCloud's console at {jc.fake.idp_base} answered an HTML page, not the sign-in's XSRF "
        "token; check AWS_LOGIN_JUMPCLOUD_CONSOLE_URL (default https://console.jumpcloud.com)")


@pytest.mark.parametrize("rotate", [False, True])
def test_cookies_set_by_the_sign_in_are_kept(jc: JcWorld, rotate: bool) -> None:
    jc.fake.rotate_session_on_sign_in = rotate
    result = jc.run(["getcallerid", *jc.programs()])
    assert (result.code, result.err) == (0, "")


def test_the_context_fields_are_sent(jc: JcWorld) -> None:
    jc.fake.require_context_fields = True
    result = jc.run(["getcallerid", *jc.programs()])
    assert (result.code, result.err) == (0, "")


def test_nothing_is_written_when_a_sign_in_fails(jc: JcWorld) -> None:
    """No session, no assertion: only the locks, and the time step of the code
    JumpCloud took (so that the next run knows that code is spent), never the code."""
    jc.fake.unassign()
    code = jc.fake.totp_code()
    result = jc.run(["dumpcreds", "--use-cache", *jc.programs()])
    assert result.code == 1
    written = sorted(str(path.relative_to(jc.cache)) for path in jc.cache.rglob("*")
                     if path.is_file() and path.parent.name != "locks")
    assert written == ["jumpcloud/used-codes"]
    used = json.loads((jc.cache / "jumpcloud" / "used-codes").read_text())
    assert list(used.values()) == [int(jc.fake.now() // 30)]
    assert code not in (jc.cache / "jumpcloud" / "used-codes").read_text()
    assert (jc.cache / "jumpcloud" / "used-codes").stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize(("options", "account"), [
    (["--prompt", "ykman"], USER),  # by default the OATH account named after the email
    (["--ykman-account", "JumpCloud:alice"], "JumpCloud:alice"),
])
def test_the_code_from_a_yubikey(jc: JcWorld, monkeypatch: pytest.MonkeyPatch,
                                 options: list[str], account: str) -> None:
    folder = standin.install(jc.tmp / "bin")
    monkeypatch.setenv("STANDIN_LOG", str(jc.tmp / "standin.log"))
    monkeypatch.setenv("STANDIN_ANSWERS", jc.fake.totp_code())
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    result = jc.run(["getcallerid", *jc.start(*jc.password_process(), *options)])
    assert (result.code, result.err) == (0, "")
    assert [record["argv"] for record in standin.records(jc.tmp / "standin.log")] == [
        ["oath", "accounts", "code", "--single", account]]


def test_the_session_cookie_reaches_an_idp_on_another_host(cache_env: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The console sets its cookies without a Domain: only forwarding them by hand gets them
    to the IdP's host (here "localhost" beside the console's 127.0.0.1)."""
    with FakeJumpCloud(idp_host="localhost") as fake:
        monkeypatch.setenv("AWS_LOGIN_JUMPCLOUD_CONSOLE_URL", fake.console_url)
        jc = make_world(fake, cache_env, tmp_path, monkeypatch)
        assert jc.url.startswith("http://localhost:")
        result = jc.run(["getcallerid", *jc.programs()])
        assert (result.code, result.err) == (0, "")
        assert identity_arn(result.out) == SESSION
        assert jc.fake.requests[-1].cookies == ("_jumpcloud_user_console_", "_xsrf")


def test_the_fast_path_tells_jumpcloud_emails_apart() -> None:
    from aws_login import fastpath

    argv = ["dumpcreds", "--credential-helper", "--use-cache", "--jumpcloud-url",
            "https://sso.jumpcloud.com/saml2/aws-prod"]
    assert fastpath.eligible(argv, {})
    assert fastpath.entry_path(argv, {"JUMPCLOUD_EMAIL": "alice@example.com"}) != \
        fastpath.entry_path(argv, {"JUMPCLOUD_EMAIL": "bob@example.com"})
    # options that act on the keychain always take the normal path
    assert not fastpath.eligible([*argv, "--forget-password"], {})
    assert not fastpath.eligible([*argv, "--save-password"], {})
