"""The one module that creates botocore sessions and clients.

Importing this module does not import botocore; each method imports it when it really
talks to AWS, so cache hits, --help and tab completion stay fast. botocore exceptions are
turned into AwsCallError here, so no other module needs to know them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any, TypeVar

from aws_login.errors import AwsCallError, UsageError
from aws_login.log import DebugLog
from aws_login.model import CredentialKind, Credentials

T = TypeVar("T")

# Generous enough for a slow link, short enough that a dead endpoint fails in seconds.
CONNECT_TIMEOUT = 5
READ_TIMEOUT = 20
MAX_ATTEMPTS = 4


class AwsClients:
    def __init__(self, log: DebugLog) -> None:
        self.log = log
        self._sessions: dict[str | None, Any] = {}
        self._client_profile: str | None = None

    def use_profile(self, profile: str | None) -> None:
        """Create clients with this profile's settings (--profile) instead of AWS_PROFILE's."""
        self._client_profile = profile

    def session(self, profile: str | None = None) -> Any:
        """A botocore session for `profile` (None: the default chain, honouring AWS_PROFILE)."""
        if profile not in self._sessions:
            import botocore.session

            self._sessions[profile] = botocore.session.Session(profile=profile)
        return self._sessions[profile]

    def client(self, service: str, region: str, credentials: Credentials | None, *,
               retries: int = MAX_ATTEMPTS, pool_size: int | None = None) -> Any:
        """`retries=0` leaves retrying to the caller (dumpconfig paces throttling itself);
        `pool_size` fits the connection pool to a caller that runs that many calls at once."""
        from botocore.config import Config

        config = Config(
            connect_timeout=CONNECT_TIMEOUT,
            read_timeout=READ_TIMEOUT,
            retries={"max_attempts": retries, "mode": "standard"},
            **({} if pool_size is None else {"max_pool_connections": pool_size}),
        )
        kwargs: dict[str, Any] = {"region_name": region, "config": config}
        if credentials is None:
            from botocore import UNSIGNED

            kwargs["config"] = config.merge(Config(signature_version=UNSIGNED))
        else:
            kwargs.update(
                aws_access_key_id=credentials.access_key_id,
                aws_secret_access_key=credentials.secret_access_key,
                aws_session_token=credentials.session_token,
            )
        client = self.session(self._client_profile).create_client(service, **kwargs)
        self.log(f"{service} endpoint {client.meta.endpoint_url} (region {region})")
        return client

    def sts(self, credentials: Credentials, region: str) -> StsApi:
        return StsApi(self.client("sts", region, credentials), self.log)

    def sts_unsigned(self, region: str) -> StsApi:
        """STS for AssumeRoleWithSAML / AssumeRoleWithWebIdentity: the assertion or token in
        the request is the proof, so no credentials are needed (or sent)."""
        return StsApi(self.client("sts", region, None), self.log)


class StsApi:
    """The STS calls aws-login makes, returning our own types."""

    def __init__(self, client: Any, log: DebugLog) -> None:
        self._client = client
        self._log = log

    def get_caller_identity(self) -> dict[str, str]:
        with translate_errors("GetCallerIdentity"):
            reply = self._client.get_caller_identity()
        return {key: reply[key] for key in ("UserId", "Account", "Arn")}

    def assume_role(self, **params: Any) -> tuple[Credentials, str]:
        """AssumeRole; returns the credentials and the assumed-role ARN."""
        with translate_errors("AssumeRole"):
            reply = self._client.assume_role(**params)
        creds = self._credentials(reply["Credentials"], CredentialKind.ROLE, params["RoleArn"])
        return creds, reply["AssumedRoleUser"]["Arn"]

    def assume_role_with_saml(self, **params: Any) -> tuple[Credentials, str]:
        """AssumeRoleWithSAML; returns the credentials and the assumed-role ARN."""
        with translate_errors("AssumeRoleWithSAML"):
            reply = self._client.assume_role_with_saml(**params)
        creds = self._credentials(reply["Credentials"], CredentialKind.ROLE,
                                  f"SAML role {params['RoleArn']}")
        return creds, reply["AssumedRoleUser"]["Arn"]

    def assume_role_with_web_identity(self, **params: Any) -> tuple[Credentials, str]:
        """AssumeRoleWithWebIdentity; returns the credentials and the assumed-role ARN."""
        with translate_errors("AssumeRoleWithWebIdentity"):
            reply = self._client.assume_role_with_web_identity(**params)
        creds = self._credentials(reply["Credentials"], CredentialKind.ROLE,
                                  f"web identity role {params['RoleArn']}")
        return creds, reply["AssumedRoleUser"]["Arn"]

    def get_session_token(self, **params: Any) -> Credentials:
        with translate_errors("GetSessionToken"):
            reply = self._client.get_session_token(**params)
        return self._credentials(reply["Credentials"], CredentialKind.SESSION, "GetSessionToken")

    def get_federation_token(self, **params: Any) -> tuple[Credentials, str]:
        with translate_errors("GetFederationToken"):
            reply = self._client.get_federation_token(**params)
        creds = self._credentials(reply["Credentials"], CredentialKind.FEDERATED,
                                  "GetFederationToken")
        return creds, reply["FederatedUser"]["Arn"]

    def _credentials(self, raw: dict[str, Any], kind: CredentialKind, source: str) -> Credentials:
        self._log.add_secret(raw["SecretAccessKey"], raw.get("SessionToken"))
        return Credentials(
            access_key_id=raw["AccessKeyId"],
            secret_access_key=raw["SecretAccessKey"],
            session_token=raw.get("SessionToken"),
            expiration=as_utc(raw["Expiration"]),
            kind=kind,
            source=source,
        )


def as_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


@contextmanager
def translate_errors(operation: str) -> Iterator[None]:
    """Turn botocore's exceptions into AwsCallError (code + AWS's message, no secrets)."""
    import botocore.exceptions as bex

    try:
        yield
    except bex.ClientError as exc:
        error = exc.response.get("Error", {})
        raise AwsCallError(operation, error.get("Code", "Error"),
                           error.get("Message", "")) from None
    except (bex.EndpointConnectionError, bex.ConnectionClosedError,
            bex.ConnectTimeoutError, bex.ReadTimeoutError) as exc:
        endpoint = getattr(exc, "kwargs", {}).get("endpoint_url", "the endpoint")
        raise AwsCallError(operation, "network error",
                           f"could not reach {endpoint}; check the network, proxy "
                           "and AWS_ENDPOINT_URL_* settings") from None
    except bex.ParamValidationError as exc:
        raise UsageError(f"{operation}: {exc}") from None
    except bex.BotoCoreError as exc:
        raise AwsCallError(operation, type(exc).__name__, str(exc)) from None


def call_translated(operation: str, fn: Callable[[], T]) -> T:
    with translate_errors(operation):
        return fn()
