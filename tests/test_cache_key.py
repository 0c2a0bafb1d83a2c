"""The credentials cache key is derived from every field of the Plan: changing any field
changes the key (except the one-time MFA code), secrets enter it only as digests, and the
same plan has the same key in every process.

The fields are found by walking sample Plans, not listed here: a field added to any record
in a Plan is tested without editing this file. A record type that can appear in a Plan
(found from the type annotations) but in no sample fails `test_every_record_type_...`: add a
sample for it to SAMPLES.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any, get_args, get_type_hints

import pytest

from aws_login import sources
from aws_login.credentials_cache import cache_key, key_form, key_input
from aws_login.model import ChainStep, MfaInput, Plan, SessionStep, SessionStepKind
from aws_login.record import field, record, replace
from aws_login.sources.env import EnvKeysStart
from aws_login.sources.jumpcloud import JumpCloudStart
from aws_login.sources.profile import DefaultChainStart, ProfileStart
from aws_login.sources.role_profile import RoleProfileStart
from aws_login.sources.saml import SamlStart
from aws_login.sources.sso import SsoRoleStart
from aws_login.sources.sso_profile import ProfileRole, SsoProfileStart
from aws_login.sources.web_identity import WebIdentityStart
from aws_login.sso import token_sources
from aws_login.sso.token_sources import CachedToken, GivenToken, SignIn, TokenFile
from tests.helpers import MFA_SERIAL, ROLE_A, ROLE_B, START_URL

ACCOUNT = "111111111111"
MFA_CODE = "480931"  # a code that no other value of the samples contains
WHEN = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
# Secret values are distinctive, so that finding one in the key input cannot be chance.
SSO_TOKEN = "secret-sso-access-token-7f3a"
SAML_ASSERTION = "secret-saml-assertion-PHNhbWxwOlJlc3BvbnNl"
WEB_TOKEN = "secret-web-identity-token-eyJhbGciOi"
EXTERNAL_IDS = ("secret-external-id-1", "secret-external-id-2")
ENV_SECRET = "secret-env-key-wJalrXUtnFEMI"
ENVIRON = {"AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY": ENV_SECRET,
           "AWS_PROFILE": "dev", "AWS_CONFIG_FILE": "/home/alice/.aws/config"}
# What the key may leave out, as (record type, field): one entry per deliberate exception.
UNKEYED = {("MfaInput", "token"),  # a new code every 30 s, asked only on a miss
           # how long the MFA session lasts: when a code is asked again, not whose credentials
           ("MfaInput", "session_duration"),
           # whether a sign-in may show itself on stderr: how, not which credentials
           ("CachedToken", "asked"),
           # how JumpCloud's password is had and what is kept: not whose credentials
           ("JumpCloudStart", "password_process"), ("JumpCloudStart", "save_password"),
           ("JumpCloudStart", "keep_assertion")}

HOPS = (ChainStep(ROLE_A, "first", 900, EXTERNAL_IDS[0]),
        ChainStep(ROLE_B, "second", 3600, EXTERNAL_IDS[1]))
# Every field of every start is set (not None, no empty tuple), so that each can be changed:
# one sample Plan per kind of start and of SSO token. When a spec type is added to
# sources.SOURCES or token_sources.TOKEN_SOURCES, add a start holding it here.
STARTS: list[sources.StartSpec] = [
    ProfileStart("dev"),
    RoleProfileStart("prod", "alice-keys"),
    SsoProfileStart("dev-admin", "corp-admin", START_URL, "eu-west-1", ACCOUNT, "Admin",
                    session_name="corp", registration_scopes=("sso:account:access",),
                    roles=(ProfileRole("dev-admin", ROLE_A, "alice", 900, EXTERNAL_IDS[0],
                                       MFA_SERIAL),),
                    region="eu-west-1", use_device_code=True, no_browser=True),
    SsoRoleStart(SignIn(START_URL, "eu-west-1", use_device_code=True, no_browser=True,
                        scopes=("sso:account:access",)), ACCOUNT, "Admin"),
    SsoRoleStart(CachedToken(START_URL, "eu-west-1", use_device_code=True, no_browser=True),
                 ACCOUNT, "Admin"),
    SsoRoleStart(GivenToken(SSO_TOKEN, START_URL, "eu-west-1"), ACCOUNT, "Admin"),
    SsoRoleStart(TokenFile("/home/alice/token.json", START_URL, "eu-west-1"), ACCOUNT, "Admin"),
    SamlStart(SAML_ASSERTION, ROLE_A, f"arn:aws:iam::{ACCOUNT}:saml-provider/Idp",
              duration=3600, session_name="alice@example.com", not_on_or_after=WHEN,
              region="eu-west-1"),
    JumpCloudStart("https://sso.jumpcloud.com/saml2/aws-prod", "https://console.jumpcloud.com",
                   email="alice@example.com", role_arn=ROLE_A, mfa="totp", duration=3600,
                   region="eu-west-1", password_process=("op", "read", "op://JumpCloud"),
                   save_password=True, keep_assertion=True),
    WebIdentityStart(WEB_TOKEN, ROLE_B, "/var/run/token", session_name="ci", duration=900,
                     from_environment=True, region="eu-west-1"),
    EnvKeysStart(),
    DefaultChainStart(),
]
SAMPLES: list[Plan] = [
    Plan(
        start=start,
        region="eu-west-1",
        session_step=SessionStep(SessionStepKind.FEDERATION_TOKEN, 3600, "fed-alice",
                                 '{"Version":"2012-10-17","Statement":[]}'),
        hops=HOPS,
        mfa=MfaInput(MFA_SERIAL, MFA_CODE, 28800),
        partition="aws",
        use_cache=True,
    )
    for start in STARTS
]
# The model names the start's type only for type checkers (sources imports the model).
HINT_NAMES = {"StartSpec": sources.StartSpec, "TokenSpec": token_sources.TokenSpec}


def record_fields(value: object) -> tuple[str, ...] | None:
    fields: tuple[str, ...] | None = getattr(type(value), "__record_fields__", None)
    return fields


def keyed_fields(cls: type) -> dict[str, bool]:
    """name -> secret, for the fields of a record type that are in derived keys."""
    return dict(getattr(cls, "__record_key__"))  # noqa: B009 - set by @record at run time


def hints(cls: type) -> dict[str, Any]:
    return get_type_hints(cls, localns=HINT_NAMES)


def nones_allowed(cls: type) -> set[str]:
    return {name for name, hint in hints(cls).items() if type(None) in get_args(hint)}


def other_value(value: object, where: str) -> object:
    """Another valid value of the same type as the leaf `value`."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, str):
        return value + "-changed"
    if isinstance(value, enum.Enum):
        members = list(type(value))
        assert len(members) > 1, f"{where}: {type(value).__name__} has one member only"
        return members[(members.index(value) + 1) % len(members)]
    if isinstance(value, datetime):
        return value + timedelta(seconds=1)
    raise AssertionError(f"{where} is {value!r}: the samples must set every field, and this "
                         "test needs a rule for another value of each type")


