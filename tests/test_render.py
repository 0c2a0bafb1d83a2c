"""Table tests of aws_login/render.py: the exact text of every outform, the credential_process
JSON, the default outform per platform, and what cmd.exe cannot carry."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from aws_login.errors import UsageError
from aws_login.model import Credentials
from aws_login.render import (
    OUTFORMS,
    cmd_value,
    credential_process_json,
    credential_variables,
    default_outform,
    fish_quote,
    format_expiration,
    posix_quote,
    powershell_quote,
    shell_exports,
)
from tests.helpers import USER_KEY_ID, USER_SECRET, run_cli

EXPIRY = datetime(2024, 5, 6, 7, 8, 9, tzinfo=timezone.utc)
ROLE_CREDENTIALS = Credentials("ASIAROLEEXAMPLE", "role/secret+key", "FwoGZXIvYXdzEJr==", EXPIRY)
LONG_TERM = Credentials(USER_KEY_ID, USER_SECRET)
# temporary credentials without a known expiration (e.g. AWS_SESSION_TOKEN from the env)
NO_EXPIRY = Credentials("ASIANOEXPIRY", "secret", "token", None)

EXPORTS = {
    ("linux", "role", "eu-west-1"): """\
# Your session credentials are...
export AWS_ACCESS_KEY_ID='ASIAROLEEXAMPLE'
export AWS_SECRET_ACCESS_KEY='role/secret+key'
export AWS_SESSION_TOKEN='FwoGZXIvYXdzEJr=='
unset AWS_SECURITY_TOKEN
export AWS_CREDENTIAL_EXPIRATION='2024-05-06T07:08:09Z'
export AWS_REGION='eu-west-1'
export AWS_DEFAULT_REGION='eu-west-1'
""",
    ("linux", "long", None): """\
# Your session credentials are...
export AWS_ACCESS_KEY_ID='AKIAIOSFODNN7EXAMPLE'
export AWS_SECRET_ACCESS_KEY='wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
unset AWS_SESSION_TOKEN
unset AWS_SECURITY_TOKEN
unset AWS_CREDENTIAL_EXPIRATION
""",
    ("linux", "noexpiry", None): """\
# Your session credentials are...
export AWS_ACCESS_KEY_ID='ASIANOEXPIRY'
export AWS_SECRET_ACCESS_KEY='secret'
export AWS_SESSION_TOKEN='token'
unset AWS_SECURITY_TOKEN
unset AWS_CREDENTIAL_EXPIRATION
""",
    ("fish", "role", "eu-west-1"): """\
# Your session credentials are...
set -gx AWS_ACCESS_KEY_ID 'ASIAROLEEXAMPLE'
set -gx AWS_SECRET_ACCESS_KEY 'role/secret+key'
set -gx AWS_SESSION_TOKEN 'FwoGZXIvYXdzEJr=='
set -e AWS_SECURITY_TOKEN
set -gx AWS_CREDENTIAL_EXPIRATION '2024-05-06T07:08:09Z'
set -gx AWS_REGION 'eu-west-1'
set -gx AWS_DEFAULT_REGION 'eu-west-1'
""",
    ("fish", "long", None): """\
# Your session credentials are...
set -gx AWS_ACCESS_KEY_ID 'AKIAIOSFODNN7EXAMPLE'
set -gx AWS_SECRET_ACCESS_KEY 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
set -e AWS_SESSION_TOKEN
set -e AWS_SECURITY_TOKEN
set -e AWS_CREDENTIAL_EXPIRATION
""",
    ("powershell", "role", "eu-west-1"): """\
# Your session credentials are...
$Env:AWS_ACCESS_KEY_ID = 'ASIAROLEEXAMPLE'
$Env:AWS_SECRET_ACCESS_KEY = 'role/secret+key'
$Env:AWS_SESSION_TOKEN = 'FwoGZXIvYXdzEJr=='
Remove-Item Env:AWS_SECURITY_TOKEN -ErrorAction SilentlyContinue
$Env:AWS_CREDENTIAL_EXPIRATION = '2024-05-06T07:08:09Z'
$Env:AWS_REGION = 'eu-west-1'
$Env:AWS_DEFAULT_REGION = 'eu-west-1'
""",
    ("powershell", "long", None): """\
# Your session credentials are...
$Env:AWS_ACCESS_KEY_ID = 'AKIAIOSFODNN7EXAMPLE'
$Env:AWS_SECRET_ACCESS_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
Remove-Item Env:AWS_SESSION_TOKEN -ErrorAction SilentlyContinue
Remove-Item Env:AWS_SECURITY_TOKEN -ErrorAction SilentlyContinue
Remove-Item Env:AWS_CREDENTIAL_EXPIRATION -ErrorAction SilentlyContinue
""",
    ("windows", "role", "eu-west-1"): """\
