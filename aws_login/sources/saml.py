"""Starting credentials from a SAML assertion (STS AssumeRoleWithSAML).

A SAML identity provider (JumpCloud, Okta, ADFS, Google, ...) signs a person in and has the
browser POST a base64 `SAMLResponse` to https://signin.aws.amazon.com/saml. aws-login takes
that value, lists the role/provider pairs of its Role attribute and trades the assertion for
a role session. The call is unsigned: the signed assertion is the proof.

This module reads the input, chooses the role (asking through the Context) and calls STS;
the parsing is saml_assertion.py's, imported only when --saml-assertion is given. Everything
about the input is checked when the plan is built, before any network call, so bad input
exits 2 with one line.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, TextIO

from aws_login import arns, completion
from aws_login.errors import AwsCallError, OperationError, UsageError
from aws_login.model import Credentials, RoleSession
from aws_login.record import field, record

if TYPE_CHECKING:
    from aws_login.context import Context
    from aws_login.model import StartSettings
    from aws_login.providers import StartSource
    from aws_login.saml_assertion import SamlRole

OPTION = "--saml-assertion"


@record
class SamlStart:
    """A SAML start: the IdP's assertion and the role/provider pair chosen from it."""

    label = "SAML assertion"  # how `status` names it

    assertion: str = field(repr=False)  # the base64 SAMLResponse, as AWS takes it
    role_arn: str
    principal_arn: str  # the IAM SAML provider that trusts the IdP
    duration: int | None = None  # DurationSeconds; None: AWS's default (3600 s)
    session_name: str | None = None  # the RoleSessionName attribute (AWS applies it)
    not_on_or_after: datetime | None = None  # AWS refuses the assertion after this
    region: str | None = None  # --region

    profile = None  # clients follow AWS_PROFILE / the defaults (see StartSpec)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    saml = parser.add_argument_group("SAML identity provider (JumpCloud, Okta, ADFS, ...)")
    saml.add_argument(
        "--saml-assertion", metavar="PATH|-",
        help="start from the base64 SAMLResponse your IdP posts to "
             "https://signin.aws.amazon.com/saml, saved in a file or given on standard input "
             "(-), e.g. --saml-assertion ~/saml.txt; SessionDuration in it sets the lifetime "
             "unless --duration does")
    saml_role = saml.add_argument(
        "--saml-role-arn", metavar="ARN",
        help="the role to take when the assertion (or JumpCloud's) grants several, e.g. "
             "--saml-role-arn arn:aws:iam::123456789012:role/Admin (default: the only one; "
             "on a terminal, asked)")
    completion.attach(saml_role, completion.role_arn)


class _Saml:
    spec_type = SamlStart
    given = OPTION
    role_session = RoleSession("SAML", "AssumeRoleWithSAML")

    def applies(self, args: argparse.Namespace, ctx: Context) -> bool:
        if args.saml_role_arn is not None and args.saml_assertion is None \
                and args.jumpcloud_url is None:
            raise UsageError("--saml-role-arn chooses a role of --saml-assertion or "
                             "--jumpcloud-url; add one of them")
        return args.saml_assertion is not None

    def spec(self, args: argparse.Namespace, ctx: Context,
             settings: StartSettings) -> SamlStart:
        return plan_spec(args.saml_assertion, args.saml_role_arn, settings.duration,
                         settings.region, ctx)

    def starting_role(self, spec: SamlStart) -> str | None:
        return spec.role_arn

    def resolve(self, spec: SamlStart, ctx: Context) -> Credentials:
        ctx.log(f"starting source: SAML role {spec.role_arn} (--saml-assertion)")
        return from_saml(spec, ctx)


SAML: StartSource[SamlStart] = _Saml()


# --- building the plan ---------------------------------------------------------------------

def plan_spec(path: str, wanted_role: str | None, duration: int | None, region: str | None,
              ctx: Context) -> SamlStart:
    """Read, decode and check the assertion and pick the role (asking on a terminal)."""
    from aws_login import saml_assertion as parsing  # the XML parser: only for SAML
    from aws_login.sources.federated import read_limited

    from_stdin = path == "-"
    where = f"{OPTION} -" if from_stdin else f"{OPTION} {path}"
    raw = read_stdin(ctx.stdin, where, parsing.MAX_INPUT_BYTES) if from_stdin else read_limited(
        path, OPTION, parsing.MAX_INPUT_BYTES, "a SAMLResponse")
    encoded = parsing.normalize(raw, where)
    ctx.log.add_secret(encoded)
    assertion = parsing.parse_assertion(encoded, where)
    for value in assertion.ignored:
        ctx.warn(f"ignoring the Role value {parsing.quoted(value)} of the SAML assertion: it "
                 "is not a role ARN and a SAML provider ARN separated by a comma")
    # The assertion came on stdin, so stdin cannot also answer a question.
    can_ask = ctx.prompt.can_ask(stdin_taken=from_stdin)
    role = choose_role(assertion.roles, wanted_role,
                       (lambda roles: ask_role(roles, ctx)) if can_ask else None)
    return SamlStart(
        assertion=encoded,
        role_arn=role.role_arn,
        principal_arn=role.principal_arn,
        duration=duration if duration is not None else parsing.start_duration(
            assertion.session_duration, ctx.warn),
        session_name=assertion.session_name,
        not_on_or_after=assertion.not_on_or_after,
        region=region,
    )


