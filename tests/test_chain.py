"""Role chaining and the session step (issue 2), against a real moto STS on 127.0.0.1.

The shared moto server's recorder (`calls`) shows the exact parameters of every STS call,
the key that signed it and what moto answered, so each hop's RoleArn, RoleSessionName,
DurationSeconds, ExternalId and MFA fields can be checked. Refusals are real too: moto's
IAM access control is switched on for the tests that need AWS to say no (a process-wide
moto setting, restored after each of those tests).
"""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from aws_login import chain
from aws_login.context import Context
from aws_login.errors import AwsCallError, OperationError
from aws_login.model import ChainStep, CredentialKind, Credentials
from tests.fakes.moto_server import LoopbackServer, Recorder
from tests.helpers import (
    MFA_SERIAL,
    MOTO_ACCOUNT,
    ROLE_A,
    ROLE_B,
    ROLE_C,
    USER_KEY_ID,
    USER_SECRET,
    Result,
    expires_in,
    run_cli,
)

# --- fixtures --------------------------------------------------------------------------------

@pytest.fixture
def calls(user_keys: None, calls: Recorder) -> Recorder:
    """conftest's record of what reached moto, with IAM user keys in the environment."""
    return calls


def handed_out(calls: Recorder) -> set[str]:
    """Every secret key and session token moto handed out."""
    return {value for call in calls.calls
            for tag in ("SecretAccessKey", "SessionToken")
            for value in call.response_values(tag) if value}


def identity(result: Result) -> dict[str, str]:
    assert result.code == 0, result.err
    assert result.err == ""
    parsed: dict[str, str] = json.loads(result.out)
    return parsed


def helper_json(result: Result) -> dict[str, Any]:
    assert result.code == 0, result.err
    parsed: dict[str, Any] = json.loads(result.out)
    return parsed


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


# --- the chain --------------------------------------------------------------------------------

@pytest.mark.parametrize("separator", [", ", ",", " ", "\n", " , ", "\t,\t"])
def test_three_hops_end_as_the_third_role(calls: Recorder, separator: str) -> None:
    result = run_cli(["getcallerid", "--assume-roles", separator.join([ROLE_A, ROLE_B, ROLE_C])])
    who = identity(result)
    assert who["Arn"] == "arn:aws:sts::333333333333:assumed-role/C/moto"
    assert who["Account"] == "333333333333"
    assert who["UserId"].startswith("AROA") and who["UserId"].endswith(":moto")
    assert calls.actions() == ["GetCallerIdentity", "AssumeRole", "AssumeRole", "AssumeRole",
                               "GetCallerIdentity"]
    hops = calls.of("AssumeRole")
    assert [hop.params["RoleArn"] for hop in hops] == [ROLE_A, ROLE_B, ROLE_C]
    assert [hop.params["RoleSessionName"] for hop in hops] == ["moto"] * 3


def test_each_hop_is_signed_by_the_previous_one(calls: Recorder) -> None:
    identity(run_cli(["getcallerid", "--assume-roles", f"{ROLE_A} {ROLE_B} {ROLE_C}"]))
    hops = calls.of("AssumeRole")
    issued = [hop.response_values("AccessKeyId")[0] for hop in hops]
    assert len(set(issued)) == 3 and USER_KEY_ID not in issued
    assert calls.calls[0].key_id == USER_KEY_ID  # the caller lookup for the session name
    assert [hop.key_id for hop in hops] == [USER_KEY_ID, issued[0], issued[1]]
    assert calls.calls[-1].key_id == issued[2]  # getcallerid asks as the third role


def test_role_paths_and_commas_in_role_names(calls: Recorder) -> None:
    deep = "arn:aws:iam::444444444444:role/a/b/c/Deep.Role_1+=,@-x"
    who = identity(run_cli(["getcallerid", "--assume-roles", f"{ROLE_A},{deep}"]))
    assert who["Arn"] == "arn:aws:sts::444444444444:assumed-role/Deep.Role_1+=,@-x/moto"
    assert [c.params["RoleArn"] for c in calls.of("AssumeRole")] == [ROLE_A, deep]


