"""The prompt service, each channel driven for real: the controlling terminal of a child
process (a pty, stdin a pipe and stderr captured, as an SDK runs a credential_process helper),
stand-in zenity/kdialog/osascript/ykman programs on PATH (tests/fakes/standin.py), MFA codes
from a command, and no channel at all. The recording STS fake shows what was (not) sent."""

from __future__ import annotations

import io
import json
import os
import shlex
import subprocess
import sys
import termios
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from aws_login.context import Context
from aws_login.prompts import Cancelled, NoAnswer
from aws_login.prompts.options import PromptSettings
from tests.fakes import standin
from tests.fakes.moto_server import Recorder
from tests.fakes.terminal import PtySession
from tests.helpers import (
    MFA_SERIAL,
    ROLE_A,
    ROLE_A_ARN,
    USER_KEY_ID,
    USER_SECRET,
    error_line,
    run_cli,
)

MFA_CHAIN = ("--assume-roles", ROLE_A, "--mfa-serial", MFA_SERIAL)
QUESTION = f"MFA code for {MFA_SERIAL}"
NOT_VALID = "MFA code is not valid; enter the 6 digits your device shows"
NO_CHANNEL = (
    "aws-login: error: --mfa-serial needs an MFA code and nobody can be asked here (no "
    "terminal, /dev/tty or desktop dialog); pass --mfa-token CODE or --mfa-process COMMAND, "
    "use --prompt ykman for a YubiKey, or run it at a terminal")
AWS_LOGIN = (sys.executable, "-m", "aws_login")


@dataclass
class Standins:
    folder: Path
    log: Path

    def wait_for_calls(self, count: int) -> None:
        """Until `count` calls are logged (a window shown without waiting for it)."""
        deadline = time.monotonic() + 30
        while len(self.calls()) < count:
            assert time.monotonic() < deadline, self.calls()
            time.sleep(0.01)

    def calls(self, program: str | None = None) -> list[list[str]]:
        """The argv (after the program name) of each call, of `program` or of all."""
        return [record["argv"] for record in standin.records(self.log)
                if program is None or record["program"] == program]


@pytest.fixture
def standins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, user_keys: None) -> Standins:
    """IAM user keys, and the stand-in programs first on PATH (no display yet)."""
    folder = standin.install(tmp_path / "bin")
    log = tmp_path / "standin.log"
    monkeypatch.setenv("STANDIN_LOG", str(log))
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    return Standins(folder, log)


@pytest.fixture
def desktop(monkeypatch: pytest.MonkeyPatch, standins: Standins) -> Standins:
    """A Linux desktop whose PATH holds nothing but the stand-ins."""
    monkeypatch.setenv("DISPLAY", ":99")
    monkeypatch.setenv("PATH", str(standins.folder))
    return standins


def answers(monkeypatch: pytest.MonkeyPatch, *lines: str) -> None:
    monkeypatch.setenv("STANDIN_ANSWERS", "\n".join(lines))


def mode(monkeypatch: pytest.MonkeyPatch, program: str, value: str) -> None:
    monkeypatch.setenv(f"STANDIN_MODE_{program.upper()}", value)


def assume_role_code(calls: Recorder) -> str:
    return calls.only("AssumeRole").params["TokenCode"]


def no_secret_in(argvs: list[list[str]], *secrets: str) -> None:
    for argv in argvs:
        for word in argv:
            for secret in secrets:
                assert secret not in word, (secret, argv)


# --------------------------------------------------------------------------- the terminal

def test_the_terminal_asks_without_echo_on_its_own_streams(user_keys: None,
                                                           calls: Recorder) -> None:
    result = run_cli(["dumpcreds", *MFA_CHAIN], stdin="654321\n", terminal=True)
    assert (result.code, result.err) == (0, f"{QUESTION}: ")
    assert assume_role_code(calls) == "654321"


def test_prompt_terminal_reads_a_piped_code(user_keys: None, calls: Recorder) -> None:
    result = run_cli(["dumpcreds", *MFA_CHAIN, "--prompt", "terminal"], stdin="112233\n")
    assert (result.code, result.err) == (0, f"{QUESTION}: ")
    assert assume_role_code(calls) == "112233"


