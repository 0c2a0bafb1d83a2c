"""The credentials cache (--use-cache, the "session cache" of the docs, folder `sessions/`):
the final credentials of a request, reused while they have more than 15 minutes left.

A hit must stay cheap, because the SDKs run `credential_process` for every new process: it
reads one small file and imports nothing heavy (no botocore). Keys are SHA-256 digests of the
request, so a file name reveals nothing; entries are 0600 files written atomically.

The key is derived from every field of the Plan (see `key_input`), not from a list kept by
hand: a field added to the Plan or to any record in it is part of the key without further
work, and a value of a type the key has no rule for raises instead of being skipped.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from pathlib import Path

from aws_login.digest import sha256_hex
from aws_login.errors import AwsLoginError
from aws_login.fastpath import MIN_REMAINING_SECONDS
from aws_login.files import exclusive_lock, read_text, remove, write_private
from aws_login.model import Acquired, CredentialKind, Credentials, Plan
from aws_login.sso.tokenfile import format_timestamp, parse_timestamp

# The SDKs refresh credential_process credentials 15 minutes before they expire; serving
# less than that would make them call again at once. (One rule for both caches.)
MIN_REMAINING = timedelta(seconds=MIN_REMAINING_SECONDS)
FORMAT_VERSION = 1

# Settings outside the Plan that change which credentials a request ends with.
_ENV_INPUTS = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_CONFIG_FILE",
               "AWS_SHARED_CREDENTIALS_FILE", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE")


def cache_key(plan: Plan, environ: Mapping[str, str]) -> str:
    """The name of the cache entry for this request: a digest of `key_input`."""
    return _digest(key_input(plan, environ))


def key_input(plan: Plan, environ: Mapping[str, str]) -> str:
    """Everything that decides the final credentials, as canonical JSON: every field of the
    Plan (secrets only as digests; the MFA code left out, see `MfaInput`), the environment
    settings outside the Plan, and a digest of the environment's keys. It is only hashed,
    never stored."""
    return _key_json({"plan": key_form(plan)}, environ)


def mfa_session_key(plan: Plan, environ: Mapping[str, str]) -> str:
    """The name of the entry of a plan's MFA session (mfa_session.py): the start, the MFA
    device and the partition decide it; the hops do not, so every role the user reaches
    from that start shares one session, and one code (and so does every role profile above
    the same keys)."""
    from aws_login.sources.role_profile import session_start

    assert plan.mfa is not None
    return _digest(_key_json({"mfa_session": {
        "start": key_form(session_start(plan.start)), "serial": plan.mfa.serial,
        "partition": plan.partition}}, environ))


def _key_json(subject: dict[str, object], environ: Mapping[str, str]) -> str:
    return json.dumps({
        "v": FORMAT_VERSION,
        **subject,
        # Environment keys are part of the request, but only as a digest.
        "env_keys": _digest(environ.get("AWS_ACCESS_KEY_ID", "") + "\0"
                            + environ.get("AWS_SECRET_ACCESS_KEY", "") + "\0"
                            + environ.get("AWS_SESSION_TOKEN", "")),
        "env": {name: environ.get(name) for name in _ENV_INPUTS},
    }, sort_keys=True, separators=(",", ":"))


def key_form(value: object) -> object:
    """`value` as JSON data that tells any two different values apart: a record as its type
    name and every field in its key (`record.field`: secrets as a SHA-256 digest, fields
    marked in_key=False left out), an enum as its type and member, a tuple as a list, a
    datetime in ISO 8601. A type without a rule here raises TypeError, so that a new kind of
    field cannot be left out of the key unnoticed."""
    kind = type(value)
    if value is None or kind is str or kind is int or kind is bool:  # JSON keeps 1 != true
        return value
    fields: tuple[tuple[str, bool], ...] | None = getattr(kind, "__record_key__", None)
    if fields is not None:
        # The type name tells apart records whose fields look alike (a tagged union).
        form: dict[str, object] = {"": kind.__name__}
        for name, secret in fields:
            inner = key_form(getattr(value, name))
            if secret:
                inner = {"sha256": _digest(json.dumps(inner, sort_keys=True))}
            form[name] = inner
        return form
    if isinstance(value, tuple):
        return [key_form(item) for item in value]
    if isinstance(value, enum.Enum):
        return {"enum": f"{kind.__name__}.{value.name}"}
    if isinstance(value, datetime):
        return {"datetime": value.isoformat()}
    raise TypeError(f"the credentials cache key has no rule for a {kind.__name__} value")


def _digest(text: str) -> str:
    return sha256_hex(text.encode("utf-8"))


class CredentialsCache:
    """Entries in one folder (`<cache dir>/sessions`), named by `cache_key`."""

    def __init__(self, folder: Path, warn: Callable[[str], None]) -> None:
        self.folder = folder
        self._warn = warn
        self._reported: set[Path] = set()  # an entry is looked up twice (before the lock)

    def path(self, key: str) -> Path:
        return self.folder / f"{key}.json"

    def load(self, key: str, now: datetime) -> Acquired | None:
        """The cached result, if it is valid and has more than MIN_REMAINING left."""
        path = self.path(key)
        try:
            text = read_text(path)
            if text is None:
                return None
            acquired = parse_entry(text)
        except (AwsLoginError, ValueError, KeyError, TypeError):
            if path not in self._reported:
                self._reported.add(path)
                self._warn(f"session cache entry {path.name} is unusable; it will be replaced")
            return None
        expiration = acquired.credentials.expiration
        if expiration is None or expiration - now <= MIN_REMAINING:
            return None
        return acquired

    def store(self, key: str, acquired: Acquired, now: datetime,
              plan: dict[str, object] | None = None) -> bool:
        """Store credentials that expire (long-term keys are never copied to disk), with the
        plan's non-secret description (`describe_plan`) for `aws-login status`."""
        creds = acquired.credentials
        if creds.expiration is None or creds.expiration - now <= MIN_REMAINING:
            return False
        write_private(self.path(key), _serialize(acquired, plan))
        return True

    @staticmethod
    def why_not_stored(acquired: Acquired) -> str:
        """The --debug line when `store` declined (the user asked for --use-cache)."""
        if acquired.credentials.expiration is None:
            return ("final credentials not cached: they do not expire (long-term keys are "
                    "never copied to disk)")
        return (f"final credentials not cached: they expire within {MIN_REMAINING_SECONDS // 60} "
                "minutes, when the SDKs already ask for new ones, so a cached copy would never "
                "be used; with --duration 1800 or more they are cached")

    def entries(self) -> Iterator[tuple[str, Acquired, dict[str, object] | None]]:
        """Every readable entry: its key, its credentials and its plan's description (None
        for an entry written before descriptions were stored). Unusable files are skipped."""
        if not self.folder.is_dir():
            return
        for path in sorted(self.folder.glob("*.json")):
            try:
                text = read_text(path) or ""
                acquired = parse_entry(text)
                plan = json.loads(text).get("Plan")
            except (AwsLoginError, ValueError, KeyError, TypeError):
                continue
            yield path.stem, acquired, plan if isinstance(plan, dict) else None

    def drop(self, key: str) -> bool:
        """Remove one entry; False when there was none."""
        return remove(self.path(key))

    def lock(self, key: str, on_wait: Callable[[], None]) -> AbstractContextManager[None]:
        return exclusive_lock(self.folder / "locks" / f"{key}.lock", on_wait)