def test_role_session_name_is_used_for_every_hop(calls: Recorder) -> None:
    who = identity(run_cli(["getcallerid", "--assume-roles", f"{ROLE_A},{ROLE_B}",
                            "--role-session-name", "alice@example.com"]))
    assert who["Arn"] == "arn:aws:sts::222222222222:assumed-role/B/alice@example.com"
    # a given name needs no caller lookup
    assert calls.actions() == ["AssumeRole", "AssumeRole", "GetCallerIdentity"]
    assert [c.params["RoleSessionName"] for c in calls.of("AssumeRole")] == [
        "alice@example.com"] * 2


def test_default_session_name_comes_from_the_iam_user(calls: Recorder, sts: LoopbackServer,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    iam = _iam_client(sts)
    user = unique("dora.explorer")
    iam.create_user(UserName=user)
    key = iam.create_access_key(UserName=user)["AccessKey"]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])
    calls.clear()
    who = identity(run_cli(["getcallerid", "--assume-roles", ROLE_A]))
    assert who["Arn"] == f"arn:aws:sts::111111111111:assumed-role/A/{user}"
    assert calls.of("AssumeRole")[0].params["RoleSessionName"] == user


# --- durations --------------------------------------------------------------------------------

def test_intermediate_hops_last_900_s_and_the_final_one_an_hour(calls: Recorder) -> None:
    document = helper_json(run_cli(["dumpcreds", "--credential-helper",
                                    "--assume-roles", f"{ROLE_A} {ROLE_B} {ROLE_C}"]))
    assert [c.params["DurationSeconds"] for c in calls.of("AssumeRole")] == ["900", "900", "3600"]
    assert 3600 - 60 < expires_in(document) <= 3600
    final = calls.of("AssumeRole")[-1]
    assert document["AccessKeyId"] == final.response_values("AccessKeyId")[0]
    assert document["SecretAccessKey"] == final.response_values("SecretAccessKey")[0]
    assert document["SessionToken"] == final.response_values("SessionToken")[0]
    assert document["Version"] == 1


def test_duration_goes_to_the_final_hop_only(calls: Recorder) -> None:
    document = helper_json(run_cli(["dumpcreds", "--credential-helper", "--duration", "2700",
                                    "--assume-roles", f"{ROLE_A}, {ROLE_B}"]))
    assert [c.params["DurationSeconds"] for c in calls.of("AssumeRole")] == ["900", "2700"]
    assert 2700 - 60 < expires_in(document) <= 2700


def test_a_single_hop_from_user_keys_may_last_longer_than_an_hour(calls: Recorder) -> None:
    document = helper_json(run_cli(["dumpcreds", "--credential-helper", "--duration", "7200",
                                    "--assume-roles", ROLE_A]))
    assert calls.of("AssumeRole")[0].params["DurationSeconds"] == "7200"
    assert 7200 - 60 < expires_in(document) <= 7200


def test_a_chained_hop_over_an_hour_is_refused_before_any_request(calls: Recorder) -> None:
    result = run_cli(["dumpcreds", "--duration", "7200", "--assume-roles", f"{ROLE_A} {ROLE_B}"])
    assert result.code == 2
    assert result.out == ""
    assert result.err == (
        f"aws-login: error: hop 2/2 ({ROLE_B}) is signed by the previous hop's role session; "
        "AWS caps such chained role sessions at 3600 s, so use --duration 3600 or less\n")
    assert calls.requests == []  # no STS call, nor any other request


# --- the other AssumeRole parameters ----------------------------------------------------------

def test_external_id_goes_to_the_first_hop_only(calls: Recorder) -> None:
    identity(run_cli(["getcallerid", "--assume-roles", f"{ROLE_A} {ROLE_B}",
                      "--external-id", "7f3e1c:partner/x"]))
    first, second = calls.of("AssumeRole")
    assert first.params["ExternalId"] == "7f3e1c:partner/x"
    assert "ExternalId" not in second.params


def test_mfa_goes_to_the_first_assume_role(calls: Recorder) -> None:
    identity(run_cli(["getcallerid", "--assume-roles", f"{ROLE_A} {ROLE_B}",
                      "--mfa-serial", MFA_SERIAL, "--mfa-token", "123456"]))
    first, second = calls.of("AssumeRole")
    assert (first.params["SerialNumber"], first.params["TokenCode"]) == (MFA_SERIAL, "123456")
    assert "SerialNumber" not in second.params and "TokenCode" not in second.params


