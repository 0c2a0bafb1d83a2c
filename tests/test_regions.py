"""Regions botocore does not know: a warning (once per run, with "did you mean" when a known
region is close), never a failure, and only where botocore is loaded anyway."""

from __future__ import annotations

import json

import pytest

from tests.fakes.moto_server import LoopbackServer
from tests.helpers import ROLE_A, ROLE_B, run_cli

GOING_ON = "(going on: it may be newer than botocore)"


@pytest.mark.parametrize(("region", "hint"), [
    ("eu-wst-1", "did you mean eu-west-1?"),
    ("eu-centrl-1", "did you mean eu-central-1?"),
    ("xx-nowhere-9", "check the name"),
])
def test_an_unknown_region_is_a_warning(user_keys: None, sts: LoopbackServer, region: str,
                                        hint: str) -> None:
    result = run_cli(["getcallerid", "--region", region])
    assert result.code == 0
    assert json.loads(result.out)["Arn"]
    assert result.err == (f"aws-login: warning: region {region} is not one botocore knows; "
                          f"{hint} {GOING_ON}\n")


def test_once_per_run(user_keys: None, sts: LoopbackServer) -> None:
    result = run_cli(["dumpcreds", "--credential-helper", "--region", "eu-wst-1",
                      "--assume-roles", f"{ROLE_A} {ROLE_B}"])
    assert result.code == 0, result.err
    assert result.err == ("aws-login: warning: region eu-wst-1 is not one botocore knows; "
                          f"did you mean eu-west-1? {GOING_ON}\n")


@pytest.mark.parametrize("region", ["eu-west-1", "us-gov-west-1", "cn-north-1", "il-central-1"])
def test_known_regions_say_nothing(user_keys: None, sts: LoopbackServer, region: str) -> None:
    result = run_cli(["getcallerid", "--region", region])
    assert (result.code, result.err) == (0, "")


def test_env_keys_without_sts_do_not_check(user_keys: None, sts: LoopbackServer) -> None:
    # dumpcreds of the environment keys loads no botocore, so it cannot and does not check
    result = run_cli(["dumpcreds", "--outform", "linux", "--region", "eu-wst-1"])
    assert (result.code, result.err) == (0, "")
    assert "export AWS_REGION='eu-wst-1'\n" in result.out
