"""The fast path: an identical `dumpcreds --credential-helper --use-cache` call is answered
before argparse or the data model are imported, and only while it is safe to."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import platformdirs.macos
import platformdirs.unix
import pytest

import aws_login
from aws_login import __version__, fastpath
from aws_login.errors import UsageError
from aws_login.paths import cache_dir, data_dir
from tests.helpers import run_cli

CALL = ["dumpcreds", "--credential-helper", "--use-cache", "--assume-roles",
        "arn:aws:iam::111111111111:role/Fast"]
PROBE = """
import io, os, sys
from aws_login import fastpath
out = io.StringIO()
code = fastpath.serve(sys.argv[1:], os.environ, out)
loaded = sorted(m for m in sys.modules if m.startswith(("argparse", "aws_login.cli",
    "aws_login.model", "botocore", "json", "typing", "collections.abc")))
print(repr((code, out.getvalue(), loaded)))
"""


@pytest.fixture
def cache_dir_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, user_keys: None) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("AWS_LOGIN_CACHE_DIR", str(folder))
    return folder


def probe(argv: list[str]) -> tuple[int | None, str, list[str]]:
    """Ask the fast path in a fresh interpreter; also say what it imported."""
    done = subprocess.run([sys.executable, "-c", PROBE, *argv], capture_output=True, text=True,
                          env=dict(os.environ), timeout=60, check=True)
    result: tuple[int | None, str, list[str]] = eval(done.stdout)  # our own repr() above
    return result


def entry(cache: Path) -> Path:
    (found,) = (cache / "sessions" / "fast").iterdir()
    return found


def test_an_identical_call_is_answered_without_the_heavy_modules(cache_dir_env: Path,
                                                                  sts) -> None:
    first = run_cli(CALL)
    assert first.code == 0, first.err
    code, out, loaded = probe(CALL)
    assert (code, out, loaded) == (0, first.out, [])
    assert json.loads(out)["AccessKeyId"].startswith("ASIA")
    assert oct(entry(cache_dir_env).stat().st_mode & 0o777) == "0o600"


def test_the_answer_is_tied_to_the_words_and_the_aws_environment(
        cache_dir_env: Path, sts, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run_cli(CALL).code == 0
    assert probe([*CALL, "--duration", "900"])[0] is None  # other words
    assert probe([CALL[0], *reversed(CALL[1:])])[0] is None  # other order: left to argparse
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    assert probe(CALL)[0] is None  # another AWS_* setting
    monkeypatch.delenv("AWS_REGION")
    assert probe(CALL)[0] == 0


def test_the_entry_name_changes_with_the_version_and_the_entry_format(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Entries are served verbatim: another version or format must never read an old one.
    environ = {"AWS_LOGIN_CACHE_DIR": "/cache"}
    name = fastpath.entry_path(CALL, environ)
    assert name == fastpath.entry_path(list(CALL), dict(environ))
    monkeypatch.setattr(aws_login, "__version__", __version__ + ".1")
    assert fastpath.entry_path(CALL, environ) != name
    monkeypatch.undo()
    monkeypatch.setattr(fastpath, "MAGIC", b"aws-login-fast 2")
    assert fastpath.entry_path(CALL, environ) != name


@pytest.mark.parametrize("extra", [["--debug"], ["--help"], ["--saml-assertion", "x"],
                                   ["--federation-policy", "file://p.json"]])
def test_calls_that_read_files_or_explain_themselves_take_the_normal_path(
        cache_dir_env: Path, extra: list[str]) -> None:
    assert not fastpath.eligible([*CALL, *extra], {})
    assert fastpath.eligible(CALL, {})
    assert not fastpath.eligible(CALL, {"AWS_WEB_IDENTITY_TOKEN_FILE": "/token"})
    assert not fastpath.eligible(["dumpcreds", "--use-cache"], {})


@pytest.mark.parametrize("content", [
    b"", b"garbage", b"aws-login-fast 1 notanumber\n{}\n", b"aws-login-fast 9 99999999999\n{}\n",
    b"aws-login-fast 1 99999999999\n{\"Version\": 1", b"aws-login-fast 1 99999999999\n\xff}\n",
])
def test_a_damaged_entry_is_ignored_and_rewritten(cache_dir_env: Path, content: bytes) -> None:
    first = run_cli(CALL)
    path = entry(cache_dir_env)
    path.write_bytes(content)
    assert probe(CALL)[0] is None
    again = run_cli(CALL)  # the normal path answers (from the session cache) and rewrites it
    assert again.out == first.out
    assert probe(CALL)[:2] == (0, first.out)


def test_an_entry_with_fifteen_minutes_or_less_left_is_not_served(cache_dir_env: Path) -> None:
    assert run_cli(CALL).code == 0
    path = entry(cache_dir_env)
    body = path.read_bytes().split(b"\n", 1)[1]
    path.write_bytes(b"aws-login-fast 1 " + repr(time.time() + 14 * 60).encode() + b"\n" + body)
    assert probe(CALL)[0] is None
    path.write_bytes(b"aws-login-fast 1 " + repr(time.time() + 16 * 60).encode() + b"\n" + body)
    assert probe(CALL)[0] == 0


def test_clearcache_removes_the_entries(cache_dir_env: Path) -> None:
    assert run_cli(CALL).code == 0
    assert run_cli(["clearcache", "--only", "sessions"]).code == 0
    assert probe(CALL)[0] is None


def test_version_is_answered_here() -> None:
    out = io.StringIO()
    assert fastpath.serve(["--version"], {}, out) == 0
    assert out.getvalue() == f"aws-login {__version__}\n"
    done = subprocess.run([sys.executable, "-m", "aws_login", "--version"], capture_output=True,
                          text=True, timeout=60, check=True)
    assert done.stdout == f"aws-login {__version__}\n"


FOLDERS = [  # (the function, its XDG variable, platformdirs' name, its override, example)
    (cache_dir, "XDG_CACHE_HOME", "user_cache_dir", "AWS_LOGIN_CACHE_DIR",
     "$HOME/.cache/aws-login"),
    (data_dir, "XDG_DATA_HOME", "user_data_dir", "AWS_LOGIN_DATA_DIR",
     "$HOME/.local/share/aws-login"),
]


@pytest.mark.parametrize(("folder", "xdg", "attribute", "override", "example"), FOLDERS)
@pytest.mark.parametrize("xdg_value", [None, "/var/tmp/xdg", "relative/ignored"])
def test_the_folders_match_platformdirs(monkeypatch: pytest.MonkeyPatch,
                                        folder: Callable[..., str], xdg: str, attribute: str,
                                        override: str, example: str,
                                        xdg_value: str | None) -> None:
    environ = {"HOME": "/home/alice"} | ({} if xdg_value is None else {xdg: xdg_value})
    monkeypatch.delenv(xdg, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    assert folder(environ, "linux") == getattr(
        platformdirs.unix.Unix("aws-login", appauthor=False), attribute)
    assert folder(environ, "darwin") == getattr(
        platformdirs.macos.MacOS("aws-login", appauthor=False), attribute)
    assert folder({**environ, override: "~/c"}, "linux") == "/home/alice/c"
    with pytest.raises(UsageError) as refused:
        folder({**environ, override: "c"}, "linux")
    assert refused.value.message == (f"{override} 'c' is not an absolute path; give a full "
                                     f"path, e.g. {override}={example}")


def test_a_relative_cache_folder_takes_the_normal_path_which_refuses_it(
        cache_dir_env: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AWS_LOGIN_CACHE_DIR", "relative/cache")
    assert fastpath.serve(CALL, os.environ, io.StringIO()) is None  # no crash, no answer
    done = subprocess.run([sys.executable, "-m", "aws_login", *CALL], capture_output=True,
                          text=True, env=dict(os.environ), timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (
        2, "", "aws-login: error: AWS_LOGIN_CACHE_DIR 'relative/cache' is not an absolute "
        "path; give a full path, e.g. AWS_LOGIN_CACHE_DIR=$HOME/.cache/aws-login\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["aws"]  # no cache made here


def test_the_nesting_mark_does_not_change_the_entry() -> None:
    environ = {"AWS_LOGIN_CACHE_DIR": "/cache", "AWS_PROFILE": "dev"}
    assert fastpath.entry_path(CALL, environ) == fastpath.entry_path(
        CALL, {**environ, "AWS_LOGIN_NESTING": "0123456789abcdef"})
