"""The AWS CLI's SSO token cache (~/.aws/sso/cache), as botocore reads and refreshes it.

botocore (utils.SSOTokenLoader, tokens.SSOTokenProvider, credentials.SSOProvider) names a
token file after the SHA-1 of the sso-session name for a profile with `sso_session`, and
after the SHA-1 of the start URL for a legacy profile (sso_start_url in the profile). The file
format is the one of sso/tokenfile.py. botocore refreshes an sso-session token in place when
less than 15 minutes are left, if the file has refreshToken, clientId, clientSecret and an
unexpired registrationExpiresAt; it never refreshes a legacy one.

Refresh tokens rotate: whoever refreshes spends the one in the file. So a token aws-login
refreshes is written back to every file of the same sign-in (same start URL and client
registration: its own cache and the AWS CLI's, e.g. after exportcache), and neither tool is
left holding a dead one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timedelta
from pathlib import Path

from aws_login.errors import AwsLoginError
from aws_login.files import read_text, write_private
from aws_login.model import SsoToken
from aws_login.sso import tokenfile
from aws_login.sso.cache import cache_key

# botocore's SSOTokenProvider._REFRESH_WINDOW
BOTOCORE_REFRESH_WINDOW = timedelta(minutes=15)


def folder(environ: Mapping[str, str]) -> Path:
    """~/.aws/sso/cache, as botocore expands it (from HOME)."""
    home = environ.get("HOME")
    return (Path(home) if home else Path.home()) / ".aws" / "sso" / "cache"


def file_for(cache_folder: Path, session_name: str | None, start_url: str) -> Path:
    """The file botocore reads for an sso-session (or, for None, a legacy profile)."""
    return cache_folder / f"{cache_key(start_url if session_name is None else session_name)}.json"


def read(path: Path, start_url: str | None = None,
         warn: Callable[[str], None] | None = None) -> SsoToken | None:
    """The token in `path`; None when the file is missing, unusable, or (with `start_url`)
    belongs to another start URL. The AWS CLI owns the file: a broken one is only noted."""
    try:
        text = read_text(path)
        token = None if text is None else tokenfile.parse(text)
    except AwsLoginError as exc:
        if warn is not None:
            warn(f"ignoring the AWS CLI's token file {path}: {exc.message}")
        return None
    if token is not None and start_url is not None and token.start_url != start_url:
        return None
    return token


def write(path: Path, token: SsoToken) -> None:
    """Write `token` where botocore reads it: atomically, 0600."""
    write_private(path, tokenfile.serialize(token))


def botocore_refreshes(token: SsoToken, now: datetime) -> bool:
    """Whether botocore could refresh this token (what its file must hold)."""
    return token.refreshable and token.registration is not None \
        and token.registration.expires_at > now


def export(token: SsoToken, session_name: str, cache_folder: Path) -> tuple[list[Path], list[Path]]:
    """Write the sign-in for the sso-session `session_name` and for legacy profiles of its
    start URL. A file holding a sign-in to the same start URL that lasts longer is kept.
    Returns (written, kept)."""
    written: list[Path] = []
    kept: list[Path] = []
    for path in (file_for(cache_folder, session_name, token.start_url),
                 file_for(cache_folder, None, token.start_url)):
        there = read(path, token.start_url)
        if there is not None and there.expires_at > token.expires_at:
            kept.append(path)
            continue
        write(path, token)
        written.append(path)
    return written, kept


def export_and_report(token: SsoToken, session_name: str, environ: Mapping[str, str],
                      warn: Callable[[str], None]) -> list[Path]:
    """export() into ~/.aws/sso/cache, saying what was written (exportcache, dumpconfig)."""
    written, kept = export(token, session_name, folder(environ))
    for path in kept:
        warn(f"kept {path}: it holds a sign-in to {token.start_url} that lasts longer")
    warn(f"exported the sign-in for {token.start_url} (valid until "
         f"{tokenfile.format_timestamp(token.expires_at)}, "
         f"{'refreshable' if token.refreshable else 'not refreshable'}) to the AWS CLI's "
         f"cache for [sso-session {session_name}]: "
         + (", ".join(str(path) for path in written) or "nothing written"))
    return written


def holders(cache_folder: Path, spent: SsoToken, fresh: SsoToken) -> Iterator[Path]:
    """The AWS CLI's files holding a token of the same sign-in as `spent` (its start URL and
    client registration) that `fresh` outlasts: the spent one, or an older copy of it."""
    if spent.registration is None or not cache_folder.is_dir():
        return
    for path in sorted(cache_folder.glob("*.json")):
        token = read(path, spent.start_url)
        if (token is not None and token.registration is not None
                and token.registration.client_id == spent.registration.client_id
                and token.expires_at < fresh.expires_at):
            yield path


def newer_copy(cache_folder: Path, token: SsoToken) -> SsoToken | None:
    """The AWS CLI's copy of the same sign-in, when it outlasts `token`: the AWS CLI
    refreshed an exported sign-in, and `token`'s refresh token is dead."""
    if token.registration is None or not cache_folder.is_dir():
        return None
    newest: SsoToken | None = None
    for path in sorted(cache_folder.glob("*.json")):
        copy = read(path, token.start_url)
        if (copy is not None and copy.registration is not None
                and copy.registration.client_id == token.registration.client_id
                and copy.expires_at > (newest or token).expires_at):
            newest = copy
    return newest


def follow_refresh(cache_folder: Path, spent: SsoToken, fresh: SsoToken) -> list[Path]:
    """After `spent` was refreshed into `fresh`: every AWS CLI file of the same sign-in
    gets the fresh token (its refresh token is now the only live one); returns those files."""
    written = list(holders(cache_folder, spent, fresh))
    for path in written:
        write(path, fresh)
    return written
