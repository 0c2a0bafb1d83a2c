"""`--copy` (console, dumpcreds): stand-in clipboard programs on PATH (tests/fakes/clipboard.py)
that record their argv and stdin, OSC 52 escapes read off real pseudo-terminals (the child's
controlling terminal, tests/fakes/terminal.py), and the failures: no clipboard at all, a
program that fails, hangs or cannot start. console signs in at the local federation fake
and dumpcreds starts from IAM user keys checked by moto STS."""

from __future__ import annotations

import base64
import contextlib
import io
import os
import re
import select
import signal
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from aws_login import clipboard
from aws_login.context import Context
from aws_login.errors import OperationError
from tests.fakes import clipboard as standin
from tests.fakes.federation import FakeFederation
from tests.fakes.moto_server import LoopbackServer
from tests.fakes.sso import FakeSso
from tests.fakes.terminal import PtySession
from tests.helpers import ROLE_A, ROLE_A_ARN, START_URL, USER_SECRET, run_cli

AWS_LOGIN = (sys.executable, "-m", "aws_login")
# Everything the choice reads, cleared so that the machine running the tests takes no part.
SESSION_VARIABLES = ("SSH_CONNECTION", "SSH_TTY", "TMUX", "STY", "TERM", "WSL_DISTRO_NAME",
                     "WSL_INTEROP", "AWS_LOGIN_CLIPBOARD", "DISPLAY", "WAYLAND_DISPLAY",
                     "BROWSER")
SSH = "203.0.113.5 52814 198.51.100.7 22"
EXPORTS_COPIED = ("aws-login: copied the shell exports (fish) to the clipboard with {}; they hold "
                  "secret keys: paste them only into your shell\n")
URL_SECRET = ("it is a secret: for 15 minutes it signs whoever opens it in to the AWS console, "
              "so paste it only into a browser")
OSC52_HINT = ("aws-login: if it does not paste, your terminal does not accept OSC 52 from "
              "programs (see docs/clipboard.md for tmux, screen and the terminals that do)\n")
ADVICE = "set AWS_LOGIN_CLIPBOARD to another method, or leave out --copy"
NO_CLIPBOARD = (
    "aws-login: error: --copy: no clipboard to copy to (no wl-copy, xclip, xsel, pbcopy or "
    "clip.exe for this session, and no terminal to send OSC 52 to); run it at a terminal, "
    "install a clipboard program, or leave out --copy\n")
NO_CLIPBOARD_OVER_SSH = (
    "aws-login: error: --copy: no clipboard to copy to (over SSH without a forwarded display, "
    "and no terminal to send OSC 52 to); run it at a terminal, install a clipboard program, "
    "or leave out --copy\n")


@dataclass
class Tools:
    folder: Path
    log: Path

    def install(self, *names: str) -> None:
        standin.install(self.folder, names or standin.NAMES)

    def calls(self) -> list[dict[str, Any]]:
        return standin.records(self.log)


@pytest.fixture
def tools(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, aws_env: Path) -> Iterator[Tools]:
    """No session variables, and a PATH of one folder that holds no program yet."""
    for name in SESSION_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    folder = tmp_path / "bin"
    folder.mkdir()
    log = tmp_path / "clipboard.log"
    monkeypatch.setenv("CLIPBOARD_LOG", str(log))
    monkeypatch.setenv("PATH", str(folder))
    yield Tools(folder, log)
    if os.environ.get("CLIPBOARD_MODE") == "serve":  # the selections' owners it left behind
        for call in standin.records(log):
            with contextlib.suppress(ProcessLookupError):
                os.kill(call["pid"], signal.SIGKILL)


def exports(outform: str) -> str:
    """What dumpcreds prints for the IAM user keys (the same every time: no STS call)."""
    printed = run_cli(["dumpcreds", "--outform", outform])
    assert printed.code == 0, printed.err
    assert USER_SECRET in printed.out
    return printed.out


def no_secret_in_argv(calls: list[dict[str, Any]], *secrets: str) -> None:
    for call in calls:
        for word in call["argv"]:
            for secret in secrets:
                assert secret not in word, call["argv"]


def osc52(text: str) -> bytes:
    return b"\x1b]52;c;" + base64.b64encode(text.encode()) + b"\x07"


