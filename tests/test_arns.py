"""Table tests of aws_login/arns.py: role ARNs, the other STS parameters, session name
sanitising and partitions. Pure functions, no servers."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aws_login import arns
from aws_login.arns import RoleArn
from aws_login.errors import EXIT_USAGE, UsageError
from tests.helpers import ROLE_A, ROLE_B

# --- role ARNs --------------------------------------------------------------------------------

NAME_64 = "R" * 64
PATH_512 = "/" + "p" * 510 + "/"


@pytest.mark.parametrize(("text", "expected"), [
    ("arn:aws:iam::123456789012:role/Admin", RoleArn("aws", "123456789012", "/", "Admin")),
    ("arn:aws:iam::000000000000:role/a", RoleArn("aws", "000000000000", "/", "a")),
    ("arn:aws-us-gov:iam::123456789012:role/Gov",
     RoleArn("aws-us-gov", "123456789012", "/", "Gov")),
    ("arn:aws-cn:iam::123456789012:role/China", RoleArn("aws-cn", "123456789012", "/", "China")),
    ("arn:aws:iam::123456789012:role/team/C", RoleArn("aws", "123456789012", "/team/", "C")),
    ("arn:aws:iam::123456789012:role/a/b/c/Deep",
     RoleArn("aws", "123456789012", "/a/b/c/", "Deep")),
    ("arn:aws:iam::123456789012:role/a//b/N", RoleArn("aws", "123456789012", "/a//b/", "N")),
    ("arn:aws:iam::123456789012:role/service-role/my_role+=,.@-x",
     RoleArn("aws", "123456789012", "/service-role/", "my_role+=,.@-x")),
    ("arn:aws:iam::123456789012:role/p!#$%&*~/N",
     RoleArn("aws", "123456789012", "/p!#$%&*~/", "N")),
    (f"arn:aws:iam::123456789012:role/{NAME_64}", RoleArn("aws", "123456789012", "/", NAME_64)),
    (f"arn:aws:iam::123456789012:role{PATH_512}N",
     RoleArn("aws", "123456789012", PATH_512, "N")),
])
def test_valid_role_arns_parse_and_print_back(text: str, expected: RoleArn) -> None:
    parsed = arns.parse_role_arn(text)
    assert parsed == expected
    assert str(parsed) == text


@pytest.mark.parametrize(("text", "message"), [
    ("", "'' is not a role ARN; expected e.g. arn:aws:iam::123456789012:role/Admin"),
    ("Admin", "'Admin' is not a role ARN"),
    ("123456789012", "'123456789012' is not a role ARN"),
    ("arn:aws:iam::123456789012:user/alice", "is not a role ARN"),
    ("arn:aws:iam::123456789012:role", "is not a role ARN"),
    ("arn:aws:iam::123456789012:Role/A", "is not a role ARN"),
    ("arn:aws:iam:123456789012:role/A", "is not a role ARN"),
    ("ARN:aws:iam::123456789012:role/A", "is not a role ARN"),
    ("arn:aws:sts::123456789012:role/A", "is not an IAM role ARN"),
    ("arn:aws:iam:us-east-1:123456789012:role/A", "is not an IAM role ARN"),
    ("arn:aws-xx:iam::123456789012:role/A",
     "unknown partition 'aws-xx'; use one of aws, aws-us-gov, aws-cn"),
    ("arn:AWS:iam::123456789012:role/A", "unknown partition 'AWS'"),
    ("arn::iam::123456789012:role/A", "unknown partition ''"),
    ("arn:aws:iam::12345678901:role/A",
     "account '12345678901' is not valid; an AWS account id is 12 digits"),
    ("arn:aws:iam::1234567890123:role/A", "account '1234567890123' is not valid"),
    ("arn:aws:iam::12345678901a:role/A", "account '12345678901a' is not valid"),
    ("arn:aws:iam:::role/A", "account '' is not valid"),
    ("arn:aws:iam::123456789012:role/", "invalid role name ''"),
    ("arn:aws:iam::123456789012:role/team/", "invalid role name ''"),
    ("arn:aws:iam::123456789012:role/Bad*Name", "invalid role name 'Bad*Name'; use 1-64"),
    ("arn:aws:iam::123456789012:role/a:b", "invalid role name 'a:b'"),
    ("arn:aws:iam::123456789012:role/Rôle", "invalid role name 'Rôle'"),
    (f"arn:aws:iam::123456789012:role/{NAME_64}X", "invalid role name"),
    ("arn:aws:iam::123456789012:role/tëam/A", "invalid role path '/tëam/'"),
    ("arn:aws:iam::123456789012:role/a b/A", "invalid role path '/a b/'"),
    ("arn:aws:iam::123456789012:role//A", "invalid role path '//'"),
    (f"arn:aws:iam::123456789012:role/{'p' * 511}/N", "invalid role path"),
    ("arn:aws:iam::123456789012:role/" + "p/" * 1100 + "N", "AWS allows at most 2048"),
])
def test_invalid_role_arns_are_refused_with_a_helpful_message(text: str, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        arns.parse_role_arn(text)
    assert message in caught.value.message
    assert caught.value.exit_code == EXIT_USAGE


def test_long_values_are_shortened_in_messages() -> None:
    text = "x" * 500
    with pytest.raises(UsageError) as caught:
        arns.parse_role_arn(text)
    assert caught.value.message == (
        f"'{'x' * 77}...' is not a role ARN; expected e.g. arn:aws:iam::123456789012:role/Admin")


COMMA = "arn:aws:iam::333333333333:role/x,y"  # a comma is legal in a role name


@pytest.mark.parametrize(("text", "expected"), [
    (ROLE_A, [ROLE_A]),
    (f"{ROLE_A},{ROLE_B}", [ROLE_A, ROLE_B]),
    (f"{ROLE_A}, {ROLE_B}", [ROLE_A, ROLE_B]),
    (f"{ROLE_A} {ROLE_B}", [ROLE_A, ROLE_B]),
    (f"{ROLE_A}\t{ROLE_B}\n{COMMA}", [ROLE_A, ROLE_B, COMMA]),
    (f" ,{ROLE_A} ,, {ROLE_B}, ", [ROLE_A, ROLE_B]),
    (f"{ROLE_A},,{ROLE_B},", [ROLE_A, ROLE_B]),
    (COMMA, [COMMA]),
    (f"{COMMA},{ROLE_A}", [COMMA, ROLE_A]),
    (f"{ROLE_A},{COMMA}, {ROLE_B}", [ROLE_A, COMMA, ROLE_B]),
    ("a, b", ["a", "b"]),
    ("", []),
    (" , ,", []),
])
def test_split_role_list_accepts_commas_and_white_space(text: str, expected: list[str]) -> None:
    assert arns.split_role_list(text) == expected
    assert [str(arns.parse_role_arn(item)) for item in expected if item.startswith("arn:")] \
        == [item for item in expected if item.startswith("arn:")]


# --- the other STS parameters -----------------------------------------------------------------

@pytest.mark.parametrize("text", ["123456789012", "000000000000"])
def test_valid_account_ids(text: str) -> None:
    assert arns.validate_account_id(text) == text


@pytest.mark.parametrize("text", ["", "12345678901", "1234567890123", "12345678901a",
                                  " 123456789012", "123456789012\n", "１２３４５６７８９０１２"])
def test_invalid_account_ids(text: str) -> None:
    with pytest.raises(UsageError, match="an AWS account id is 12 digits"):
        arns.validate_account_id(text)


@pytest.mark.parametrize(("function", "valid", "invalid", "message"), [
    (arns.validate_session_name,
     ["ab", "alice", "alice@example.com", "a_b+c=d,e.f@g-h", "s" * 64],
     ["", "a", "s" * 65, "has space", "bad/slash", "ünïcode", "semi;colon", "a:b"],
     "role session name {!r} is not valid; use 2-64 characters"),
    (arns.validate_federation_name,
     ["ab", "alice-laptop", "f" * 32],
     ["a", "f" * 33, "no spaces", "x/y"],
     "federation name {!r} is not valid; use 2-32 characters"),
    (arns.validate_mfa_serial,
     ["arn:aws:iam::123456789012:mfa/alice", "GAHT12345678", "arn:aws-cn:iam::123456789012:mfa/a"],
     ["", "short", "12345678", "arn:aws:iam::123456789012:mfa/al ice", "m" * 257],
     "MFA serial {!r} is not valid"),
    (arns.validate_region,
     ["us-east-1", "eu-central-1", "us-gov-west-1", "cn-north-1", "ap-southeast-4",
      "il-central-1", "us-isob-east-1"],
     ["", "useast1", "US-EAST-1", "us-east", "us east 1", "us-east-123", "east-1", "u-east-1",
      "us-east-１"],
     "region {!r} is not valid; expected e.g. us-east-1"),
])
def test_parameter_validators(function: object, valid: list[str], invalid: list[str],
                              message: str) -> None:
    assert callable(function)
    for text in valid:
        assert function(text) == text
    for text in invalid:
        with pytest.raises(UsageError) as caught:
            function(text)
        expected = message.format(text) if len(text) <= 80 else message.split("{")[0]
        assert caught.value.message.startswith(expected), text


@pytest.mark.parametrize("text", ["ab", "7f3e1c", "id:with/slash_and+=,.@-", "e" * 1224])
def test_valid_external_ids(text: str) -> None:
    assert arns.validate_external_id(text) == text


@pytest.mark.parametrize("text", ["", "x", "e" * 1225, "has space", "semi;colon", "ümlaut"])
def test_invalid_external_ids_are_never_echoed(text: str) -> None:
    with pytest.raises(UsageError) as caught:
        arns.validate_external_id(text)
    assert caught.value.message == ("--external-id is not valid; use 2-1224 characters from "
                                    "ASCII letters, digits and +=,.@:/_-")


@pytest.mark.parametrize("text", ["123456", "000000"])
def test_valid_mfa_codes(text: str) -> None:
    assert arns.validate_mfa_token(text) == text


@pytest.mark.parametrize("text", ["", "12345", "1234567", "abcdef", "12 456", "１２３４５６"])
def test_invalid_mfa_codes_are_never_echoed(text: str) -> None:
    with pytest.raises(UsageError) as caught:
        arns.validate_mfa_token(text)
    assert caught.value.message == "MFA code is not valid; enter the 6 digits your device shows"


# --- session names and partitions -------------------------------------------------------------

@pytest.mark.parametrize(("raw", "max_length", "expected"), [
    ("alice", 64, "alice"),
    ("alice@example.com", 64, "alice@example.com"),
    ("AIDAEXAMPLE:bob", 64, "AIDAEXAMPLE-bob"),
    ("Jane Doe", 64, "Jane-Doe"),
    ("josé", 64, "jos"),
    ("ünïcode", 64, "n-code"),
    ("  padded  ", 64, "padded"),
    ("a", 64, "aws-login"),
    ("", 64, "aws-login"),
    ("!!!", 64, "aws-login"),
    ("x" * 100, 64, "x" * 64),
    ("x" * 100, 32, "x" * 32),
    ("root", 64, "root"),
])
def test_sanitize_session_name(raw: str, max_length: int, expected: str) -> None:
    assert arns.sanitize_session_name(raw, max_length) == expected


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=120), st.sampled_from([32, 64]))
def test_sanitized_names_are_always_valid(raw: str, max_length: int) -> None:
    name = arns.sanitize_session_name(raw, max_length)
    assert len(name) <= max_length
    assert arns.validate_session_name(name) == name
    if max_length == 32:
        assert arns.validate_federation_name(name) == name


@pytest.mark.parametrize(("region", "partition"), [
    ("us-east-1", "aws"),
    ("eu-west-1", "aws"),
    ("ap-southeast-2", "aws"),
    ("us-gov-west-1", "aws-us-gov"),
    ("us-gov-east-1", "aws-us-gov"),
    ("cn-north-1", "aws-cn"),
    ("cn-northwest-1", "aws-cn"),
])
def test_partition_of_region(region: str, partition: str) -> None:
    assert arns.partition_of_region(region) == partition


def test_every_partition_has_a_default_region_in_that_partition() -> None:
    assert set(arns.PARTITION_DEFAULT_REGION) == set(arns.PARTITIONS)
    for partition, region in arns.PARTITION_DEFAULT_REGION.items():
        assert arns.partition_of_region(region) == partition
        assert arns.validate_region(region) == region
