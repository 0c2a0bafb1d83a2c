"""Pure: the SSO access a user has -> ~/.aws/config text, and merging that text into a file
people curate by hand.

The generated text is one block between a BEGIN and an END comment line naming the
sso-session, so a re-run replaces exactly that block (pruning access that is gone) and
leaves every other byte of the file alone. Profile names are made safe for botocore, which
splits a section header with shlex: only [A-Za-z0-9_.@+=-] survive, everything else in an
account name (spaces, quotes, brackets, #, ;, non-ASCII, emoji) is folded away.
"""

from __future__ import annotations

import configparser
import difflib
import re
import shlex
import string
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from aws_login.errors import OperationError, UsageError

FIELDS = ("account_id", "account_name", "role_name", "session_name")
DEFAULT_TEMPLATE = "{account_name}-{role_name}"
DEFAULT_SESSION_NAME = "aws-login"
START_URL_PLACEHOLDER = ("<FILL IN your AWS access portal URL, e.g. "
                         "https://d-1234567890.awsapps.com/start>")
# `[profile default]` is the default profile to botocore: never generate it by accident.
RESERVED = frozenset({"default"})

DEFAULT_SCOPES = "sso:account:access"
_SCOPE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9:._/-]{0,127}")
_SESSION_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@+=-]{0,63}")
_UNSAFE_RE = re.compile(r"[^A-Za-z0-9_.@+=-]+")
_QUOTES_RE = re.compile(r"['\"`’‘“”]")  # O'Brien's -> OBriens, not O-Brien-s
_DASHES_RE = re.compile(r"-{2,}")
# Latin letters that NFKD does not split into an ASCII letter and a mark.
_LETTERS = str.maketrans({"Ø": "O", "ø": "o", "Æ": "AE", "æ": "ae", "Œ": "OE", "œ": "oe",
                          "ß": "ss", "Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Þ": "Th",
                          "þ": "th", "Ð": "D", "ð": "d", "ı": "i", "Ŧ": "T", "ŧ": "t"})
_SHELL_SAFE_RE = re.compile(r"[A-Za-z0-9_@%+=:,./-]+")
_SECTION_RE = configparser.RawConfigParser.SECTCRE


@dataclass(frozen=True)
class Access:
    """One role the user may use in one account."""

    account_id: str
    account_name: str
    role_name: str


@dataclass(frozen=True)
class Profile:
    name: str
    access: Access


@dataclass(frozen=True)
class ConfigSpec:
    session_name: str
    sso_region: str
    start_url: str | None  # None: the text says where to fill it in
    region: str | None = None  # None: `#region = <sso region>` as a hint
    credential_process: bool = False
    # sso_registration_scopes: with sso:account:access every tool's sign-in is refreshable
    registration_scopes: str = DEFAULT_SCOPES


# --------------------------------------------------------------------- validation


def validate_session_name(name: str) -> str:
    if not _SESSION_NAME_RE.fullmatch(name):
        raise UsageError(f"--sso-session-name {name[:80]!r} is not a safe config section name; "
                         "use letters, digits and _ . @ + = - (starting with a letter or "
                         "digit), e.g. --sso-session-name my-sso")
    return name


def validate_scopes(text: str) -> str:
    """--sso-registration-scopes: scopes separated by commas, written as `a,b`."""
    scopes = [scope.strip() for scope in text.split(",") if scope.strip()]
    if not scopes or not all(_SCOPE_RE.fullmatch(scope) for scope in scopes):
        raise UsageError(f"--sso-registration-scopes {text[:80]!r} is not a list of scopes; "
                         f"separate them with commas, e.g. {DEFAULT_SCOPES}")
    return ",".join(scopes)


def default_session_name(start_url: str | None) -> str:
    """The portal's subdomain (d-1234567890 for https://d-1234567890.awsapps.com/start)."""
    if start_url:
        host = start_url.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
        name = safe_name(host.split(".", 1)[0])
        if _SESSION_NAME_RE.fullmatch(name):
            return name
    return DEFAULT_SESSION_NAME


