"""Bad input (issue 2): every row must exit 2 with one `aws-login: error: ...` line on stderr,
print nothing on stdout and send nothing to AWS."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakes.moto_server import LoopbackServer
from tests.helpers import run_cli, run_process

A = "arn:aws:iam::111111111111:role/A"
B = "arn:aws:iam::222222222222:role/B"
MFA = "arn:aws:iam::123456789012:mfa/alice"
BIG_POLICY = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject",'
              '"Resource":"arn:aws:s3:::' + "b" * 2100 + '"}]}')

ROWS = [
    # malformed role ARNs
    ("getcallerid", ["--assume-roles", "Admin"],
     "'Admin' is not a role ARN; expected e.g. arn:aws:iam::123456789012:role/Admin"),
    ("dumpcreds", ["--assume-roles", "arn:aws:iam::123456789012:user/alice"],
     "'arn:aws:iam::123456789012:user/alice' is not a role ARN"),
    ("runas", ["--assume-roles", "arn:aws:iam::123456789012", "--command", "true"],
     "'arn:aws:iam::123456789012' is not a role ARN"),
    ("getcallerid", ["--assume-roles", "arn:aws:iam::12345678901:role/A"],
     "'arn:aws:iam::12345678901:role/A': account '12345678901' is not valid; an AWS account "
     "id is 12 digits"),
    ("dumpcreds", ["--assume-roles", "arn:aws:iam::1234567890123:role/A"],
     "account '1234567890123' is not valid"),
    ("getcallerid", ["--assume-roles", "arn:aws:iam::12345678901x:role/A"],
     "account '12345678901x' is not valid"),
    ("getcallerid", ["--assume-roles", "arn:aws:iam::１２３４５６７８９０１２:role/A"],
     "is not valid; an AWS account id is 12 digits"),
    ("dumpcreds", ["--assume-roles", "arn:aws-mars:iam::123456789012:role/A"],
     "unknown partition 'aws-mars'; use one of aws, aws-us-gov, aws-cn"),
    ("getcallerid", ["--assume-roles", "arn:aws:sts::123456789012:role/A"],
     "is not an IAM role ARN"),
    ("runas", ["--assume-roles", "arn:aws:iam:eu-west-1:123456789012:role/A", "--", "true"],
     "is not an IAM role ARN"),
    ("getcallerid", ["--assume-roles", "arn:aws:iam::123456789012:role/Bad*Name"],
     "invalid role name 'Bad*Name'; use 1-64 characters from letters, digits and +=,.@_-"),
    ("dumpcreds", ["--assume-roles", "arn:aws:iam::123456789012:role/" + "n" * 65],
     "invalid role name"),
    ("getcallerid", ["--assume-roles", "arn:aws:iam::123456789012:role/team/"],
     "invalid role name ''"),
    ("getcallerid", ["--assume-roles", "arn:aws:iam::123456789012:role/tëam/A"],
     "invalid role path '/tëam/'; a path looks like /team/"),
    ("dumpcreds", ["--assume-roles", "arn:aws:iam::123456789012:role//A"],
     "invalid role path '//'"),
    ("getcallerid", ["--assume-roles", f"{A}, arn:aws-cn:iam::123456789012:role/C"],
     "--assume-roles mixes partitions (aws, aws-cn); a chain stays in one partition"),
    ("dumpcreds", ["--assume-roles", ""], "--assume-roles is empty; give one or more role ARNs"),
    ("runas", ["--assume-roles", " , ", "--command", "true"], "--assume-roles is empty"),
    # session names
    ("getcallerid", ["--assume-roles", A, "--role-session-name", "a"],
     "role session name 'a' is not valid; use 2-64 characters"),
    ("dumpcreds", ["--assume-roles", A, "--role-session-name", "alice smith"],
     "role session name 'alice smith' is not valid"),
    ("getcallerid", ["--assume-roles", A, "--role-session-name", "s" * 65],
     "role session name"),
    ("getcallerid", ["--role-session-name", "alice"],
     "--role-session-name applies to --assume-roles; add the roles"),
    # durations
    ("dumpcreds", ["--assume-roles", A, "--duration", "899"],
     "--duration 899 is out of range; AssumeRole allows 900-43200 seconds"),
    ("getcallerid", ["--assume-roles", A, "--duration", "43201"],
     "--duration 43201 is out of range"),
    ("dumpcreds", ["--assume-roles", A, "--duration", "-900"], "--duration -900 is out of range"),
    ("dumpcreds", ["--assume-roles", A, "--duration", "1h"],
     "argument --duration: '1h' is not a whole number of seconds, e.g. 3600"),
    ("runas", ["--assume-roles", A, "--duration", "3600.5", "--command", "true"],
     "'3600.5' is not a whole number of seconds"),
    ("getcallerid", ["--assume-roles", f"{A} {B}", "--duration", "3601"],
     f"hop 2/2 ({B}) is signed by the previous hop's role session; AWS caps such chained "
     "role sessions at 3600 s"),
    ("dumpcreds", ["--get-session-token", "--duration", "129601"],
     "--duration 129601 is out of range; GetSessionToken allows 900-129600 seconds"),
    ("dumpcreds", ["--get-federation-token", "--duration", "600"],
     "--duration 600 is out of range; GetFederationToken allows 900-129600 seconds"),
    ("getcallerid", ["--duration", "3600"], "--duration applies to --assume-roles or a session "
                                            "step"),
    # external ids
    ("getcallerid", ["--assume-roles", A, "--external-id", "x"],
     "--external-id is not valid; use 2-1224 characters"),
    ("dumpcreds", ["--assume-roles", A, "--external-id", "has space"],
     "--external-id is not valid"),
    ("getcallerid", ["--external-id", "abc123"],
     "--external-id applies to the first role of --assume-roles; add it"),
    # MFA
    ("getcallerid", ["--assume-roles", A, "--mfa-serial", "short", "--mfa-token", "123456"],
     "MFA serial 'short' is not valid; use the device ARN"),
    ("dumpcreds", ["--assume-roles", A, "--mfa-serial", MFA, "--mfa-token", "12345"],
     "MFA code is not valid; enter the 6 digits your device shows"),
    ("getcallerid", ["--get-session-token", "--mfa-serial", MFA, "--mfa-token", "abcdef"],
     "MFA code is not valid"),
    ("getcallerid", ["--assume-roles", A, "--mfa-token", "123456"],
     "--mfa-token needs --mfa-serial (the MFA device ARN)"),
    ("dumpcreds", ["--assume-roles", A, "--mfa-serial", MFA],
     "--mfa-serial needs an MFA code and standard input is not a terminal; pass --mfa-token "
     "CODE"),
    ("getcallerid", ["--mfa-serial", MFA, "--mfa-token", "123456"],
     "--mfa-serial applies to the first STS call; add --assume-roles or --get-session-token"),
    # the session step
    ("dumpcreds", ["--get-session-token", "--get-federation-token"],
     "argument --get-federation-token: not allowed with argument --get-session-token"),
    ("getcallerid", ["--get-federation-token", "--assume-roles", A],
     "--get-federation-token credentials cannot call AssumeRole; use --get-session-token "
     "with --assume-roles instead"),
    ("dumpcreds", ["--get-federation-token", "--mfa-serial", MFA, "--mfa-token", "123456"],
     "GetFederationToken does not take MFA; use --get-session-token with --mfa-serial"),
    ("dumpcreds", ["--federation-name", "alice"],
     "--federation-name and --federation-policy apply to --get-federation-token; add it"),
    ("dumpcreds", ["--get-federation-token", "--federation-name", "a"],
     "federation name 'a' is not valid; use 2-32 characters"),
    ("dumpcreds", ["--get-federation-token", "--federation-name", "f" * 33],
     "federation name"),
    ("getcallerid", ["--get-federation-token", "--federation-policy", "{not json"],
     "--federation-policy is not valid JSON (Expecting property name enclosed in double "
     "quotes at line 1); pass a policy document or file://PATH"),
    ("getcallerid", ["--get-federation-token", "--federation-policy", '["s3:*"]'],
     "--federation-policy must be an IAM policy document with a Statement"),
    ("getcallerid", ["--get-federation-token", "--federation-policy", BIG_POLICY],
     "characters without white space; AWS allows at most 2048"),
    ("getcallerid", ["--get-federation-token", "--federation-policy",
                     "file://{tmp}/missing.json"],
     "--federation-policy: cannot read {tmp}/missing.json: No such file or directory"),
    # output forms
    ("dumpcreds", ["--outform", "zsh"], "argument --outform: invalid choice: 'zsh'"),
    ("dumpcreds", ["--outform", "fish", "--credential-helper"],
     "argument --credential-helper: not allowed with argument --outform"),
    # regions and partitions
    ("getcallerid", ["--region", "useast1"],
     "region 'useast1' is not valid; expected e.g. us-east-1"),
    ("dumpcreds", ["--region", "US-EAST-1", "--assume-roles", A], "region 'US-EAST-1' is not"),
    ("getcallerid", ["--region", "cn-north-1", "--assume-roles", A],
     "--region cn-north-1 is in partition aws-cn but the roles are in aws; use a region of "
     "the roles' partition"),
    ("runas", ["--region", "us-east-1", "--assume-roles",
               "arn:aws-us-gov:iam::123456789012:role/G", "--", "true"],
     "--region us-east-1 is in partition aws but the roles are in aws-us-gov"),
    # the profile option
    ("getcallerid", ["--profile", ""], "--profile needs a profile name, e.g. --profile dev"),
    ("getcallerid", ["--profile"], "argument --profile: expected one argument"),
    # runas
    ("runas", [], "nothing to run; add --command \"aws s3 ls\" or -- PROGRAM ARGS"),
    ("runas", ["--command", "env", "--", "env"],
     "give either --command STRING or -- PROGRAM ARGS, not both"),
    ("runas", ["--command", "  "], "--command is empty; give the command to run"),
    # the command line itself
    ("getcallerid", ["--no-such-option"], "unrecognized arguments: --no-such-option"),
]


@pytest.mark.parametrize(("command", "args", "message"), [
    pytest.param(command, args, message, id=f"{index:02d}-{command}-{' '.join(args)[:40]}")
    for index, (command, args, message) in enumerate(ROWS)
])
def test_bad_input_is_refused_before_any_request(user_keys: None, sts: LoopbackServer,
                                                 tmp_path: Path, command: str, args: list[str],
                                                 message: str) -> None:
    args = [arg.replace("{tmp}", str(tmp_path)) for arg in args]
    result = run_cli([command, *args])
    assert result.code == 2, result.err
    assert result.out == ""
    assert result.err.startswith("aws-login: error: ")
    assert result.err.endswith("\n") and result.err.count("\n") == 1, result.err
    assert "Traceback" not in result.err
    assert message.replace("{tmp}", str(tmp_path)) in result.err
    assert sts.recorder.requests == []


@pytest.mark.parametrize(("environ", "message"), [
    ({"AWS_REGION": "cn-north-1"},
     "region cn-north-1 is not in partition aws of the role ARNs; pass --region with a aws "
     "region"),
    ({"AWS_DEFAULT_REGION": "us-gov-west-1"}, "is not in partition aws of the role ARNs"),
])
def test_a_configured_region_of_another_partition(user_keys: None, sts: LoopbackServer,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  environ: dict[str, str], message: str) -> None:
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    result = run_cli(["dumpcreds", "--assume-roles", A])
    assert (result.code, result.out) == (2, "")
    assert result.err.startswith("aws-login: error: ") and result.err.count("\n") == 1
    assert message in result.err
    assert sts.recorder.requests == []


def test_the_table_covers_every_command() -> None:
    assert len(ROWS) >= 25
    assert {command for command, _, _ in ROWS} == {"dumpcreds", "getcallerid", "runas"}
    assert len({(command, tuple(args)) for command, args, _ in ROWS}) == len(ROWS)


def test_a_real_process_exits_2_with_one_line(user_keys: None, sts: LoopbackServer) -> None:
    completed = run_process(["getcallerid", "--assume-roles", "arn:aws:iam::12345678901:role/A"])
    assert completed.returncode == 2
    assert completed.stdout == ""
    assert completed.stderr == (
        "aws-login: error: 'arn:aws:iam::12345678901:role/A': account '12345678901' is not "
        "valid; an AWS account id is 12 digits\n")
    assert sts.recorder.requests == []