def test_mfa_code_is_asked_for_on_a_terminal(calls: Recorder) -> None:
    result = run_cli(["getcallerid", "--assume-roles", ROLE_A, "--role-session-name", "alice",
                      "--mfa-serial", MFA_SERIAL], stdin="654321\n", terminal=True)
    assert result.code == 0, result.err
    assert result.err == f"MFA code for {MFA_SERIAL}: "
    assert json.loads(result.out)["Arn"] == "arn:aws:sts::111111111111:assumed-role/A/alice"
    assert calls.of("AssumeRole")[0].params["TokenCode"] == "654321"


def test_a_bad_mfa_code_typed_on_the_terminal_is_refused_before_any_call(
        calls: Recorder) -> None:
    result = run_cli(["getcallerid", "--assume-roles", ROLE_A, "--mfa-serial", MFA_SERIAL],
                     stdin="12345x\nabcdef\n1234567\n", terminal=True)
    assert result.code == 2
    question = f"MFA code for {MFA_SERIAL}: "
    refused = "MFA code is not valid; enter the 6 digits your device shows\n"
    assert result.err == (f"{question}aws-login: {refused}" * 2
                          + f"{question}aws-login: error: {refused}")
    assert "12345x" not in result.err
    assert calls.calls == []


# --- the session step -------------------------------------------------------------------------

def test_get_session_token_then_hops(calls: Recorder) -> None:
    who = identity(run_cli(["getcallerid", "--get-session-token",
                            "--mfa-serial", MFA_SERIAL, "--mfa-token", "000111",
                            "--assume-roles", f"{ROLE_A} {ROLE_B}"]))
    assert who["Arn"] == "arn:aws:sts::222222222222:assumed-role/B/moto"
    assert calls.actions() == ["GetSessionToken", "GetCallerIdentity", "AssumeRole",
                               "AssumeRole", "GetCallerIdentity"]
    session = calls.of("GetSessionToken")[0]
    assert session.params == {"Action": "GetSessionToken", "Version": "2011-06-15",
                              "SerialNumber": MFA_SERIAL, "TokenCode": "000111"}
    assert session.key_id == USER_KEY_ID
    session_key = session.response_values("AccessKeyId")[0]
    first, second = calls.of("AssumeRole")
    assert first.key_id == session_key  # the hop is signed by the session credentials
    assert "TokenCode" not in first.params and "TokenCode" not in second.params  # spent


def test_a_hop_after_get_session_token_is_not_chained(calls: Recorder) -> None:
    document = helper_json(run_cli(["dumpcreds", "--credential-helper", "--get-session-token",
                                    "--assume-roles", ROLE_A, "--duration", "7200"]))
    assert "DurationSeconds" not in calls.of("GetSessionToken")[0].params
    assert calls.of("AssumeRole")[0].params["DurationSeconds"] == "7200"
    assert 7200 - 60 < expires_in(document) <= 7200


def test_get_session_token_duration(calls: Recorder) -> None:
    document = helper_json(run_cli(["dumpcreds", "--credential-helper", "--get-session-token",
                                    "--duration", "129600"]))
    session = calls.of("GetSessionToken")[0]
    assert session.params == {"Action": "GetSessionToken", "Version": "2011-06-15",
                              "DurationSeconds": "129600"}
    assert document["SessionToken"] == session.response_values("SessionToken")[0]
    assert 129600 - 60 < expires_in(document) <= 129600


def test_get_federation_token_is_named_after_the_caller(calls: Recorder) -> None:
    result = run_cli(["dumpcreds", "--credential-helper", "--get-federation-token", "--debug"])
    document = helper_json(result)
    assert calls.actions() == ["GetCallerIdentity", "GetFederationToken"]
    federation = calls.of("GetFederationToken")[0]
    assert federation.params["Name"] == "moto"
    assert json.loads(federation.params["Policy"]) == {
        "Version": "2012-10-17",
        "Statement": [{"Sid": "SameAsIamUser", "Effect": "Allow", "Action": "*",
                       "Resource": "*"}],
    }
    assert "DurationSeconds" not in federation.params
    assert document["SessionToken"] == federation.response_values("SessionToken")[0]
    assert ("aws-login: debug: session step: now "
            "arn:aws:sts::123456789012:federated-user/moto\n") in result.err


