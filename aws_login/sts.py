"""The STS calls aws-login makes, returning our own types.

`StsApi` and `FederatedStsApi` are the interfaces the chain and the sources use (test doubles
implement them); `BotocoreSts` implements both with a botocore client, retrying through the
retry policy. Importing this module does not import botocore.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol, TypeVar

from aws_login.aws_errors import as_utc, translated_call
from aws_login.log import DebugLog
from aws_login.model import CredentialKind, Credentials
from aws_login.retry import RetryPolicy

T = TypeVar("T")


class StsApi(Protocol):
    """STS signed with credentials: who they are, a role hop, a session step."""

    def get_caller_identity(self) -> dict[str, str]:
        """UserId, Account and Arn."""
        ...

    def assume_role(self, **params: Any) -> tuple[Credentials, str]:
        """AssumeRole; returns the credentials and the assumed-role ARN."""
        ...

    def get_session_token(self, **params: Any) -> Credentials:
        ...

    def get_federation_token(self, **params: Any) -> tuple[Credentials, str]:
        """GetFederationToken; returns the credentials and the federated user's ARN."""
        ...


class FederatedStsApi(Protocol):
    """Unsigned STS: the SAML assertion or web identity token in the request is the proof."""

    def assume_role_with_saml(self, **params: Any) -> tuple[Credentials, str]:
        """AssumeRoleWithSAML; returns the credentials and the assumed-role ARN."""
        ...

    def assume_role_with_web_identity(self, **params: Any) -> tuple[Credentials, str]:
        """AssumeRoleWithWebIdentity; returns the credentials and the assumed-role ARN."""
        ...


class BotocoreSts:
    """StsApi and FederatedStsApi over a botocore STS client."""

    def __init__(self, client: Any, log: DebugLog, retry: RetryPolicy) -> None:
        self._client = client
        self._log = log
        self._retry = retry

    def get_caller_identity(self) -> dict[str, str]:
        def call() -> dict[str, str]:
            reply = self._client.get_caller_identity()
            return {key: str(reply[key]) for key in ("UserId", "Account", "Arn")}

        return self._call("GetCallerIdentity", call)

    def assume_role(self, **params: Any) -> tuple[Credentials, str]:
        return self._assume("AssumeRole", self._client.assume_role, params["RoleArn"], params)

    def assume_role_with_saml(self, **params: Any) -> tuple[Credentials, str]:
        return self._assume("AssumeRoleWithSAML", self._client.assume_role_with_saml,
                            f"SAML role {params['RoleArn']}", params)

    def assume_role_with_web_identity(self, **params: Any) -> tuple[Credentials, str]:
        return self._assume("AssumeRoleWithWebIdentity",
                            self._client.assume_role_with_web_identity,
                            f"web identity role {params['RoleArn']}", params)

    def get_session_token(self, **params: Any) -> Credentials:
        def call() -> Credentials:
            reply = self._client.get_session_token(**params)
            return self._credentials(reply["Credentials"], CredentialKind.SESSION,
                                     "GetSessionToken")

        return self._call("GetSessionToken", call)

    def get_federation_token(self, **params: Any) -> tuple[Credentials, str]:
        def call() -> tuple[Credentials, str]:
            reply = self._client.get_federation_token(**params)
            creds = self._credentials(reply["Credentials"], CredentialKind.FEDERATED,
                                      "GetFederationToken")
            return creds, str(reply["FederatedUser"]["Arn"])

        return self._call("GetFederationToken", call)

    def _assume(self, operation: str, method: Callable[..., Any], source: str,
                params: dict[str, Any]) -> tuple[Credentials, str]:
        def call() -> tuple[Credentials, str]:
            reply = method(**params)
            creds = self._credentials(reply["Credentials"], CredentialKind.ROLE, source)
            return creds, str(reply["AssumedRoleUser"]["Arn"])

        return self._call(operation, call)

    def _call(self, operation: str, call: Callable[[], T]) -> T:
        """One STS call: botocore's errors translated, transient failures retried."""
        return self._retry.call(operation, lambda: translated_call(operation, call))

    def _credentials(self, raw: dict[str, Any], kind: CredentialKind, source: str) -> Credentials:
        self._log.add_secret(raw["SecretAccessKey"], raw.get("SessionToken"))
        if not (isinstance(raw["AccessKeyId"], str) and isinstance(raw["SecretAccessKey"], str)
                and isinstance(raw["Expiration"], datetime)):
            raise TypeError("credentials")
        return Credentials(
            access_key_id=raw["AccessKeyId"],
            secret_access_key=raw["SecretAccessKey"],
            session_token=raw.get("SessionToken"),
            expiration=as_utc(raw["Expiration"]),
            kind=kind,
            source=source,
        )
