"""Starting credentials from an SSO profile of the AWS config file, through aws-login's own
sign-in rather than botocore's SSO provider.

A profile with `sso_session` (and its [sso-session NAME] section) or the legacy
sso_start_url / sso_region / sso_account_id / sso_role_name keys, or a profile whose
role_arn + source_profile chain ends at one, is resolved here: the token comes from
aws-login's cache or the AWS CLI's (sso/profile_tokens.py: refreshed under the start URL's
lock, signed in when needed and stored as --use-cache stores it), then GetRoleCredentials,
then each profile's AssumeRole on the way back up (its role_session_name, external_id,
duration_seconds, mfa_serial). Every other kind of profile stays with botocore
(sources/profile.py).

Whether a profile is one of these is decided from the config file alone (awsconfig.py: no
botocore). The spec carries every setting that decides the identity, so the session cache
key follows a change of the config file.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from aws_login import arns
from aws_login.awsconfig import AwsConfig
from aws_login.errors import OperationError, UsageError
from aws_login.limits import ASSUME_ROLE_DURATION
from aws_login.model import Credentials
from aws_login.record import field, record
from aws_login.sso.token_sources import registration_scopes, validate_start_url

if TYPE_CHECKING:
    from aws_login.context import Context
    from aws_login.model import RoleSession, StartSettings
    from aws_login.providers import StartSource

_SSO_KEYS = ("sso_session", "sso_start_url", "sso_account_id", "sso_role_name")
# Other ways a role_arn profile gets its source credentials: botocore's business.
OTHER_SOURCES = ("credential_source", "web_identity_token_file")


@record
class ProfileRole:
    """One role_arn + source_profile profile between the named profile and the SSO one."""

    profile: str
    role_arn: str
    session_name: str | None = None  # role_session_name; None: derived from the caller
    duration: int | None = None  # duration_seconds
    external_id: str | None = field(default=None, repr=False)
    mfa_serial: str | None = None


@record
class SsoProfileStart:
    """--profile NAME (or AWS_PROFILE) naming an SSO profile, or a chain down to one."""

    label = "SSO profile"  # how `status` names it

    profile: str  # the named profile: clients follow its settings (e.g. its region)
    sso_profile: str  # the profile with the sso_* keys at the bottom of the chain
    start_url: str
    sso_region: str
    account_id: str
    role_name: str
    session_name: str | None = None  # its sso-session; None: a legacy profile
    registration_scopes: tuple[str, ...] = ()
    roles: tuple[ProfileRole, ...] = ()  # the AssumeRole hops, the SSO profile's first
    region: str | None = None  # --region, for the hops' STS calls
    use_device_code: bool = False
    no_browser: bool = False


def sso_chain(config: AwsConfig, name: str) -> list[str] | None:
    """The profiles from `name` down to an SSO profile (that one last), or None when the
    profile's credentials are another kind (botocore resolves those)."""
    chain: list[str] = []
    while name not in chain:
        keys = config.profiles.get(name)
        if keys is None:
            return None
        chain.append(name)
        if "role_arn" in keys:
            if "source_profile" not in keys or any(key in keys for key in OTHER_SOURCES):
                return None
            if len(chain) > 1 and "aws_access_key_id" in keys:
                return None  # botocore takes a source profile's own keys first
            name = keys["source_profile"]
            continue
        return chain if any(key in keys for key in _SSO_KEYS) else None
    return None  # a loop: botocore says so


def profile_name(args: argparse.Namespace, environ: Mapping[str, str],
                 explicit: bool) -> str | None:
    if explicit:
        return args.profile if args.profile and args.profile.strip() else None
    # botocore prefers the legacy AWS_DEFAULT_PROFILE
    return environ.get("AWS_DEFAULT_PROFILE") or environ.get("AWS_PROFILE") or None


ChainFinder = Callable[[AwsConfig, str], "list[str] | None"]


def named_chain(args: argparse.Namespace, environ: Mapping[str, str], explicit: bool,
                find: ChainFinder) -> tuple[str, list[str], AwsConfig] | None:
    """The named profile (--profile when `explicit`, else AWS_PROFILE), its chain of
    profiles as `find` reads it from the config files, and those files; None when `find`
    says the profile is not its kind. (The cheap test of `applies`, and `spec`'s start.)"""
    name = profile_name(args, environ, explicit)
    if name is None:
        return None
    config = AwsConfig.current(environ)
    chain = find(config, name)
    return None if chain is None else (name, chain, config)