POLICY = {"Version": "2012-10-17",
          "Statement": [{"Effect": "Allow", "Action": ["s3:Get*", "s3:List*"], "Resource": "*"}]}


@pytest.mark.parametrize("source", ["inline", "file", "file with a BOM (Windows editors)"])
def test_get_federation_token_name_and_policy(calls: Recorder, tmp_path: Path,
                                              source: str) -> None:
    text = json.dumps(POLICY, indent=4)
    if source != "inline":
        path = tmp_path / "readonly.json"
        path.write_text(("\ufeff" if "BOM" in source else "") + text, encoding="utf-8")
        text = f"file://{path}"
    document = helper_json(run_cli(["dumpcreds", "--credential-helper", "--get-federation-token",
                                    "--federation-name", "alice-laptop",
                                    "--federation-policy", text, "--duration", "5400"]))
    assert calls.actions() == ["GetFederationToken"]  # a given name needs no lookup
    assert calls.calls[0].params == {
        "Action": "GetFederationToken", "Version": "2011-06-15",
        "Name": "alice-laptop", "DurationSeconds": "5400",
        "Policy": json.dumps(POLICY, separators=(",", ":")),  # sent without white space
    }
    assert 5400 - 60 < expires_in(document) <= 5400


# --- partitions and regions -------------------------------------------------------------------

def test_a_gov_cloud_chain_calls_sts_in_the_partition_default_region(calls: Recorder) -> None:
    result = run_cli(["getcallerid", "--debug", "--role-session-name", "gov",
                      "--assume-roles", "arn:aws-us-gov:iam::555555555555:role/G"])
    assert result.code == 0, result.err
    assert json.loads(result.out)["Arn"] == "arn:aws-us-gov:sts::555555555555:assumed-role/G/gov"
    assert "aws-login: debug: STS region us-gov-west-1\n" in result.err


def test_a_china_chain_with_region(calls: Recorder) -> None:
    who = identity(run_cli(["getcallerid", "--region", "cn-northwest-1",
                            "--role-session-name", "cn", "--assume-roles",
                            "arn:aws-cn:iam::666666666666:role/Z"]))
    assert who["Arn"] == "arn:aws-cn:sts::666666666666:assumed-role/Z/cn"


def test_the_region_comes_from_aws_region(calls: Recorder, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    result = run_cli(["getcallerid", "--debug", "--assume-roles", ROLE_A])
    assert result.code == 0, result.err
    assert "aws-login: debug: STS region eu-west-1\n" in result.err
    assert "aws-login: debug: sts endpoint " in result.err


# --- --debug ----------------------------------------------------------------------------------

def test_debug_logs_each_hop_but_no_secret(calls: Recorder) -> None:
    result = run_cli(["dumpcreds", "--debug", "--outform", "linux",
                      "--assume-roles", f"{ROLE_A} {ROLE_B}"])
    assert result.code == 0, result.err
    lines = result.err.splitlines()
    assert all(line.startswith("aws-login: debug: ") for line in lines), lines
    assert "aws-login: debug: caller is arn:aws:sts::123456789012:user/moto; using session " \
           "name 'moto'" in lines
    debug = "aws-login: debug: "
    assert f"{debug}hop 1/2 ({ROLE_A}): AssumeRole as session 'moto' for 900 s" in lines
    assert f"{debug}hop 2/2 ({ROLE_B}): AssumeRole as session 'moto' for 3600 s" in lines
    assert f"{debug}hop 1/2 ({ROLE_A}): now arn:aws:sts::111111111111:assumed-role/A/moto" in lines
    assert f"{debug}hop 2/2 ({ROLE_B}): now arn:aws:sts::222222222222:assumed-role/B/moto" in lines
    secrets = handed_out(calls) | {USER_SECRET}
    assert len(secrets) == 5  # the user's secret, then a secret and a token per hop
    final_secret = calls.of("AssumeRole")[-1].response_values("SecretAccessKey")[0]
    assert f"export AWS_SECRET_ACCESS_KEY='{final_secret}'" in result.out
    for secret in secrets:
        assert secret not in result.err


# --- refusals ---------------------------------------------------------------------------------

def _iam_client(server: LoopbackServer) -> Any:
    import botocore.session

    return botocore.session.Session().create_client(
        "iam", region_name="us-east-1", endpoint_url=server.url,
        aws_access_key_id=USER_KEY_ID, aws_secret_access_key=USER_SECRET)


ALLOW_ASSUME = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]})
TRUST_ANYONE = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]})