def variants(value: object, where: str) -> Iterator[tuple[str, object, bool]]:
    """Every value one change away from `value`, as (what changed, the changed value, whether
    the key must change). Records are walked field by field, tuples item by item."""
    names = record_fields(value)
    if names is not None:
        cls = type(value)
        keyed = keyed_fields(cls)
        optional = nones_allowed(cls)
        for name in names:
            inner = getattr(value, name)
            changes = list(variants(inner, f"{where}.{name}"))
            if name in optional:
                changes.append((f"{where}.{name} = None", None, True))
            for path, changed, must_change in changes:
                yield path, replace(value, **{name: changed}), must_change and name in keyed
        return
    if isinstance(value, tuple):
        assert value, f"{where}: the samples need at least one item in every tuple"
        for index, item in enumerate(value):
            for path, changed, must_change in variants(item, f"{where}[{index}]"):
                yield path, (*value[:index], changed, *value[index + 1:]), must_change
        yield f"{where}: one more item", (*value, value[-1]), True
        yield f"{where}: one item less", value[:-1], True
        if len(value) > 1:
            yield f"{where}: reversed", value[::-1], True
        return
    yield where, other_value(value, where), True


def records_in(value: object) -> Iterator[object]:
    """`value` and every record inside it."""
    names = record_fields(value)
    if names is not None:
        yield value
        for name in names:
            yield from records_in(getattr(value, name))
    elif isinstance(value, tuple):
        for item in value:
            yield from records_in(item)


def record_types_reachable(root: type) -> set[type]:
    """Every record type a field of `root` (or of those types, and so on) may hold."""
    found: set[type] = set()
    todo = [root]
    while todo:
        cls = todo.pop()
        if cls in found:
            continue
        found.add(cls)
        for hint in hints(cls).values():
            todo.extend(kind for kind in types_in(hint) if hasattr(kind, "__record_fields__"))
    return found


def types_in(hint: Any) -> Iterator[Any]:
    args = get_args(hint)
    if not args:
        yield hint
    for arg in args:
        yield from types_in(arg)


def plan_id(plan: Plan) -> str:
    token = plan.start.token if isinstance(plan.start, SsoRoleStart) else None
    return type(plan.start).__name__ + ("" if token is None else f"({type(token).__name__})")


@pytest.mark.parametrize("plan", SAMPLES, ids=plan_id)
def test_changing_any_plan_field_changes_the_key(plan: Plan) -> None:
    key = cache_key(plan, ENVIRON)
    checked = 0
    for where, changed, must_change in variants(plan, "Plan"):
        assert isinstance(changed, Plan)
        if must_change:
            assert cache_key(changed, ENVIRON) != key, f"changing {where} kept the key"
        else:
            assert cache_key(changed, ENVIRON) == key, f"changing {where} changed the key"
        checked += 1
    assert checked > 30  # the walk did reach the nested specs