def read_stdin(stdin: TextIO, where: str, max_chars: int) -> str:
    text = stdin.read(max_chars + 1)
    if len(text) > max_chars:
        raise UsageError(f"{where}: standard input has more than {max_chars} characters, "
                         "too many for a SAMLResponse")
    return text


# --- choosing the role ---------------------------------------------------------------------

def choose_role(roles: Sequence[SamlRole], wanted: str | None,
                ask: Callable[[Sequence[SamlRole]], SamlRole] | None) -> SamlRole:
    """The role of --saml-role-arn, the only one, or the one a person picks (`ask`)."""
    if wanted is not None:
        try:
            arn = str(arns.parse_role_arn(wanted.strip()))
        except UsageError as exc:
            raise UsageError(f"--saml-role-arn: {exc.message}") from None
        for role in roles:
            if role.role_arn == arn:
                return role
        raise UsageError(f"--saml-role-arn {arn} is not a role the SAML assertion grants; it "
                         f"grants {_listing(roles)}")
    if len(roles) == 1:
        return roles[0]
    if ask is None:
        raise UsageError(f"the SAML assertion grants {len(roles)} roles; choose one with "
                         f"--saml-role-arn ARN: {_listing(roles)}")
    return ask(roles)


def ask_role(roles: Sequence[SamlRole], ctx: Context) -> SamlRole:
    """Ask which role to take (its number or its ARN), on the prompt service's channel."""
    from aws_login.prompts import Cancelled, NoAnswer

    try:
        index = ctx.prompt.choose(
            "Role to assume", [f"{role.role_arn}  (provider {role.provider_name})"
                               for role in roles],
            "The SAML assertion grants these roles:", names=[role.role_arn for role in roles])
    except (NoAnswer, Cancelled) as exc:
        exc.message = f"no role was chosen ({exc.reason}); pass --saml-role-arn ARN"
        raise
    return roles[index]


def _listing(roles: Sequence[SamlRole]) -> str:
    return ", ".join(role.role_arn for role in roles)


# --- the STS call --------------------------------------------------------------------------

def from_saml(spec: SamlStart, ctx: Context) -> Credentials:
    from aws_login.saml_assertion import CLOCK_SKEW
    from aws_login.sources.federated import assume_unsigned, sts_region

    if spec.not_on_or_after is not None and ctx.now() > spec.not_on_or_after + CLOCK_SKEW:
        raise OperationError(
            f"the SAML assertion expired at {spec.not_on_or_after:%Y-%m-%d %H:%M:%S} UTC (IdPs "
            "make them valid for a few minutes); sign in to the IdP again and capture a new "
            "SAMLResponse")
    region = sts_region(spec.region, spec.role_arn, ctx)
    ctx.log.add_secret(spec.assertion)
    creds, arn = assume_unsigned(
        "AssumeRoleWithSAML",
        {"RoleArn": spec.role_arn, "PrincipalArn": spec.principal_arn,
         "SAMLAssertion": spec.assertion},
        spec.duration, f"via {spec.principal_arn}", region, ctx,
        lambda exc: _explain(exc, spec))
    ctx.log(f"SAML start: now {arn}")
    return creds


def _explain(exc: AwsCallError, spec: SamlStart) -> OperationError:
    error = exc.within(f"AssumeRoleWithSAML ({spec.role_arn})")
    if exc.code == "ValidationError" and "DurationSeconds" in exc.detail:
        error.message += (f" (the role allows less than {spec.duration} s; pass a lower "
                          "--duration, e.g. --duration 3600, or raise the role's maximum "
                          "session duration)")
    elif exc.code == "ExpiredTokenException":
        error.message += " (sign in to the IdP again and capture a new SAMLResponse)"
    elif exc.code in ("AccessDenied", "InvalidIdentityToken"):
        error.message += (f" (check that the role's trust policy allows "
                          f"sts:AssumeRoleWithSAML for {spec.principal_arn})")
    return error
