"""JumpCloud behind a credential server: a renewal takes a new assertion from the session the
server signed in earlier (no password, no second factor: a push user is not asked every
hour), and signs in again only when JumpCloud has ended that session."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from aws_login.acquire import acquire
from aws_login.cli import build_parser
from aws_login.context import Context
from aws_login.mfa_session import InMemory
from aws_login.options.credentials import build_plan
from tests.fakes.jumpcloud import FakeJumpCloud
from tests.fakes.moto_server import Recorder
from tests.helpers import ROLE_A
from tests.jumpcloud_support import JcWorld, make_world

SIGN_IN = ["GET /userconsole/xsrf", "POST /userconsole/auth", "POST /userconsole/auth",
           "GET /saml2/aws-prod"]


@pytest.fixture
def jc(cache_env: Path, jumpcloud: FakeJumpCloud, tmp_path: Path,
       monkeypatch: pytest.MonkeyPatch) -> JcWorld:
    return make_world(jumpcloud, cache_env, tmp_path, monkeypatch)


def test_renewals_reuse_the_signed_in_session_until_it_ends(jc: JcWorld,
                                                            calls: Recorder) -> None:
    err = io.StringIO()
    ctx = Context(environ=os.environ, stdout=io.StringIO(), stderr=err, stdin=io.StringIO(),
                  tty=None, now=jc.now, sleep=jc.sleep)
    args = build_parser("serve").parse_args(["serve", *jc.programs("--assume-roles", ROLE_A)])
    plan = build_plan(args, ctx)
    keep = InMemory()  # what serve and runas --server give the keeper
    first = acquire(plan, ctx, keep)
    assert jc.fake.paths() == SIGN_IN
    jc.fake.clear()
    calls.clear()
    # A renewal, as the keeper makes it: the IdP page of the live session, then AWS.
    second = acquire(plan, ctx, keep)
    assert jc.fake.paths() == ["GET /saml2/aws-prod"]
    assert calls.actions() == ["AssumeRoleWithSAML", "GetCallerIdentity", "AssumeRole"]
    assert second.credentials.access_key_id != first.credentials.access_key_id
    # JumpCloud ends the session: the next renewal signs in again, with a new code.
    jc.fake.sessions.clear()
    jc.next_step()
    jc.code_file()
    jc.fake.clear()
    third = acquire(plan, ctx, keep)
    assert jc.fake.paths() == ["GET /saml2/aws-prod", *SIGN_IN]
    assert third.credentials.access_key_id != second.credentials.access_key_id
    assert err.getvalue() == ""
