"""The credential options shared by console, dumpcreds, getcallerid and runas.

`add_arguments` declares them (each starting source declares its own group); `build_plan`
validates them into a Plan before any network call, so every usage error exits 2 without
touching AWS: first which source applies (sources.choose, where each source checks its own
options), then the steps, and last the source's own spec (which may read a file or ask).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from aws_login import arns, completion, sources
from aws_login import region as regions
from aws_login.context import Context
from aws_login.errors import UsageError
from aws_login.limits import (
    ASSUME_ROLE_DURATION,
    SESSION_STEP_DURATION,
    check_chained_duration,
    check_range,
)
from aws_login.model import (
    ChainStep,
    MfaInput,
    Plan,
    SessionStep,
    SessionStepKind,
    StartSettings,
)
from aws_login.options import sso as sso_options
from aws_login.prompts import options as prompt_options
from aws_login.sources import jumpcloud, profile, saml, sso, web_identity
from aws_login.sources.role_profile import ProfileRoles, RoleProfileSource
from aws_login.sso import token_sources
from aws_login.sso.advice import login_command

FEDERATION_POLICY_MAX = 2048
FEDERATION_POLICY_FILE_MAX = 1 << 20  # a file may be pretty-printed; never read one unbounded


def add_arguments(parser: argparse.ArgumentParser) -> None:
    # Each source declares its own options; the groups keep the order of --help.
    start = parser.add_argument_group("starting credentials")
    profile.add_arguments(start)
    start.add_argument(
        "--region", metavar="REGION",
        help="region for STS calls and the result, e.g. --region eu-west-1; default: "
             "AWS_REGION, AWS_DEFAULT_REGION, the profile's region, else the partition's "
             "first region (us-east-1, us-gov-west-1, cn-north-1)")

    sso.add_arguments(sso_options.add_token_arguments(parser))
    saml.add_arguments(parser)
    jumpcloud.add_arguments(parser)
    web_identity.add_arguments(parser)

    session = parser.add_argument_group("session step (long-term IAM user keys only)")
    step = session.add_mutually_exclusive_group()
    step.add_argument(
        "--get-session-token", action="store_true",
        help="call GetSessionToken first, e.g. with --mfa-serial to get MFA-authenticated "
             "credentials: --get-session-token --mfa-serial arn:aws:iam::123456789012:mfa/alice")
    step.add_argument(
        "--get-federation-token", action="store_true",
        help="call GetFederationToken first, e.g. to hand out a temporary session of an IAM "
             "user; by default named after the IAM user, with a policy that allows what the "
             "user may do")
    session.add_argument(
        "--federation-name", metavar="NAME",
        help="name of the federated user, e.g. --federation-name alice-laptop "
             "(default: the IAM user name, cut to 32 characters)")
    session.add_argument(
        "--federation-policy", metavar="JSON|file://PATH",
        help="session policy for GetFederationToken, e.g. --federation-policy "
             "file://readonly.json (default: allow everything the IAM user may do)")

    chain = parser.add_argument_group("role chain")
    roles = chain.add_argument(
        "--assume-roles", metavar="ARNS",
        help="assume these roles in order, each hop signed by the previous one; separate with "
             "commas and/or spaces, e.g. --assume-roles \"arn:aws:iam::111111111111:role/A, "
             "arn:aws:iam::222222222222:role/B\"")
    completion.attach(roles, completion.role_arn_list)
    chain.add_argument(
        "--role-session-name", metavar="NAME",
        help="session name for every hop, e.g. --role-session-name alice (default: derived "
             "from who the caller is: the IAM user, SSO user or session name)")
    chain.add_argument(
        "--duration", metavar="SECONDS", type=seconds,
        help="lifetime of the final credentials, e.g. --duration 3600; AssumeRole allows "
             "900-43200 (at most 3600 for a chained hop), the session step 900-129600")
    chain.add_argument(
        "--external-id", metavar="ID",
        help="external id for the first hop, e.g. --external-id 7f3e1c (as required by a "
             "third party's trust policy)")
    mfa_serial = chain.add_argument(
        "--mfa-serial", metavar="ARN",
        help="MFA device for the first STS call, e.g. --mfa-serial "
             "arn:aws:iam::123456789012:mfa/alice; the code comes from --mfa-token, "
             "--mfa-process or a YubiKey (--prompt ykman), else it is asked (see --prompt)")
    completion.attach(mfa_serial, completion.mfa_serials)
    chain.add_argument(
        "--mfa-token", metavar="CODE",
        help="the current 6-digit MFA code, e.g. --mfa-token 123456")
    chain.add_argument(
        "--mfa-session-duration", metavar="SECONDS", type=seconds,
        help="when the credentials are renewed (--use-cache, runas --server, serve), the MFA "
             "code buys a GetSessionToken session of this length that signs the hops, so the "
             "code is asked once per session, e.g. --mfa-session-duration 28800 (900-129600; "
             "default 43200)")
    prompt_options.add_arguments(parser)


def build_plan(args: argparse.Namespace, ctx: Context) -> Plan:
    prompt_options.configure(args, ctx)  # first: a bad --prompt fails before anything asks
    region = arns.validate_region(args.region) if args.region else None
    _check_sign_in_has_a_role(args)
    source = sources.choose(args, ctx)
    # A role profile with MFA (role_profile.py): its roles are the first hops and its
    # mfa_serial the plan's MFA device, so that the MFA session can sign them.
    profile_roles = (source.profile_roles(args, ctx) if isinstance(source, RoleProfileSource)
                     else None)
    prompt_options.check_code_source(args, args.mfa_serial is not None
                                     or profile_roles is not None)
    # A start that is a role session (SAML, web identity) rules out a session step.
    session = source.role_session
    start_duration: int | None = None

    own_hops, partition = _hops(args)
    hops = own_hops
    if profile_roles is not None:
        hops, partition = _after_profile_roles(profile_roles, own_hops, partition)
    if partition and region:
        regions.check_partition(regions.Setting(region, regions.GIVEN), partition,
                                "the role chain")
    session_step = _session_step(args)
    if session_step is not None and session_step.kind is SessionStepKind.FEDERATION_TOKEN:
        if hops:
            raise UsageError("--get-federation-token credentials cannot call AssumeRole; "
                             "use --get-session-token with --assume-roles instead")
        if args.mfa_serial:
            raise UsageError("GetFederationToken does not take MFA; use --get-session-token "
                             "with --mfa-serial instead")
    if session_step is not None and session is not None:
        raise UsageError(f"{session_step.kind.value} needs long-term IAM user keys, but a "
                         f"{session.name} start gives a role session; drop "
                         "--get-session-token / --get-federation-token")
    if args.duration is not None:
        if hops:
            check_range("--duration", args.duration, ASSUME_ROLE_DURATION, "AssumeRole")
            hops[-1] = ChainStep(hops[-1].role_arn, hops[-1].session_name, args.duration,
                                 hops[-1].external_id)
        elif session_step is not None:
            check_range("--duration", args.duration, SESSION_STEP_DURATION,
                         session_step.kind.value)
            session_step = SessionStep(session_step.kind, args.duration,
                                       session_step.federation_name,
                                       session_step.federation_policy)
        elif session is not None:
            check_range("--duration", args.duration, ASSUME_ROLE_DURATION, session.call)
            start_duration = args.duration
        else:
            raise UsageError("--duration applies to --assume-roles or a session step "
                             "(--get-session-token, --get-federation-token); add one of them")
    # After a role-session start, the first hop is already a chained one.
    check_chained_duration(tuple(hops), None if session is None else f"the {session.name} start")
    if args.external_id is not None and not own_hops:
        raise UsageError("--external-id applies to the first role of --assume-roles; add it")

    mfa = (_mfa(args, needs_sts=bool(hops or session_step), has_hops=bool(hops))
           if profile_roles is None else _profile_mfa(args, profile_roles))
    # Last: reading the assertion may ask which role to take, after every cheap check passed.
    start = source.spec(args, ctx, StartSettings(region, start_duration))
    partition = _start_partition(source.starting_role(start), partition, region)
    return Plan(
        start=start,
        region=region,
        session_step=session_step,
        hops=tuple(hops),
        mfa=mfa,
        partition=partition,
        use_cache=args.use_cache,
    )


def _check_sign_in_has_a_role(args: argparse.Namespace) -> None:
    """`--use-cache --start-url URL` with no SSO role would sign in and then start from the
    default chain (someone else's keys, or none). A credential command needs a role to start
    from: say so before any sign-in, and name the command that only signs in."""
    if (args.start_url is None or not args.use_cache or args.sso_acct_id is not None
            or args.sso_role_name is not None):
        return
    url = token_sources.validate_start_url(args.start_url)
    region = arns.validate_region(args.sso_region) if args.sso_region else None
    raise UsageError("--start-url signs in to start from an SSO role, and none is given: add "
                     "--sso-acct-id ID --sso-role-name NAME; to sign in only: "
                     + login_command(url, region))


def _start_partition(role_arn: str | None, partition: str | None,
                     region: str | None) -> str | None:
    """The plan's partition, now that a role-session start's role is known."""
    if role_arn is None:
        return partition
    own = arns.parse_role_arn(role_arn).partition
    if partition is not None and own != partition:
        raise UsageError(f"the starting role {role_arn} is in partition {own} but "
                         f"--assume-roles is in {partition}; a chain stays in one partition")
    if region:
        regions.check_partition(regions.Setting(region, regions.GIVEN), own,
                                f"the starting role {role_arn}")
    return own


def _hops(args: argparse.Namespace) -> tuple[list[ChainStep], str | None]:
    if args.assume_roles is None:
        if args.role_session_name is not None:
            raise UsageError("--role-session-name applies to --assume-roles; add the roles")
        return [], None
    texts = arns.split_role_list(args.assume_roles)
    if not texts:
        raise UsageError("--assume-roles is empty; give one or more role ARNs, e.g. "
                         f"--assume-roles {arns.ROLE_ARN_EXAMPLE}")
    parsed = [arns.parse_role_arn(text) for text in texts]
    partitions = {role.partition for role in parsed}
    if len(partitions) > 1:
        raise UsageError("--assume-roles mixes partitions "
                         f"({', '.join(sorted(partitions))}); a chain stays in one partition")
    name = (arns.validate_session_name(args.role_session_name)
            if args.role_session_name is not None else None)
    external_id = (arns.validate_external_id(args.external_id)
                   if args.external_id is not None else None)
    hops = [ChainStep(str(role), name, None, external_id if index == 0 else None)
            for index, role in enumerate(parsed)]
    return hops, parsed[0].partition


def _after_profile_roles(roles: ProfileRoles, hops: list[ChainStep],
                         partition: str | None) -> tuple[list[ChainStep], str | None]:
    """The role profile's roles, then --assume-roles: one chain in one partition."""
    own = arns.parse_role_arn(roles.hops[0].role_arn).partition
    if partition is not None and partition != own:
        raise UsageError(f"profile {roles.profile!r} assumes roles in partition {own} but "
                         f"--assume-roles is in {partition}; a chain stays in one partition")
    return [*roles.hops, *hops], own


def _session_step(args: argparse.Namespace) -> SessionStep | None:
    if not args.get_federation_token:
        if args.federation_name is not None or args.federation_policy is not None:
            raise UsageError("--federation-name and --federation-policy apply to "
                             "--get-federation-token; add it")
        return SessionStep(SessionStepKind.SESSION_TOKEN) if args.get_session_token else None
    name = (arns.validate_federation_name(args.federation_name)
            if args.federation_name is not None else None)
    policy = _federation_policy(args.federation_policy) if args.federation_policy else None
    return SessionStep(SessionStepKind.FEDERATION_TOKEN, None, name, policy)


def _federation_policy(value: str) -> str:
    if value.startswith("file://"):
        from aws_login.files import read_limited

        path = Path(value[len("file://"):]).expanduser()
        try:
            data = read_limited(path, FEDERATION_POLICY_FILE_MAX)
            if len(data) > FEDERATION_POLICY_FILE_MAX:
                raise UsageError(f"--federation-policy: {path} is larger than "
                                 f"{FEDERATION_POLICY_FILE_MAX} bytes; it is not a policy")
            value = data.decode("utf-8-sig")  # Windows editors start a file with a BOM
        except UnicodeDecodeError:
            raise UsageError(f"--federation-policy: {path} is not UTF-8 text; it should hold "
                             "a JSON policy document") from None
        except OSError as exc:
            raise UsageError(f"--federation-policy: cannot read {path}: "
                             f"{exc.strerror or exc}") from None
    try:
        document = json.loads(value)
    except json.JSONDecodeError as exc:
        raise UsageError(f"--federation-policy is not valid JSON ({exc.msg} at line "
                         f"{exc.lineno}); pass a policy document or file://PATH") from None
    if not isinstance(document, dict) or "Statement" not in document:
        raise UsageError("--federation-policy must be an IAM policy document with a Statement")
    packed = json.dumps(document, separators=(",", ":"))
    if len(packed) > FEDERATION_POLICY_MAX:
        raise UsageError(f"--federation-policy is {len(packed)} characters without white space; "
                         f"AWS allows at most {FEDERATION_POLICY_MAX}")
    return packed


def _mfa(args: argparse.Namespace, needs_sts: bool, has_hops: bool) -> MfaInput | None:
    if args.mfa_serial is None:
        if args.mfa_token is not None:
            raise UsageError("--mfa-token needs --mfa-serial (the MFA device ARN)")
        if args.mfa_session_duration is not None:
            raise UsageError("--mfa-session-duration needs --mfa-serial (the MFA device ARN)")
        return None
    if not needs_sts:
        raise UsageError("--mfa-serial applies to the first STS call; add --assume-roles or "
                         "--get-session-token")
    serial = arns.validate_mfa_serial(args.mfa_serial)
    session_duration = args.mfa_session_duration
    if session_duration is not None:
        if not has_hops:
            raise UsageError("--mfa-session-duration sets the session that signs "
                             "--assume-roles; without hops, use --duration for "
                             "--get-session-token")
        check_range("--mfa-session-duration", session_duration, SESSION_STEP_DURATION,
                    "GetSessionToken")
    # No code: from --mfa-process, ykman or a question, only when the cache cannot serve.
    token = None if args.mfa_token is None else arns.validate_mfa_token(args.mfa_token)
    return MfaInput(serial, token, session_duration)


def _profile_mfa(args: argparse.Namespace, roles: ProfileRoles) -> MfaInput:
    """A role profile's MFA device, with --mfa-token's code and --mfa-session-duration."""
    if args.mfa_serial is not None and arns.validate_mfa_serial(args.mfa_serial) \
            != roles.mfa_serial:
        raise UsageError(f"--mfa-serial differs from the mfa_serial of profile "
                         f"{roles.profile!r} ({roles.mfa_serial}); drop --mfa-serial")
    if args.mfa_session_duration is not None:
        check_range("--mfa-session-duration", args.mfa_session_duration,
                    SESSION_STEP_DURATION, "GetSessionToken")
    token = None if args.mfa_token is None else arns.validate_mfa_token(args.mfa_token)
    return MfaInput(roles.mfa_serial, token, args.mfa_session_duration,
                    setting="the role profile's mfa_serial")


def seconds(text: str) -> int:
    """argparse type for durations: a whole number of seconds."""
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a whole number of seconds, e.g. 3600") from None
