"""The session cache (--use-cache): final credentials of a request, reused while they have
more than 15 minutes left.

A hit must stay cheap, because the SDKs run `credential_process` for every new process: it
reads one small file and imports nothing heavy (no botocore). Keys are SHA-256 digests of the
request, so a file name reveals nothing; entries are 0600 files written atomically.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from aws_login.digest import sha256_hex
from aws_login.errors import AwsLoginError
from aws_login.fastpath import MIN_REMAINING_SECONDS
from aws_login.files import exclusive_lock, read_text, write_private
from aws_login.model import Acquired, CredentialKind, Credentials, Plan
from aws_login.sources.saml import SamlStart
from aws_login.sources.sso import SsoRoleStart
from aws_login.sources.web_identity import WebIdentityStart
from aws_login.sso.token_sources import GivenToken, TokenFile
from aws_login.sso.tokenfile import format_timestamp, parse_timestamp

# The SDKs refresh credential_process credentials 15 minutes before they expire; serving
# less than that would make them call again at once. (One rule for both caches.)
MIN_REMAINING = timedelta(seconds=MIN_REMAINING_SECONDS)
FORMAT_VERSION = 1

# Settings outside the Plan that change which credentials a request ends with.
_ENV_INPUTS = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_CONFIG_FILE",
               "AWS_SHARED_CREDENTIALS_FILE", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE")


def plan_key(plan: Plan, environ: Mapping[str, str]) -> str:
    """A digest of everything that decides the final credentials (never the MFA code)."""
    start = plan.start
    sso = start if isinstance(start, SsoRoleStart) else None
    request: dict[str, Any] = {
        "v": FORMAT_VERSION,
        "profile": start.profile,
        "sso": None if sso is None else [
            sso.token.start_url, sso.token.region, sso.account_id, sso.role_name,
            type(sso.token).__name__,
            sso.token.location if isinstance(sso.token, TokenFile) else None,
            _digest(sso.token.access_token if isinstance(sso.token, GivenToken) else "")],
        # Environment keys are part of the request, but only as a digest.
        "env_keys": _digest(environ.get("AWS_ACCESS_KEY_ID", "") + "\0"
                            + environ.get("AWS_SECRET_ACCESS_KEY", "") + "\0"
                            + environ.get("AWS_SESSION_TOKEN", "")),
        "env": {name: environ.get(name) for name in _ENV_INPUTS},
        "region": plan.region,
        "step": None if plan.session_step is None else [
            plan.session_step.kind.name, plan.session_step.duration,
            plan.session_step.federation_name, plan.session_step.federation_policy],
        "hops": [[hop.role_arn, hop.session_name, hop.duration, _digest(hop.external_id or "")]
                 for hop in plan.hops],
        "mfa": None if plan.mfa is None else plan.mfa.serial,
    }
    # Federated starts: the assertion or token only as a digest (a new one is a new request,
    # as it may name another person). Added only when set, so other keys stay as they were.
    saml = start if isinstance(start, SamlStart) else None
    web = start if isinstance(start, WebIdentityStart) else None
    if saml is not None:
        request["saml"] = [saml.role_arn, saml.principal_arn, saml.duration,
                           _digest(saml.assertion)]
    if web is not None:
        request["web_identity"] = [web.role_arn, web.token_file, web.session_name, web.duration,
                                   web.from_environment, _digest(web.token)]
    return _digest(json.dumps(request, sort_keys=True))


def _digest(text: str) -> str:
    return sha256_hex(text.encode("utf-8"))


class SessionCache:
    def __init__(self, folder: Path, warn: Callable[[str], None]) -> None:
        self.folder = folder
        self._warn = warn

    def path(self, key: str) -> Path:
        return self.folder / f"{key}.json"

    def load(self, key: str, now: datetime) -> Acquired | None:
        """The cached result, if it is valid and has more than MIN_REMAINING left."""
        path = self.path(key)
        try:
            text = read_text(path)
            if text is None:
                return None
            acquired = _parse(text)
        except (AwsLoginError, ValueError, KeyError, TypeError):
            self._warn(f"session cache entry {path.name} is unusable; it will be replaced")
            return None
        expiration = acquired.credentials.expiration
        if expiration is None or expiration - now <= MIN_REMAINING:
            return None
        return acquired

    def store(self, key: str, acquired: Acquired, now: datetime) -> bool:
        """Store credentials that expire (long-term keys are never copied to disk)."""
        creds = acquired.credentials
        if creds.expiration is None or creds.expiration - now <= MIN_REMAINING:
            return False
        write_private(self.path(key), _serialize(acquired))
        return True

    def lock(self, key: str) -> AbstractContextManager[None]:
        return exclusive_lock(self.folder / "locks" / f"{key}.lock")


def _serialize(acquired: Acquired) -> str:
    creds = acquired.credentials
    assert creds.expiration is not None
    return json.dumps({
        "Version": FORMAT_VERSION,
        "AccessKeyId": creds.access_key_id,
        "SecretAccessKey": creds.secret_access_key,
        "SessionToken": creds.session_token,
        "Expiration": format_timestamp(creds.expiration),
        "Kind": creds.kind.name,
        "Source": creds.source,
        "Region": acquired.region,
    }, indent=2) + "\n"


def _parse(text: str) -> Acquired:
    data = json.loads(text)
    if not isinstance(data, dict) or data.get("Version") != FORMAT_VERSION:
        raise ValueError("unknown version")
    for name in ("AccessKeyId", "SecretAccessKey"):
        if not isinstance(data[name], str) or not data[name]:
            raise ValueError(name)
    token = data.get("SessionToken")
    region = data.get("Region")
    if not (token is None or isinstance(token, str)) or not (
            region is None or isinstance(region, str)):
        raise ValueError("types")
    creds = Credentials(
        access_key_id=data["AccessKeyId"],
        secret_access_key=data["SecretAccessKey"],
        session_token=token,
        expiration=parse_timestamp(data["Expiration"], "Expiration"),
        kind=CredentialKind[data["Kind"]],
        source=f"session cache ({data.get('Source', 'unknown')})",
    )
    return Acquired(creds, region)