@dataclass
class Refusing:
    """A user and two roles in moto's IAM; moto checks permissions while this is in use."""

    user: str
    first: str  # role ARNs
    second: str


@pytest.fixture
def refusing(calls: Recorder, sts: LoopbackServer,
             monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[bool], Refusing]]:
    def make(user_may_assume: bool) -> Refusing:
        iam = _iam_client(sts)
        user, first, second = unique("chainer"), unique("First"), unique("Second")
        iam.create_user(UserName=user)
        key = iam.create_access_key(UserName=user)["AccessKey"]
        if user_may_assume:
            iam.put_user_policy(UserName=user, PolicyName="assume", PolicyDocument=ALLOW_ASSUME)
        # neither role may assume anything itself
        for role in (first, second):
            iam.create_role(RoleName=role, AssumeRolePolicyDocument=TRUST_ANYONE)
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])
        from moto import settings

        monkeypatch.setattr(settings, "INITIAL_NO_AUTH_ACTION_COUNT", 0)
        calls.clear()
        return Refusing(user, f"arn:aws:iam::{MOTO_ACCOUNT}:role/{first}",
                        f"arn:aws:iam::{MOTO_ACCOUNT}:role/{second}")

    yield make


def test_a_refused_second_hop_is_named(refusing: Callable[[bool], Refusing],
                                       calls: Recorder) -> None:
    setup = refusing(True)
    result = run_cli(["getcallerid", "--assume-roles", f"{setup.first} {setup.second}"])
    assert result.code == 1
    assert result.out == ""
    first_name = setup.first.rsplit("/", 1)[1]
    second_name = setup.second.rsplit("/", 1)[1]
    assert result.err == (
        f"aws-login: error: hop 2/2 ({setup.second}): AccessDenied: User: "
        f"arn:aws:sts::{MOTO_ACCOUNT}:assumed-role/{first_name}/{setup.user} is not authorized "
        f"to perform: sts:AssumeRole (check that {second_name}'s trust policy allows role "
        f"{setup.first} (hop 1/2))\n")
    assert calls.actions() == ["GetCallerIdentity", "AssumeRole", "AssumeRole"]


def test_a_refused_first_hop_is_named(refusing: Callable[[bool], Refusing]) -> None:
    setup = refusing(False)
    result = run_cli(["dumpcreds", "--assume-roles", f"{setup.first} {setup.second}"])
    assert result.code == 1
    assert result.out == ""
    first_name = setup.first.rsplit("/", 1)[1]
    assert result.err == (
        f"aws-login: error: hop 1/2 ({setup.first}): AccessDenied: User: "
        f"arn:aws:iam::{MOTO_ACCOUNT}:user/{setup.user} is not authorized to perform: "
        f"sts:AssumeRole (check that {first_name}'s trust policy allows the starting "
        "credentials (environment))\n")