def found_chain(args: argparse.Namespace, environ: Mapping[str, str], explicit: bool,
                find: ChainFinder) -> tuple[str, list[str], AwsConfig]:
    """`named_chain` once `applies` has said there is one."""
    found = named_chain(args, environ, explicit, find)
    if found is None:
        raise UsageError("--profile needs a profile name, e.g. --profile dev")
    return found


class _SsoProfile:
    spec_type = SsoProfileStart
    role_session: RoleSession | None = None

    def __init__(self, given: str | None) -> None:
        self.given = given  # "--profile", or None for AWS_PROFILE

    def applies(self, args: argparse.Namespace, ctx: Context) -> bool:
        return named_chain(args, ctx.environ, self.given is not None, sso_chain) is not None

    def spec(self, args: argparse.Namespace, ctx: Context,
             settings: StartSettings) -> SsoProfileStart:
        name, chain, config = found_chain(args, ctx.environ, self.given is not None, sso_chain)
        return read_spec(config, name, chain, settings.region, args.use_device_code,
                         args.no_browser)

    def starting_role(self, spec: SsoProfileStart) -> str | None:
        return spec.roles[-1].role_arn if spec.roles else None

    def resolve(self, spec: SsoProfileStart, ctx: Context) -> Credentials:
        ctx.clients.use_profile(spec.profile)
        via = self.given or "AWS_PROFILE"
        ctx.log(f"starting source: SSO profile {spec.sso_profile!r} ({via} {spec.profile})")
        return from_sso_profile(spec, ctx)


SSO_PROFILE: StartSource[SsoProfileStart] = _SsoProfile("--profile")
SSO_PROFILE_ENV: StartSource[SsoProfileStart] = _SsoProfile(None)


# --------------------------------------------------------------------- reading the config


def read_spec(config: AwsConfig, name: str, chain: list[str], region: str | None,
              use_device_code: bool, no_browser: bool) -> SsoProfileStart:
    """The checked settings of the chain's profiles (usage errors name the profile)."""
    root = chain[-1]
    keys = _sso_settings(config, root)
    where = f"profile {root!r} in {config.config_path}"
    try:
        start_url = validate_start_url(keys["sso_start_url"])
        sso_region = arns.validate_region(keys["sso_region"])
        account_id = arns.validate_account_id(keys["sso_account_id"], "sso_account_id")
        if not arns.is_role_name(keys["sso_role_name"]):
            raise UsageError(f"sso_role_name {keys['sso_role_name'][:80]!r} is not a role "
                             "name; use the permission set name, e.g. AdministratorAccess")
    except UsageError as exc:
        raise UsageError(f"{where}: {exc.message}") from None
    scopes = registration_scopes(keys.get("sso_registration_scopes", ""))
    roles = tuple(read_role(config, profile) for profile in reversed(chain[:-1]))
    return SsoProfileStart(name, root, start_url, sso_region, account_id,
                           keys["sso_role_name"], keys.get("sso_session"), scopes, roles,
                           region, use_device_code, no_browser)


def _sso_settings(config: AwsConfig, name: str) -> dict[str, str]:
    """The SSO profile's keys with its sso-session's, as botocore combines them."""
    profile = config.profiles[name]
    where = f"profile {name!r} in {config.config_path}"
    keys = dict(profile)
    session = profile.get("sso_session")
    if session is not None:
        section = config.sso_sessions.get(session)
        if section is None:
            raise UsageError(f"{where} uses sso_session {session!r}, but there is no "
                             f"[sso-session {session}] section; add it with sso_start_url "
                             "and sso_region")
        for key, value in section.items():
            if keys.get(key, value) != value:
                raise UsageError(f"{where}: {key} {keys[key]!r} differs from the one of "
                                 f"[sso-session {session}] ({value!r}); remove it from the "
                                 "profile")
            keys[key] = value
    missing = [key for key in ("sso_start_url", "sso_region", "sso_account_id",
                               "sso_role_name") if not keys.get(key)]
    if missing:
        what = (f"[sso-session {session}] and the profile" if session is not None
                else "the profile")
        raise UsageError(f"{where} is an SSO profile but has no {', '.join(missing)}; add "
                         f"{'it' if len(missing) == 1 else 'them'} to {what}")
    return keys


