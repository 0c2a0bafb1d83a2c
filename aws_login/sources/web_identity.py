"""Starting credentials from an OIDC web-identity token (STS AssumeRoleWithWebIdentity).

Two ways in: `--web-identity-token-file PATH --web-identity-role-arn ARN`, or the environment
that EKS (IRSA), GitHub Actions and other CI systems set: AWS_WEB_IDENTITY_TOKEN_FILE +
AWS_ROLE_ARN (+ AWS_ROLE_SESSION_NAME). The call is unsigned: the token is the proof.

The environment ranks as in botocore's default chain: after AWS_ACCESS_KEY_ID /
AWS_SECRET_ACCESS_KEY, before AWS_PROFILE and the rest of the chain; an explicit --profile
ignores it (botocore, too, ignores these variables for an explicitly chosen profile).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from aws_login import arns, completion
from aws_login.errors import AwsCallError, OperationError, UsageError
from aws_login.model import Credentials, RoleSession
from aws_login.record import field, record

if TYPE_CHECKING:
    from aws_login.context import Context
    from aws_login.model import StartSettings
    from aws_login.providers import StartSource

TOKEN_FILE_VARIABLE = "AWS_WEB_IDENTITY_TOKEN_FILE"
ROLE_ARN_VARIABLE = "AWS_ROLE_ARN"
SESSION_NAME_VARIABLE = "AWS_ROLE_SESSION_NAME"
# STS takes tokens of 4-20,000 characters; the file may add a line break.
MIN_TOKEN_CHARS = 4
MAX_TOKEN_CHARS = 20_000
_MAX_FILE_BYTES = MAX_TOKEN_CHARS + 1024


@record
class WebIdentityStart:
    """A web-identity start: an OIDC token (EKS, CI) traded for a role session."""

    label = "web identity token"  # how `status` names it

    token: str = field(repr=False)  # read when the plan is built, so the cache key matches
    role_arn: str
    token_file: str
    session_name: str | None = None  # None: derived from the token's subject
    duration: int | None = None  # DurationSeconds; None: AWS's default (3600 s)
    from_environment: bool = False  # AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN
    region: str | None = None  # --region

    profile = None  # clients follow AWS_PROFILE / the defaults (see StartSpec)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    web = parser.add_argument_group(
        "web identity (OIDC token: EKS, GitHub Actions, GitLab CI, ...)")
    web.add_argument(
        "--web-identity-token-file", metavar="PATH",
        help="start from the OIDC token in this file, e.g. --web-identity-token-file "
             "/var/run/secrets/eks.amazonaws.com/serviceaccount/token (default: "
             "AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN when no access keys are set); the "
             "session name is AWS_ROLE_SESSION_NAME, else the token's subject")
    web_role = web.add_argument(
        "--web-identity-role-arn", metavar="ARN",
        help="the role to assume with the token, e.g. --web-identity-role-arn "
             "arn:aws:iam::123456789012:role/ci-deploy")
    completion.attach(web_role, completion.role_arn)


class _WebIdentity:
    """What both ways in share: the spec type, the role session and the STS call."""

    spec_type = WebIdentityStart
    role_session = RoleSession("web identity", "AssumeRoleWithWebIdentity")

    def starting_role(self, spec: WebIdentityStart) -> str | None:
        return spec.role_arn

    def resolve(self, spec: WebIdentityStart, ctx: Context) -> Credentials:
        origin = ("AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN" if spec.from_environment
                  else "--web-identity-token-file")
        ctx.log(f"starting source: web identity role {spec.role_arn} ({origin})")
        return from_web_identity(spec, ctx)


class _FromOptions(_WebIdentity):
    given = "--web-identity-token-file"

    def applies(self, args: argparse.Namespace, ctx: Context) -> bool:
        return args.web_identity_token_file is not None or \
            args.web_identity_role_arn is not None

    def spec(self, args: argparse.Namespace, ctx: Context,
             settings: StartSettings) -> WebIdentityStart:
        return option_spec(args.web_identity_token_file, args.web_identity_role_arn,
                           settings.duration, settings.region, ctx.environ)


class _FromEnvironment(_WebIdentity):
    given = None

    def applies(self, args: argparse.Namespace, ctx: Context) -> bool:
        # (after the environment keys in SOURCES: botocore, too, tries those first)
        return bool(ctx.environ.get(TOKEN_FILE_VARIABLE, "").strip())

    def spec(self, args: argparse.Namespace, ctx: Context,
             settings: StartSettings) -> WebIdentityStart:
        return environment_spec(ctx.environ, settings.duration, settings.region)


WEB_IDENTITY_OPTIONS: StartSource[WebIdentityStart] = _FromOptions()
WEB_IDENTITY_ENVIRONMENT: StartSource[WebIdentityStart] = _FromEnvironment()


def environment_spec(environ: Mapping[str, str], duration: int | None,
                     region: str | None) -> WebIdentityStart:
    token_file = environ[TOKEN_FILE_VARIABLE].strip()
    role_text = environ.get(ROLE_ARN_VARIABLE, "").strip()
    if not role_text:
        raise UsageError(f"{TOKEN_FILE_VARIABLE} is set but {ROLE_ARN_VARIABLE} is not; set "
                         f"{ROLE_ARN_VARIABLE} to the role to assume with the token, or unset "
                         f"{TOKEN_FILE_VARIABLE}")
    return _spec(token_file, TOKEN_FILE_VARIABLE, role_text, ROLE_ARN_VARIABLE, duration,
                 region, environ, from_environment=True)


def option_spec(token_file: str | None, role_arn: str | None, duration: int | None,
                region: str | None, environ: Mapping[str, str]) -> WebIdentityStart:
    if token_file is None or role_arn is None:
        raise UsageError("--web-identity-token-file and --web-identity-role-arn go together; "
                         "give both, e.g. --web-identity-token-file /run/token "
                         f"--web-identity-role-arn {arns.ROLE_ARN_EXAMPLE}")
    if not token_file.strip():
        raise UsageError("--web-identity-token-file needs a file, e.g. "
                         "--web-identity-token-file /var/run/secrets/token")
    return _spec(token_file.strip(), "--web-identity-token-file", role_arn.strip(),
                 "--web-identity-role-arn", duration, region, environ, from_environment=False)


def _spec(token_file: str, file_source: str, role_text: str, role_source: str,
          duration: int | None, region: str | None, environ: Mapping[str, str],
          from_environment: bool) -> WebIdentityStart:
    try:
        role_arn = str(arns.parse_role_arn(role_text))
    except UsageError as exc:
        raise UsageError(f"{role_source}: {exc.message}") from None
    session_name = environ.get(SESSION_NAME_VARIABLE, "").strip() or None
    if session_name is not None:
        try:
            arns.validate_session_name(session_name)
        except UsageError as exc:
            raise UsageError(f"{SESSION_NAME_VARIABLE}: {exc.message}") from None
    from aws_login.sources.federated import read_limited

    text = read_limited(token_file, file_source, _MAX_FILE_BYTES, "a web identity token")
    return WebIdentityStart(
        token=_checked_token(text, f"{file_source} {token_file}"),
        role_arn=role_arn,
        token_file=token_file,
        session_name=session_name,
        duration=duration,
        from_environment=from_environment,
        region=region,
    )


def _checked_token(text: str, where: str) -> str:
    token = text.strip()
    if not token:
        raise UsageError(f"{where} is empty; it should hold the OIDC token (a JWT) issued to "
                         "this workload")
    if not MIN_TOKEN_CHARS <= len(token) <= MAX_TOKEN_CHARS:
        raise UsageError(f"{where} holds {len(token)} characters; a web identity token has "
                         f"{MIN_TOKEN_CHARS}-{MAX_TOKEN_CHARS}")
    if not all(ch.isascii() and ch.isprintable() and not ch.isspace() for ch in token):
        raise UsageError(f"{where} does not hold a single token (it has spaces, line breaks "
                         "or non-ASCII characters inside); it should hold only the OIDC token")
    return token


def default_session_name(token: str, now: datetime) -> str:
    """The token's subject, made a valid session name (e.g. system-serviceaccount-ns-app, or
    repo-org-app-ref-refs-heads-main), so CloudTrail shows which workload it was; for an opaque
    token aws-login-<epoch seconds>, as botocore does with botocore-session-<...>."""
    subject = _jwt_subject(token)
    if subject:
        return arns.sanitize_session_name(subject)
    return f"aws-login-{int(now.timestamp())}"


def _jwt_subject(token: str) -> str | None:
    """The unverified `sub` claim of a JWT (AWS verifies the token; this only names it)."""
    import base64  # only here: building the plan does not need it

    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, UnicodeDecodeError):  # binascii.Error is a ValueError
        return None
    subject = payload.get("sub") if isinstance(payload, dict) else None
    return subject if isinstance(subject, str) and subject.strip() else None


def from_web_identity(spec: WebIdentityStart, ctx: Context) -> Credentials:
    from aws_login.sources.federated import assume_unsigned, sts_region

    region = sts_region(spec.region, spec.role_arn, ctx)
    name = spec.session_name or default_session_name(spec.token, ctx.now())
    ctx.log.add_secret(spec.token)
    creds, arn = assume_unsigned(
        "AssumeRoleWithWebIdentity",
        {"RoleArn": spec.role_arn, "RoleSessionName": name, "WebIdentityToken": spec.token},
        spec.duration, f"as session {name!r}", region, ctx, lambda exc: _explain(exc, spec))
    ctx.log(f"web identity start: now {arn}")
    return creds


def _explain(exc: AwsCallError, spec: WebIdentityStart) -> OperationError:
    error = exc.within(f"AssumeRoleWithWebIdentity ({spec.role_arn})")
    if exc.code == "ExpiredTokenException":
        error.message += (f" (the token in {spec.token_file} has expired; get a fresh one: "
                          "EKS and CI systems rewrite the file before it expires)")
    elif exc.code == "InvalidIdentityToken":
        error.message += (" (check that the token's issuer is registered as an IAM OIDC "
                          "identity provider in the role's account)")
    elif exc.code == "AccessDenied":
        error.message += (" (check that the role's trust policy allows "
                          "sts:AssumeRoleWithWebIdentity for this token's issuer, audience "
                          "and subject)")
    elif exc.code == "ValidationError" and "DurationSeconds" in exc.detail:
        error.message += (f" (the role allows less than {spec.duration} s; lower --duration "
                          "or raise the role's maximum session duration)")
    return error
