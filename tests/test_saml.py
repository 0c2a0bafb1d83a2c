"""SAML as a starting source: assertions built here, AssumeRoleWithSAML against moto's STS on
127.0.0.1 (its recorder keeps each call's parameters), role choice, SessionDuration, bad input
caught before any request, chains, the session cache, runas and console on top."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import requests

from aws_login import saml_assertion as saml
from tests.fakes.moto_server import Recorder
from tests.fakes.saml import (
    ADMIN,
    DEPLOY,
    PROVIDER,
    READ_ONLY,
    USER,
    encode,
    pair,
    saml_assertion,
    saml_response,
)
from tests.helpers import ROLE_A, ROLE_B, error_line, identity_arn, run_cli

if TYPE_CHECKING:
    from tests.fakes.federation import FakeFederation

SESSION = f"arn:aws:sts::123456789012:assumed-role/Admin/{USER}"
LISTED = f"{ADMIN}, {READ_ONLY}, {DEPLOY}"


# --- helpers -------------------------------------------------------------------------------

def write(tmp_path: Path, text: str | bytes, name: str = "saml-response.txt") -> str:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return str(path)


# --- one role, several roles ---------------------------------------------------------------

@pytest.mark.parametrize("provider_first", [False, True])
def test_one_role_needs_no_choice_in_either_pair_order(cache_env: Path, calls: Recorder,
                                                       tmp_path: Path,
                                                       provider_first: bool) -> None:
    assertion = saml_assertion([pair(ADMIN, provider_first=provider_first)])
    result = run_cli(["getcallerid", "--saml-assertion", write(tmp_path, assertion)])
    assert result.code == 0, result.err
    assert result.err == ""
    assert identity_arn(result.out) == SESSION
    assert calls.actions() == ["AssumeRoleWithSAML", "GetCallerIdentity"]
    call = calls.only("AssumeRoleWithSAML")
    assert call.params == {"Action": "AssumeRoleWithSAML", "Version": "2011-06-15",
                           "RoleArn": ADMIN, "PrincipalArn": PROVIDER,
                           "SAMLAssertion": assertion}
    assert not call.signed  # the assertion is the proof
    assert calls.only("GetCallerIdentity").signed


def test_several_roles_choice_by_option(cache_env: Path, calls: Recorder, tmp_path: Path) -> None:
    assertion = saml_assertion([pair(ADMIN), pair(READ_ONLY, provider_first=True),
                                pair(DEPLOY)], layout="attributes")
    result = run_cli(["getcallerid", "--saml-assertion", write(tmp_path, assertion),
                      "--saml-role-arn", READ_ONLY])
    assert result.code == 0, result.err
    assert identity_arn(result.out) == f"arn:aws:sts::123456789012:assumed-role/ReadOnly/{USER}"
    call = calls.only("AssumeRoleWithSAML")
    assert (call.params["RoleArn"], call.params["PrincipalArn"]) == (READ_ONLY, PROVIDER)


def test_several_roles_without_a_terminal_fail_listing_them(cache_env: Path, calls: Recorder,
                                                            tmp_path: Path) -> None:
    assertion = saml_assertion([pair(ADMIN), pair(READ_ONLY, provider_first=True),
                                pair(DEPLOY)])
    result = run_cli(["getcallerid", "--saml-assertion", write(tmp_path, assertion)])
    assert result.code == 2
    assert result.out == ""
    assert error_line(result.err) == (
        "aws-login: error: the SAML assertion grants 3 roles; choose one with "
        f"--saml-role-arn ARN: {LISTED}")
    assert calls.actions() == []


def test_several_roles_on_a_terminal_are_asked_for(cache_env: Path, calls: Recorder,
                                                   tmp_path: Path) -> None:
    assertion = saml_assertion([pair(ADMIN), pair(READ_ONLY), pair(DEPLOY)],
                               layout="attributes")
    result = run_cli(["getcallerid", "--saml-assertion", write(tmp_path, assertion)],
                     terminal=True, stdin="7\n3\n")
    assert result.code == 0, result.err
    assert result.err == (
        "The SAML assertion grants these roles:\n"
        f"  1) {ADMIN}  (provider JumpCloud)\n"
        f"  2) {READ_ONLY}  (provider JumpCloud)\n"
        f"  3) {DEPLOY}  (provider JumpCloud)\n"
        "Role to assume [1-3]: aws-login: '7' is not one of 1-3\n"
        "Role to assume [1-3]: ")
    assert identity_arn(result.out) == f"arn:aws:sts::123456789012:assumed-role/Deploy/{USER}"
    assert calls.only("AssumeRoleWithSAML").params["RoleArn"] == DEPLOY


def test_an_answer_of_other_digits_is_asked_again(cache_env: Path, calls: Recorder,
                                                  tmp_path: Path) -> None:
    # "²" is a digit to str.isdigit but not a number to int().
    assertion = saml_assertion([pair(ADMIN), pair(READ_ONLY)], layout="attributes")
    result = run_cli(["getcallerid", "--saml-assertion", write(tmp_path, assertion)],
                     terminal=True, stdin="\u00b2\n2\n")
    assert result.code == 0, result.err
    assert "aws-login: '\u00b2' is not one of 1-2\n" in result.err
    assert calls.only("AssumeRoleWithSAML").params["RoleArn"] == READ_ONLY


def test_no_answer_on_the_terminal_is_a_usage_error(cache_env: Path, calls: Recorder,
                                                    tmp_path: Path) -> None:
    path = write(tmp_path, saml_assertion([pair(ADMIN), pair(READ_ONLY)]))
    result = run_cli(["getcallerid", "--saml-assertion", path], terminal=True, stdin="")
    assert result.code == 2
    assert result.err.splitlines()[-1] == (
        "aws-login: error: no role was chosen (end of input); pass --saml-role-arn ARN")
    assert calls.actions() == []


def test_a_role_the_assertion_does_not_grant_is_refused(cache_env: Path, calls: Recorder,
                                                        tmp_path: Path) -> None:
    path = write(tmp_path, saml_assertion([pair(ADMIN), pair(READ_ONLY)]))
    result = run_cli(["getcallerid", "--saml-assertion", path, "--saml-role-arn", ROLE_A])
    assert result.code == 2
    assert error_line(result.err) == (
        f"aws-login: error: --saml-role-arn {ROLE_A} is not a role the SAML assertion grants; "
        f"it grants {ADMIN}, {READ_ONLY}")
    assert calls.actions() == []


# --- standard input ------------------------------------------------------------------------

def test_assertion_on_standard_input_wrapped_like_base64_does(cache_env: Path, calls: Recorder
                                                              ) -> None:
    assertion = saml_assertion([pair(ADMIN)])
    wrapped = "\n".join(assertion[i:i + 76] for i in range(0, len(assertion), 76)) + "\n"
    result = run_cli(["getcallerid", "--saml-assertion", "-"], stdin=wrapped)
    assert result.code == 0, result.err
    assert identity_arn(result.out) == SESSION
    assert calls.only("AssumeRoleWithSAML").params["SAMLAssertion"] == assertion


def test_several_roles_on_standard_input_cannot_be_asked_for(cache_env: Path, calls: Recorder
                                                             ) -> None:
    # stdin holds the assertion, so it cannot also answer; a terminal does not change that.
    result = run_cli(["getcallerid", "--saml-assertion", "-"], terminal=True,
                     stdin=saml_assertion([pair(ADMIN), pair(READ_ONLY)]))
    assert result.code == 2
    assert error_line(result.err) == (
        "aws-login: error: the SAML assertion grants 2 roles; choose one with "
        f"--saml-role-arn ARN: {ADMIN}, {READ_ONLY}")
    assert calls.actions() == []


def test_url_encoded_form_value_is_accepted(cache_env: Path, calls: Recorder, tmp_path: Path
                                            ) -> None:
    """What "view source" of the request payload shows: SAMLResponse=...%2B...&RelayState="""
    assertion = saml_assertion([pair(ADMIN)], session_name="a+b@example.com")
    form = ("SAMLResponse=" + assertion.replace("+", "%2B").replace("/", "%2F")
            .replace("=", "%3D") + "&RelayState=")
    result = run_cli(["getcallerid", "--saml-assertion", write(tmp_path, form)])
    assert result.code == 0, result.err
    assert calls.only("AssumeRoleWithSAML").params["SAMLAssertion"] == assertion


# --- SessionDuration and --duration ----------------------------------------------------------

@pytest.mark.parametrize("attribute, option, sent, warning", [
    (7200, None, "7200", None),
    (7200, "1800", "1800", None),
    (None, "43200", "43200", None),
    (99999, None, "43200", "the SAML SessionDuration 99999 s is outside 900-43200 s; "
                           "using 43200 s"),
    (60, None, "900", "the SAML SessionDuration 60 s is outside 900-43200 s; using 900 s"),
    (None, None, None, None),
])
def test_session_duration_unless_duration_says_otherwise(
        cache_env: Path, calls: Recorder, tmp_path: Path, attribute: int | str | None,
        option: str | None, sent: str | None, warning: str | None) -> None:
    path = write(tmp_path, saml_assertion([pair(ADMIN)], session_duration=attribute))
    extra = [] if option is None else ["--duration", option]
    result = run_cli(["dumpcreds", "--credential-helper", "--saml-assertion", path, *extra])
    assert result.code == 0, result.err
    assert result.err == ("" if warning is None else f"aws-login: {warning}\n")
    assert calls.only("AssumeRoleWithSAML").params.get("DurationSeconds") == sent
    assert json.loads(result.out)["AccessKeyId"].startswith("ASIA")


@pytest.mark.parametrize("value", ["600", "43201"])
def test_duration_out_of_range_is_refused_before_reading_the_assertion(
        cache_env: Path, calls: Recorder, value: str) -> None:
    result = run_cli(["getcallerid", "--saml-assertion", "/nonexistent", "--duration", value])
    assert result.code == 2
    assert error_line(result.err) == (
        f"aws-login: error: --duration {value} is out of range; AssumeRoleWithSAML allows "
        "900-43200 seconds")
    assert calls.actions() == []


# --- bad input: one line, exit 2, nothing sent ------------------------------------------------

def _truncated_xml() -> tuple[str, int]:
    xml = saml_response([pair(ADMIN)])
    start = xml.index("<saml:AttributeStatement")
    return encode(xml[:start + 10]), start + 1


_CUT, _CUT_COLUMN = _truncated_xml()
_HINT = ("copy the SAMLResponse form field of the POST to https://signin.aws.amazon.com/saml "
         "from the browser's developer tools")
_BOMB = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
         '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
         '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">&lol2;'
         '</samlp:Response>')
_ENCRYPTED = ('<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
              'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"><saml:EncryptedAssertion>'
              '<xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#"/>'
              '</saml:EncryptedAssertion></samlp:Response>')


@pytest.mark.parametrize("content, message", [
    pytest.param("this is not base64!", "not base64 (it has characters outside A-Z a-z 0-9 + "
                 f"/ =); {_HINT}", id="not-base64"),
    pytest.param(saml_assertion([pair(ADMIN)])[:-3], "the base64 is cut short (its length "
                 "is not a whole number of blocks); copy the whole SAMLResponse value",
                 id="truncated-base64"),
    pytest.param(_CUT, "the decoded SAMLResponse is not well-formed XML (unclosed token at "
                 f"line 1, column {_CUT_COLUMN}); it looks cut short: copy the whole "
                 "SAMLResponse value", id="truncated-xml"),
    pytest.param(encode("just some words, not XML"), "the base64 does not decode to XML, so "
                 f"it is not a SAMLResponse; {_HINT}", id="not-xml"),
    pytest.param(encode("<html><body>Sign in</body></html>"), "the decoded XML is not a SAML "
                 f"2.0 Response (its root element is 'html'); {_HINT}", id="not-saml"),
    pytest.param(saml_assertion([pair(ADMIN)], role_attribute="https://example.com/groups"),
                 "the SAML assertion has no https://aws.amazon.com/SAML/Attributes/Role "
                 "attribute, so it grants no AWS role; ask the IdP's administrator to give "
                 "you access to an AWS role", id="no-role-attribute"),
    pytest.param(saml_assertion(["Admin", "arn:aws:iam::123456789012:role/Admin"]),
                 "no value of the SAML Role attribute is a role ARN and a SAML provider ARN "
                 "separated by a comma (e.g. arn:aws:iam::123456789012:role/Admin,"
                 "arn:aws:iam::123456789012:saml-provider/JumpCloud); fix the role mapping in "
                 "the IdP", id="no-role-pair"),
    pytest.param(encode(_BOMB), "the decoded XML declares a DOCTYPE or entities, which a SAML "
                 "response never does; refusing to read it", id="entity-bomb"),
    pytest.param(encode(_ENCRYPTED), "the assertion is encrypted, so aws-login cannot read "
                 "which roles it grants; turn off assertion encryption for the AWS "
                 "application in the IdP", id="encrypted"),
    pytest.param(saml_assertion([pair(ADMIN)],
                                status="urn:oasis:names:tc:SAML:2.0:status:Requester"),
                 "the IdP reports that the sign-in failed (Requester); sign in to the IdP "
                 "again and capture a new SAMLResponse", id="idp-failure"),
    pytest.param(saml_response([pair(ADMIN)]), "this is XML, not the base64 SAMLResponse; AWS "
                 f"needs the value exactly as the IdP sent it: {_HINT}", id="decoded-xml"),
    pytest.param(" \n", f"the input is empty; {_HINT}", id="empty"),
    pytest.param(b"\xff\xfe\x00S\x00A", "IS_NOT_TEXT", id="binary"),
])
def test_bad_input_is_one_line_and_nothing_is_sent(cache_env: Path, calls: Recorder,
                                                   tmp_path: Path, content: str | bytes,
                                                   message: str) -> None:
    path = write(tmp_path, content)
    result = run_cli(["getcallerid", "--saml-assertion", path])
    assert result.code == 2
    assert result.out == ""
    if message == "IS_NOT_TEXT":
        expected = (f"aws-login: error: --saml-assertion {path} is not text; it should hold "
                    "a SAMLResponse")
    else:
        expected = f"aws-login: error: --saml-assertion {path}: {message}"
    assert error_line(result.err) == expected
    assert calls.actions() == []


def test_unusable_files(cache_env: Path, calls: Recorder, tmp_path: Path) -> None:
    huge = write(tmp_path, "A" * (saml.MAX_INPUT_BYTES + 1), "huge.txt")
    cases = {
        str(tmp_path / "missing.txt"): f"--saml-assertion {tmp_path / 'missing.txt'}: no such "
                                       "file",
        str(tmp_path): f"--saml-assertion {tmp_path} is a folder; give the file that holds a "
                       "SAMLResponse",
        huge: f"--saml-assertion {huge} is larger than 400000 bytes, too large for a "
              "SAMLResponse; check that it is the right file",
    }
    for path, message in cases.items():
        result = run_cli(["getcallerid", "--saml-assertion", path])
        assert (result.code, error_line(result.err)) == (2, f"aws-login: error: {message}")
    long_but_readable = write(tmp_path, "A" * (saml.MAX_ASSERTION_CHARS + 4), "long.txt")
    result = run_cli(["getcallerid", "--saml-assertion", long_but_readable])
    assert (result.code, error_line(result.err)) == (
        2, f"aws-login: error: --saml-assertion {long_but_readable}: the SAMLResponse has "
           "100004 characters; AWS accepts at most 100000")
    assert calls.actions() == []


def test_unreadable_file(cache_env: Path, calls: Recorder, tmp_path: Path) -> None:
    # A path through a file fails as chmod 000 does for a normal user, but also as root.
    path = str(Path(write(tmp_path, saml_assertion([pair(ADMIN)]))) / "inside")
    result = run_cli(["getcallerid", "--saml-assertion", path])
    assert (result.code, error_line(result.err)) == (
        2, f"aws-login: error: --saml-assertion {path}: cannot read it: Not a directory")
    assert calls.actions() == []


def test_bad_input_in_a_real_process_has_no_traceback(cache_env: Path, calls: Recorder,
                                                      tmp_path: Path) -> None:
    from tests.helpers import run_process

    xml = "<samlp:Response xmlns:samlp='urn:oasis:names:tc:SAML:2.0:protocol'><unclosed>"
    path = write(tmp_path, encode(xml))
    result = run_process(["dumpcreds", "--saml-assertion", path])
    assert result.returncode == 2
    assert result.stderr == (
        f"aws-login: error: --saml-assertion {path}: the decoded SAMLResponse is not "
        f"well-formed XML (no element found at line 1, column {len(xml) + 1}); it looks cut "
        "short: copy the whole SAMLResponse value\n")
    assert calls.actions() == []


@pytest.mark.parametrize("argv, message", [
    (["--profile", "dev"], "give one starting source, not --saml-assertion and --profile"),
    (["--web-identity-token-file", "/t", "--web-identity-role-arn", ROLE_A],
     "give one starting source, not --saml-assertion and --web-identity-token-file"),
    (["--sso-access-token", "t0k3n", "--sso-region", "us-east-1", "--sso-acct-id",
      "111111111111", "--sso-role-name", "Admin"],
     "give one starting source, not --saml-assertion and an SSO role (--sso-acct-id, "
     "--sso-role-name)"),
    (["--get-session-token"], "GetSessionToken needs long-term IAM user keys, but a SAML "
                              "start gives a role session; drop --get-session-token / "
                              "--get-federation-token"),
    (["--assume-roles", ROLE_A, "--duration", "7200"],
     f"hop 1/1 ({ROLE_A}) is signed by role session credentials (the SAML start); AWS caps "
     "such chained role sessions at 3600 s, so use --duration 3600 or less"),
    (["--assume-roles", "arn:aws-cn:iam::111111111111:role/A"],
     f"the starting role {ADMIN} is in partition aws but --assume-roles is in aws-cn; a "
     "chain stays in one partition"),
    (["--region", "cn-north-1"],
     f"region cn-north-1 (from --region) is in partition aws-cn, but the starting role {ADMIN} "
     "is in aws; pass --region with a region of aws, e.g. us-east-1"),
    (["--saml-role-arn", "Admin"], "--saml-role-arn: 'Admin' is not a role ARN; expected e.g. "
                                   "arn:aws:iam::123456789012:role/Admin"),
])
def test_conflicts_are_usage_errors_before_any_request(cache_env: Path, calls: Recorder,
                                                       tmp_path: Path, argv: list[str],
                                                       message: str) -> None:
    path = write(tmp_path, saml_assertion([pair(ADMIN)]))
    result = run_cli(["getcallerid", "--saml-assertion", path, *argv])
    assert result.code == 2
    assert error_line(result.err) == f"aws-login: error: {message}"
    assert calls.actions() == []


def test_saml_role_arn_needs_the_assertion(cache_env: Path, calls: Recorder) -> None:
    result = run_cli(["getcallerid", "--saml-role-arn", ADMIN])
    assert (result.code, error_line(result.err)) == (
        2, "aws-login: error: --saml-role-arn chooses a role of --saml-assertion or "
           "--jumpcloud-url; add one of them")
    assert calls.actions() == []


def test_expired_assertion_fails_before_the_request(cache_env: Path, calls: Recorder,
                                                    tmp_path: Path) -> None:
    expired = datetime(2024, 5, 1, 9, 30, 15, tzinfo=timezone.utc)
    path = write(tmp_path, saml_assertion([pair(ADMIN)], expires=expired))
    result = run_cli(["getcallerid", "--saml-assertion", path])
    assert result.code == 1
    assert error_line(result.err) == (
        "aws-login: error: the SAML assertion expired at 2024-05-01 09:30:15 UTC (IdPs make "
        "them valid for a few minutes); sign in to the IdP again and capture a new "
        "SAMLResponse")
    assert calls.actions() == []


def test_debug_log_never_shows_the_assertion(cache_env: Path, calls: Recorder, tmp_path: Path
                                             ) -> None:
    assertion = saml_assertion([pair(ADMIN)], session_duration=3600)
    result = run_cli(["getcallerid", "--debug", "--saml-assertion", write(tmp_path, assertion)])
    assert result.code == 0, result.err
    assert (f"aws-login: debug: AssumeRoleWithSAML {ADMIN} via {PROVIDER} for 3600 s in "
            "us-east-1") in result.err.splitlines()
    assert assertion not in result.err and assertion[:40] not in result.err


# --- chains, cache, every command ------------------------------------------------------------

def test_saml_start_then_two_hop_chain(cache_env: Path, calls: Recorder, tmp_path: Path) -> None:
    path = write(tmp_path, saml_assertion([pair(ADMIN)]))
    result = run_cli(["getcallerid", "--saml-assertion", path, "--assume-roles",
                      f"{ROLE_A}, {ROLE_B}"])
    assert result.code == 0, result.err
    assert identity_arn(result.out) == f"arn:aws:sts::222222222222:assumed-role/B/{USER}"
    assert calls.actions() == ["AssumeRoleWithSAML", "GetCallerIdentity", "AssumeRole",
                               "AssumeRole", "GetCallerIdentity"]
    hops = [c.params for c in calls.calls if c.action == "AssumeRole"]
    assert [(h["RoleArn"], h["RoleSessionName"], h["DurationSeconds"]) for h in hops] == [
        (ROLE_A, USER, "900"), (ROLE_B, USER, "3600")]
    # The SAML session lives as the assertion says; the chain is capped by AWS anyway.
    assert "DurationSeconds" not in calls.only("AssumeRoleWithSAML").params


def test_session_cache_keys_on_the_assertion(cache_env: Path, calls: Recorder, tmp_path: Path
                                             ) -> None:
    assertion = saml_assertion([pair(ADMIN)])
    path = write(tmp_path, assertion)
    argv = ["dumpcreds", "--credential-helper", "--use-cache", "--saml-assertion", path,
            "--assume-roles", ROLE_A]
    first = run_cli(argv)
    assert first.code == 0, first.err
    assert calls.actions() == ["AssumeRoleWithSAML", "GetCallerIdentity", "AssumeRole"]
    calls.clear()
    second = run_cli(argv)
    assert second.code == 0, second.err
    assert calls.actions() == []
    assert json.loads(second.out)["AccessKeyId"] == json.loads(first.out)["AccessKeyId"]
    # Nothing on disk holds the assertion, not even in a file name.
    for file in cache_env.rglob("*"):
        assert assertion[:40] not in file.name
        if file.is_file():
            assert assertion[:40] not in file.read_text(errors="replace")
    # A new assertion (a new sign-in, maybe of someone else) is a new request.
    write(tmp_path, saml_assertion([pair(ADMIN)], session_name="bob@example.com"))
    third = run_cli(argv)
    assert third.code == 0, third.err
    assert calls.actions() == ["AssumeRoleWithSAML", "GetCallerIdentity", "AssumeRole"]


def test_runas_gives_the_child_the_saml_session(cache_env: Path, calls: Recorder, tmp_path: Path,
                                                capfd: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, saml_assertion([pair(ADMIN)]))
    result = run_cli(["runas", "--saml-assertion", path, "--", sys.executable, "-m",
                      "aws_login", "getcallerid"])
    assert result.code == 0, result.err
    assert identity_arn(capfd.readouterr().out) == SESSION


def test_other_partition_calls_sts_in_its_region(cache_env: Path, calls: Recorder, tmp_path: Path
                                                 ) -> None:
    role = "arn:aws-cn:iam::123456789012:role/Admin"
    provider = "arn:aws-cn:iam::123456789012:saml-provider/JumpCloud"
    path = write(tmp_path, saml_assertion([pair(role, provider)]))
    result = run_cli(["dumpcreds", "--credential-helper", "--debug", "--saml-assertion", path])
    assert result.code == 0, result.err
    assert (f"aws-login: debug: AssumeRoleWithSAML {role} via {provider} for AWS's default "
            "time in cn-north-1") in result.err.splitlines()
    assert calls.actions() == ["AssumeRoleWithSAML"]


def test_console_from_a_saml_start(cache_env: Path, calls: Recorder, tmp_path: Path,
                                   fed: FakeFederation) -> None:
    path = write(tmp_path, saml_assertion([pair(ADMIN)]))
    destination = fed.console_url("console/s3/home")
    result = run_cli(["console", "--no-browser", "--saml-assertion", path, "--destination",
                      destination])
    assert result.code == 0, result.err
    assert calls.actions() == ["AssumeRoleWithSAML"]
    page = requests.Session().get(result.out.strip(), timeout=10)
    assert page.status_code == 200
    assert f"<p id='who'>{SESSION}</p>" in page.text
    assert fed.actions() == ["getSigninToken", "login", "/console/s3/home"]


# --- the parser on its own --------------------------------------------------------------------

def test_one_attribute_with_many_values_equals_one_attribute_per_pair() -> None:
    roles = [pair(ADMIN), pair(READ_ONLY, provider_first=True), pair(DEPLOY)]
    values = saml.parse_assertion(saml_assertion(roles), "test")
    attributes = saml.parse_assertion(saml_assertion(roles, layout="attributes"), "test")
    expected = tuple(saml.SamlRole(role, PROVIDER) for role in (ADMIN, READ_ONLY, DEPLOY))
    assert values.roles == attributes.roles == expected
    assert values.session_name == USER


def test_role_names_with_commas_and_bad_values_are_told_apart() -> None:
    odd = "arn:aws:iam::123456789012:role/a,b"
    parsed = saml.parse_assertion(saml_assertion(
        [pair(odd, provider_first=True), "Admin,JumpCloud", pair(ADMIN), pair(ADMIN)]), "test")
    assert parsed.roles == (saml.SamlRole(odd, PROVIDER), saml.SamlRole(ADMIN, PROVIDER))
    assert parsed.ignored == ("Admin,JumpCloud",)


def test_expiry_is_the_earliest_not_on_or_after_with_seven_digit_fractions() -> None:
    later = datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    xml = saml_response([pair(ADMIN)], expires=later)
    # ADFS style: seven fractional digits, on the subject confirmation only.
    xml = xml.replace('NotOnOrAfter="2030-01-02T03:04:05.000Z"',
                      'NotOnOrAfter="2030-01-02T03:00:00.1234567Z"', 1)
    assert xml.count('NotOnOrAfter="2030-01-02T03:04:05.000Z"') == 1
    parsed = saml.parse_assertion(encode(xml), "test")
    assert parsed.not_on_or_after == datetime(2030, 1, 2, 3, 0, 0, 123456, tzinfo=timezone.utc)


@pytest.mark.parametrize("attribute, expected, warning", [
    (None, None, None),
    ("3600", 3600, None),
    (" 28800 ", 28800, None),
    ("8h", None, "ignoring the SAML SessionDuration '8h': not a number of seconds"),
    ("0", 900, "the SAML SessionDuration 0 s is outside 900-43200 s; using 900 s"),
])
def test_start_duration_from_the_attribute(attribute: str | None, expected: int | None,
                                           warning: str | None) -> None:
    warnings: list[str] = []
    assert saml.start_duration(attribute, warnings.append) == expected
    assert warnings == ([] if warning is None else [warning])


def test_expiry_uses_the_clock_of_the_context(cache_env: Path, calls: Recorder, tmp_path: Path
                                              ) -> None:
    expires = datetime.now(timezone.utc) + timedelta(minutes=5)
    path = write(tmp_path, saml_assertion([pair(ADMIN)], expires=expires))
    later = expires + saml.CLOCK_SKEW + timedelta(seconds=1)
    result = run_cli(["getcallerid", "--saml-assertion", path], now=lambda: later)
    assert result.code == 1
    assert "the SAML assertion expired at" in error_line(result.err)
    assert calls.actions() == []
