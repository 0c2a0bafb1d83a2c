"""Run a Plan's steps from its starting credentials: the optional session step
(GetSessionToken / GetFederationToken), then every AssumeRole hop. (acquire.py decides
whether to run them at all, and resolves the start.)

Each hop is signed with the previous hop's credentials. A failure names its step, e.g.
`hop 2/3 (arn:aws:iam::222222222222:role/B): AccessDenied: ...`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aws_login.arns import parse_role_arn, sanitize_session_name
from aws_login.context import Context
from aws_login.errors import AwsCallError, UsageError
from aws_login.limits import (
    CHAINED_HOP_MAX_SECONDS,
    INTERMEDIATE_HOP_SECONDS,
    check_chained_duration,
)
from aws_login.model import (
    ChainStep,
    CredentialKind,
    Credentials,
    MfaInput,
    Plan,
    SessionStep,
    SessionStepKind,
)
from aws_login.record import replace

if TYPE_CHECKING:  # sts pulls in the retry policy and error translation: network paths only
    from aws_login.sts import StsApi

    StsFactory = Callable[[Credentials, str], StsApi]

# Without a policy a federated user has no permissions at all; allowing everything makes
# the session exactly as powerful as the IAM user (the intersection of both policies).
DEFAULT_FEDERATION_POLICY = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Sid": "SameAsIamUser", "Effect": "Allow", "Action": "*", "Resource": "*"}],
}, separators=(",", ":"))



def run_steps(start: Credentials, plan: Plan, mfa: MfaInput | None, sts_for: StsFactory,
              region: str, ctx: Context) -> Credentials:
    """The plan's session step and hops, signed first with `start`; `mfa` (with its code)
    goes with the first STS call."""
    creds = start
    if plan.session_step is not None:
        creds = _session_step(creds, plan.session_step, mfa, sts_for, region, ctx)
        mfa = None  # the MFA code is spent on the first STS call
    if plan.hops:
        check_chained_duration(
            plan.hops, creds.source if creds.kind is CredentialKind.ROLE else None)
        creds = assume_chain(creds, plan.hops, mfa, sts_for, region, ctx)
    return creds


def assume_chain(start: Credentials, hops: tuple[ChainStep, ...], mfa: MfaInput | None,
                 sts_for: StsFactory, region: str, ctx: Context) -> Credentials:
    creds = start
    default_name: str | None = None
    for index, hop in enumerate(hops, start=1):
        step = f"hop {index}/{len(hops)} ({hop.role_arn})"
        name = hop.session_name
        if name is None:
            if default_name is None:
                try:
                    default_name = _caller_name(sts_for(creds, region), ctx, 64)
                except AwsCallError as exc:  # the session name is part of this hop's work
                    raise exc.within(f"{step}: {exc.operation}") from None
            name = default_name
        params: dict[str, Any] = {"RoleArn": hop.role_arn, "RoleSessionName": name}
        final = index == len(hops)
        params["DurationSeconds"] = (hop.duration if hop.duration is not None
                                     else (3600 if final else INTERMEDIATE_HOP_SECONDS))
        if hop.external_id:
            params["ExternalId"] = hop.external_id
        if mfa is not None and index == 1:
            params["SerialNumber"] = mfa.serial
            params["TokenCode"] = mfa.token
        ctx.log(f"{step}: AssumeRole as session {name!r} for {params['DurationSeconds']} s")
        try:
            creds, arn = sts_for(creds, region).assume_role(**params)
        except AwsCallError as exc:
            raise _explain_hop_failure(exc, step, hop, creds, index) from None
        ctx.log(f"{step}: now {arn}")
        creds = replace(creds, source=f"role {hop.role_arn} (hop {index}/{len(hops)})")
    return creds


def _session_step(creds: Credentials, step: SessionStep, mfa: MfaInput | None,
                  sts_for: StsFactory, region: str, ctx: Context) -> Credentials:
    require_long_term(creds, step)
    sts = sts_for(creds, region)
    params: dict[str, Any] = {}
    duration = step.duration
    if duration is None and mfa is not None:
        duration = mfa.session_duration  # --mfa-session-duration: a session before hops
    if duration is not None:
        params["DurationSeconds"] = duration
    if step.kind is SessionStepKind.SESSION_TOKEN:
        if mfa is not None:
            params.update(SerialNumber=mfa.serial, TokenCode=mfa.token)
        ctx.log("session step: GetSessionToken" + (" with MFA" if mfa else ""))
        try:
            return sts.get_session_token(**params)
        except AwsCallError as exc:
            raise exc.within("session step GetSessionToken") from None
    try:
        name = step.federation_name or _caller_name(sts, ctx, 32)
    except AwsCallError as exc:
        raise exc.within(f"session step GetFederationToken: {exc.operation}") from None
    params.update(Name=name, Policy=step.federation_policy or DEFAULT_FEDERATION_POLICY)
    ctx.log(f"session step: GetFederationToken as {name!r}")
    try:
        creds, arn = sts.get_federation_token(**params)
    except AwsCallError as exc:
        raise exc.within("session step GetFederationToken") from None
    ctx.log(f"session step: now {arn}")
    return creds


def require_long_term(creds: Credentials, step: SessionStep) -> None:
    """A session step is signed with an IAM user's own keys (also checked before an MFA
    code is asked for, when the start is known without a network call: mfa.py)."""
    if not creds.is_long_term:
        raise UsageError(f"{step.kind.value} needs long-term IAM user keys, but the starting "
                         f"credentials ({creds.source}) are {creds.kind.value}; start from "
                         "an IAM user's access keys")


def _explain_hop_failure(exc: AwsCallError, step: str, hop: ChainStep,
                         signer: Credentials, index: int) -> Exception:
    error = exc.within(step)
    # Only a hop signed by a role session is chained; AssumeRole signed by an IAM user or
    # its GetSessionToken/GetFederationToken session is capped by the role's own maximum.
    not_chained = index == 1 and signer.kind in (
        CredentialKind.LONG_TERM, CredentialKind.SESSION, CredentialKind.FEDERATED)
    if exc.code == "ValidationError" and "DurationSeconds" in exc.detail:
        if not_chained:
            error.message += (" (lower --duration, or raise the role's maximum session "
                              "duration)")
        else:
            error.message += (f" (a chained role session lasts at most "
                              f"{CHAINED_HOP_MAX_SECONDS} s; lower --duration, or raise the "
                              "role's maximum session duration)")
    elif exc.code == "AccessDenied":
        signed_by = signer.source if index > 1 else f"the starting credentials ({signer.source})"
        error.message += (f" (check that {parse_role_arn(hop.role_arn).name}'s trust policy "
                          f"allows {signed_by})")
    return error


def _caller_name(sts: StsApi, ctx: Context, max_length: int) -> str:
    """A session/federation name for whoever holds these credentials."""
    arn = sts.get_caller_identity()["Arn"]
    # user/path/alice -> alice; assumed-role/Role/alice@example.com -> alice@example.com
    name = sanitize_session_name(arn.rsplit("/", 1)[-1] if "/" in arn else "root", max_length)
    ctx.log(f"caller is {arn}; using session name {name!r}")
    return name