def validate_template(template: str) -> str:
    """A usage error for anything but the named fields, e.g. {account_name}-{role_name}."""
    example = f"e.g. --profile-template '{DEFAULT_TEMPLATE}'"
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise UsageError(f"--profile-template {template[:80]!r} is not valid ({exc}); "
                         f"{example}") from None
    if any(spec and "{" in spec for _, _, spec, _ in parts):
        raise UsageError(f"--profile-template {template[:80]!r}: a field cannot hold another "
                         f"field; {example}")
    used = [name for _, name, _, _ in parts if name is not None]
    unknown = [name for name in used if name not in FIELDS]
    if unknown:
        raise UsageError(f"--profile-template: unknown field {{{unknown[0]}}}; the fields are "
                         f"{', '.join('{' + f + '}' for f in FIELDS)}; {example}")
    try:
        sample = _render(template, Access("000000000000", "a", "r"), "a", "s")
    except (ValueError, TypeError, KeyError) as exc:  # a format spec that does not fit a string
        raise UsageError(f"--profile-template {template[:80]!r} is not valid ({exc}); "
                         f"{example}") from None
    if not sample:
        raise UsageError(f"--profile-template {template[:80]!r} gives empty names; {example}")
    return template


# --------------------------------------------------------------------- profile names


def safe_name(text: str) -> str:
    """Fold text into characters botocore and shells take as they are: letters to their
    closest ASCII form where one exists (Zürich -> Zurich, Ørsted -> Orsted), every run of
    other characters and dashes to one dash (Dev - Team -> Dev-Team)."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LETTERS))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))  # Zürich -> Zurich
    folded = _UNSAFE_RE.sub("-", _QUOTES_RE.sub("", plain))
    return _DASHES_RE.sub("-", folded).strip("-._")


def _account_part(access: Access) -> str:
    """The account name made safe; the account id stands in for a name written in a script
    with no ASCII letters (データ基盤 2 -> 123456789012-2), which folding would erase."""
    name = safe_name(access.account_name)
    if any(c.isalpha() for c in name):
        return name
    return f"{access.account_id}-{name}" if name else access.account_id


def account_parts(accesses: Iterable[Access]) -> dict[str, str]:
    """account id -> its part of profile names. Accounts whose names fold to the same text
    (two "Sandbox", or "Sandbox" and "sandbox") all get their id appended, whatever roles
    they have: then a name says which account it is, and adding a role changes no name."""
    parts = {a.account_id: _account_part(a) for a in accesses}
    owners = Counter(part.lower() for part in parts.values())
    return {account_id: part if owners[part.lower()] == 1 else f"{part}-{account_id}"
            for account_id, part in parts.items()}


def _render(template: str, access: Access, account_part: str, session_name: str) -> str:
    return safe_name(template.format(
        account_id=access.account_id, account_name=account_part,
        role_name=safe_name(access.role_name) or "role", session_name=session_name))


def _alternatives(access: Access, base: str) -> Iterator[str]:
    """Names to try, in order, when `base` is still not unique (a template without the
    role name, or role names that fold alike)."""
    role = safe_name(access.role_name)
    yield f"{base}-{access.account_id}"
    yield f"{base}-{access.account_id}-{role}"
    number = 2
    while True:
        yield f"{base}-{access.account_id}-{role}-{number}"
        number += 1


def assign_names(accesses: Iterable[Access], template: str, session_name: str
                 ) -> list[Profile]:
    """Unique profile names, sorted by name; the same input always gives the same names."""
    items = sorted(set(accesses), key=lambda a: (a.account_id, a.role_name, a.account_name))
    parts = account_parts(items)
    base = {a: _render(template, a, parts[a.account_id], session_name) for a in items}
    counts = Counter(base.values())
    unique = {name for name, n in counts.items() if n == 1 and name not in RESERVED}
    taken = set(unique)
    profiles = []
    for access in items:
        name = base[access]
        if name not in unique:
            name = next(c for c in _alternatives(access, name)
                        if c not in taken and c not in RESERVED)
            taken.add(name)
        profiles.append(Profile(name, access))
    return sorted(profiles, key=lambda p: (p.name.lower(), p.name))


# --------------------------------------------------------------------- rendering


def begin_marker(session_name: str) -> str:
    return f"# BEGIN aws-login dumpconfig [sso-session {session_name}]"


def end_marker(session_name: str) -> str:
    return f"# END aws-login dumpconfig [sso-session {session_name}]"


def shell_arg(value: str) -> str:
    """Quote for botocore's credential_process split (shlex on POSIX, its own on Windows):
    double quotes with \\ and \" escaped work for both."""
    if _SHELL_SAFE_RE.fullmatch(value):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def credential_command(spec: ConfigSpec, access: Access) -> str:
    args = ["aws-login", "dumpcreds", "--credential-helper", "--use-cache"]
    if spec.start_url:
        args += ["--start-url", spec.start_url]
    args += ["--sso-region", spec.sso_region, "--sso-acct-id", access.account_id,
             "--sso-role-name", access.role_name]
    return " ".join(shell_arg(a) for a in args)


