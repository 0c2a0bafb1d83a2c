"""The SSO portal calls: GetRoleCredentials, ListAccounts, ListAccountRoles.

GetRoleCredentials is retried through the retry policy. ListAccounts and ListAccountRoles
are made once: discovery, their one caller, retries them behind its adaptive limiter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from aws_login.aws_errors import translated_call
from aws_login.errors import AwsCallError, OperationError
from aws_login.log import DebugLog
from aws_login.model import CredentialKind, Credentials
from aws_login.retry import RetryPolicy

# The largest page the portal serves: fewer round trips than its default.
PAGE_SIZE = 100


@dataclass(frozen=True)
class Account:
    """An account in ListAccounts (the name is free text: any character, not unique)."""

    account_id: str
    name: str
    email: str


class PortalApi:
    def __init__(self, client: Any, log: DebugLog, retry: RetryPolicy) -> None:
        self._client = client
        self._log = log
        self._retry = retry

    def get_role_credentials(self, access_token: str, account_id: str,
                             role_name: str) -> Credentials:
        step = f"SSO GetRoleCredentials ({account_id}/{role_name})"

        def call() -> Credentials:
            reply = self._client.get_role_credentials(
                accessToken=access_token, accountId=account_id, roleName=role_name)
            raw = reply["roleCredentials"]
            self._log.add_secret(raw["secretAccessKey"], raw["sessionToken"])
            if not all(isinstance(raw[k], str) and raw[k]
                       for k in ("accessKeyId", "secretAccessKey", "sessionToken")):
                raise TypeError("roleCredentials")
            return Credentials(
                access_key_id=raw["accessKeyId"],
                secret_access_key=raw["secretAccessKey"],
                session_token=raw["sessionToken"],
                # The portal's expiration is epoch *milliseconds*.
                expiration=datetime.fromtimestamp(int(raw["expiration"]) / 1000, timezone.utc),
                kind=CredentialKind.ROLE,
                source=f"SSO {account_id}/{role_name}",
            )

        try:
            return self._retry.call(step, lambda: translated_call(step, call))
        except AwsCallError as exc:
            raise explain(exc, step, account_id, role_name) from None

    def list_accounts(self, access_token: str, next_token: str | None = None,
                      max_results: int = PAGE_SIZE) -> tuple[list[Account], str | None]:
        """One page of the accounts the token can reach, and the next page's token."""
        params: dict[str, Any] = {"accessToken": access_token, "maxResults": max_results}
        if next_token:
            params["nextToken"] = next_token

        def call() -> tuple[list[Account], str | None]:
            reply = self._client.list_accounts(**params)
            accounts = [Account(str(item["accountId"]), item.get("accountName", ""),
                                item.get("emailAddress", ""))
                        for item in reply["accountList"]]
            return accounts, reply.get("nextToken") or None

        return translated_call("SSO ListAccounts", call)

    def list_account_roles(self, access_token: str, account_id: str,
                           next_token: str | None = None, max_results: int = PAGE_SIZE
                           ) -> tuple[list[str], str | None]:
        """One page of the role names the token may use in an account, and the next token."""
        params: dict[str, Any] = {"accessToken": access_token, "accountId": account_id,
                                  "maxResults": max_results}
        if next_token:
            params["nextToken"] = next_token

        def call() -> tuple[list[str], str | None]:
            reply = self._client.list_account_roles(**params)
            return ([str(item["roleName"]) for item in reply["roleList"]],
                    reply.get("nextToken") or None)

        return translated_call(f"SSO ListAccountRoles ({account_id})", call)


class TokenRefused(OperationError):
    """The portal refused the access token (401 UnauthorizedException: revoked, signed out
    elsewhere, expired early). The message says what happened; the token's source adds what
    to do (sso/tokens.after_refusal), which may be signing in again."""


def explain(exc: AwsCallError, step: str, account_id: str, role_name: str) -> OperationError:
    if exc.code == "UnauthorizedException":
        return TokenRefused(f"{step}: the portal refused the SSO sign-in (revoked, signed out "
                            "elsewhere, or expired early)")
    if exc.code == "ForbiddenException":
        return OperationError(
            f"{step}: role {role_name} in account {account_id} is not assigned to you; check "
            "--sso-acct-id and --sso-role-name (aws-login dumpconfig lists what you can reach)")
    return exc.within(step)
