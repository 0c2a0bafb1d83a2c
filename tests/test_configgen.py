"""configgen: profile names, the generated text, and merging into a hand-curated file."""

from __future__ import annotations

import configparser
import random
import re
import shlex
from collections.abc import Callable
from typing import Any

import pytest
from botocore.configloader import build_profile_map

from aws_login import configgen
from aws_login.configgen import Access, ConfigSpec
from aws_login.errors import OperationError, UsageError
from tests.fakes.sso import make_accounts
from tests.helpers import BEFORE, GOLDEN, GOLDEN_START_URL

SMALL_ORG = [Access("111111111111", "my-acct-1", "AdministratorAccess"),
             Access("111111111111", "my-acct-1", "ReadOnlyAccess"),
             Access("222222222222", "my-acct-2", "ReadOnlyAccess")]
SAFE = re.compile(r"[A-Za-z0-9_.@+=-]+")



def names(accesses: list[Access], template: str = configgen.DEFAULT_TEMPLATE
          ) -> dict[tuple[str, str], str]:
    return {(p.access.account_id, p.access.role_name): p.name
            for p in configgen.assign_names(accesses, template, "my-sso")}


def parse(text: str) -> dict[str, Any]:
    """The text as botocore sees it: its own parser settings, then its profile map."""
    parser = configparser.RawConfigParser()
    parser.read_string(text)
    raw = {s: dict(parser.items(s)) for s in parser.sections()}
    profile_map: dict[str, Any] = build_profile_map(raw)
    return profile_map


# --------------------------------------------------------------------- names


@pytest.mark.parametrize(("raw", "safe"), [
    ("Production", "Production"),
    ('Team "Alpha"', "Team-Alpha"),
    ("[legacy] billing", "legacy-billing"),
    ("ops #1", "ops-1"),
    ("shared; services", "shared-services"),
    ("Zürich Ops", "Zurich-Ops"),
    ("🚀 Launchpad", "Launchpad"),
    ("O'Brien's lab", "OBriens-lab"),
    ("a=b", "a=b"),
    ("  padded  ", "padded"),
    ("Audit/Security", "Audit-Security"),
    ("データ基盤", ""),
    ("Deploy+Ops=Team", "Deploy+Ops=Team"),
    ("data.eng@ml-1", "data.eng@ml-1"),
    # close ASCII forms, and one dash for every run of dashes and other characters
    ("Dev - Team Ørsted [eu-west-1] #30", "Dev-Team-Orsted-eu-west-1-30"),
    ("Æsir Œuvre Straße Łódź Đà Þór ðø", "AEsir-OEuvre-Strasse-Lodz-Da-Thor-do"),
    ("a--b -- c", "a-b-c"),
    ("Ünïcode", "Unicode"),
])
def test_safe_name(raw: str, safe: str) -> None:
    assert configgen.safe_name(raw) == safe


def test_awkward_names_become_safe_unique_and_readable() -> None:
    accesses = [Access("100000000001", 'Team "Alpha"', "Admin"),
                Access("100000000002", "データ基盤", "Admin"),
                Access("100000000003", "データ基盤 2", "Admin"),
                Access("100000000004", "🚀🚀", "Admin"),
                Access("100000000005", "ops #1", "Billing,Ops")]
    assert names(accesses) == {
        ("100000000001", "Admin"): "Team-Alpha-Admin",
        ("100000000002", "Admin"): "100000000002-Admin",  # no ASCII letters left: the id
        ("100000000003", "Admin"): "100000000003-2-Admin",
        ("100000000004", "Admin"): "100000000004-Admin",
        ("100000000005", "Billing,Ops"): "ops-1-Billing-Ops",
    }


def test_accounts_sharing_a_name_all_get_their_id() -> None:
    accesses = [Access("222222222222", "Sandbox", "Admin"),
                Access("111111111111", "Sandbox", "ReadOnly"),
                Access("333333333333", "sandbox", "Admin"),
                Access("444444444444", "Production", "Admin")]
    assert names(accesses) == {
        ("222222222222", "Admin"): "Sandbox-222222222222-Admin",
        ("111111111111", "ReadOnly"): "Sandbox-111111111111-ReadOnly",
        ("333333333333", "Admin"): "sandbox-333333333333-Admin",
        ("444444444444", "Admin"): "Production-Admin",
    }


