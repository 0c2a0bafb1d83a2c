"""Pure rendering of credentials: shell exports per outform and credential_process JSON.

Every shell quoting function must round-trip *any* value exactly in its shell; the tests
source the output into the real shells to prove it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime, timezone

from aws_login.errors import UsageError
from aws_login.model import Credentials

OUTFORMS = ("linux", "mac", "windows", "powershell", "fish")
# The shell each outform is written for, as a person would name it in a message.
SHELL_NAMES = {"linux": "sh", "mac": "sh", "windows": "cmd", "powershell": "PowerShell",
               "fish": "fish"}
HEADER = "Your session credentials are..."


def format_expiration(value: datetime) -> str:
    """ISO 8601 in UTC with a Z, the form the SDKs and AWS_CREDENTIAL_EXPIRATION use."""
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def credential_variables(creds: Credentials, region: str | None) -> dict[str, str | None]:
    """The variables to set (value) or clear (None), in output order."""
    variables: dict[str, str | None] = {
        "AWS_ACCESS_KEY_ID": creds.access_key_id,
        "AWS_SECRET_ACCESS_KEY": creds.secret_access_key,
        "AWS_SESSION_TOKEN": creds.session_token,
        # The legacy name: a stale value would be picked up when no token is exported.
        "AWS_SECURITY_TOKEN": None,
        "AWS_CREDENTIAL_EXPIRATION": (format_expiration(creds.expiration)
                                      if creds.expiration else None),
    }
    if region:
        variables["AWS_REGION"] = region
        variables["AWS_DEFAULT_REGION"] = region
    return variables


def shell_exports(creds: Credentials, outform: str, region: str | None = None) -> str:
    comment, set_line, clear_line = _SHELLS[outform]
    lines = [f"{comment} {HEADER}"]
    for name, value in credential_variables(creds, region).items():
        lines.append(clear_line(name) if value is None else set_line(name, value))
    return "\n".join(lines) + "\n"


def shell_settings(variables: Mapping[str, str], outform: str, header: str) -> str:
    """Set each variable in this outform's shell (serve: the server's two variables)."""
    comment, set_line, _clear_line = _SHELLS[outform]
    lines = [f"{comment} {header}", *(set_line(name, value) for name, value in variables.items())]
    return "\n".join(lines) + "\n"


# What a failed `dumpcreds --unset-stale` clears: the identity an earlier run exported (the
# region is no identity, so it stays).
STALE_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                   "AWS_SECURITY_TOKEN", "AWS_CREDENTIAL_EXPIRATION")


def unset_stale(outform: str) -> str:
    """The lines that clear the credential variables in this outform's shell."""
    comment, _set_line, clear_line = _SHELLS[outform]
    lines = [f"{comment} aws-login failed; clearing the previous credentials",
             *(clear_line(name) for name in STALE_VARIABLES)]
    return "\n".join(lines) + "\n"


def credential_process_json(creds: Credentials) -> str:
    """The JSON the SDKs expect from a credential_process (Version 1)."""
    document: dict[str, object] = {
        "Version": 1,
        "AccessKeyId": creds.access_key_id,
        "SecretAccessKey": creds.secret_access_key,
    }
    if creds.session_token:
        document["SessionToken"] = creds.session_token
    if creds.expiration:
        document["Expiration"] = format_expiration(creds.expiration)
    return json.dumps(document, indent=4) + "\n"


def default_outform(platform: str, environ: Mapping[str, str]) -> str:
    if platform == "win32":
        # cmd.exe defines PROMPT in its environment; PowerShell does not.
        return "windows" if "PROMPT" in environ else "powershell"
    if environ.get("SHELL", "").rsplit("/", 1)[-1] == "fish":
        return "fish"
    return "mac" if platform == "darwin" else "linux"


def posix_quote(value: str) -> str:
    """Single quotes, with each ' written as '\\'' (bash, zsh, dash, ksh)."""
    return "'" + value.replace("'", "'\\''") + "'"


def fish_quote(value: str) -> str:
    """fish single quotes: only \\ and ' are special inside them."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def powershell_quote(value: str) -> str:
    """PowerShell verbatim string; it also treats the typographic quotes as quotes."""
    for quote in "'\u2018\u2019\u201a\u201b":
        value = value.replace(quote, quote * 2)
    return "'" + value + "'"


def cmd_value(name: str, value: str) -> str:
    """cmd.exe `set "NAME=value"` protects & | < > ^, but nothing can protect these."""
    bad = sorted({c for c in value if c in '%!"\r\n'})
    if bad:
        raise UsageError(f"{name} contains {''.join(bad)!r}, which cmd.exe cannot carry; "
                         "use --outform powershell")
    return value


Renderer = tuple[str, Callable[[str, str], str], Callable[[str], str]]
_POSIX: Renderer = ("#", lambda n, v: f"export {n}={posix_quote(v)}", lambda n: f"unset {n}")
_SHELLS: dict[str, Renderer] = {
    "linux": _POSIX,
    "mac": _POSIX,
    "fish": ("#", lambda n, v: f"set -gx {n} {fish_quote(v)}", lambda n: f"set -e {n}"),
    "powershell": ("#", lambda n, v: f"$Env:{n} = {powershell_quote(v)}",
                   lambda n: f"Remove-Item Env:{n} -ErrorAction SilentlyContinue"),
    "windows": ("REM", lambda n, v: f'set "{n}={cmd_value(n, v)}"', lambda n: f'set "{n}="'),
}