def read_role(config: AwsConfig, name: str) -> ProfileRole:
    """A role_arn profile's settings, checked (usage errors name the profile)."""
    keys = config.profiles[name]
    where = f"profile {name!r} in {config.config_path}"
    try:
        role_arn = str(arns.parse_role_arn(keys["role_arn"]))
        session_name = (arns.validate_session_name(keys["role_session_name"])
                        if keys.get("role_session_name") else None)
        duration = None
        if keys.get("duration_seconds"):
            try:
                duration = int(keys["duration_seconds"])
            except ValueError:
                raise UsageError(f"duration_seconds {keys['duration_seconds'][:20]!r} is not "
                                 "a whole number of seconds, e.g. 3600") from None
            low, high = ASSUME_ROLE_DURATION
            if not low <= duration <= high:
                raise UsageError(f"duration_seconds {duration} is out of range; AssumeRole "
                                 f"allows {low}-{high} seconds")
        external_id = (arns.validate_external_id(keys["external_id"])
                       if keys.get("external_id") else None)
        mfa_serial = (arns.validate_mfa_serial(keys["mfa_serial"])
                      if keys.get("mfa_serial") else None)
    except UsageError as exc:
        message = exc.message.replace("--external-id", "external_id")
        raise UsageError(f"{where}: {message}") from None
    return ProfileRole(name, role_arn, session_name, duration, external_id, mfa_serial)


# --------------------------------------------------------------------- resolving


def from_sso_profile(spec: SsoProfileStart, ctx: Context) -> Credentials:
    from aws_login.record import replace
    from aws_login.sso.advice import login_command
    from aws_login.sso.portal import PortalApi, TokenRefused
    from aws_login.sso.profile_tokens import profile_after_refusal, profile_token
    from aws_login.sso.token_sources import SignIn

    sign_in = SignIn(spec.start_url, spec.sso_region, spec.use_device_code, spec.no_browser,
                     spec.registration_scopes)
    advice = login_command(spec.start_url, spec.sso_region, spec.sso_profile)
    token = profile_token(sign_in, spec.session_name, advice, ctx)
    ctx.log(f"SSO GetRoleCredentials for {spec.account_id}/{spec.role_name} in "
            f"{spec.sso_region}")
    portal = PortalApi(ctx.clients.client("sso", spec.sso_region, None), ctx.log,
                       ctx.clients.retry)
    try:
        creds = portal.get_role_credentials(token.access_token, spec.account_id,
                                            spec.role_name)
    except TokenRefused as refused:  # like an expired sign-in: sign in again, or say how
        token = profile_after_refusal(sign_in, spec.session_name, token, refused.message,
                                      advice, ctx)
        try:
            creds = portal.get_role_credentials(token.access_token, spec.account_id,
                                                spec.role_name)
        except TokenRefused as again:
            raise OperationError(f"{again.message}, even a new sign-in; check sso_start_url "
                                 f"and sso_region of profile {spec.sso_profile!r}") from None
    creds = replace(creds, source=f"SSO profile {spec.sso_profile}")
    return _assume_profile_roles(creds, spec, ctx) if spec.roles else creds


def _assume_profile_roles(creds: Credentials, spec: SsoProfileStart,
                          ctx: Context) -> Credentials:
    """Each role_arn profile's AssumeRole, signed by the one below it."""
    from aws_login import region as regions
    from aws_login.errors import AwsCallError
    from aws_login.mfa import with_code
    from aws_login.model import MfaInput
    from aws_login.record import replace

    partition = arns.parse_role_arn(spec.roles[-1].role_arn).partition
    region = regions.resolve(spec.region, spec.profile, partition,
                             f"profile {spec.profile!r}", ctx)
    default_name: str | None = None
    for role in spec.roles:
        step = f"profile {role.profile!r} ({role.role_arn})"
        sts = ctx.clients.sts(creds, region)
        name = role.session_name
        try:
            if name is None:
                if default_name is None:
                    arn = sts.get_caller_identity()["Arn"]
                    default_name = arns.sanitize_session_name(arn.rsplit("/", 1)[-1])
                name = default_name
            params: dict[str, object] = {"RoleArn": role.role_arn, "RoleSessionName": name}
            if role.duration is not None:
                params["DurationSeconds"] = role.duration
            if role.external_id is not None:
                params["ExternalId"] = role.external_id
            if role.mfa_serial is not None:
                mfa = with_code(MfaInput(role.mfa_serial, None), ctx)
                params.update(SerialNumber=mfa.serial, TokenCode=mfa.token)
            ctx.log(f"{step}: AssumeRole as session {name!r}")
            creds, arn = sts.assume_role(**params)
        except AwsCallError as exc:
            raise exc.within(step) from None
        ctx.log(f"{step}: now {arn}")
        creds = replace(creds, source=f"profile {role.profile} ({role.role_arn})")
    return creds
