"""Tab completion of option values (argcomplete): profile names, role ARNs, MFA devices, SSO
accounts and roles.

A shell runs aws-login for every TAB press, so this stays light: the AWS config and credentials
files are read with configparser (aws_login/awsconfig.py, never through botocore: botocore
alone costs more than the whole completion), aws-login's record of SSO accounts
(aws_login/sso/known_roles.py) with json, and nothing here imports boto3, botocore or
requests. A completer never raises: a missing or damaged file just completes nothing from it.

Where an option is declared, `attach(parser.add_argument(...), completion.profiles)`.
Subcommands, options and choices (`--outform`) need nothing: argcomplete reads the parser.
The argcomplete hook itself is `cli.main` (only when the shell set `_ARGCOMPLETE`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aws_login.awsconfig import aws_files, config_profile, read_sections

if TYPE_CHECKING:
    import argparse

    from aws_login.sso.known_roles import Known

Completions = list[str] | dict[str, str]  # a dict maps each value to its description
Completer = Callable[..., Completions]

# The separators --assume-roles accepts between ARNs (arns.split_role_list).
_LIST_SEPARATORS = ", \t\n"


def attach(action: argparse.Action, completer: Completer) -> argparse.Action:
    """Let argcomplete complete this option's value with `completer`."""
    action.completer = completer  # type: ignore[attr-defined]
    return action


# --------------------------------------------------------------------- the AWS files


def profile_names(environ: Mapping[str, str]) -> list[str]:
    """Profile names from the config file and the credentials file (every section there)."""
    config, credentials = aws_files(environ)
    names = {name for section in read_sections(config)
             if (name := config_profile(section)) is not None}
    names.update(section.strip() for section in read_sections(credentials))
    return sorted(name for name in names if name and not any(ch.isspace() for ch in name))


def _profiles(environ: Mapping[str, str]) -> list[dict[str, str]]:
    """The keys of every profile in both files."""
    config, credentials = aws_files(environ)
    found = [keys for section, keys in read_sections(config).items()
             if config_profile(section) is not None]
    return found + list(read_sections(credentials).values())


def config_values(environ: Mapping[str, str], key: str, starts: str = "") -> list[str]:
    """The distinct one-word values of `key` in the profiles, e.g. every role_arn."""
    values = {profile[key] for profile in _profiles(environ) if profile.get(key)}
    return sorted(value for value in values
                  if value.startswith(starts) and not any(ch.isspace() for ch in value))


def role_arns(environ: Mapping[str, str]) -> list[str]:
    return config_values(environ, "role_arn", "arn:")


def sso_accounts(environ: Mapping[str, str], cache_dir: Path | None) -> dict[str, str]:
    """SSO account ids (with their names where known): aws-login's record, then the
    sso_account_id of the config's profiles."""
    from aws_login.arns import is_account_id

    accounts = {account: name for account, (name, _) in _known(cache_dir).items()}
    for account in config_values(environ, "sso_account_id"):
        if is_account_id(account):
            accounts.setdefault(account, "")
    return dict(sorted(accounts.items()))


def sso_role_names(environ: Mapping[str, str], cache_dir: Path | None,
                   account: str | None) -> list[str]:
    """SSO role names, of `account` when it is given, from the record and the config."""
    names = {role for acct, (_, roles) in _known(cache_dir).items() if account in (None, acct)
             for role in roles}
    names.update(profile["sso_role_name"] for profile in _profiles(environ)
                 if profile.get("sso_role_name")
                 and account in (None, profile.get("sso_account_id")))
    return sorted(name for name in names if not any(ch.isspace() for ch in name))


def _known(cache_dir: Path | None) -> Known:
    """aws-login's record of SSO accounts and roles (sso/known_roles.py)."""
    from aws_login.sso import known_roles

    return known_roles.load(known_roles.record_path(cache_dir)) if cache_dir else {}


def complete_list(prefix: str, values: Iterable[str]) -> list[str]:
    """Complete the last item of a comma/space separated list, keeping the items before it:
    "arn:...:role/A, arn:aws:iam::2" -> "arn:...:role/A, arn:aws:iam::222222222222:role/B"."""
    cut = max(prefix.rfind(separator) for separator in _LIST_SEPARATORS) + 1
    head, last = prefix[:cut], prefix[cut:]
    return [head + value for value in values if value.startswith(last)]


# --------------------------------------------------------------------- the completers
# argcomplete calls these with keyword arguments: prefix, action, parser, parsed_args.


def _never_fails(function: Callable[..., Completions]) -> Completer:
    def completer(**kwargs: Any) -> Completions:
        try:
            return function(**kwargs)
        except Exception:  # a completion must never break the shell's TAB
            return []

    completer.__name__ = function.__name__
    completer.__doc__ = function.__doc__
    return completer


def _cache_dir() -> Path | None:
    from aws_login.context import Context

    try:
        return Context.from_process().cache_dir
    except Exception:
        return None


@_never_fails
def profiles(prefix: str = "", **_: Any) -> Completions:
    """--profile: the profiles of the config and credentials files."""
    return profile_names(os.environ)


@_never_fails
def role_arn(prefix: str = "", **_: Any) -> Completions:
    """One role ARN: every role_arn of the config files."""
    return role_arns(os.environ)


@_never_fails
def role_arn_list(prefix: str = "", **_: Any) -> Completions:
    """--assume-roles: the last ARN of the list, from the role_arn values of the config files."""
    return complete_list(prefix, role_arns(os.environ))


@_never_fails
def mfa_serials(prefix: str = "", **_: Any) -> Completions:
    """--mfa-serial: every mfa_serial of the config files."""
    return config_values(os.environ, "mfa_serial", "arn:")


@_never_fails
def sso_account_ids(prefix: str = "", **_: Any) -> Completions:
    """--sso-acct-id: accounts aws-login has seen (with --use-cache) or the config names."""
    return sso_accounts(os.environ, _cache_dir())


@_never_fails
def sso_roles(prefix: str = "", parsed_args: argparse.Namespace | None = None,
              **_: Any) -> Completions:
    """--sso-role-name: the roles of the --sso-acct-id already typed, else every known one."""
    account = getattr(parsed_args, "sso_acct_id", None)
    return sso_role_names(os.environ, _cache_dir(), account if isinstance(account, str) else None)