def signed_in_as(url: str, fed: FakeFederation) -> str:
    """Open the sign-in URL as a browser would; who the console says is signed in."""
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == fed.federation_url
    assert parse_qs(parts.query)["Action"] == ["login"]
    page = requests.Session().get(url, timeout=10)
    assert page.status_code == 200
    found = re.search(r"<p id='who'>([^<]*)</p>", page.text)
    assert found is not None, page.text
    return found.group(1)


def read_all(master: int) -> bytes:
    """What the terminal shows by now."""
    data = b""
    while select.select([master], [], [], 0.2)[0]:
        chunk = os.read(master, 65536)
        if not chunk:
            break
        data += chunk
    return data


# --------------------------------------------------------------------------- whose clipboard

@pytest.mark.parametrize(("platform", "environ", "methods"), [
    ("linux", {}, ["clip.exe", "osc52"]),
    ("linux", {"DISPLAY": ":0"}, ["xclip", "xsel", "clip.exe", "osc52"]),
    ("linux", {"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"},
     ["wl-copy", "xclip", "xsel", "clip.exe", "osc52"]),
    ("linux", {"WAYLAND_DISPLAY": "wayland-0"}, ["wl-copy", "clip.exe", "osc52"]),
    # WSLg sets both displays; clip.exe is the Windows clipboard itself
    ("linux", {"WSL_DISTRO_NAME": "Ubuntu", "WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"},
     ["clip.exe", "wl-copy", "xclip", "xsel", "osc52"]),
    ("darwin", {}, ["pbcopy", "osc52"]),
    ("darwin", {"DISPLAY": ":0"}, ["pbcopy", "xclip", "xsel", "osc52"]),
    ("win32", {}, ["clip.exe", "osc52"]),
    # over SSH: only a forwarded display (ssh -X, waypipe) or the person's terminal
    ("linux", {"SSH_CONNECTION": SSH}, ["osc52"]),
    ("linux", {"SSH_TTY": "/dev/pts/3", "DISPLAY": "localhost:10.0"},
     ["xclip", "xsel", "osc52"]),
    ("linux", {"SSH_CONNECTION": SSH, "WSL_DISTRO_NAME": "Ubuntu"}, ["osc52"]),
    ("darwin", {"SSH_CONNECTION": SSH}, ["osc52"]),
    ("win32", {"SSH_CONNECTION": SSH}, ["osc52"]),
])
def test_the_rule_of_whose_clipboard_it_is(platform: str, environ: dict[str, str],
                                           methods: list[str]) -> None:
    assert [method for method, _ in clipboard.candidates(environ, platform)] == methods


def test_each_choice_says_why() -> None:
    assert clipboard.candidates({"SSH_CONNECTION": SSH, "DISPLAY": "localhost:10.0"},
                                "linux") == [
        ("xclip", "over SSH with a forwarded display (DISPLAY is set)"),
        ("xsel", "over SSH with a forwarded display (DISPLAY is set)"),
        ("osc52", "over SSH")]
    assert clipboard.candidates({"WSL_INTEROP": "/run/WSL/8_interop"}, "linux") == [
        ("clip.exe", "WSL"), ("osc52", "no clipboard program found")]


# --------------------------------------------------------------------------- the programs

@pytest.mark.parametrize(("installed", "environ", "chosen", "argv"), [
    ((), {"DISPLAY": ":99"}, "xclip", ["-selection", "clipboard"]),
    (("xsel", "pbcopy", "clip.exe"), {"DISPLAY": ":99"}, "xsel", ["--clipboard", "--input"]),
    ((), {"WAYLAND_DISPLAY": "wayland-1", "DISPLAY": ":99"}, "wl-copy", []),
    ((), {"WSL_DISTRO_NAME": "Ubuntu", "DISPLAY": ":99"}, "clip.exe", []),
    (("pbcopy", "clip.exe"), {}, "clip.exe", []),  # on PATH: WSL without its variables
    ((), {"AWS_LOGIN_CLIPBOARD": "pbcopy", "DISPLAY": ":99"}, "pbcopy", []),
    ((), {"SSH_CONNECTION": SSH, "DISPLAY": "localhost:10.0"}, "xclip",
     ["-selection", "clipboard"]),
])
def test_dumpcreds_copy_gives_the_exports_to_the_right_program_on_stdin(
        user_keys: None, tools: Tools, monkeypatch: pytest.MonkeyPatch,
        installed: tuple[str, ...], environ: dict[str, str], chosen: str,
        argv: list[str]) -> None:
    expected = exports("fish")
    tools.install(*installed)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    result = run_cli(["dumpcreds", "--copy", "--outform", "fish"])
    assert (result.code, result.out) == (0, "")
    assert result.err == EXPORTS_COPIED.format(chosen)
    [call] = tools.calls()
    assert (call["program"], call["argv"], call["stdin"]) == (chosen, argv, expected)
    assert call["display"] == environ.get("DISPLAY")  # its environment is aws-login's
    no_secret_in_argv(tools.calls(), USER_SECRET, expected)