def test_template_collisions_and_default_are_disambiguated() -> None:
    accesses = [Access("111111111111", "one", "Admin"), Access("111111111111", "one", "Read"),
                Access("222222222222", "default", "Admin")]
    assert names(accesses, "{account_name}") == {
        ("111111111111", "Admin"): "one-111111111111",
        ("111111111111", "Read"): "one-111111111111-Read",
        # [profile default] would silently be botocore's default profile
        ("222222222222", "Admin"): "default-222222222222",
    }
    assert names(accesses, "{session_name}.{account_id}.{role_name}") == {
        ("111111111111", "Admin"): "my-sso.111111111111.Admin",
        ("111111111111", "Read"): "my-sso.111111111111.Read",
        ("222222222222", "Admin"): "my-sso.222222222222.Admin",
    }


def test_names_are_stable_sorted_and_safe_for_300_awkward_accounts() -> None:
    accesses = [Access(a.account_id, a.name, r) for a in make_accounts(300) for r in a.roles]
    profiles = configgen.assign_names(accesses, configgen.DEFAULT_TEMPLATE, "s")
    shuffled = accesses[:]
    random.Random(7).shuffle(shuffled)
    assert configgen.assign_names(shuffled, configgen.DEFAULT_TEMPLATE, "s") == profiles
    got = [p.name for p in profiles]
    assert got == sorted(got, key=lambda n: (n.lower(), n))
    assert len(set(got)) == len(accesses) == 724
    assert all(SAFE.fullmatch(n) for n in got)


@pytest.mark.parametrize(("url", "name"), [
    ("https://d-987654321d.awsapps.com/start", "d-987654321d"),
    ("https://my-company.awsapps.com/start#/", "my-company"),
    (None, "aws-login"),
])
def test_default_session_name(url: str | None, name: str) -> None:
    assert configgen.default_session_name(url) == name


@pytest.mark.parametrize("name", ["my sso", "sso]", "#x", "", "a" * 65, "ü", '"q"', "-x"])
def test_unsafe_session_names_are_usage_errors(name: str) -> None:
    with pytest.raises(UsageError, match="--sso-session-name"):
        configgen.validate_session_name(name)


@pytest.mark.parametrize(("template", "message"), [
    ("{account}", "unknown field {account}"),
    ("{}", "unknown field {}"),
    ("{account_id.real}", "unknown field {account_id.real}"),
    ("{role_name", "is not valid"),
    ("{account_id:d}", "is not valid"),
    ("{account_name:{role_name}}", "cannot hold another field"),
    ("--", "gives empty names"),
])
def test_bad_templates_are_usage_errors(template: str, message: str) -> None:
    with pytest.raises(UsageError, match=re.escape(message)):
        configgen.validate_template(template)


# --------------------------------------------------------------------- text


def render(spec: ConfigSpec, accesses: list[Access] = SMALL_ORG) -> str:
    return configgen.render(spec, configgen.assign_names(accesses, configgen.DEFAULT_TEMPLATE,
                                                         spec.session_name))


def test_golden_text_for_a_small_org() -> None:
    assert render(ConfigSpec("my-sso", "us-east-1", GOLDEN_START_URL)) == GOLDEN


def test_region_option_writes_a_real_region_line() -> None:
    text = render(ConfigSpec("my-sso", "us-east-1", GOLDEN_START_URL, region="eu-west-1"))
    assert text == GOLDEN.replace("#region = us-east-1", "region = eu-west-1")


def test_unknown_start_url_is_marked_to_fill_in() -> None:
    text = render(ConfigSpec("my-sso", "us-east-1", None))
    assert ("# FILL IN the start URL below (or rerun with --start-url URL):\n"
            f"sso_start_url = {configgen.START_URL_PLACEHOLDER}\n") in text
    assert parse(text)["sso_sessions"]["my-sso"]["sso_start_url"].startswith("<FILL IN")


def test_credential_process_profiles() -> None:
    text = render(ConfigSpec("my-sso", "us-east-1", GOLDEN_START_URL, credential_process=True))
    profile = parse(text)["profiles"]["my-acct-1-ReadOnlyAccess"]
    assert profile == {
        "credential_process": "aws-login dumpcreds --credential-helper --use-cache "
        f"--start-url {GOLDEN_START_URL} --sso-region us-east-1 --sso-acct-id 111111111111 "
        "--sso-role-name ReadOnlyAccess",
        # configparser keeps "#region = ..." out: it is a comment
    }
    assert parse(text)["sso_sessions"] == {}


