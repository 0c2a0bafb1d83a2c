"""The SSO accounts and roles aws-login has seen, so TAB can complete --sso-acct-id and
--sso-role-name.

Nothing else in the cache says which accounts a sign-in reaches: token files hold tokens, and
session cache files are named by digests. So, with --use-cache only (without it aws-login
writes nothing), this small record is updated when
- `dumpconfig` discovers the accounts and roles of a sign-in (their roles are replaced), and
- GetRoleCredentials succeeds for an account and role (added when new).

    <cache folder>/sso/known/roles.json, mode 0600, written atomically:
    {"Version": 1, "Accounts": {"123456789012": {"Name": "prod", "Roles": ["Admin"]}}}

It holds no secret (account ids, account names, role names), keeps at most MAX_ACCOUNTS
accounts (the longest unchanged go first), and is removed by `aws-login clearcache`
(also by `--only sso`). Reading never fails: a missing or damaged record is empty.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from aws_login.arns import is_account_id, is_role_name

if TYPE_CHECKING:
    from aws_login.context import Context

FORMAT_VERSION = 1
MAX_ACCOUNTS = 5000
MAX_NAME = 100

# account id -> (account name, role names); the name is "" when not known.
Known = dict[str, tuple[str, tuple[str, ...]]]
# (account id, account name or None when not known, role names) as a caller found them.
Found = tuple[str, "str | None", Iterable[str]]


def record_path(cache_dir: Path) -> Path:
    return cache_dir / "sso" / "known" / "roles.json"


def load(path: Path) -> Known:
    """The record, with anything malformed left out; {} when there is none."""
    import json

    try:
        with open(path, "rb") as handle:
            data = json.loads(handle.read(4 << 20))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("Version") != FORMAT_VERSION:
        return {}
    accounts = data.get("Accounts")
    known: Known = {}
    for account, entry in (accounts.items() if isinstance(accounts, dict) else ()):
        if not (isinstance(account, str) and is_account_id(account)
                and isinstance(entry, dict)):
            continue
        name = entry.get("Name")
        roles = entry.get("Roles")
        known[account] = (
            _clean_name(name) if isinstance(name, str) else "",
            tuple(role for role in (roles if isinstance(roles, list) else ())
                  if isinstance(role, str) and is_role_name(role)))
    return known


def remember(path: Path, found: Iterable[Found], replace_roles: bool = False) -> bool:
    """Merge what was found into the record; write it only when it changed.

    `replace_roles`: the roles found are all the account has (a full discovery), so roles
    recorded before but not found now are dropped. Raises OperationError when the record
    cannot be written."""
    known = load(path)
    updated = dict(known)
    for account, name, roles in found:
        if not is_account_id(account):
            continue
        old_name, old_roles = updated.get(account, ("", ()))
        valid = [role for role in roles if is_role_name(role)]
        entry = (old_name if name is None else _clean_name(name),
                 tuple(sorted(set(valid if replace_roles else [*old_roles, *valid]))))
        if updated.get(account) != entry:
            updated.pop(account, None)
            updated[account] = entry  # (re-)inserted last: the most recently changed
    while len(updated) > MAX_ACCOUNTS:
        del updated[next(iter(updated))]
    if updated == known:
        return False
    import json

    from aws_login.files import write_private

    write_private(path, json.dumps({
        "Version": FORMAT_VERSION,
        "Accounts": {account: {"Name": name, "Roles": list(roles)}
                     for account, (name, roles) in updated.items()},
    }, indent=1) + "\n")
    return True


def note(ctx: Context, found: Iterable[Found], replace_roles: bool = False) -> None:
    """`remember`, for a command that has just used --use-cache: a record that cannot be
    written only costs completions, so it is said under --debug and the command goes on."""
    from aws_login.errors import AwsLoginError

    path = record_path(ctx.cache_dir)
    try:
        if remember(path, found, replace_roles):
            ctx.log(f"recorded the SSO accounts and roles for tab completion in {path}")
    except AwsLoginError as exc:
        ctx.log(f"could not record the SSO accounts and roles for tab completion: "
                f"{exc.message}")


def _clean_name(name: str) -> str:
    """An account name is free text: keep it on one line (it is shown next to a completion)."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in name).split())[:MAX_NAME]