def test_three_bad_codes_and_the_question_ends(user_keys: None, calls: Recorder) -> None:
    result = run_cli(["dumpcreds", *MFA_CHAIN], stdin="1\n2\n3\n", terminal=True)
    assert result.code == 2
    assert result.err.splitlines()[-1] == f"{QUESTION}: aws-login: error: {NOT_VALID}"
    assert calls.calls == []


def test_the_terminal_choice_takes_a_number_or_the_option(user_keys: None) -> None:
    ctx = _context("2\n", terminal=True)
    assert ctx.prompt.choose("Role to assume", ["A", "B"], "These roles:") == 1
    assert stderr_of(ctx) == "These roles:\n  1) A\n  2) B\nRole to assume [1-2]: "
    ctx = _context("9\nB\n", terminal=True)
    assert ctx.prompt.choose("Role to assume", ["A", "B"]) == 1
    assert "aws-login: '9' is not one of 1-2\n" in stderr_of(ctx)
    ctx = _context("arn-b\n", terminal=True)
    assert ctx.prompt.choose("Role", ["arn-a  (first)", "arn-b  (second)"],
                             names=["arn-a", "arn-b"]) == 1
    with pytest.raises(NoAnswer) as failed:
        _context("x\ny\nz\n", terminal=True).prompt.choose("Pick", ["A", "B"])
    assert failed.value.reason == "3 answers were not one of 1-2"


# --------------------------------------------------------------------------- the controlling tty

def _environment() -> dict[str, str]:
    return dict(os.environ)


def test_the_tty_asks_when_stdin_and_stderr_are_pipes(user_keys: None, calls: Recorder) -> None:
    with PtySession([*AWS_LOGIN, "dumpcreds", "--credential-helper", *MFA_CHAIN],
                    _environment()) as person:
        person.wait_for(f"{QUESTION}: ")
        assert not person.echo_is_on()  # while the secret is typed
        person.press("246810\n")
        done = person.finish()
        assert person.echo_is_on()
    assert (done.code, done.err) == (0, "")
    assert json.loads(done.out)["Version"] == 1
    assert done.screen == f"{QUESTION}: \r\n"  # the code was not echoed, the Enter was
    assert assume_role_code(calls) == "246810"


def test_ctrl_c_at_the_tty_question_gives_the_terminal_back(user_keys: None,
                                                            calls: Recorder) -> None:
    with PtySession([*AWS_LOGIN, "dumpcreds", "--credential-helper", *MFA_CHAIN],
                    _environment()) as person:
        assert person.echo_is_on()
        person.wait_for(f"{QUESTION}: ")
        person.press("\x03")  # the terminal's INTR character: SIGINT to its foreground group
        done = person.finish()
        assert person.echo_is_on()
    assert (done.code, done.err) == (130, "aws-login: interrupted\n")
    assert calls.calls == []


def test_end_of_input_at_the_tty_question(user_keys: None, calls: Recorder) -> None:
    with PtySession([*AWS_LOGIN, "dumpcreds", "--credential-helper", *MFA_CHAIN],
                    _environment()) as person:
        person.wait_for(f"{QUESTION}: ")
        person.press("\x04")  # Ctrl-D
        done = person.finish()
        assert person.echo_is_on()
    assert done.code == 2
    assert error_line(done.err) == ("aws-login: error: no MFA code was entered (end of input); "
                                    "pass --mfa-token CODE")
    assert calls.calls == []


def test_an_mfa_process_can_still_ask_on_the_terminal(user_keys: None, calls: Recorder) -> None:
    """At a terminal the program stays in aws-login's process group, so it can ask on
    /dev/tty (a password manager's master password); a session of its own could not."""
    source = "import getpass; print(getpass.getpass('vault password: '))"
    with PtySession([*AWS_LOGIN, "dumpcreds", "--credential-helper", *MFA_CHAIN,
                     "--mfa-process", command(source)], _environment()) as person:
        person.wait_for("vault password: ")
        person.press("135790\n")
        done = person.finish()
    assert (done.code, done.err) == (0, "")
    assert assume_role_code(calls) == "135790"


BOTOCORE_CHILD = """\
import json, sys
import botocore.session

session = botocore.session.Session(profile="mfa")
frozen = session.get_credentials().get_frozen_credentials()
sts = session.create_client("sts", region_name="us-east-1")
print(json.dumps({"arn": sts.get_caller_identity()["Arn"], "key": frozen.access_key}))
"""