def test_rejected_starting_keys_fail_the_first_hop(refusing: Callable[[bool], Refusing],
                                                   calls: Recorder,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    setup = refusing(True)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAUNKNOWNKEY000000")
    result = run_cli(["getcallerid", "--role-session-name", "x1", "--debug",
                      "--assume-roles", f"{setup.first} {setup.second}"])
    assert result.code == 1
    assert result.err.endswith(
        f"aws-login: error: hop 1/2 ({setup.first}): InvalidClientTokenId: "
        "The security token included in the request is invalid.\n")
    assert USER_SECRET not in result.err  # --debug adds the traceback, scrubbed
    assert calls.actions() == ["AssumeRole"]


def test_a_refused_session_step_is_named(refusing: Callable[[bool], Refusing]) -> None:
    refusing(True)
    result = run_cli(["getcallerid", "--get-federation-token", "--federation-name", "fed"])
    assert result.code == 1
    assert result.err.startswith("aws-login: error: session step GetFederationToken: "
                                 "AccessDenied: ")
    assert result.err.count("\n") == 1


# --- hints for refusals moto never makes, through assume_chain with a stand-in StsApi ---------

class DurationRefusingSts:
    """Speaks the StsApi interface; refuses every AssumeRole as AWS does for a too-long
    DurationSeconds (moto does not enforce a role's maximum session duration)."""

    def __init__(self, code: str = "ValidationError",
                 detail: str = "The requested DurationSeconds exceeds the MaxSessionDuration "
                               "set for this role.") -> None:
        self.code, self.detail = code, detail
        self.assumed: list[dict[str, Any]] = []

    def get_caller_identity(self) -> dict[str, str]:
        return {"UserId": "AIDAEXAMPLE", "Account": MOTO_ACCOUNT,
                "Arn": f"arn:aws:iam::{MOTO_ACCOUNT}:user/bob"}

    def assume_role(self, **params: Any) -> tuple[Credentials, str]:
        self.assumed.append(params)
        if len(self.assumed) == 1 and params["DurationSeconds"] == 900:
            creds = Credentials("ASIAHOP1", "hop1-secret", "hop1-token",
                                datetime.now(timezone.utc) + timedelta(seconds=900),
                                CredentialKind.ROLE, "AssumeRole")
            return creds, "arn:aws:sts::111111111111:assumed-role/A/bob"
        raise AwsCallError("AssumeRole", self.code, self.detail)

    def get_session_token(self, **params: Any) -> Credentials:
        raise AssertionError("these plans have no session step")

    def get_federation_token(self, **params: Any) -> tuple[Credentials, str]:
        raise AssertionError("these plans have no session step")


def _chain(start: Credentials, hops: tuple[ChainStep, ...], sts: DurationRefusingSts) -> str:
    ctx = Context(environ={}, stdout=io.StringIO(), stderr=io.StringIO(), stdin=io.StringIO())
    with pytest.raises(OperationError) as caught:
        chain.assume_chain(start, hops, None, lambda creds, region: sts, "us-east-1", ctx)
    assert caught.value.exit_code == 1
    return caught.value.message


USER = Credentials(USER_KEY_ID, USER_SECRET, None, None, CredentialKind.LONG_TERM, "environment")
ROLE_START = Credentials("ASIASTART", "s", "t", None, CredentialKind.ROLE, "profile ci")


def test_duration_hint_for_an_unchained_hop() -> None:
    sts = DurationRefusingSts()
    message = _chain(USER, (ChainStep(ROLE_A, None, 43200),), sts)
    assert message == (f"hop 1/1 ({ROLE_A}): ValidationError: The requested DurationSeconds "
                       "exceeds the MaxSessionDuration set for this role. (lower --duration, or "
                       "raise the role's maximum session duration)")
    assert sts.assumed == [{"RoleArn": ROLE_A, "RoleSessionName": "bob",
                            "DurationSeconds": 43200}]


@pytest.mark.parametrize(("start", "hops", "step"), [
    (ROLE_START, (ChainStep(ROLE_A, "s1", 3600),), f"hop 1/1 ({ROLE_A})"),
    (USER, (ChainStep(ROLE_A, "s1"), ChainStep(ROLE_B, "s1", 3600)), f"hop 2/2 ({ROLE_B})"),
])
def test_duration_hint_for_a_chained_hop(start: Credentials, hops: tuple[ChainStep, ...],
                                         step: str) -> None:
    message = _chain(start, hops, DurationRefusingSts())
    assert message == (f"{step}: ValidationError: The requested DurationSeconds exceeds the "
                       "MaxSessionDuration set for this role. (a chained role session lasts at "
                       "most 3600 s; lower --duration, or raise the role's maximum session "
                       "duration)")


def test_other_refusals_get_no_hint() -> None:
    sts = DurationRefusingSts("RegionDisabledException", "STS is not activated in this region")
    message = _chain(USER, (ChainStep(ROLE_A, "s1"), ChainStep(ROLE_B, "s1")), sts)
    assert message == (f"hop 2/2 ({ROLE_B}): RegionDisabledException: STS is not activated "
                       "in this region")