def describe_plan(plan: Plan) -> dict[str, object]:
    """What the plan does, for people (`aws-login status`), never a secret: the start's kind
    and its non-secret settings (secret fields, marked repr=False, are left out), the session
    step, the hops' role ARNs, and the role the final credentials belong to when the plan
    tells it."""
    start = _describe_record(plan.start)
    kind = str(start.pop("kind"))
    hops = [hop.role_arn for hop in plan.hops]
    identity: str | None = None
    if hops:
        identity = hops[-1]
    elif isinstance(start.get("role_arn"), str):
        identity = str(start["role_arn"])
    elif "account_id" in start and "role_name" in start:
        identity = f"SSO role {start['account_id']}/{start['role_name']}"
    return {
        "Start": kind,
        "StartDetails": start,
        "SessionStep": None if plan.session_step is None else plan.session_step.kind.value,
        "Hops": hops,
        "Identity": identity,
    }


def _describe_record(value: object, prefix: str = "") -> dict[str, object]:
    """A record's kind and its non-secret, set fields, flat (a nested record's fields as
    `name.field`)."""
    kind = type(value).__name__
    form: dict[str, object] = {"kind": kind[:-len("Start")] if kind.endswith("Start") else kind}
    fields: tuple[tuple[str, bool], ...] = getattr(type(value), "__record_key__", ())
    for name, secret in fields:
        inner = getattr(value, name)
        if secret or inner is None or inner is False:
            continue
        if hasattr(type(inner), "__record_key__"):
            nested = _describe_record(inner)
            form[name] = nested.pop("kind")
            form.update({f"{name}.{key}": item for key, item in nested.items()})
        elif isinstance(inner, (str, int)):
            form[name] = inner
    return form


def _serialize(acquired: Acquired, plan: dict[str, object] | None = None) -> str:
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
        "Plan": plan,
    }, indent=2) + "\n"


def parse_entry(text: str) -> Acquired:
    """An entry read back; raises (as `load` expects) if the text is not a valid entry."""
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