def test_botocore_runs_the_helper_and_the_code_typed_on_the_tty_reaches_sts(
        cache_env: Path, tmp_path: Path, calls: Recorder) -> None:
    helper = " ".join(shlex.quote(word) for word in (
        *AWS_LOGIN, "dumpcreds", "--credential-helper", "--use-cache", *MFA_CHAIN))
    config = tmp_path / "botocore-config"
    config.write_text(f"[profile mfa]\ncredential_process = {helper}\n")
    env = _environment()
    env.update(AWS_CONFIG_FILE=str(config), AWS_ACCESS_KEY_ID=USER_KEY_ID,
               AWS_SECRET_ACCESS_KEY=USER_SECRET)  # botocore ignores them: a profile is named
    with PtySession([sys.executable, "-c", BOTOCORE_CHILD], env) as person:
        person.wait_for(f"{QUESTION}: ")
        person.press("135790\n")
        done = person.finish()
    assert (done.code, done.err) == (0, "")
    assert json.loads(done.out)["arn"] == ROLE_A_ARN
    # With --use-cache the code buys the kept MFA session (mfa_session.py), which signs the hop.
    assert calls.only("GetSessionToken").params["TokenCode"] == "135790"
    assert "TokenCode" not in calls.only("AssumeRole").params
    assert "135790" not in done.screen


# --------------------------------------------------------------------------- nobody to ask

def test_no_channel_at_all_fails_at_once(standins: Standins, calls: Recorder) -> None:
    # A new session: no controlling terminal; stdin /dev/null; no display.
    done = subprocess.run([*AWS_LOGIN, "dumpcreds", "--credential-helper", *MFA_CHAIN],
                          capture_output=True, text=True, stdin=subprocess.DEVNULL,
                          start_new_session=True, env=_environment(), timeout=60)
    assert (done.returncode, done.stdout) == (2, "")
    assert error_line(done.stderr) == NO_CHANNEL
    assert calls.requests == []
    assert standins.calls() == []


@pytest.mark.parametrize("how", [("--prompt", "none"), ("AWS_LOGIN_PROMPT", "none")])
def test_prompt_none_never_asks_even_at_a_terminal(user_keys: None, calls: Recorder,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   how: tuple[str, str]) -> None:
    argv = ["dumpcreds", *MFA_CHAIN]
    if how[0] == "--prompt":
        argv += list(how)
        origin = "--prompt none"
    else:
        monkeypatch.setenv(*how)
        origin = "AWS_LOGIN_PROMPT=none"
    result = run_cli(argv, stdin="123456\n", terminal=True)
    assert result.code == 2
    assert error_line(result.err) == (
        f"aws-login: error: --mfa-serial needs an MFA code and {origin} forbids asking; pass "
        "--mfa-token CODE or --mfa-process COMMAND, use --prompt ykman for a YubiKey, or run "
        "it at a terminal")
    assert calls.calls == []


@pytest.mark.parametrize(("argv", "variable", "message"), [
    (["--prompt", "dialog"], None,
     "argument --prompt: invalid choice: 'dialog' (choose from 'terminal', 'tty', 'zenity', "
     "'kdialog', 'osascript', 'ykman', 'none') (see: aws-login dumpcreds --help)"),
    ([], "zenitty",
     "AWS_LOGIN_PROMPT='zenitty' is not one of terminal, tty, zenity, kdialog, osascript, "
     "ykman, none; fix or unset it"),
    (["--mfa-process", "op 'unclosed"], None,
     "--mfa-process cannot be split into words (No closing quotation); quote it as a shell "
     "would, e.g. --mfa-process 'op item get AWS --otp'"),
    (["--mfa-process", " "], None,
     "--mfa-process is empty; give a command that prints the code, e.g. --mfa-process 'op "
     "item get AWS --otp'"),
    (["--mfa-process", "op", "--mfa-token", "123456"], None,
     "give one source of the MFA code, not --mfa-token and --mfa-process"),
    (["--ykman-account", "aws", "--prompt", "ykman"], None,
     "give one source of the MFA code, not --ykman-account and --prompt ykman"),
    (["--ykman-account", ""], None,
     "--ykman-account needs the OATH account name, e.g. --ykman-account aws-alice (see: ykman "
     "oath accounts list)"),
])
def test_bad_prompt_settings_are_usage_errors_before_any_call(
        user_keys: None, calls: Recorder, monkeypatch: pytest.MonkeyPatch, argv: list[str],
        variable: str | None, message: str) -> None:
    if variable is not None:
        monkeypatch.setenv("AWS_LOGIN_PROMPT", variable)
    result = run_cli(["dumpcreds", *MFA_CHAIN, *argv], terminal=True, stdin="123456\n")
    assert (result.code, error_line(result.err)) == (2, f"aws-login: error: {message}")
    assert calls.calls == []