def render(spec: ConfigSpec, profiles: list[Profile], *, skipped: Iterable[Profile] = (),
           session_defined_elsewhere: bool = False) -> str:
    """The generated block, BEGIN and END lines included."""
    name = spec.session_name
    lines = [begin_marker(name) + ": generated; a re-run replaces this block"]
    if spec.credential_process:
        lines += ["# These profiles get credentials from aws-login, for SDKs without "
                  "sso_session support;",
                  "# it signs in to the portal when its cache (--use-cache) cannot serve."]
        if not spec.start_url:
            lines += ["# FILL IN: add --start-url <your AWS access portal URL> to each "
                      "credential_process",
                      "# below (or rerun with --start-url URL)."]
    elif session_defined_elsewhere:
        lines.append(f"# [sso-session {name}] is defined elsewhere in this file; the "
                     "profiles below use it.")
    else:
        lines += [
            f"# This is your Identity Center portal entry; sign in with: "
            f"aws sso login --sso-session {name}",
            f"[sso-session {name}]",
            f"sso_region = {spec.sso_region}",
        ]
        if spec.start_url:
            lines.append(f"sso_start_url = {spec.start_url}")
        else:
            lines += ["# FILL IN the start URL below (or rerun with --start-url URL):",
                      f"sso_start_url = {START_URL_PLACEHOLDER}"]
        lines.append(f"sso_registration_scopes = {spec.registration_scopes}")
    accounts = len({p.access.account_id for p in profiles})
    lines += ["", f"# Profiles for your discovered access: {len(profiles)} roles in "
                  f"{accounts} accounts; use one with --profile NAME"]
    lines += [f"# skipped [profile {p.name}] ({p.access.account_id} {p.access.role_name}): "
              "a profile of that name is defined elsewhere in this file" for p in skipped]
    for index, profile in enumerate(profiles):
        if index:
            lines.append("")
        lines.append(f"[profile {profile.name}]")
        if spec.credential_process:
            lines.append(f"credential_process = {credential_command(spec, profile.access)}")
        else:
            lines += [f"sso_session = {name}",
                      f"sso_account_id = {profile.access.account_id}",
                      f"sso_role_name = {profile.access.role_name}"]
        lines.append(f"region = {spec.region}" if spec.region else f"#region = {spec.sso_region}")
    lines.append(end_marker(name))
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------- merging


