"""Starting credentials from a role profile with MFA: role_arn + source_profile profiles down
to an IAM user's keys, with mfa_serial on the role above the keys (aws-vault's classic setup).

botocore resolves such a profile by itself, but it spends a new MFA code on every
AssumeRole: a credential server or --use-cache would ask for one every hour. Resolved here,
the plan starts from the user's keys (the key profile) and the profiles' roles become its
first hops, with the profile's mfa_serial as the plan's MFA device. The MFA session
(mfa_session.py) then applies: one code buys a GetSessionToken session that signs the
roles, asked once per session, and the code comes from --mfa-token, --mfa-process, a
YubiKey or the prompt service like every other code.

Anything else (no mfa_serial, an mfa_serial on a higher role, keys that are themselves
temporary, credential_source, web identity) stays with botocore (sources/profile.py); an
SSO chain is sso_profile.py's. Decided from the config files alone (awsconfig.py).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from aws_login.awsconfig import AwsConfig
from aws_login.model import ChainStep, CredentialKind, Credentials
from aws_login.record import record
from aws_login.sources.sso_profile import OTHER_SOURCES, found_chain, named_chain, read_role

if TYPE_CHECKING:
    from aws_login.context import Context
    from aws_login.model import RoleSession, StartSettings
    from aws_login.providers import StartSource
    from aws_login.sources import StartSpec


@record
class RoleProfileStart:
    """--profile NAME (or AWS_PROFILE) naming a role profile with MFA: the key profile's
    long-term keys. Its roles are the plan's first hops (`profile_roles`)."""

    label = "role profile"  # how `status` names it

    profile: str  # the named profile: clients follow its settings (e.g. its region)
    key_profile: str  # the profile with the IAM user's keys at the bottom of the chain


@record
class ProfileRoles:
    """What a role profile adds to the plan: its AssumeRole hops, the key profile's role
    first, and the MFA device of that first role."""

    hops: tuple[ChainStep, ...]
    mfa_serial: str
    profile: str  # the profile that sets mfa_serial, for messages


def session_start(start: StartSpec) -> StartSpec:
    """The start an MFA session is bought from: a role profile's key profile (shared by
    every role profile above those keys, and by --profile KEY_PROFILE itself)."""
    from aws_login.sources.profile import ProfileStart

    return ProfileStart(start.key_profile) if isinstance(start, RoleProfileStart) else start


# Settings botocore takes before a profile's keys in the config file: with any of them the
# key profile's credentials may not be those keys.
_BEFORE_KEYS = ("credential_process", "sso_session", "sso_start_url", "web_identity_token_file")


def _has_user_keys(keys: dict[str, str]) -> bool:
    """An IAM user's long-term keys, and nothing botocore would use instead."""
    return (bool(keys.get("aws_access_key_id")) and bool(keys.get("aws_secret_access_key"))
            and not keys.get("aws_session_token")
            and not any(key in keys for key in _BEFORE_KEYS))


def mfa_role_chain(config: AwsConfig, name: str) -> list[str] | None:
    """The profiles from `name` down to the key profile (that one last), when every profile
    above it is a role_arn + source_profile profile and only the role just above the keys
    has mfa_serial; else None (botocore resolves it)."""
    chain: list[str] = []
    while name not in chain:
        keys = config.profiles.get(name)
        if keys is None:
            return None
        chain.append(name)
        if len(chain) > 1 and _has_user_keys(keys):
            if "role_arn" in keys:
                # keys as a source profile, its role when named: botocore's to sort out
                return None
            break
        if "role_arn" not in keys or "source_profile" not in keys \
                or any(key in keys for key in OTHER_SOURCES):
            return None
        name = keys["source_profile"]
    else:
        return None  # a loop: botocore says so
    serials = [profile for profile in chain[:-1] if config.profiles[profile].get("mfa_serial")]
    return chain if serials == [chain[-2]] else None


class RoleProfileSource:
    spec_type = RoleProfileStart
    role_session: RoleSession | None = None

    def __init__(self, given: str | None) -> None:
        self.given = given  # "--profile", or None for AWS_PROFILE

    def applies(self, args: argparse.Namespace, ctx: Context) -> bool:
        return named_chain(args, ctx.environ, self.given is not None,
                           mfa_role_chain) is not None

    def spec(self, args: argparse.Namespace, ctx: Context,
             settings: StartSettings) -> RoleProfileStart:
        name, chain, _config = found_chain(args, ctx.environ, self.given is not None,
                                           mfa_role_chain)
        return RoleProfileStart(name, chain[-1])

    def starting_role(self, spec: RoleProfileStart) -> str | None:
        return None  # the start is an IAM user's keys

    def resolve(self, spec: RoleProfileStart, ctx: Context) -> Credentials:
        from aws_login.errors import OperationError
        from aws_login.record import replace
        from aws_login.sources.profile import from_profile

        ctx.clients.use_profile(spec.profile)  # its region, not the key profile's
        via = self.given or "AWS_PROFILE"
        ctx.log(f"starting source: the keys of profile {spec.key_profile!r} under role "
                f"profile {spec.profile!r} ({via})")
        creds = from_profile(spec.key_profile, ctx)
        if creds.kind is not CredentialKind.LONG_TERM:  # (the files said they were)
            raise OperationError(f"profile {spec.key_profile!r} gave {creds.kind.value}, not "
                                 "an IAM user's long-term keys; check that profile")
        return replace(creds, source=f"profile {spec.key_profile}")

    def profile_roles(self, args: argparse.Namespace, ctx: Context) -> ProfileRoles:
        """The hops and MFA device the named profile asks for (usage errors name the
        profile)."""
        _name, chain, config = found_chain(args, ctx.environ, self.given is not None,
                                           mfa_role_chain)
        roles = [read_role(config, profile) for profile in reversed(chain[:-1])]
        serial = roles[0].mfa_serial
        assert serial is not None  # (mfa_role_chain checked it)
        return ProfileRoles(tuple(ChainStep(role.role_arn, role.session_name, role.duration,
                                            role.external_id) for role in roles),
                            serial, roles[0].profile)


ROLE_PROFILE = RoleProfileSource("--profile")
ROLE_PROFILE_ENV = RoleProfileSource(None)  # AWS_PROFILE naming one
if TYPE_CHECKING:  # both are starting sources
    _CHECKED: tuple[StartSource[RoleProfileStart], ...] = (ROLE_PROFILE, ROLE_PROFILE_ENV)