def test_credential_process_quotes_what_a_shell_split_would_break() -> None:
    spec = ConfigSpec("s", "us-east-1", 'https://x.example.com/start?a=1&b="2" \\')
    command = configgen.credential_command(spec, Access("111111111111", "n", "R+=,.@-"))
    assert shlex.split(command) == [
        "aws-login", "dumpcreds", "--credential-helper", "--use-cache",
        "--start-url", 'https://x.example.com/start?a=1&b="2" \\', "--sso-region",
        "us-east-1", "--sso-acct-id", "111111111111", "--sso-role-name", "R+=,.@-"]


def test_botocore_reads_every_generated_profile_of_300_awkward_accounts() -> None:
    accesses = [Access(a.account_id, a.name, r) for a in make_accounts(300) for r in a.roles]
    profiles = configgen.assign_names(accesses, configgen.DEFAULT_TEMPLATE, "my-sso")
    parsed = parse(render(ConfigSpec("my-sso", "us-east-1", GOLDEN_START_URL), accesses))
    assert parsed["sso_sessions"] == {
        "my-sso": {"sso_region": "us-east-1", "sso_start_url": GOLDEN_START_URL,
                   "sso_registration_scopes": "sso:account:access"}}
    assert parsed["profiles"] == {
        p.name: {"sso_session": "my-sso", "sso_account_id": p.access.account_id,
                 "sso_role_name": p.access.role_name} for p in profiles}


# --------------------------------------------------------------------- merging

BLOCK_V1 = render(ConfigSpec("my-sso", "us-east-1", GOLDEN_START_URL))
BLOCK_V2 = render(ConfigSpec("my-sso", "us-east-1", GOLDEN_START_URL), SMALL_ORG[:1])
AFTER = "\n[profile after]\nregion = ap-south-1 ; not a comment to configparser\n"


def merged(existing: str, block: str) -> str:
    return configgen.merge(configgen.locate(existing, "my-sso", "config"), block)


def test_merge_appends_after_a_blank_line_keeping_every_byte() -> None:
    assert merged("", BLOCK_V1) == BLOCK_V1
    assert merged(BEFORE, BLOCK_V1) == BEFORE + "\n" + BLOCK_V1
    assert merged("[default]\nregion = x", BLOCK_V1) == "[default]\nregion = x\n\n" + BLOCK_V1


def test_merge_replaces_and_prunes_only_the_block() -> None:
    original = BEFORE + BLOCK_V1 + AFTER
    updated = merged(original, BLOCK_V2)
    assert updated == BEFORE + BLOCK_V2 + AFTER
    profiles = parse(updated)["profiles"]
    assert "my-acct-2-ReadOnlyAccess" not in profiles  # pruned
    assert set(profiles) == {"default", "hand made", "after", "my-acct-1-AdministratorAccess"}
    assert merged(updated, BLOCK_V2) == updated  # a re-run with the same access: no change


def test_merge_keeps_windows_line_endings() -> None:
    original = (BEFORE + BLOCK_V1 + AFTER).replace("\n", "\r\n")
    updated = merged(original, BLOCK_V2)
    assert updated == (BEFORE + BLOCK_V2 + AFTER).replace("\n", "\r\n")


def test_blocks_of_other_sessions_are_left_alone() -> None:
    other = render(ConfigSpec("my-sso2", "eu-west-1", GOLDEN_START_URL))
    original = other + BLOCK_V1
    assert merged(original, BLOCK_V2) == other + BLOCK_V2


@pytest.mark.parametrize("damage", [
    lambda t: t.replace(configgen.end_marker("my-sso"), "# the end"),
    lambda t: t.replace(configgen.begin_marker("my-sso"), "# the beginning"),
    lambda t: t + t,
])
def test_damaged_markers_are_refused(damage: Callable[[str], str]) -> None:
    text = damage(BEFORE + BLOCK_V1)
    with pytest.raises(OperationError, match="must appear once each"):
        configgen.locate(text, "my-sso", "config")


def test_defined_sections_reads_headers_as_botocore_does() -> None:
    text = ("[default]\n[profile a]\n[profile  \"b c\"]\n[sso-session s1]\n# [profile c]\n"
            "[profile]\n[profiled x]\n[services x]\n  [profile d]  \n")
    # "[profiled x]" is profile x to botocore (it checks the prefix, then splits)
    assert configgen.defined_sections(text) == ({"default", "a", "b c", "x", "d"}, {"s1"})
