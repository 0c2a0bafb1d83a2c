"""The two JumpCloud URLs: the AWS app's IdP URL (--jumpcloud-url) and the user console
(https://console.jumpcloud.com, or AWS_LOGIN_JUMPCLOUD_CONSOLE_URL). Pure checks, each a
usage error that says what a good value looks like.

https only: the password and the session cookies travel there. Plain http is allowed for a
loopback address, so that tests (and nothing else) can run a local fake.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import SplitResult, urlsplit

from aws_login.errors import UsageError

CONSOLE_URL = "https://console.jumpcloud.com"
CONSOLE_VARIABLE = "AWS_LOGIN_JUMPCLOUD_CONSOLE_URL"
EMAIL_VARIABLE = "JUMPCLOUD_EMAIL"
IDP_EXAMPLE = "https://sso.jumpcloud.com/saml2/aws-prod"
_SLUG_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._~-]{0,127}", re.ASCII)
_EMAIL_RE = re.compile(r"[^@\s]{1,64}@[^@\s]{1,189}\.[^@\s.]{1,63}")
_LOOPBACK = ("127.", "[::1]", "localhost")


def idp_url(text: str) -> str:
    """--jumpcloud-url: https://<host>/saml2/<slug>, without query, fragment or user info."""
    shown = text if len(text) <= 120 else text[:117] + "..."
    parts = _split(text.strip(), f"--jumpcloud-url {shown!r}")
    hint = f"give the AWS app's IdP URL from JumpCloud, e.g. --jumpcloud-url {IDP_EXAMPLE}"
    if parts.query or parts.fragment or "@" in parts.netloc:
        raise UsageError(f"--jumpcloud-url {shown!r} has a query, fragment or user name; {hint}")
    segments = parts.path.split("/")
    if len(segments) != 3 or segments[1] != "saml2" or not _SLUG_RE.fullmatch(segments[2]):
        raise UsageError(f"--jumpcloud-url {shown!r} is not an IdP URL (its path is not "
                         f"/saml2/<app>); {hint}")
    return f"{parts.scheme}://{parts.netloc.lower()}{parts.path}"


def console_url(environ: Mapping[str, str]) -> str:
    """The user console's origin: CONSOLE_URL unless AWS_LOGIN_JUMPCLOUD_CONSOLE_URL says."""
    text = environ.get(CONSOLE_VARIABLE, "").strip()
    if not text:
        return CONSOLE_URL
    parts = _split(text, f"{CONSOLE_VARIABLE}={text[:80]!r}", variable=True)
    if parts.path.strip("/") or parts.query or parts.fragment or "@" in parts.netloc:
        raise UsageError(f"{CONSOLE_VARIABLE}={text[:80]!r} must be an origin without a path, "
                         f"e.g. {CONSOLE_URL}; fix or unset it")
    return f"{parts.scheme}://{parts.netloc.lower()}"


def email(text: str, origin: str) -> str:
    """An email address as JumpCloud signs in with it (`origin`: --jumpcloud-email, or the
    variable it came from)."""
    value = text.strip()
    if not _EMAIL_RE.fullmatch(value):
        shown = value if len(value) <= 80 else value[:77] + "..."
        raise UsageError(f"{origin} {shown!r} is not an email address; JumpCloud signs in with "
                         "the email, not the user name, e.g. alice@example.com")
    return value


def is_loopback(host: str) -> bool:
    return host.lower().startswith(_LOOPBACK)


def _split(text: str, named: str, variable: bool = False) -> SplitResult:
    parts: SplitResult | None
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        parts = None
    fix = "; fix or unset it" if variable else ""
    if parts is None or not parts.hostname or parts.scheme not in ("https", "http"):
        raise UsageError(f"{named} is not an https:// URL{fix or f', e.g. {IDP_EXAMPLE}'}")
    if parts.scheme == "http" and not is_loopback(parts.netloc.rpartition("@")[2]):
        raise UsageError(f"{named} uses http; JumpCloud is reached over https only (the "
                         f"password travels there){fix}")
    return parts