@pytest.mark.parametrize("option", [["--mfa-process", "op"], ["--ykman-account", "aws"],
                                    ["--prompt", "ykman"]])
def test_an_mfa_source_needs_an_mfa_serial(user_keys: None, option: list[str]) -> None:
    result = run_cli(["dumpcreds", "--assume-roles", ROLE_A, *option])
    given = option[0] if option[0] != "--prompt" else "--prompt ykman"
    assert (result.code, error_line(result.err)) == (
        2, f"aws-login: error: {given} gives the code of an MFA device; add --mfa-serial ARN")


def test_a_named_channel_that_cannot_work_is_a_usage_error(user_keys: None, tmp_path: Path,
                                                           calls: Recorder) -> None:
    result = run_cli(["dumpcreds", *MFA_CHAIN, "--prompt", "tty"], tty=str(tmp_path / "none"))
    assert (result.code, error_line(result.err)) == (
        2, f"aws-login: error: --prompt tty: this process has no controlling terminal "
           f"({tmp_path / 'none'} cannot be opened); run it from a terminal or choose another "
           "--prompt")
    result = run_cli(["dumpcreds", *MFA_CHAIN, "--prompt", "kdialog"])
    assert (result.code, error_line(result.err)) == (
        2, "aws-login: error: --prompt kdialog: kdialog is not on PATH; install it or choose "
           "another --prompt")
    assert calls.calls == []


