"""The AWS config and credentials files read without botocore: where they are, their
sections, the profiles and the sso-session sections.

Tab completion and the cheap decisions of the starting sources (is this profile an SSO
profile?) read the files here; botocore alone costs more than either. What parses before a
syntax error is kept: botocore would refuse such a file and say so when it is used.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

Sections = dict[str, dict[str, str]]


def aws_files(environ: Mapping[str, str]) -> tuple[Path, Path]:
    """The config and credentials files, as botocore finds them."""
    config = environ.get("AWS_CONFIG_FILE") or os.path.join("~", ".aws", "config")
    credentials = (environ.get("AWS_SHARED_CREDENTIALS_FILE")
                   or os.path.join("~", ".aws", "credentials"))
    return Path(config).expanduser(), Path(credentials).expanduser()


def read_sections(path: Path) -> Sections:
    """Every section of an INI file and its keys ({} when the file is missing or unreadable)."""
    import configparser

    parser = configparser.RawConfigParser(strict=False)
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            parser.read_file(handle)
    except configparser.Error:
        pass
    except (OSError, ValueError):
        return {}
    sections: Sections = {}
    for name in parser.sections():
        try:
            sections[name] = {key: value.strip() for key, value in parser.items(name)}
        except configparser.Error:
            continue
    return sections


def config_profile(section: str) -> str | None:
    """The profile a section of the config file defines: [default] and [profile NAME]."""
    if section.strip() == "default":
        return "default"
    parts = section.split(None, 1)
    if len(parts) == 2 and parts[0] == "profile":
        return parts[1].strip().strip("\"'") or None
    return None  # [sso-session NAME], [services NAME], ...


def sso_session_section(section: str) -> str | None:
    """The sso-session a section of the config file defines: [sso-session NAME]."""
    parts = section.split(None, 1)
    if len(parts) == 2 and parts[0] == "sso-session":
        return parts[1].strip().strip("\"'") or None
    return None


class AwsConfig:
    """Both files, read once: the profiles (a profile's keys from both files, the
    credentials file's winning, as in botocore) and the sso-session sections."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.config_path, self.credentials_path = aws_files(environ)
        config = read_sections(self.config_path)
        self.profiles: Sections = {}
        self.sso_sessions: Sections = {}
        for section, keys in config.items():
            if (name := config_profile(section)) is not None:
                # [profile default] and [default]: botocore merges them; so do we
                self.profiles.setdefault(name, {}).update(keys)
            elif (session := sso_session_section(section)) is not None:
                self.sso_sessions[session] = keys
        credentials = read_sections(self.credentials_path)
        for section, keys in credentials.items():
            self.profiles.setdefault(section.strip(), {}).update(keys)

    @classmethod
    def current(cls, environ: Mapping[str, str]) -> AwsConfig:
        """The files as they are now, parsed once while their bytes stay the same: every
        profile source asks whether a named profile is its kind, so one run would parse them
        three or four times (reading them again costs far less than parsing)."""
        paths = aws_files(environ)
        key = (paths, tuple(_contents(path) for path in paths))
        if _LAST and _LAST[0][0] == key:
            return _LAST[0][1]
        config = cls(environ)
        _LAST[:] = [(key, config)]
        return config


def _contents(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except (OSError, ValueError):
        return None


_LAST: list[tuple[object, AwsConfig]] = []  # AwsConfig.current's last answer and its key
