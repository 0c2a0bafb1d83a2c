"""The saved JumpCloud email and password, in the OS keychain through `keyring` (an optional
extra: pip install 'aws-login[keyring]').

One item per console (service SERVICE, user name the console's origin), holding
{"email", "password"} as JSON, so that the email is remembered with the password. keyring's
own PYTHON_KEYRING_BACKEND (read from the Context's environment) chooses the backend as it
documents; else keyring picks the platform's (macOS Keychain, Secret Service, Windows).

keyring is imported only here and only when a password is read, saved or forgotten: a run
that never asks pays nothing. A missing keyring, no usable backend or a locked keychain is a
`KeychainUnavailable` whose message says which and what to do.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from aws_login.errors import OperationError
from aws_login.record import field, record

if TYPE_CHECKING:
    from aws_login.log import DebugLog

SERVICE = "aws-login JumpCloud"
BACKEND_VARIABLE = "PYTHON_KEYRING_BACKEND"
INSTALL_HINT = "install it with: pip install 'aws-login[keyring]'"


class KeychainUnavailable(OperationError):
    """The keychain cannot be used now (keyring missing, no backend, locked)."""


@record
class Saved:
    email: str
    password: str = field(repr=False)


def installed() -> bool:
    """Whether keyring can be imported (cheap: no import)."""
    return importlib.util.find_spec("keyring") is not None


def load(console: str, environ: Mapping[str, str], log: DebugLog) -> Saved | None:
    """The saved email and password for `console`; None when none is saved."""
    import keyring.errors

    backend = _backend(environ)

    def read() -> str | None:
        try:
            value: str | None = backend.get_password(SERVICE, console)
        except keyring.errors.NoKeyringError:
            log("no saved JumpCloud password: keyring finds no keychain on this system")
            return None
        return value

    text = _call(read, "read")
    if not text:
        return None
    log.add_secret(text)
    try:
        data = json.loads(text)
        saved = Saved(str(data["email"]), str(data["password"]))
    except (ValueError, KeyError, TypeError):
        log(f"the keychain item {SERVICE!r} for {console} is not aws-login's; ignoring it")
        return None
    log.add_secret(saved.password)
    return saved


def save(console: str, saved: Saved, environ: Mapping[str, str]) -> None:
    backend = _backend(environ)
    text = json.dumps({"email": saved.email, "password": saved.password})
    _call(lambda: backend.set_password(SERVICE, console, text), "save the password in")


def forget(console: str, environ: Mapping[str, str]) -> bool:
    """Remove the saved item; False when there was none (without keyring or a keychain,
    nothing can have been saved)."""
    if not installed():
        return False
    import keyring.errors

    backend = _backend(environ)

    def delete() -> bool:
        try:
            if not backend.get_password(SERVICE, console):
                return False
            backend.delete_password(SERVICE, console)
        except (keyring.errors.NoKeyringError, keyring.errors.PasswordDeleteError):
            return False
        return True

    return bool(_call(delete, "remove the password from"))


def _backend(environ: Mapping[str, str]) -> Any:
    if not installed():
        raise KeychainUnavailable(f"the keyring package is not installed; {INSTALL_HINT}")
    import keyring
    import keyring.errors

    name = environ.get(BACKEND_VARIABLE, "").strip()
    try:
        return keyring.core.load_keyring(name) if name else keyring.get_keyring()
    except (ImportError, AttributeError, ValueError, keyring.errors.KeyringError) as exc:
        raise KeychainUnavailable(f"{BACKEND_VARIABLE}={name!r} names no usable keyring "
                                  f"backend ({type(exc).__name__}); fix or unset it") from None


def _call(action: Any, what: str) -> Any:
    import keyring.errors

    try:
        return action()
    except keyring.errors.KeyringLocked:
        raise KeychainUnavailable(f"cannot {what} the keychain: it is locked; unlock it (or "
                                  "log in to the desktop session) and run again") from None
    except keyring.errors.NoKeyringError:
        raise KeychainUnavailable(f"cannot {what} the keychain: keyring finds no keychain on "
                                  "this system (no Secret Service, macOS Keychain or Windows "
                                  "Credential Manager); use --password-process COMMAND "
                                  "instead") from None
    except keyring.errors.KeyringError as exc:
        raise KeychainUnavailable(f"cannot {what} the keychain: {type(exc).__name__}") from exc
