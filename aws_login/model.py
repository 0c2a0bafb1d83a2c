"""Plain data that flows through aws-login. No I/O here.

Secret fields are excluded from `repr()` so that a stray log line or traceback
cannot print them.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from aws_login.record import field, record

if TYPE_CHECKING:
    from aws_login.sources import StartSpec


class CredentialKind(enum.Enum):
    """What a set of credentials is; decides which STS steps and console paths are allowed."""

    LONG_TERM = "long-term IAM user keys"
    SESSION = "GetSessionToken credentials"
    FEDERATED = "GetFederationToken credentials"
    ROLE = "role session credentials"
    TEMPORARY = "temporary credentials of unknown origin"


@record
class Credentials:
    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str | None = field(default=None, repr=False)
    expiration: datetime | None = None  # always timezone-aware when set
    kind: CredentialKind = CredentialKind.TEMPORARY
    source: str = "unknown"  # human description, e.g. "profile dev", "hop 2/3"

    @property
    def is_long_term(self) -> bool:
        return self.session_token is None


@record
class ChainStep:
    """One AssumeRole hop."""

    role_arn: str
    session_name: str | None = None  # None: derive from the caller
    duration: int | None = None
    external_id: str | None = field(default=None, repr=False)


@record
class MfaInput:
    serial: str
    token: str | None = field(default=None, repr=False, in_key=False)  # None: ask; new every 30 s
    # --mfa-session-duration: how long a GetSessionToken session bought with the code lasts
    # (mfa_session.py). It changes when a code is asked again, not whose credentials result.
    session_duration: int | None = field(default=None, in_key=False)
    # How messages name the setting that asks for the code: --mfa-serial, or a role
    # profile's mfa_serial (sources/role_profile.py, whose start is in the key anyway).
    setting: str = "--mfa-serial"


class SessionStepKind(enum.Enum):
    SESSION_TOKEN = "GetSessionToken"
    FEDERATION_TOKEN = "GetFederationToken"


@record
class SessionStep:
    kind: SessionStepKind
    duration: int | None = None
    federation_name: str | None = None  # None: derive from the IAM user name
    federation_policy: str | None = None  # None: the default policy (see chain.py)


@record
class ClientRegistration:
    """An OIDC public client registered with IAM Identity Center (RegisterClient)."""

    client_id: str
    client_secret: str = field(repr=False)
    expires_at: datetime  # timezone-aware


@record
class SsoToken:
    """An IAM Identity Center access token, as in the AWS CLI / botocore token cache."""

    start_url: str
    region: str
    access_token: str = field(repr=False)
    expires_at: datetime  # timezone-aware
    registration: ClientRegistration | None = None  # needed to refresh
    refresh_token: str | None = field(default=None, repr=False)

    @property
    def refreshable(self) -> bool:
        return self.registration is not None and self.refresh_token is not None


@record
class RoleSession:
    """A starting source whose start is itself a role session (AssumeRoleWith*)."""

    name: str  # in messages: "a SAML start gives a role session"
    call: str  # the STS call, whose duration limits --duration then follows


@record
class StartSettings:
    """The plan's settings a starting source's spec takes (sources.StartSource)."""

    region: str | None  # --region
    duration: int | None  # --duration, when it is the role-session start's lifetime


@record
class Plan:
    """Everything a credential command will do, validated before any network call."""

    start: StartSpec  # one of the sources' specs (sources.SOURCES)
    region: str | None
    session_step: SessionStep | None = None
    hops: tuple[ChainStep, ...] = ()
    mfa: MfaInput | None = None
    partition: str | None = None  # known from role ARNs or region
    use_cache: bool = False  # --use-cache: reuse and store the final credentials


@record
class Acquired:
    """The result of a Plan: the final credentials and the region, if one is known."""

    credentials: Credentials
    region: str | None
