"""dumpconfig: ~/.aws/config profiles for every account and role an SSO sign-in reaches."""

from __future__ import annotations

import argparse
import os
import stat
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from aws_login import arns, configgen
from aws_login.context import Context
from aws_login.errors import AwsCallError, OperationError, UsageError
from aws_login.files import read_limited, write_atomically
from aws_login.options.sso import add_token_arguments, token_spec
from aws_login.sso import cli_cache
from aws_login.sso.token_sources import CachedToken, TokenSpec, after_refusal, get_token

if TYPE_CHECKING:
    from aws_login.model import SsoToken

EXAMPLES = """\
examples:
  aws-login dumpconfig --start-url https://d-1234567890.awsapps.com/start \\
      --sso-region us-east-1 --sso-session-name my-sso > sso-profiles.txt
  aws-login dumpconfig --use-cache --region eu-west-1 --output ~/.aws/config --dry-run
  aws-login dumpconfig --use-cache --output ~/.aws/config
  aws-login dumpconfig --use-cache --sso-session-name corp --output ~/.aws/config \
      --export-cache        # then: aws sts get-caller-identity --profile <a profile>
  aws-login dumpconfig --use-cache --profile-template '{session_name}-{account_id}-{role_name}'
  aws-login dumpconfig --use-cache --credential-process   # for SDKs without SSO support
"""
MAX_CONCURRENCY = 64
FILE_MODE = 0o600  # a new config file; an existing one keeps its mode
# Far above any real config file; --output must never read a huge file into memory.
CONFIG_FILE_MAX = 16 << 20


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_token_arguments(parser)
    out = parser.add_argument_group("generated config")
    out.add_argument(
        "--sso-session-name", metavar="NAME",
        help="name of the [sso-session NAME] section the profiles use, e.g. "
             "--sso-session-name my-sso (default: the portal's subdomain, e.g. d-1234567890)")
    out.add_argument(
        "--region", metavar="REGION",
        help="write `region = REGION` in every profile, e.g. --region eu-west-1 (default: "
             "a commented-out hint with the SSO region)")
    out.add_argument(
        "--profile-template", metavar="TEMPLATE", default=configgen.DEFAULT_TEMPLATE,
        help="profile name pattern from {account_id} {account_name} {role_name} "
             "{session_name}, e.g. --profile-template '{account_id}-{role_name}' (default: "
             f"{configgen.DEFAULT_TEMPLATE.replace('%', '%%')}); names are made safe and "
             "unique (the account id is added to duplicates)")
    out.add_argument(
        "--sso-registration-scopes", metavar="SCOPES", default=configgen.DEFAULT_SCOPES,
        help="the [sso-session] section's sso_registration_scopes, e.g. "
             "--sso-registration-scopes 'sso:account:access,codewhisperer:completions' "
             f"(default: {configgen.DEFAULT_SCOPES}, which makes every tool's sign-in "
             "refreshable)")
    out.add_argument(
        "--export-cache", action="store_true",
        help="also write the sign-in into the AWS CLI's token cache for the sso-session, "
             "so the AWS CLI and SDKs use the profiles without `aws sso login` (as "
             "`aws-login exportcache` does)")
    out.add_argument(
        "--credential-process", action="store_true",
        help="profiles run `aws-login dumpcreds --credential-helper --use-cache ...` instead "
             "of using sso_* keys, for SDKs that predate sso_session")
    out.add_argument(
        "--output", metavar="FILE",
        help="merge into FILE instead of printing: replaces only the block aws-login wrote "
             "before, keeps the rest byte for byte, saves FILE.bak, e.g. --output ~/.aws/config")
    out.add_argument(
        "--dry-run", action="store_true",
        help="with --output: print the unified diff of what would change, write nothing")
    out.add_argument(
        "--max-concurrency", metavar="N", type=int, default=32,
        help="at most N portal calls at once (default 32; fewer are used while the portal "
             "throttles), e.g. --max-concurrency 4")


