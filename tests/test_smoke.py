from tests.conftest import MOTO_USER_ARN, run_cli


def test_three_hop_chain_ends_as_third_role(user_keys: None, sts) -> None:
    roles = ["arn:aws:iam::111111111111:role/A", "arn:aws:iam::222222222222:role/B",
             "arn:aws:iam::333333333333:role/team/C"]
    result = run_cli(["getcallerid", "--assume-roles", ", ".join(roles)])
    assert result.code == 0, result.err
    import json

    identity = json.loads(result.out)
    assert identity["Arn"] == "arn:aws:sts::333333333333:assumed-role/C/moto"
    assert identity["Account"] == "333333333333"
    # caller identity for the session name, three hops, then the final GetCallerIdentity
    assert sts.recorder.actions() == ["GetCallerIdentity", "AssumeRole", "AssumeRole",
                                      "AssumeRole", "GetCallerIdentity"]
    assert MOTO_USER_ARN.endswith("/moto")