@pytest.mark.parametrize(("outform", "shell"), [
    ("linux", "sh"), ("mac", "sh"), ("windows", "cmd"), ("powershell", "PowerShell"),
])
def test_the_copy_message_names_the_shell(user_keys: None, tools: Tools,
                                          monkeypatch: pytest.MonkeyPatch, outform: str,
                                          shell: str) -> None:
    tools.install("pbcopy")
    monkeypatch.setenv("AWS_LOGIN_CLIPBOARD", "pbcopy")
    result = run_cli(["dumpcreds", "--copy", "--outform", outform])
    assert (result.code, result.out) == (0, "")
    assert result.err == (f"aws-login: copied the shell exports ({shell}) to the clipboard "
                          "with pbcopy; they hold secret keys: paste them only into your shell\n")
    [call] = tools.calls()
    assert call["stdin"] == exports(outform)


def test_console_copy_puts_a_working_sign_in_url_on_the_clipboard(
        user_keys: None, tools: Tools, fed: FakeFederation, sts: LoopbackServer,
        monkeypatch: pytest.MonkeyPatch) -> None:
    tools.install()
    monkeypatch.setenv("DISPLAY", ":99")
    result = run_cli(["console", "--copy", "--assume-roles", ROLE_A, "--destination",
                      fed.console_url("console/s3/home")])
    assert (result.code, result.out) == (0, "")
    assert result.err == (f"aws-login: copied the sign-in URL to the clipboard with xclip; "
                          f"{URL_SECRET}\n")
    [call] = tools.calls()
    assert (call["program"], call["argv"]) == ("xclip", ["-selection", "clipboard"])
    url = call["stdin"]
    assert "\n" not in url
    no_secret_in_argv(tools.calls(), url, parse_qs(urlsplit(url).query)["SigninToken"][0])
    assert fed.actions() == ["getSigninToken"]  # no browser opened it
    assert signed_in_as(url, fed) == ROLE_A_ARN


def test_console_copy_of_the_portal_shortcut_needs_no_request(
        tools: Tools, sso_env: Path, fed: FakeFederation, sts: LoopbackServer,
        fake_sso: FakeSso, monkeypatch: pytest.MonkeyPatch) -> None:
    """Over SSH, the shortcut for the browser on the person's own machine."""
    tools.install()
    monkeypatch.setenv("SSH_CONNECTION", SSH)
    monkeypatch.setenv("DISPLAY", "localhost:10.0")
    result = run_cli(["console", "--via-portal", "--copy", "--start-url", START_URL,
                      "--sso-acct-id", "111111111111", "--sso-role-name", "ReadOnly",
                      "--destination", "iam"])
    assert (result.code, result.out) == (0, "")
    assert result.err == (
        "aws-login: copied the console shortcut to the clipboard with xclip; it is no secret: "
        "it opens the console only in a browser signed in to your access portal\n")
    [call] = tools.calls()
    assert (call["program"], call["stdin"]) == (
        "xclip", "https://d-1234567890.awsapps.com/start/#/console?account_id=111111111111"
        "&role_name=ReadOnly&destination=https%3A%2F%2Fconsole.aws.amazon.com%2Fiam%2Fhome")
    assert sts.recorder.requests == [] and fed.requests == [] and list(fake_sso.requests) == []