def run(args: argparse.Namespace, ctx: Context) -> int:
    # Everything the user typed is checked before any network call (exit 2).
    spec = token_spec(args)
    if spec is None:
        raise UsageError("dumpconfig needs an SSO token: add --start-url URL to sign in, or "
                         "--use-cache, --accesstoken-cache file://PATH or --sso-access-token")
    if args.sso_session_name is not None:
        configgen.validate_session_name(args.sso_session_name)
    region = arns.validate_region(args.region) if args.region else None
    template = configgen.validate_template(args.profile_template)
    if args.dry_run and not args.output:
        raise UsageError("--dry-run shows the change to a file; add --output FILE")
    if not 1 <= args.max_concurrency <= MAX_CONCURRENCY:
        raise UsageError(f"--max-concurrency must be 1 to {MAX_CONCURRENCY}, e.g. 8")
    scopes = configgen.validate_scopes(args.sso_registration_scopes)
    if args.export_cache and args.credential_process:
        raise UsageError("--export-cache shares the sign-in with sso-session profiles; drop "
                         "--credential-process or --export-cache")
    path = Path(args.output).expanduser() if args.output else None
    previous = _read(path) if path else None
    if path is not None and previous is None:
        _check_folder(path)

    token = get_token(spec, ctx)
    sso_region = spec.region or token.region
    start_url = spec.start_url or token.start_url or None
    session_name = args.sso_session_name or configgen.default_session_name(start_url)
    existing = configgen.locate(previous or "", session_name, str(path)) if path else None
    token, accesses = _signed_in_discovery(spec, token, args.max_concurrency, ctx)
    if isinstance(spec, CachedToken):
        _remember_for_completion(accesses, ctx)

    if args.export_cache:
        cli_cache.export_and_report(token, session_name, ctx.environ, ctx.warn)
    config = configgen.ConfigSpec(session_name, sso_region, start_url, region,
                                  args.credential_process, scopes)
    profiles = configgen.assign_names(accesses, template, session_name)
    if path is None or existing is None:
        ctx.stdout.write(configgen.render(config, profiles))
        return 0
    return _merge_into(path, previous, existing, config, profiles, args.dry_run, ctx)


def _signed_in_discovery(spec: TokenSpec, token: SsoToken, max_concurrency: int,
                         ctx: Context) -> tuple[SsoToken, list[configgen.Access]]:
    """The token and what it reaches. A token the portal refuses (401) is treated as in the
    credential commands: its source drops it and signs in again when it can, else says
    exactly what to run (token_sources.after_refusal)."""
    from aws_login.sso.portal import TokenRefused

    try:
        return token, _discover(ctx, token.access_token, spec.region or token.region,
                                max_concurrency)
    except TokenRefused as refused:
        token = after_refusal(spec, token, refused.message, ctx)
    try:
        return token, _discover(ctx, token.access_token, spec.region or token.region,
                                max_concurrency)
    except TokenRefused as again:
        raise OperationError(f"{again.message}, even a new sign-in; check that the start URL "
                             "and --sso-region name the same IAM Identity Center") from None


def _discover(ctx: Context, access_token: str, sso_region: str,
              max_concurrency: int) -> list[configgen.Access]:
    from aws_login.sso import discovery
    from aws_login.sso.portal import PortalApi

    # No botocore retries: the discovery's own limiter must see every 429.
    client = ctx.clients.client("sso", sso_region, None, pool_size=max_concurrency)
    stats = discovery.CallStats()
    progress = _Progress(ctx.stderr) if ctx.stderr_is_terminal() else None
    started = time.monotonic()
    try:
        found = discovery.discover(PortalApi(client, ctx.log, ctx.retry), access_token,
                                   ctx.retry, max_concurrency=max_concurrency,
                                   progress=progress, stats=stats)
    except AwsCallError as exc:
        raise discovery.explain(exc) from None
    finally:
        if progress:
            progress.close()
    ctx.log(f"discovery: {len(found)} accounts, {stats.calls} portal calls, {stats.throttled} "
            f"throttled, {time.monotonic() - started:.2f} s")
    if stats.throttled:
        ctx.warn(f"the portal throttled {stats.throttled} of {stats.calls} calls; "
                 "all were retried")
    return [configgen.Access(item.account.account_id, item.account.name, role)
            for item in found for role in item.roles]


def _remember_for_completion(accesses: list[configgen.Access], ctx: Context) -> None:
    """Record every account and its roles, so TAB completes --sso-acct-id/--sso-role-name."""
    from aws_login.sso import known_roles

    roles: dict[str, tuple[str, list[str]]] = {}
    for access in accesses:
        roles.setdefault(access.account_id, (access.account_name, []))[1].append(
            access.role_name)
    known_roles.note(ctx, [(account, name, names) for account, (name, names) in roles.items()],
                     replace_roles=True)