REM Your session credentials are...
set "AWS_ACCESS_KEY_ID=ASIAROLEEXAMPLE"
set "AWS_SECRET_ACCESS_KEY=role/secret+key"
set "AWS_SESSION_TOKEN=FwoGZXIvYXdzEJr=="
set "AWS_SECURITY_TOKEN="
set "AWS_CREDENTIAL_EXPIRATION=2024-05-06T07:08:09Z"
set "AWS_REGION=eu-west-1"
set "AWS_DEFAULT_REGION=eu-west-1"
""",
    ("windows", "long", None): """\
REM Your session credentials are...
set "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE"
set "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
set "AWS_SESSION_TOKEN="
set "AWS_SECURITY_TOKEN="
set "AWS_CREDENTIAL_EXPIRATION="
""",
}
CREDS = {"role": ROLE_CREDENTIALS, "long": LONG_TERM, "noexpiry": NO_EXPIRY}


@pytest.mark.parametrize(("outform", "creds", "region"), list(EXPORTS))
def test_shell_exports_exact_text(outform: str, creds: str, region: str | None) -> None:
    assert shell_exports(CREDS[creds], outform, region) == EXPORTS[outform, creds, region]


def test_mac_is_the_same_posix_text_as_linux() -> None:
    for creds, region in (("role", "eu-west-1"), ("long", None), ("noexpiry", None)):
        assert shell_exports(CREDS[creds], "mac", region) == EXPORTS["linux", creds, region]


def test_every_outform_has_a_table_entry() -> None:
    assert set(OUTFORMS) == {"linux", "mac", "windows", "powershell", "fish"}
    assert {form for form, _, _ in EXPORTS} == set(OUTFORMS) - {"mac"}


def test_credential_variables_order_and_clears() -> None:
    assert list(credential_variables(ROLE_CREDENTIALS, "us-gov-west-1").items()) == [
        ("AWS_ACCESS_KEY_ID", "ASIAROLEEXAMPLE"),
        ("AWS_SECRET_ACCESS_KEY", "role/secret+key"),
        ("AWS_SESSION_TOKEN", "FwoGZXIvYXdzEJr=="),
        ("AWS_SECURITY_TOKEN", None),
        ("AWS_CREDENTIAL_EXPIRATION", "2024-05-06T07:08:09Z"),
        ("AWS_REGION", "us-gov-west-1"),
        ("AWS_DEFAULT_REGION", "us-gov-west-1"),
    ]
    # an empty region is no region: nothing about the region is exported or cleared
    assert credential_variables(LONG_TERM, "") == {
        "AWS_ACCESS_KEY_ID": USER_KEY_ID, "AWS_SECRET_ACCESS_KEY": USER_SECRET,
        "AWS_SESSION_TOKEN": None, "AWS_SECURITY_TOKEN": None,
        "AWS_CREDENTIAL_EXPIRATION": None}


@pytest.mark.parametrize(("value", "expected"), [
    (datetime(2024, 5, 6, 7, 8, 9, tzinfo=timezone.utc), "2024-05-06T07:08:09Z"),
    # other zones are converted to UTC; sub-second precision is dropped
    (datetime(2024, 5, 6, 9, 8, 9, 999999, tzinfo=timezone(timedelta(hours=2))),
     "2024-05-06T07:08:09Z"),
    (datetime(2024, 12, 31, 20, 30, tzinfo=timezone(timedelta(hours=-5))),
     "2025-01-01T01:30:00Z"),
])
def test_format_expiration(value: datetime, expected: str) -> None:
    assert format_expiration(value) == expected


def test_credential_process_json_with_token_and_expiration() -> None:
    text = credential_process_json(ROLE_CREDENTIALS)
    assert text == """\
{
    "Version": 1,
    "AccessKeyId": "ASIAROLEEXAMPLE",
    "SecretAccessKey": "role/secret+key",
    "SessionToken": "FwoGZXIvYXdzEJr==",
    "Expiration": "2024-05-06T07:08:09Z"
}
"""
    assert list(json.loads(text)) == ["Version", "AccessKeyId", "SecretAccessKey",
                                      "SessionToken", "Expiration"]


def test_credential_process_json_long_term_has_no_token_or_expiration() -> None:
    assert credential_process_json(LONG_TERM) == """\
{
    "Version": 1,
    "AccessKeyId": "AKIAIOSFODNN7EXAMPLE",
    "SecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
}
"""
    assert json.loads(credential_process_json(NO_EXPIRY)) == {
        "Version": 1, "AccessKeyId": "ASIANOEXPIRY", "SecretAccessKey": "secret",
        "SessionToken": "token"}


def test_credential_process_json_escapes_awkward_values() -> None:
    creds = Credentials("ASIA", 'a"b\\c\nd\u00e9', "t\U0001F511", None)
    text = credential_process_json(creds)
    assert '"SecretAccessKey": "a\\"b\\\\c\\nd\\u00e9"' in text
    assert '"SessionToken": "t\\ud83d\\udd11"' in text
    assert json.loads(text)["SecretAccessKey"] == 'a"b\\c\nd\u00e9'


@pytest.mark.parametrize(("platform", "environ", "expected"), [
    ("linux", {}, "linux"),
    ("linux", {"SHELL": "/bin/bash"}, "linux"),
    ("linux", {"SHELL": "/usr/bin/zsh"}, "linux"),
    ("linux", {"SHELL": "/usr/bin/fish"}, "fish"),
    ("linux", {"SHELL": "fish"}, "fish"),
    ("linux", {"SHELL": "/usr/bin/fishy"}, "linux"),
    ("linux", {"SHELL": ""}, "linux"),
    ("darwin", {}, "mac"),
    ("darwin", {"SHELL": "/bin/zsh"}, "mac"),
    ("darwin", {"SHELL": "/opt/homebrew/bin/fish"}, "fish"),
    ("freebsd14", {"SHELL": "/bin/sh"}, "linux"),
    ("win32", {}, "powershell"),
    ("win32", {"PROMPT": "$P$G"}, "windows"),
    ("win32", {"PROMPT": "$P$G", "SHELL": "/usr/bin/fish"}, "windows"),
    ("win32", {"SHELL": "/usr/bin/bash"}, "powershell"),
])
def test_default_outform(platform: str, environ: dict[str, str], expected: str) -> None:
    assert default_outform(platform, environ) == expected


@pytest.mark.parametrize(("value", "expected"), [
    ("plain", "'plain'"),
    ("", "''"),
    ("it's", "'it'\\''s'"),
    ("'", "''\\'''"),
    ("a\\b$c`d\"e", "'a\\b$c`d\"e'"),
    ("x\ny", "'x\ny'"),
])
def test_posix_quote(value: str, expected: str) -> None:
    assert posix_quote(value) == expected


@pytest.mark.parametrize(("value", "expected"), [
    ("plain", "'plain'"),
    ("", "''"),
    ("it's", "'it\\'s'"),
    ("trailing\\", "'trailing\\\\'"),
    ("\\'", "'\\\\\\''"),
    ("$x (cmd) \"q\"", "'$x (cmd) \"q\"'"),
])
def test_fish_quote(value: str, expected: str) -> None:
    assert fish_quote(value) == expected


@pytest.mark.parametrize(("value", "expected"), [
    ("plain", "'plain'"),
    ("it's", "'it''s'"),
    ("$Env:X `n \"q\"", "'$Env:X `n \"q\"'"),
    # PowerShell also ends a verbatim string at the typographic single quotes
    ("a\u2018b\u2019c\u201ad\u201be", "'a\u2018\u2018b\u2019\u2019c\u201a\u201ad\u201b\u201be'"),
    ("\u201cdouble\u201d", "'\u201cdouble\u201d'"),
])
def test_powershell_quote(value: str, expected: str) -> None:
    assert powershell_quote(value) == expected


@pytest.mark.parametrize("value", ["a&b|c<d>e^f", "spaces and (parens)", "=x=", "ünï"])
def test_cmd_value_carries_what_quotes_protect(value: str) -> None:
    assert cmd_value("AWS_SECRET_ACCESS_KEY", value) == value


@pytest.mark.parametrize(("value", "shown"), [
    ("100%", "'%'"),
    ("wow!", "'!'"),
    ('say "hi"', "'\"'"),
    ("a\rb", "'\\r'"),
    ("a\nb", "'\\n'"),
    ("%x!\"", "'!\"%'"),
])
def test_cmd_value_refuses_what_cmd_cannot_carry(value: str, shown: str) -> None:
    with pytest.raises(UsageError) as info:
        cmd_value("AWS_SESSION_TOKEN", value)
    assert info.value.exit_code == 2
    assert info.value.message == (f"AWS_SESSION_TOKEN contains {shown}, which cmd.exe "
                                  "cannot carry; use --outform powershell")


def test_windows_outform_refuses_a_bad_token_but_powershell_carries_it() -> None:
    creds = Credentials("ASIA", "secret", "tok%en", None)
    with pytest.raises(UsageError, match=r"^AWS_SESSION_TOKEN contains '%'"):
        shell_exports(creds, "windows")
    assert "$Env:AWS_SESSION_TOKEN = 'tok%en'\n" in shell_exports(creds, "powershell")


# --- the same through the command line (environment keys: no network call) ---

def test_cli_windows_outform_refusal_exits_2_without_output_or_secret(
        user_keys: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret%with%percent")
    result = run_cli(["dumpcreds", "--outform", "windows"])
    assert (result.code, result.out) == (2, "")
    assert result.err == ("aws-login: error: AWS_SECRET_ACCESS_KEY contains '%', which cmd.exe "
                          "cannot carry; use --outform powershell\n")


def test_cli_default_outform_follows_shell(user_keys: None,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHELL", "/usr/local/bin/fish")
    result = run_cli(["dumpcreds"])
    assert (result.code, result.err) == (0, "")
    assert result.out == EXPORTS["fish", "long", None]
    monkeypatch.setenv("SHELL", "/bin/bash")
    result = run_cli(["dumpcreds", "--region", "eu-west-1"])
    assert result.out == EXPORTS["linux", "long", None] + (
        "export AWS_REGION='eu-west-1'\nexport AWS_DEFAULT_REGION='eu-west-1'\n")


def test_cli_credential_helper_prints_json(user_keys: None) -> None:
    result = run_cli(["dumpcreds", "--credential-helper"])
    assert (result.code, result.err) == (0, "")
    assert result.out == credential_process_json(LONG_TERM)


def test_cli_outform_and_credential_helper_are_exclusive(user_keys: None) -> None:
    result = run_cli(["dumpcreds", "--credential-helper", "--outform", "fish"])
    assert (result.code, result.out) == (2, "")
    assert result.err.startswith("aws-login: error: argument --outform: not allowed with "
                                 "argument --credential-helper")


# --- a failed dumpcreds: nothing on stdout, or with --unset-stale only the unset lines ---

UNSET_LINES = {
    "linux": ("# aws-login failed; clearing the previous credentials", "unset {}"),
    "mac": ("# aws-login failed; clearing the previous credentials", "unset {}"),
    "fish": ("# aws-login failed; clearing the previous credentials", "set -e {}"),
    "powershell": ("# aws-login failed; clearing the previous credentials",
                   "Remove-Item Env:{} -ErrorAction SilentlyContinue"),
    "windows": ("REM aws-login failed; clearing the previous credentials", 'set "{}="'),
}
STALE_NAMES = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
               "AWS_SECURITY_TOKEN", "AWS_CREDENTIAL_EXPIRATION"]
# a usage error (exit 2) and a failed operation (no credentials anywhere: exit 1)
FAILURES = [(("--profile", "nosuch"), 2), ((), 1)]


@pytest.mark.parametrize("outform", OUTFORMS)
@pytest.mark.parametrize(("words", "code"), FAILURES)
def test_a_failed_run_prints_nothing_on_stdout(aws_env: Path, outform: str,
                                               words: tuple[str, ...], code: int) -> None:
    result = run_cli(["dumpcreds", "--outform", outform, *words])
    assert (result.code, result.out) == (code, "")
    assert result.err.startswith("aws-login: error: ") and result.err.count("\n") == 1


@pytest.mark.parametrize("outform", OUTFORMS)
@pytest.mark.parametrize(("words", "code"), FAILURES)
def test_unset_stale_on_failure_prints_only_the_unset_lines(
        aws_env: Path, outform: str, words: tuple[str, ...], code: int) -> None:
    result = run_cli(["dumpcreds", "--unset-stale", "--outform", outform, *words])
    header, line = UNSET_LINES[outform]
    assert (result.code, result.out) == (
        code, "\n".join([header, *(line.format(name) for name in STALE_NAMES)]) + "\n")
    assert result.err.startswith("aws-login: error: ") and result.err.count("\n") == 1


def test_unset_stale_on_success_is_the_usual_exports(user_keys: None) -> None:
    plain = run_cli(["dumpcreds", "--outform", "linux"])
    opted = run_cli(["dumpcreds", "--outform", "linux", "--unset-stale"])
    assert (opted.code, opted.out, opted.err) == (0, plain.out, "")
    assert plain.out.startswith("# Your session credentials are...\n")


@pytest.mark.parametrize(("outform", "expected"), [
    ("linux", "# hi\nexport A='http://x/p'\nexport B='t'\\''k'\n"),
    ("fish", "# hi\nset -gx A 'http://x/p'\nset -gx B 't\\'k'\n"),
    ("powershell", "# hi\n$Env:A = 'http://x/p'\n$Env:B = 't''k'\n"),
    ("windows", 'REM hi\nset "A=http://x/p"\nset "B=t\'k"\n'),
])
def test_shell_settings(outform: str, expected: str) -> None:
    from aws_login.render import shell_settings

    assert shell_settings({"A": "http://x/p", "B": "t'k"}, outform, "hi") == expected