def test_the_start_is_checked_before_the_code_is_asked(user_keys: None, calls: Recorder,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_SESSION_TOKEN", "FwoGZXIvYXdzEXAMPLE")
    result = run_cli(["getcallerid", "--get-session-token", "--mfa-serial", MFA_SERIAL],
                     stdin="123456\n", terminal=True)
    assert (result.code, result.err) == (2, (
        "aws-login: error: GetSessionToken needs long-term IAM user keys, but the starting "
        "credentials (environment) are temporary credentials of unknown origin; start from an "
        "IAM user's access keys\n"))  # and no "MFA code for ...: " before it
    assert calls.calls == []


# --------------------------------------------------------------------------- desktop dialogs

def test_zenity_is_chosen_on_a_desktop_and_hides_the_code(desktop: Standins, calls: Recorder,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    answers(monkeypatch, "424242")
    result = run_cli(["dumpcreds", "--credential-helper", *MFA_CHAIN, "--debug"])
    assert result.code == 0, result.err
    assert desktop.calls() == [["--entry", "--hide-text", "--title", "aws-login",
                                "--text", QUESTION]]
    assert assume_role_code(calls) == "424242"
    assert "424242" not in result.err
    assert "aws-login: debug: questions are asked on: zenity\n" in result.err


def test_a_bad_code_in_a_dialog_is_asked_again_with_the_reason(
        desktop: Standins, calls: Recorder, monkeypatch: pytest.MonkeyPatch) -> None:
    answers(monkeypatch, "12x456", "8080808", "808080")
    result = run_cli(["dumpcreds", *MFA_CHAIN])
    assert result.code == 0, result.err
    texts = [argv[-1] for argv in desktop.calls("zenity")]
    assert texts == [QUESTION, f"{NOT_VALID}\n{QUESTION}", f"{NOT_VALID}\n{QUESTION}"]
    assert assume_role_code(calls) == "808080"
    no_secret_in(desktop.calls(), "12x456", "8080808", "808080")


@pytest.mark.parametrize(("program", "argv"), [
    ("zenity", ["--entry", "--hide-text", "--title", "aws-login", "--text", QUESTION]),
    ("kdialog", ["--title", "aws-login", "--password", QUESTION]),
    ("osascript", ["-e", "on run argv",
                   "-e", 'display dialog (item 1 of argv) default answer "" with hidden answer '
                         'with title "aws-login"',
                   "-e", "return text returned of result", "-e", "end run", QUESTION]),
])
def test_each_dialog_program_gets_the_question_and_never_the_code(
        standins: Standins, calls: Recorder, monkeypatch: pytest.MonkeyPatch, program: str,
        argv: list[str]) -> None:
    answers(monkeypatch, "575757")
    result = run_cli(["getcallerid", *MFA_CHAIN, "--prompt", program])
    assert result.code == 0, result.err
    assert standins.calls() == [argv]
    assert assume_role_code(calls) == "575757"


@pytest.mark.parametrize("program", ["zenity", "kdialog", "osascript"])
def test_cancel_in_a_dialog_is_a_clean_failure(standins: Standins, calls: Recorder,
                                               monkeypatch: pytest.MonkeyPatch,
                                               program: str) -> None:
    mode(monkeypatch, program, "cancel")
    result = run_cli(["getcallerid", *MFA_CHAIN, "--prompt", program])
    assert (result.code, error_line(result.err)) == (
        1, f"aws-login: error: no MFA code was entered (cancelled in the {program} dialog); "
           "pass --mfa-token CODE")
    assert calls.calls == []


def test_a_dialog_that_fails_says_so(desktop: Standins, calls: Recorder,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    mode(monkeypatch, "zenity", "fail")
    result = run_cli(["getcallerid", *MFA_CHAIN])
    assert (result.code, error_line(result.err)) == (
        1, f"aws-login: error: zenity failed (exit 3: zenity: cannot open display: :99) asking "
           f"'{QUESTION}'; choose another way with --prompt (see docs/prompts.md)")
    assert calls.calls == []


def test_kdialog_is_the_desktop_dialog_without_zenity(desktop: Standins, calls: Recorder,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    (desktop.folder / "zenity").unlink()
    answers(monkeypatch, "313131")
    assert run_cli(["getcallerid", *MFA_CHAIN]).code == 0
    assert desktop.calls("kdialog") == [["--title", "aws-login", "--password", QUESTION]]


def _context(stdin: str = "", terminal: bool = False,
             settings: PromptSettings | None = None) -> Context:
    from tests.helpers import TerminalText

    stream = TerminalText if terminal else io.StringIO
    ctx = Context(environ=os.environ, stdout=io.StringIO(), stderr=stream(),
                  stdin=stream(stdin), tty=None)
    ctx.prompt_settings = settings
    return ctx


def stderr_of(ctx: Context) -> str:
    assert isinstance(ctx.stderr, io.StringIO)
    return ctx.stderr.getvalue()


ROLES = ["arn:aws:iam::111111111111:role/A & B", "arn:aws:iam::222222222222:role/B"]


@pytest.mark.parametrize(("program", "answer", "argv"), [
    ("zenity", "2", ["--list", "--title", "aws-login", "--text", "Roles:\nRole to assume",
                     "--column", "#", "--column", "choice", "--hide-column", "1",
                     "--print-column", "1", "1", ROLES[0], "2", ROLES[1]]),
    ("kdialog", "2", ["--title", "aws-login", "--menu", "Roles:\nRole to assume",
                      "1", ROLES[0], "2", ROLES[1]]),
    ("osascript", ROLES[1], [
        "-e", "on run argv",
        "-e", "set picked to choose from list (items 2 thru -1 of argv) with prompt (item 1 of "
              'argv) with title "aws-login"',
        "-e", "if picked is false then error number -128", "-e", "return item 1 of picked",
        "-e", "end run", "Roles:\nRole to assume", *ROLES]),
])
def test_choosing_in_a_dialog_returns_the_index(standins: Standins,
                                                monkeypatch: pytest.MonkeyPatch, program: str,
                                                answer: str, argv: list[str]) -> None:
    answers(monkeypatch, answer)
    ctx = _context(settings=PromptSettings(prompt=program, origin=f"--prompt {program}"))
    assert ctx.prompt.choose("Role to assume", ROLES, "Roles:") == 1
    assert standins.calls() == [argv]


def test_a_dialog_choice_of_nothing_and_a_cancelled_choice(
        standins: Standins, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = PromptSettings(prompt="zenity", origin="--prompt zenity")
    answers(monkeypatch, "")
    with pytest.raises(NoAnswer) as nothing:
        _context(settings=settings).prompt.choose("Role to assume", ROLES)
    assert nothing.value.reason == "nothing was chosen in the zenity dialog"
    mode(monkeypatch, "zenity", "cancel")
    with pytest.raises(Cancelled) as cancelled:
        _context(settings=settings).prompt.choose("Role to assume", ROLES)
    assert cancelled.value.exit_code == 1


def test_say_shows_a_message_window_until_the_next_one(standins: Standins) -> None:
    ctx = _context(settings=PromptSettings(prompt="kdialog", origin="--prompt kdialog"))
    assert ctx.prompt.can_show()
    ctx.prompt.say("open https://device.sso.us-east-1.amazonaws.com/ and enter WDJB-MJHT")
    standins.wait_for_calls(1)
    ctx.prompt.say("signed in")
    standins.wait_for_calls(2)
    ctx.close()
    assert standins.calls() == [
        ["--title", "aws-login", "--msgbox",
         "open https://device.sso.us-east-1.amazonaws.com/ and enter WDJB-MJHT"],
        ["--title", "aws-login", "--msgbox", "signed in"]]
    # also on stderr, where a log or the SDK's error output keeps it
    assert stderr_of(ctx) == (
        "aws-login: open https://device.sso.us-east-1.amazonaws.com/ and enter WDJB-MJHT\n"
        "aws-login: signed in\n")


def test_nobody_to_show_a_device_code_to(user_keys: None) -> None:
    ctx = _context()
    assert not ctx.prompt.can_show()
    ctx.prompt.say("the code")
    assert stderr_of(ctx) == "aws-login: the code\n"


# --------------------------------------------------------------------------- ykman

@pytest.mark.parametrize(("options", "variables", "account"), [
    (["--prompt", "ykman"], {}, MFA_SERIAL),
    (["--ykman-account", "aws:alice"], {}, "aws:alice"),
    ([], {"AWS_LOGIN_PROMPT": "ykman", "AWS_LOGIN_YKMAN_ACCOUNT": "work"}, "work"),
])
def test_ykman_gives_the_code_of_its_account(standins: Standins, calls: Recorder,
                                             monkeypatch: pytest.MonkeyPatch,
                                             options: list[str], variables: dict[str, str],
                                             account: str) -> None:
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    answers(monkeypatch, "909090")
    result = run_cli(["getcallerid", *MFA_CHAIN, *options])
    assert (result.code, result.err) == (0, "")
    assert standins.calls() == [["oath", "accounts", "code", "--single", account]]
    assert assume_role_code(calls) == "909090"


def test_a_yubikey_that_wants_a_touch_says_so_on_the_channel(
        desktop: Standins, calls: Recorder, monkeypatch: pytest.MonkeyPatch) -> None:
    mode(monkeypatch, "ykman", "touch")
    answers(monkeypatch, "717171")
    result = run_cli(["getcallerid", *MFA_CHAIN, "--prompt", "ykman"])
    assert result.code == 0, result.err
    touch = f"touch your YubiKey (MFA code for {MFA_SERIAL})"
    # ykman waits until this window is up before it answers (tests/fakes/standin.py)
    assert desktop.calls() == [["oath", "accounts", "code", "--single", MFA_SERIAL],
                               ["--info", "--title", "aws-login", "--text", touch]]
    assert result.err == f"aws-login: {touch}\n"
    assert assume_role_code(calls) == "717171"


@pytest.mark.parametrize(("behaviour", "code", "message"), [
    ("nokey", 1, "no YubiKey is plugged in (ykman found none); plug it in and run again, or "
                 "pass --mfa-token CODE"),
    ("noaccount", 1, f"the YubiKey has no OATH account {MFA_SERIAL!r}; see its accounts with: "
                     "ykman oath accounts list, then pass --ykman-account NAME"),
    ("fail", 1, "ykman failed (exit 3): ykman: cannot open display: :99"),
    ("garbage", 1, "ykman did not print a 6-digit MFA code on its first line; run it at a "
                   "terminal to see what it prints"),
    ("hang", 1, "ykman gave no MFA code within 0.2 s"),
    ("missing", 2, "ykman is not installed (not on PATH); install yubikey-manager "
                   "(https://developers.yubico.com/yubikey-manager/) or pass --mfa-token CODE"),
])
def test_ykman_failures_say_what_to_do(standins: Standins, calls: Recorder,
                                       monkeypatch: pytest.MonkeyPatch, behaviour: str,
                                       code: int, message: str) -> None:
    if behaviour == "missing":
        (standins.folder / "ykman").unlink()
        monkeypatch.setenv("PATH", str(standins.folder))
    elif behaviour == "garbage":
        answers(monkeypatch, "Touch your YubiKey")
    else:
        mode(monkeypatch, "ykman", behaviour)
    result = run_cli(["getcallerid", *MFA_CHAIN, "--prompt", "ykman"], mfa_timeout=0.2)
    assert (result.code, error_line(result.err)) == (code, f"aws-login: error: {message}")
    assert calls.calls == []


# --------------------------------------------------------------------------- --mfa-process

def command(source: str) -> str:
    """An --mfa-process value: this Python running `source`."""
    return shlex.join([sys.executable, "-c", source])


def test_mfa_process_prints_the_code(user_keys: None, calls: Recorder) -> None:
    result = run_cli(["getcallerid", *MFA_CHAIN, "--debug", "--mfa-process",
                      command("print('  606060  '); print('second line')")])
    assert result.code == 0, result.err
    assert assume_role_code(calls) == "606060"
    assert "606060" not in result.err  # not in --debug either


def test_a_failing_mfa_process_shows_its_exit_code_and_scrubbed_stderr(
        user_keys: None, calls: Recorder) -> None:
    source = ("import sys; print('505050'); sys.stderr.write('\\n  op: not signed in (505050)"
              "\\nsecond line\\n'); sys.exit(4)")
    result = run_cli(["getcallerid", *MFA_CHAIN, "--mfa-process", command(source)])
    assert (result.code, error_line(result.err)) == (
        1, f"aws-login: error: --mfa-process {sys.executable} failed (exit 4): op: not signed "
           "in (<redacted>)")
    assert calls.calls == []


@pytest.mark.parametrize(("source", "code", "message"), [
    ("print('your code is 123456')", 1,
     "did not print a 6-digit MFA code on its first line; run it at a terminal to see what it "
     "prints"),
    ("pass", 1,
     "did not print a 6-digit MFA code on its first line; run it at a terminal to see what it "
     "prints"),
    ("import time; time.sleep(120)", 1,
     "gave no MFA code within 0.3 s; run it at a terminal to see whether it waits for "
     "something"),
    ("import os, signal; os.kill(os.getpid(), signal.SIGTERM)", 1,
     "failed (killed by signal 15): no message on stderr"),
])
def test_mfa_process_garbage_hangs_and_deaths(user_keys: None, calls: Recorder, source: str,
                                              code: int, message: str) -> None:
    result = run_cli(["getcallerid", *MFA_CHAIN, "--mfa-process", command(source)],
                     mfa_timeout=0.3)
    assert (result.code, error_line(result.err)) == (
        code, f"aws-login: error: --mfa-process {sys.executable} {message}")
    assert "123456" not in result.err
    assert calls.calls == []


def _gone(pid: int) -> bool:
    """Whether process `pid` has ended (a zombie waiting for its parent counts)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


def test_a_hung_mfa_process_is_stopped_with_what_it_started(user_keys: None, calls: Recorder,
                                                            tmp_path: Path) -> None:
    """Without a terminal the program runs in a group of its own, and the timeout kills that
    group: the helper it started does not outlive aws-login."""
    pid_file = tmp_path / "helper.pid"
    source = ("import subprocess, sys, time\n"
              "helper = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)'])\n"
              f"open({str(pid_file)!r}, 'w').write(str(helper.pid))\n"
              "time.sleep(120)\n")
    result = run_cli(["getcallerid", *MFA_CHAIN, "--mfa-process", command(source)],
                     mfa_timeout=2.0)
    assert (result.code, error_line(result.err)) == (
        1, f"aws-login: error: --mfa-process {sys.executable} gave no MFA code within 2 s; run "
           "it at a terminal to see whether it waits for something")
    helper = int(pid_file.read_text())  # started before the timeout
    deadline = time.monotonic() + 10  # SIGKILL is delivered at once; a safety net only
    while not _gone(helper) and time.monotonic() < deadline:
        time.sleep(0.01)
    try:
        assert _gone(helper)
    finally:
        if not _gone(helper):
            os.kill(helper, 9)
    assert calls.calls == []


def test_an_mfa_process_that_cannot_start(user_keys: None, tmp_path: Path,
                                          calls: Recorder) -> None:
    missing = tmp_path / "no-such-op"
    result = run_cli(["getcallerid", *MFA_CHAIN, "--mfa-process", f"{missing} item get AWS"])
    assert (result.code, error_line(result.err)) == (
        2, f"aws-login: error: --mfa-process {missing}: cannot run it: No such file or "
           "directory; check the command (it is run without a shell)")
    assert calls.calls == []


def test_mfa_process_words_are_not_a_shell(user_keys: None, tmp_path: Path,
                                           calls: Recorder) -> None:
    marker = tmp_path / "ran"
    source = "import sys; print(sys.argv[1:]); print('1')"
    result = run_cli(["getcallerid", *MFA_CHAIN, "--mfa-process",
                      f"{command(source)} '$(touch {marker})' ';' 'x'"])
    assert result.code == 1  # it printed its argv, not a code
    assert not marker.exists()


def test_a_cache_hit_asks_nothing(cache_env: Path, user_keys: None) -> None:
    first = run_cli(["dumpcreds", "--use-cache", *MFA_CHAIN, "--mfa-process",
                     command("print(123123)")])
    assert first.code == 0, first.err
    again = run_cli(["dumpcreds", "--use-cache", *MFA_CHAIN, "--prompt", "none"])
    assert (again.code, again.out) == (0, first.out)


def _read_until(master: int, end: str) -> str:
    """What the pty shows, read until it ends with `end` (one read may return a part)."""
    import select

    screen = ""
    deadline = time.monotonic() + 10
    while not screen.endswith(end) and time.monotonic() < deadline:
        if select.select([master], [], [], 0.2)[0]:
            screen += os.read(master, 4096).decode()
    return screen


def test_the_tty_channel_shows_messages_and_takes_a_choice(user_keys: None) -> None:
    # In this process: the pty's slave by name as the "controlling terminal" (stdin and
    # stderr are not terminals), as a device-code sign-in or a SAML role choice would use it.
    master, slave = os.openpty()
    quiet = termios.tcgetattr(slave)
    quiet[3] &= ~termios.ECHO  # the typed-ahead line's echo would land anywhere on screen
    termios.tcsetattr(slave, termios.TCSANOW, quiet)
    try:
        ctx = Context(environ=os.environ, stdout=io.StringIO(), stderr=io.StringIO(),
                      stdin=io.StringIO(), tty=os.ttyname(slave))
        assert ctx.prompt.can_show() and ctx.prompt.channel.name == "tty"
        ctx.prompt.say("to sign in, open https://device.sso/ and enter the code WDJB-MJHT")
        os.write(master, b"2\n")  # typed ahead: the terminal keeps the line until it is read
        assert ctx.prompt.choose("Role to assume", ["A", "B"], "Roles:") == 1
        ctx.close()
        screen = _read_until(master, "[1-2]: ")
    finally:
        os.close(master)
        os.close(slave)
    assert screen == ("aws-login: to sign in, open https://device.sso/ and enter the code "
                      "WDJB-MJHT\r\nRoles:\r\n  1) A\r\n  2) B\r\nRole to assume [1-2]: ")
    # stderr (the SDK's, under credential_process) keeps the message, not the question
    assert stderr_of(ctx) == ("aws-login: to sign in, open https://device.sso/ and enter the "
                              "code WDJB-MJHT\n")


def test_the_echo_comes_back_when_the_run_ends_during_a_renewals_question(
        user_keys: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """runas --server: a renewal asks for a code on the terminal (echo off) in its own
    thread, and the child exits before anyone types it. aws-login returns at once, and the
    terminal's echo is on again for the person's shell."""
    # Temporary keys: no MFA session can be bought, so every renewal needs a code; a lead
    # longer than the lifetime makes the first renewal due at once.
    monkeypatch.setenv("AWS_SESSION_TOKEN", "a-session-token")
    monkeypatch.setenv("AWS_LOGIN_SERVER_REFRESH_LEAD", "7200")
    child = tmp_path / "child.py"
    child.write_text(
        "import os, termios, time\n"
        "tty = os.open('/dev/tty', os.O_RDWR)\n"
        "deadline = time.monotonic() + 30\n"
        "while termios.tcgetattr(tty)[3] & termios.ECHO and time.monotonic() < deadline:\n"
        "    time.sleep(0.01)  # until the renewal's question has turned the echo off\n")
    with PtySession([*AWS_LOGIN, "runas", "--server", *MFA_CHAIN, "--mfa-token", "123456",
                     "--", sys.executable, str(child)], _environment()) as person:
        person.wait_for(f"{QUESTION}: ")
        done = person.finish()
        assert person.echo_is_on()
    assert (done.code, done.out) == (0, "")