def _merge_into(path: Path, previous: str | None, existing: configgen.Existing,
                config: configgen.ConfigSpec, profiles: list[configgen.Profile],
                dry_run: bool, ctx: Context) -> int:
    taken, sessions = configgen.defined_sections(existing.outside)
    # A second section of the same name would make botocore refuse the whole file.
    kept = [p for p in profiles if p.name not in taken]
    skipped = [p for p in profiles if p.name in taken]
    for profile in skipped:
        ctx.warn(f"skipped profile {profile.name} ({profile.access.account_id} "
                 f"{profile.access.role_name}): {path} already defines it outside the "
                 "generated block")
    session_elsewhere = not config.credential_process and config.session_name in sessions
    if session_elsewhere:
        ctx.warn(f"[sso-session {config.session_name}] is already defined in {path} outside "
                 "the generated block; the generated profiles use that one")
    block = configgen.render(config, kept, skipped=skipped,
                             session_defined_elsewhere=session_elsewhere)
    new = configgen.merge(existing, block)
    old_sections = configgen.profile_sections(existing.block)
    new_sections = configgen.profile_sections(block)
    old_names, new_names = set(old_sections), {p.name for p in kept}
    changed = sum(1 for name in new_names & old_names
                  if new_sections.get(name) != old_sections[name])
    summary = (f"{len(kept)} profiles ({len(new_names - old_names)} added, {changed} changed, "
               f"{len(old_names - new_names)} removed)")
    if dry_run:
        diff = configgen.unified_diff(previous or "", new, str(path))
        ctx.stdout.write(diff.encode("utf-8", "surrogateescape").decode("utf-8", "replace"))
        ctx.warn(f"dry run: {summary}; nothing written" if diff
                 else f"dry run: {path} is up to date; nothing to write")
        return 0
    if new == (previous or "") and previous is not None:
        ctx.warn(f"{path} is up to date ({len(kept)} profiles)")
        return 0
    backup = _write(path, new, previous)
    ctx.warn(f"wrote {path}: {summary}"
             + (f"; the previous version is in {backup}" if backup else ""))
    return 0


# --------------------------------------------------------------------- the file


def _read(path: Path) -> str | None:
    """The file's text (bytes that are not UTF-8 survive as they are), None if absent.
    A FIFO or device (which would block or never end) and a huge file are refused."""
    try:
        data = read_limited(path, CONFIG_FILE_MAX)
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise UsageError(f"--output {path} is a folder; give a file, e.g. ~/.aws/config") from None
    except OSError as exc:
        raise UsageError(f"--output: cannot read {path}: {exc.strerror or exc}") from None
    if len(data) > CONFIG_FILE_MAX:
        raise UsageError(f"--output {path} is larger than {CONFIG_FILE_MAX} bytes; it is not "
                         "an AWS config file")
    return data.decode("utf-8", "surrogateescape")


def _check_folder(path: Path) -> None:
    """A new file goes into a folder that exists: a typo in --output must not make folders
    (which would also hide where the file went)."""
    folder = Path(os.path.realpath(path)).parent
    if not folder.is_dir():
        shown = path.parent if path.parent != Path() else folder
        raise UsageError(f"--output {path}: the folder {shown} does not exist; check the path, "
                         f"or create the folder first (mkdir -p {configgen.shell_arg(str(shown))})")


def _write(path: Path, text: str, previous: str | None) -> Path | None:
    """Replace the file atomically, keeping its mode; the old content goes to FILE.bak.
    A symlinked config (dotfiles) is written through, so the link survives."""
    target = Path(os.path.realpath(path))
    try:
        mode = stat.S_IMODE(target.stat().st_mode) if previous is not None else FILE_MODE
    except OSError as exc:
        raise OperationError(f"cannot write {path}: {exc.strerror or exc}") from None
    backup = None
    if previous is not None:
        backup = path.with_name(path.name + ".bak")
        _atomic_write(backup, previous, mode)
        if _read(target) != previous:  # another program wrote it while we were discovering
            raise OperationError(f"{path} changed while dumpconfig ran; nothing was written, "
                                 "rerun to merge into the new content")
    _atomic_write(target, text, mode)
    return backup


def _atomic_write(path: Path, text: str, mode: int) -> None:
    # surrogateescape: bytes of the user's file that are not UTF-8 are written back as they were
    write_atomically(path, text.encode("utf-8", "surrogateescape"), mode,
                     "; the file was left as it was")


class _Progress:
    """`accounts done / total` on one terminal line, redrawn at most 10 times a second."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._last = 0.0
        self._width = 0
        self._lock = threading.Lock()  # called from the discovery's worker threads

    def __call__(self, done: int, found: int, complete: bool) -> None:
        with self._lock:
            now = time.monotonic()
            if now - self._last < 0.1 and done < found:
                return
            self._last = now
            text = (f"aws-login: listing roles: {done}/{found}{'' if complete else '+'} "
                    "accounts")
            self._width = max(self._width, len(text))
            self._stream.write("\r" + text.ljust(self._width))
            self._stream.flush()

    def close(self) -> None:
        if self._width:
            self._stream.write("\r" + " " * self._width + "\r")
            self._stream.flush()
