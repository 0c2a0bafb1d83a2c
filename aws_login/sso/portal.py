"""The SSO portal calls: GetRoleCredentials, ListAccounts, ListAccountRoles."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from aws_login.aws import translate_errors
from aws_login.errors import AwsCallError, OperationError
from aws_login.log import DebugLog
from aws_login.model import CredentialKind, Credentials


class PortalApi:
    def __init__(self, client: Any, log: DebugLog) -> None:
        self._client = client
        self._log = log

    def get_role_credentials(self, access_token: str, account_id: str,
                             role_name: str) -> Credentials:
        step = f"SSO GetRoleCredentials ({account_id}/{role_name})"
        try:
            with translate_errors(step):
                reply = self._client.get_role_credentials(
                    accessToken=access_token, accountId=account_id, roleName=role_name)
        except AwsCallError as exc:
            raise explain(exc, step, account_id, role_name) from None
        raw = reply["roleCredentials"]
        self._log.add_secret(raw["secretAccessKey"], raw["sessionToken"])
        return Credentials(
            access_key_id=raw["accessKeyId"],
            secret_access_key=raw["secretAccessKey"],
            session_token=raw["sessionToken"],
            # The portal's expiration is epoch *milliseconds*.
            expiration=datetime.fromtimestamp(int(raw["expiration"]) / 1000, timezone.utc),
            kind=CredentialKind.ROLE,
            source=f"SSO {account_id}/{role_name}",
        )


def explain(exc: AwsCallError, step: str, account_id: str, role_name: str) -> OperationError:
    if exc.code == "UnauthorizedException":
        return OperationError(
            f"{step}: the SSO access token was refused (expired or revoked); sign in again, "
            "e.g. add --start-url URL (with --use-cache to keep the sign-in)")
    if exc.code == "ForbiddenException":
        return OperationError(
            f"{step}: role {role_name} in account {account_id} is not assigned to you; check "
            "--sso-acct-id and --sso-role-name (aws-login dumpconfig lists what you can reach)")
    return exc.within(step)