def test_a_program_that_stays_to_serve_the_selection_is_not_waited_for(
        user_keys: None, tools: Tools, monkeypatch: pytest.MonkeyPatch) -> None:
    # xclip, xsel and wl-copy leave a child holding the stdout and stderr they were given
    expected = exports("fish")
    tools.install("xclip")
    monkeypatch.setenv("DISPLAY", ":99")
    monkeypatch.setenv("CLIPBOARD_MODE", "serve")
    started = time.monotonic()
    result = run_cli(["dumpcreds", "--copy", "--outform", "fish"])
    assert time.monotonic() - started < 10  # the child stays 60 s
    assert (result.code, result.out, result.err) == (0, "", EXPORTS_COPIED.format("xclip"))
    [call] = tools.calls()
    assert call["stdin"] == expected
    os.kill(call["pid"], 0)  # still serving


# --------------------------------------------------------------------------- failures

@pytest.mark.parametrize("command", [
    ["dumpcreds", "--copy"],
    ["console", "--copy", "--assume-roles", ROLE_A],
])
def test_no_clipboard_and_no_terminal_fails_before_any_request(
        user_keys: None, tools: Tools, fed: FakeFederation, sts: LoopbackServer,
        command: list[str]) -> None:
    result = run_cli(command)  # tty=None: no terminal
    assert (result.code, result.out, result.err) == (1, "", NO_CLIPBOARD)
    assert sts.recorder.requests == []
    assert fed.requests == []


