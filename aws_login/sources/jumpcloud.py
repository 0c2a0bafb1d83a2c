"""Starting credentials from a JumpCloud sign-in: email, password and a second factor at
JumpCloud (aws_login/jumpcloud/), then the AWS app's SAMLResponse traded for a role session
with AssumeRoleWithSAML, as the SAML source does (its role choice, SessionDuration rule and
STS call are reused from saml.py).

The spec holds what decides the identity (the IdP URL, the console, the email, the role) and
how to sign in; never a password. So with --use-cache a second run is answered from the
session cache without a request to JumpCloud. The role is chosen after the sign-in (only
the assertion says which roles there are), so --saml-role-arn names it in the cache key;
without it, a cached entry holds the role chosen the first time.

The assertion itself is kept for a few minutes with --use-cache (jumpcloud/assertion_cache.py):
another role of the same sign-in then costs no second MFA.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from aws_login import arns
from aws_login.errors import OperationError, UsageError
from aws_login.model import Credentials, RoleSession
from aws_login.record import field, record

if TYPE_CHECKING:
    from aws_login.context import Context
    from aws_login.model import StartSettings
    from aws_login.providers import StartSource
    from aws_login.saml_assertion import SamlAssertion
    from aws_login.sources.saml import SamlStart

OPTION = "--jumpcloud-url"
MFA_MODES = ("auto", "totp", "push")
PASSWORD_EXAMPLE = "'op read op://Private/JumpCloud/password'"


@record
class JumpCloudStart:
    """A JumpCloud start: whom to sign in where, and which role to take."""

    label = "JumpCloud sign-in"  # how `status` names it

    idp_url: str  # the AWS app's IdP URL, https://sso.jumpcloud.com/saml2/<slug>
    console_url: str  # the user console's origin (AWS_LOGIN_JUMPCLOUD_CONSOLE_URL)
    email: str | None = None  # None: the one saved with the password, else asked
    role_arn: str | None = None  # --saml-role-arn; None: the only role, else asked
    mfa: str = "auto"  # --jumpcloud-mfa: auto, totp or push
    duration: int | None = None  # --duration; None: the assertion's SessionDuration
    region: str | None = None  # --region
    # How the password is had, not whose: out of the key, like --mfa-process. The command's
    # words may hold a token of the password manager.
    password_process: tuple[str, ...] = field(default=(), repr=False, in_key=False)
    # What to do after signing in, not which credentials come out.
    save_password: bool = field(default=False, in_key=False)
    # --use-cache (already Plan.use_cache): keep the assertion a few minutes.
    keep_assertion: bool = field(default=False, in_key=False)

    profile = None  # clients follow AWS_PROFILE / the defaults (see StartSpec)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "JumpCloud sign-in (email, password and TOTP or push; see docs/jumpcloud.md)")
    group.add_argument(
        OPTION, metavar="URL",
        help="sign in to JumpCloud and start from the AWS app's SAML assertion; the app's "
             "IdP URL, e.g. --jumpcloud-url https://sso.jumpcloud.com/saml2/aws-prod "
             "(choose the role with --saml-role-arn)")
    group.add_argument(
        "--jumpcloud-email", metavar="EMAIL",
        help="the email you sign in to JumpCloud with, e.g. --jumpcloud-email "
             "alice@example.com (default: JUMPCLOUD_EMAIL, else the one saved with the "
             "password, else asked)")
    group.add_argument(
        "--password-process", metavar="COMMAND",
        help="a command that prints the JumpCloud password on its first line, run without "
             f"a shell, e.g. --password-process {PASSWORD_EXAMPLE} (default: the keychain, "
             "else asked)")
    group.add_argument(
        "--save-password", action="store_true",
        help="after signing in, keep the email and password in the OS keychain for the next "
             "runs (needs: pip install 'aws-login[keyring]')")
    group.add_argument(
        "--forget-password", action="store_true",
        help="remove the saved email and password from the keychain first (with "
             "--save-password: replace them)")
    group.add_argument(
        "--jumpcloud-mfa", metavar="HOW", choices=MFA_MODES,
        help="the second factor: totp (a code from --mfa-process, ykman or asked), push "
             "(approve on your phone with JumpCloud Protect), or auto (default: TOTP when a "
             "code source is set or only TOTP is offered, push when only push is; when both "
             "are, asked)")


class _JumpCloud:
    spec_type = JumpCloudStart
    given = OPTION
    role_session = RoleSession("JumpCloud", "AssumeRoleWithSAML")

    def applies(self, args: argparse.Namespace, ctx: Context) -> bool:
        if args.jumpcloud_url is None:
            for option, value in (("--jumpcloud-email", args.jumpcloud_email),
                                  ("--password-process", args.password_process),
                                  ("--save-password", args.save_password or None),
                                  ("--forget-password", args.forget_password or None),
                                  ("--jumpcloud-mfa", args.jumpcloud_mfa)):
                if value is not None:
                    raise UsageError(f"{option} applies to a JumpCloud sign-in; add "
                                     f"{OPTION} URL")
            return False
        return True

    def spec(self, args: argparse.Namespace, ctx: Context,
             settings: StartSettings) -> JumpCloudStart:
        return plan_spec(args, settings, ctx)

    def starting_role(self, spec: JumpCloudStart) -> str | None:
        return spec.role_arn

    def resolve(self, spec: JumpCloudStart, ctx: Context) -> Credentials:
        ctx.log(f"starting source: JumpCloud sign-in at {spec.idp_url} ({OPTION})")
        return from_jumpcloud(spec, ctx)


JUMPCLOUD: StartSource[JumpCloudStart] = _JumpCloud()


# --- building the plan ---------------------------------------------------------------------

def plan_spec(args: argparse.Namespace, settings: StartSettings,
              ctx: Context) -> JumpCloudStart:
    """Check the JumpCloud options (usage errors, before any request or question); last,
    --forget-password removes the saved password."""
    from aws_login.jumpcloud import keychain, urls
    from aws_login.prompts.options import split_command

    idp = urls.idp_url(args.jumpcloud_url)
    console = urls.console_url(ctx.environ)
    if args.jumpcloud_email is not None:
        email: str | None = urls.email(args.jumpcloud_email, "--jumpcloud-email")
    elif ctx.environ.get(urls.EMAIL_VARIABLE, "").strip():
        email = urls.email(ctx.environ[urls.EMAIL_VARIABLE], urls.EMAIL_VARIABLE)
    else:
        email = None
    role = None
    if args.saml_role_arn is not None:
        try:
            role = str(arns.parse_role_arn(args.saml_role_arn.strip()))
        except UsageError as exc:
            raise UsageError(f"--saml-role-arn: {exc.message}") from None
    words: tuple[str, ...] = ()
    if args.password_process is not None:
        words = split_command(args.password_process, "--password-process", PASSWORD_EXAMPLE,
                              "the password")
        if args.save_password:
            raise UsageError("--save-password keeps a typed password; --password-process gives "
                             "it on every run, so drop one of them")
    mode = args.jumpcloud_mfa or "auto"
    settings_ = ctx.prompt.settings
    if mode == "push" and (settings_.mfa_process or settings_.use_ykman):
        source = "--mfa-process" if settings_.mfa_process else "ykman"
        raise UsageError(f"{source} gives TOTP codes, but --jumpcloud-mfa push approves on the "
                         "phone; drop one of them")
    if args.save_password and not keychain.installed():
        raise UsageError(f"--save-password needs the keyring package; {keychain.INSTALL_HINT}")
    if args.forget_password:
        _forget(console, ctx)
    return JumpCloudStart(
        idp_url=idp, console_url=console, email=email, role_arn=role, mfa=mode,
        duration=settings.duration, region=settings.region, password_process=words,
        save_password=args.save_password, keep_assertion=args.use_cache)


def _forget(console: str, ctx: Context) -> None:
    from aws_login.jumpcloud import keychain

    if keychain.forget(console, ctx.environ):
        ctx.warn(f"removed the saved JumpCloud email and password for {console} from the "
                 "keychain")
    else:
        ctx.log(f"no JumpCloud password for {console} was saved in the keychain")


# --- resolving -----------------------------------------------------------------------------

def from_jumpcloud(spec: JumpCloudStart, ctx: Context) -> Credentials:
    """Sign in (or take the assertion kept by a sign-in minutes ago) and assume the role."""
    from aws_login.jumpcloud.signin import sign_in
    from aws_login.sources.saml import from_saml

    if not spec.keep_assertion:
        return from_saml(_start(spec, sign_in(spec, ctx).assertion, ctx), ctx)
    from aws_login import waits
    from aws_login.jumpcloud import assertion_cache as kept

    cache = kept.AssertionCache(ctx.cache_dir)
    name = kept.key(spec.console_url, spec.idp_url, spec.email)
    entry = cache.load(name, ctx.now())
    if entry is None:
        with waits.said(lambda on_wait: cache.lock(name, on_wait),
                        waits.jumpcloud_sign_in(spec.idp_url), ctx):
            entry = cache.load(name, ctx.now())  # another process may have signed in
            if entry is None:
                signed = sign_in(spec, ctx)
                entry = kept.Entry(signed.assertion,
                                   kept.expiry(_parsed(spec, signed.assertion).not_on_or_after,
                                               ctx.now()),
                                   spec.idp_url, signed.email)
                cache.store(name, entry)
                ctx.log(f"JumpCloud assertion kept until {entry.expires_at:%H:%M:%S} UTC")
    else:
        ctx.log(f"JumpCloud assertion of {entry.email} from the cache (a sign-in minutes ago)")
    ctx.log.add_secret(entry.assertion)
    start = _start(spec, entry.assertion, ctx)
    try:
        return from_saml(start, ctx)
    except OperationError:
        cache.drop(name)  # AWS refused it: the next run signs in afresh
        raise


def _parsed(spec: JumpCloudStart, assertion: str) -> SamlAssertion:
    """The assertion read; a bad one (JumpCloud's, not the user's input) is exit 1."""
    from aws_login import saml_assertion as parsing

    try:
        return parsing.parse_assertion(assertion, f"the SAMLResponse of {spec.idp_url}",
                                       hint="check the AWS app's SAML settings in JumpCloud")
    except UsageError as exc:
        raise OperationError(exc.message) from None


def _start(spec: JumpCloudStart, assertion: str, ctx: Context) -> SamlStart:
    """The SAML start of the assertion: its role (--saml-role-arn, the only one, or asked)
    and lifetime (--duration, else SessionDuration), as saml.py makes it."""
    from aws_login.prompts import NoAnswer
    from aws_login.saml_assertion import quoted, start_duration
    from aws_login.sources.saml import SamlStart, ask_role, choose_role

    ctx.log.add_secret(assertion)
    parsed = _parsed(spec, assertion)
    for value in parsed.ignored:
        ctx.warn(f"ignoring the Role value {quoted(value)} of the SAML assertion: it is not a "
                 "role ARN and a SAML provider ARN separated by a comma")
    ask = (lambda roles: ask_role(roles, ctx)) if ctx.prompt.can_ask() else None
    try:
        role = choose_role(parsed.roles, spec.role_arn, ask)
    except NoAnswer:
        raise
    except UsageError as exc:  # the roles came from JumpCloud: a failure, not bad input
        raise OperationError(exc.message.replace("the SAML assertion", "JumpCloud's SAML "
                                                 "assertion")) from None
    duration = spec.duration if spec.duration is not None else start_duration(
        parsed.session_duration, ctx.warn)
    return SamlStart(assertion, role.role_arn, role.principal_arn, duration,
                     parsed.session_name, parsed.not_on_or_after, spec.region)
