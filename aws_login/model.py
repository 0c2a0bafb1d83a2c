"""Plain data that flows through aws-login. No I/O here.

Secret fields are excluded from `repr()` so that a stray log line or traceback
cannot print them.
"""

from __future__ import annotations

import enum
from datetime import datetime

from aws_login.record import field, record


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


class TokenSource(enum.Enum):
    """Where an SSO access token comes from (exactly one per run)."""

    GIVEN = "--sso-access-token"
    EXTERNAL_CACHE = "--accesstoken-cache"
    INTERNAL_CACHE = "--use-cache"
    SIGN_IN = "--start-url"


@record
class SsoSpec:
    """How to get an SSO token (and, for a starting source, which account and role)."""

    source: TokenSource
    start_url: str | None = None
    region: str | None = None  # --sso-region; None: from the token or the usual settings
    access_token: str | None = field(default=None, repr=False)
    cache_file: str | None = None  # --accesstoken-cache path
    use_device_code: bool = False
    no_browser: bool = False
    account_id: str | None = None
    role_name: str | None = None


@record
class SamlSpec:
    """A SAML start: the IdP's assertion and the role/provider pair chosen from it."""

    assertion: str = field(repr=False)  # the base64 SAMLResponse, as AWS takes it
    role_arn: str
    principal_arn: str  # the IAM SAML provider that trusts the IdP
    duration: int | None = None  # DurationSeconds; None: AWS's default (3600 s)
    session_name: str | None = None  # the RoleSessionName attribute (AWS applies it)
    not_on_or_after: datetime | None = None  # AWS refuses the assertion after this
    region: str | None = None  # --region


@record
class WebIdentitySpec:
    """A web-identity start: an OIDC token (EKS, CI) traded for a role session."""

    token: str = field(repr=False)  # read when the plan is built, so the cache key matches
    role_arn: str
    token_file: str
    session_name: str | None = None  # None: derived from the token's subject
    duration: int | None = None  # DurationSeconds; None: AWS's default (3600 s)
    from_environment: bool = False  # AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN
    region: str | None = None  # --region


@record
class StartSpec:
    """Where the starting credentials come from."""

    profile: str | None = None  # explicit --profile
    sso: SsoSpec | None = None  # an SSO account + role
    saml: SamlSpec | None = None  # --saml-assertion
    web_identity: WebIdentitySpec | None = None  # --web-identity-* or the environment


@record
class Plan:
    """Everything a credential command will do, validated before any network call."""

    start: StartSpec
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