def test_every_record_type_a_plan_can_hold_has_a_sample() -> None:
    reachable = {cls.__name__ for cls in record_types_reachable(Plan)}
    sampled = {type(value).__name__ for plan in SAMPLES for value in records_in(plan)}
    assert reachable - sampled == set(), "add a sample Plan holding these types to SAMPLES"
    # the walk itself works
    assert {"Plan", "ProfileStart", "SsoRoleStart", "SignIn", "CachedToken", "GivenToken",
            "TokenFile", "SamlStart", "JumpCloudStart", "WebIdentityStart", "EnvKeysStart",
            "DefaultChainStart", "ChainStep", "SessionStep", "MfaInput"} <= reachable


def test_only_the_mfa_code_is_left_out_of_the_key() -> None:
    unkeyed = {(cls.__name__, name) for cls in record_types_reachable(Plan)
               for name in cls.__record_fields__  # type: ignore[attr-defined]
               if name not in keyed_fields(cls)}
    assert unkeyed == UNKEYED


@pytest.mark.parametrize("code", ["654321", None])
def test_the_mfa_code_does_not_change_the_key(code: str | None) -> None:
    plan = SAMPLES[0]
    assert plan.mfa is not None
    other = replace(plan, mfa=MfaInput(plan.mfa.serial, code))
    assert cache_key(other, ENVIRON) == cache_key(plan, ENVIRON)
    assert cache_key(replace(plan, mfa=MfaInput(MFA_SERIAL + "2", code)), ENVIRON) \
        != cache_key(plan, ENVIRON)


def hidden_values(plan: Plan) -> set[str]:
    """The plan's secret strings and those left out of keys, and the environment's secret."""
    hidden = {ENV_SECRET}
    for value in records_in(plan):
        keyed = keyed_fields(type(value))
        for name in record_fields(value) or ():
            inner = getattr(value, name)
            secret_or_left_out = keyed.get(name, True)
            if isinstance(inner, str) and secret_or_left_out:
                hidden.add(inner)
    return hidden


def test_the_samples_hold_every_kind_of_secret() -> None:
    assert set().union(*map(hidden_values, SAMPLES)) == {
        ENV_SECRET, SSO_TOKEN, SAML_ASSERTION, WEB_TOKEN, *EXTERNAL_IDS, MFA_CODE}


@pytest.mark.parametrize("plan", SAMPLES, ids=plan_id)
def test_secret_values_never_enter_the_key_input(plan: Plan) -> None:
    hidden = hidden_values(plan)
    text = key_input(plan, ENVIRON)
    for secret in hidden:
        assert secret not in text
    # ... yet each is in the key, as a digest
    for value in records_in(plan):
        for name, is_secret in keyed_fields(type(value)).items():
            if is_secret:
                assert set(key_form(value)[name]) == {"sha256"}  # type: ignore[index]


def test_the_key_of_an_unchanged_plan_is_the_same_in_every_process() -> None:
    # A literal, so that no hash randomisation or dict order can hide in the key. Changing
    # it (a new field, a renamed field or type, another rule in key_form) makes every
    # user's cached credentials miss once and be fetched again: fine, but only on purpose.
    plan = Plan(ProfileStart("dev"), "eu-west-1", hops=(ChainStep(ROLE_A),),
                use_cache=True)
    assert cache_key(plan, ENVIRON) == (
        "474f2fe252f5dba32a53a340edaacef535999b2785858beaf9675c22f8e1c209")
    assert cache_key(SAMPLES[0], ENVIRON) == cache_key(replace(SAMPLES[0]), dict(ENVIRON))


@pytest.mark.parametrize("name", ["AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_CONFIG_FILE",
                                  "AWS_SHARED_CREDENTIALS_FILE", "AWS_ROLE_ARN",
                                  "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ACCESS_KEY_ID",
                                  "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"])
def test_the_environment_outside_the_plan_changes_the_key(name: str) -> None:
    plan = SAMPLES[0]
    key = cache_key(plan, ENVIRON)
    assert cache_key(plan, {**ENVIRON, name: ENVIRON.get(name, "") + "x"}) != key
    assert cache_key(plan, {**ENVIRON, "AWS_REGION": "us-east-1", "HOME": "/tmp"}) == key


@pytest.mark.parametrize("value", [1.5, ["a"], {"a": 1}, {"a"}, b"bytes"])
def test_a_value_of_a_type_without_a_rule_raises(value: object) -> None:
    with pytest.raises(TypeError, match="no rule for a"):
        cache_key(replace(SAMPLES[0], region=value), ENVIRON)


def test_records_with_the_same_fields_but_another_type_have_other_keys() -> None:
    @record
    class Left:
        name: str
        secret: str = field(default="s", repr=False)

    @record
    class Right:
        name: str
        secret: str = field(default="s", repr=False)

    assert key_form(Left("a")) != key_form(Right("a"))
    assert key_form(Left("a")) == key_form(Left("a"))
    assert json.dumps(key_form(Left("a", "hunter2"))).count("hunter2") == 0
