"""The SSO OIDC calls aws-login makes (RegisterClient, StartDeviceAuthorization, CreateToken),
returning our own types. The client comes from clients.AwsClients (unsigned, as botocore
does); every call is retried through the retry policy."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar

from aws_login.aws_errors import translated_call
from aws_login.errors import AwsCallError, OperationError
from aws_login.log import DebugLog
from aws_login.model import ClientRegistration
from aws_login.retry import RetryPolicy

T = TypeVar("T")

SCOPES = ["sso:account:access"]  # without it the service issues no refresh token
CLIENT_NAME = "aws-login"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


@dataclass(frozen=True)
class DeviceAuthorization:
    device_code: str = field(repr=False)
    user_code: str
    verification_uri: str
    verification_uri_complete: str
    expires_in: int
    interval: int


@dataclass(frozen=True)
class TokenReply:
    access_token: str = field(repr=False)
    expires_in: int
    refresh_token: str | None = field(default=None, repr=False)


class OidcApi:
    def __init__(self, client: Any, log: DebugLog, retry: RetryPolicy) -> None:
        self._client = client
        self._log = log
        self._retry = retry

    @property
    def endpoint_url(self) -> str:
        return str(self._client.meta.endpoint_url).rstrip("/")

    def register(self, grant_types: list[str] | None = None,
                 redirect_uris: list[str] | None = None,
                 issuer_url: str | None = None,
                 scopes: list[str] | None = None) -> ClientRegistration:
        params: dict[str, Any] = {"clientName": CLIENT_NAME, "clientType": "public",
                                  "scopes": scopes or SCOPES}
        if grant_types:
            params["grantTypes"] = grant_types
        if redirect_uris:
            params["redirectUris"] = redirect_uris
        if issuer_url:
            params["issuerUrl"] = issuer_url

        def call() -> ClientRegistration:
            reply = self._client.register_client(**params)
            self._log.add_secret(reply["clientSecret"])
            expires = datetime.fromtimestamp(int(reply["clientSecretExpiresAt"]), timezone.utc)
            return ClientRegistration(_text(reply["clientId"]), _text(reply["clientSecret"]),
                                      expires)

        with _start_url_checked(issuer_url, "issuerUrl"):
            registration = self._call("sign-in: RegisterClient", call)
        self._log(f"registered OIDC client, valid until {registration.expires_at:%Y-%m-%d %H:%M}Z")
        return registration

    def start_device_authorization(self, registration: ClientRegistration,
                                   start_url: str) -> DeviceAuthorization:
        def call() -> DeviceAuthorization:
            reply = self._client.start_device_authorization(
                clientId=registration.client_id, clientSecret=registration.client_secret,
                startUrl=start_url)
            self._log.add_secret(reply["deviceCode"])
            return DeviceAuthorization(
                device_code=_text(reply["deviceCode"]),
                user_code=_text(reply["userCode"]),
                verification_uri=_text(reply["verificationUri"]),
                verification_uri_complete=_text(reply.get("verificationUriComplete")
                                                or reply["verificationUri"]),
                expires_in=int(reply.get("expiresIn", 600)),
                interval=int(reply.get("interval") or 5),
            )

        with _start_url_checked(start_url, "startUrl"):
            return self._call("sign-in: StartDeviceAuthorization", call)

    def create_token(self, registration: ClientRegistration, step: str,
                     **params: Any) -> TokenReply:
        def call() -> TokenReply:
            reply = self._client.create_token(clientId=registration.client_id,
                                              clientSecret=registration.client_secret,
                                              **params)
            self._log.add_secret(reply["accessToken"], reply.get("refreshToken"))
            refresh = reply.get("refreshToken")
            return TokenReply(_text(reply["accessToken"]), int(reply.get("expiresIn", 3600)),
                              None if refresh is None else _text(refresh))

        return self._call(step, call)

    def _call(self, operation: str, call: Callable[[], T]) -> T:
        """One OIDC call: botocore's errors translated, transient failures retried."""
        return self._retry.call(operation, lambda: translated_call(operation, call))


@contextmanager
def _start_url_checked(start_url: str | None, member: str) -> Iterator[None]:
    """The service's "Unknown startUrl" as what to check: the URL, or the region it was
    sent to (a portal is known only in its own region)."""
    try:
        yield
    except AwsCallError as exc:
        if (start_url and exc.code == "InvalidRequestException"
                and f"unknown {member.lower()}" in exc.detail.lower()):
            raise OperationError(
                f"{exc.operation}: IAM Identity Center does not know the start URL "
                f"{start_url} in this region; check --start-url (your AWS access portal URL, "
                "as the portal's Settings page shows it) and --sso-region") from None
        raise


def _text(value: object) -> str:
    """A member that must be a non-empty string (else the answer is malformed)."""
    if not isinstance(value, str) or not value:
        raise TypeError("not a string")
    return value


def expiry(now: datetime, seconds: int) -> datetime:
    return now + timedelta(seconds=seconds)
