"""The SSO token file format of the AWS CLI and botocore (pure: text <-> SsoToken).

    {"startUrl": ..., "region": ..., "accessToken": ..., "expiresAt": "2026-01-01T00:00:00Z",
     "clientId": ..., "clientSecret": ..., "registrationExpiresAt": ..., "refreshToken": ...}

Timestamps are always written in UTC with a `Z`: botocore fails on naive ones.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from aws_login.errors import UsageError
from aws_login.model import ClientRegistration, SsoToken

REQUIRED = ("startUrl", "region", "accessToken", "expiresAt")


class TokenFileError(UsageError):
    """The text is not a valid token file; the message names what is wrong."""


def format_timestamp(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_timestamp(text: object, field_name: str) -> datetime:
    """ISO 8601 with a zone: ...Z, ...+00:00, or the older CLI's ...UTC."""
    if not isinstance(text, str):
        raise TokenFileError(f"{field_name} must be a timestamp string like "
                             f"2026-01-01T00:00:00Z, not {type(text).__name__}")
    cleaned = text.strip()
    if cleaned.endswith("UTC"):
        cleaned = cleaned[:-3] + "+00:00"
    elif cleaned.endswith(("Z", "z")):
        cleaned = cleaned[:-1] + "+00:00"
    try:
        value = datetime.fromisoformat(cleaned)
    except ValueError:
        raise TokenFileError(f"{field_name} {text[:40]!r} is not a timestamp like "
                             "2026-01-01T00:00:00Z") from None
    if value.tzinfo is None:
        raise TokenFileError(f"{field_name} {text[:40]!r} has no time zone; write it in UTC "
                             "with a Z, e.g. 2026-01-01T00:00:00Z")
    return value.astimezone(timezone.utc)


def parse(text: str) -> SsoToken:
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TokenFileError(f"not valid JSON ({exc.msg}: line {exc.lineno} column "
                             f"{exc.colno})") from None
    if not isinstance(data, dict):
        raise TokenFileError("not a token file: expected a JSON object")
    missing = [name for name in REQUIRED if name not in data]
    if missing:
        raise TokenFileError(f"missing {', '.join(missing)}; a token file from `aws sso login` "
                             "or aws-login has startUrl, region, accessToken and expiresAt")
    for name in (*REQUIRED[:3], "clientId", "clientSecret", "refreshToken"):
        if name in data and (not isinstance(data[name], str) or not data[name]):
            raise TokenFileError(f"{name} must be a non-empty string")
    registration = None
    if "clientId" in data and "clientSecret" in data:
        registration = ClientRegistration(
            data["clientId"], data["clientSecret"],
            parse_timestamp(data.get("registrationExpiresAt", data["expiresAt"]),
                            "registrationExpiresAt"))
    return SsoToken(
        start_url=data["startUrl"],
        region=data["region"],
        access_token=data["accessToken"],
        expires_at=parse_timestamp(data["expiresAt"], "expiresAt"),
        registration=registration,
        refresh_token=data.get("refreshToken"),
    )


def serialize(token: SsoToken) -> str:
    data: dict[str, str] = {
        "startUrl": token.start_url,
        "region": token.region,
        "accessToken": token.access_token,
        "expiresAt": format_timestamp(token.expires_at),
    }
    if token.registration is not None:
        data["clientId"] = token.registration.client_id
        data["clientSecret"] = token.registration.client_secret
        data["registrationExpiresAt"] = format_timestamp(token.registration.expires_at)
    if token.refresh_token:
        data["refreshToken"] = token.refresh_token
    return json.dumps(data, indent=2) + "\n"