def test_over_ssh_a_program_here_is_never_used(user_keys: None, tools: Tools,
                                               sts: LoopbackServer,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    tools.install()  # all five, but no forwarded display: they would fill this machine's
    monkeypatch.setenv("SSH_CONNECTION", SSH)
    result = run_cli(["dumpcreds", "--copy"])
    assert (result.code, result.out, result.err) == (1, "", NO_CLIPBOARD_OVER_SSH)
    assert tools.calls() == []
    assert sts.recorder.requests == []


def test_a_failing_program_is_one_clear_line(user_keys: None, tools: Tools,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    tools.install("xclip")
    monkeypatch.setenv("DISPLAY", ":99")
    monkeypatch.setenv("CLIPBOARD_MODE", "fail")
    result = run_cli(["dumpcreds", "--copy"])
    assert (result.code, result.out) == (1, "")
    assert result.err == ("aws-login: error: --copy: xclip failed (exit 1: Error: Can't open "
                          f"display: :99); {ADVICE}\n")
    assert len(tools.calls()) == 1


def test_a_program_that_cannot_start(user_keys: None, tools: Tools,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    program = tools.folder / "xsel"
    program.write_text("#!/nonexistent/interpreter\n")
    program.chmod(0o755)
    monkeypatch.setenv("DISPLAY", ":99")
    result = run_cli(["dumpcreds", "--copy"])
    assert (result.code, result.out) == (1, "")
    assert result.err == (f"aws-login: error: --copy: cannot run xsel: No such file or "
                          f"directory; {ADVICE}\n")


def test_a_program_that_hangs_is_stopped(tools: Tools, monkeypatch: pytest.MonkeyPatch) -> None:
    tools.install("wl-copy")
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-1")
    monkeypatch.setenv("CLIPBOARD_MODE", "hang")
    err = io.StringIO()
    ctx = Context(environ=os.environ, stdout=io.StringIO(), stderr=err, stdin=io.StringIO(),
                  tty=None)
    found = clipboard.find(ctx)
    assert (found.method, found.program) == ("wl-copy", str(tools.folder / "wl-copy"))
    started = time.monotonic()
    with pytest.raises(OperationError) as failed:
        clipboard.copy_secret(found, "the secret", "the text", "it is a secret", ctx,
                              timeout=0.5)
    assert time.monotonic() - started < 10
    assert failed.value.message == f"--copy: wl-copy did not finish within 0.5 s; {ADVICE}"
    assert err.getvalue() == ""  # no word of a copy that did not happen
    [call] = tools.calls()
    assert call["stdin"] == "the secret"
    with pytest.raises(ProcessLookupError):
        os.kill(call["pid"], 0)  # stopped and reaped


# --------------------------------------------------------------------------- OSC 52

def test_console_copy_over_ssh_sends_osc52_to_the_terminal(
        user_keys: None, tools: Tools, fed: FakeFederation, sts: LoopbackServer) -> None:
    tools.install()  # no display forwarded: xclip here is not the person's clipboard
    env = {**os.environ, "SSH_CONNECTION": SSH, "TERM": "xterm-256color"}
    argv = ["console", "--copy", "--assume-roles", ROLE_A, "--destination", fed.console_url()]
    with PtySession([*AWS_LOGIN, *argv], env) as person:
        person.wait_for("\x07")
        done = person.finish()
    assert (done.code, done.out) == (0, "")
    assert done.err == ("aws-login: sent the sign-in URL to your terminal's clipboard as an "
                        f"OSC 52 escape (over SSH); {URL_SECRET}\n{OSC52_HINT}")
    found = re.fullmatch(r"\x1b\]52;c;([A-Za-z0-9+/]+=*)\x07", done.screen)
    assert found is not None, repr(done.screen)
    url = base64.b64decode(found.group(1), validate=True).decode()
    assert done.screen.encode() == osc52(url)
    assert tools.calls() == []
    assert signed_in_as(url, fed) == ROLE_A_ARN


def test_inside_tmux_the_escape_is_sent_plain_and_through_its_passthrough(
        user_keys: None, tools: Tools) -> None:
    expected = exports("linux")
    env = {**os.environ, "SSH_TTY": "/dev/pts/4", "TMUX": "/tmp/tmux-1000/default,4242,0"}
    with PtySession([*AWS_LOGIN, "dumpcreds", "--copy", "--outform", "linux"], env) as person:
        person.wait_for("\x1b\\")
        done = person.finish()
    assert (done.code, done.out) == (0, "")
    payload = base64.b64encode(expected.encode())
    assert done.screen.encode() == (
        b"\x1b]52;c;" + payload + b"\x07"  # for `set-clipboard on`
        + b"\x1bPtmux;\x1b\x1b]52;c;" + payload + b"\x07\x1b\\")  # for `allow-passthrough on`


def test_inside_screen_the_escape_is_cut_into_dcs_strings(user_keys: None,
                                                          tools: Tools) -> None:
    expected = exports("linux")
    whole = osc52(expected)
    assert len(whole) > 256  # at least two pieces
    env = {**os.environ, "SSH_CONNECTION": SSH, "STY": "4242.pts-4.host"}
    with PtySession([*AWS_LOGIN, "dumpcreds", "--copy", "--outform", "linux"], env) as person:
        person.wait_for("\x07\x1b\\")
        done = person.finish()
    assert (done.code, done.out) == (0, "")
    pieces = [whole[start:start + 256] for start in range(0, len(whole), 256)]
    assert done.screen.encode() == b"".join(b"\x1bP" + piece + b"\x1b\\" for piece in pieces)


def _run_at_pty(argv: list[str]) -> tuple[Any, bytes]:
    """In this process, with a pty's slave as the controlling terminal by name."""
    master, slave = os.openpty()
    try:
        result = run_cli(argv, tty=os.ttyname(slave))
        return result, read_all(master)
    finally:
        os.close(master)
        os.close(slave)


def test_without_a_clipboard_program_the_local_terminal_gets_osc52(
        user_keys: None, tools: Tools) -> None:
    expected = exports("fish")
    result, screen = _run_at_pty(["dumpcreds", "--copy", "--outform", "fish"])
    assert (result.code, result.out) == (0, "")
    assert result.err == (
        "aws-login: sent the shell exports (fish) to your terminal's clipboard as an OSC 52 "
        "escape (no clipboard program found); they hold secret keys: paste them only into "
        f"your shell\n{OSC52_HINT}")
    assert screen == osc52(expected)


def test_aws_login_clipboard_osc52_wins_over_a_program(user_keys: None, tools: Tools,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    tools.install()
    monkeypatch.setenv("DISPLAY", ":99")
    monkeypatch.setenv("AWS_LOGIN_CLIPBOARD", "osc52")
    result, screen = _run_at_pty(["dumpcreds", "--copy", "--outform", "fish"])
    assert (result.code, result.out) == (0, "")
    assert "(AWS_LOGIN_CLIPBOARD)" in result.err
    assert screen == osc52(exports("fish"))
    assert tools.calls() == []


def test_the_linux_console_gets_no_escape(user_keys: None, tools: Tools,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    # It would print the base64 of the secret instead of copying it.
    monkeypatch.setenv("TERM", "linux")
    result, screen = _run_at_pty(["dumpcreds", "--copy"])
    assert (result.code, result.out) == (1, "")
    assert result.err == NO_CLIPBOARD.replace("no terminal to send OSC 52 to",
                                              "a terminal (TERM=linux) that cannot take OSC 52")
    assert screen == b""