@dataclass(frozen=True)
class Existing:
    """A config file's text, split around the block aws-login generated before (if any)."""

    text: str
    start: int  # the block's character span; start == end == len(text): no block yet
    end: int

    @property
    def has_block(self) -> bool:
        return self.end > self.start

    @property
    def block(self) -> str:
        return self.text[self.start:self.end]

    @property
    def outside(self) -> str:
        return self.text[:self.start] + self.text[self.end:]


def locate(text: str, session_name: str, path: str) -> Existing:
    """Find this session's block; refuse a file whose markers were damaged by hand."""
    begin, end = begin_marker(session_name), end_marker(session_name)
    begins: list[int] = []
    ends: list[int] = []
    offset = 0
    for line in text.splitlines(keepends=True):
        stripped = line.rstrip()
        if stripped.startswith(begin):  # the name ends in "]": my-sso never matches my-sso2
            begins.append(offset)
        elif stripped == end:
            ends.append(offset + len(line))
        offset += len(line)
    if not begins and not ends:
        return Existing(text, len(text), len(text))
    if len(begins) == 1 and len(ends) == 1 and begins[0] < ends[0]:
        return Existing(text, begins[0], ends[0])
    raise OperationError(
        f"{path}: the lines '{begin}' and '{end}' must appear once each, in that order "
        f"(found {len(begins)} and {len(ends)}); fix or remove them by hand, then rerun")


def defined_sections(text: str) -> tuple[set[str], set[str]]:
    """(profile names, sso-session names) that the sections of `text` define for botocore."""
    profiles: set[str] = set()
    sessions: set[str] = set()
    for kind, name, _lines in _sections(text):
        (profiles if kind == "profile" else sessions).add(name)
    return profiles, sessions


def profile_sections(text: str) -> dict[str, str]:
    """Each profile's settings (the lines up to the next section but blank and comment
    lines, such as the block's end marker), by name: what tells a changed profile from one
    left as it was."""
    return {name: "".join(line.strip() + "\n" for line in lines
                          if line.strip() and not line.lstrip().startswith(("#", ";")))
            for kind, name, lines in _sections(text) if kind == "profile"}


def _sections(text: str) -> Iterator[tuple[str, str, list[str]]]:
    """(kind, name, lines) of each profile or sso-session section, in order; the lines of
    other sections belong to none."""
    current: tuple[str, str, list[str]] | None = None
    for line in text.splitlines(keepends=True):
        found = _section_of(line)
        if found is not None or _SECTION_RE.match(line.strip()):
            if current is not None:
                yield current
            current = None if found is None else (*found, [])
        if current is not None:
            current[2].append(line)
    if current is not None:
        yield current


def _section_of(line: str) -> tuple[str, str] | None:
    """("profile" or "sso-session", name) when `line` opens such a section."""
    stripped = line.strip()
    match = _SECTION_RE.match(stripped)
    if not match or stripped.startswith(("#", ";")):
        return None
    header = match.group("header")
    if header == "default":
        return "profile", "default"
    for prefix in ("profile", "sso-session"):
        if header.startswith(prefix):
            try:
                parts = shlex.split(header)  # as botocore reads the header
            except ValueError:
                return None
            if len(parts) == 2:  # botocore does not check the first word either
                return prefix, parts[1]
    return None


def merge(existing: Existing, block: str) -> str:
    """The file with `block` in place of the old one (or appended after a blank line)."""
    if "\r\n" in existing.text:  # a Windows-edited file keeps its line endings
        block = block.replace("\n", "\r\n")
    if existing.has_block:
        return existing.text[:existing.start] + block + existing.text[existing.end:]
    text = existing.text
    if not text:
        return block
    newline = "\r\n" if "\r\n" in text else "\n"
    return text + ("" if text.endswith("\n") else newline) + newline + block


def unified_diff(old: str, new: str, path: str) -> str:
    return "".join(difflib.unified_diff(
        old.splitlines(keepends=True), new.splitlines(keepends=True),
        fromfile=f"{path} (now)", tofile=f"{path} (after dumpconfig)"))
