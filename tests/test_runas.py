"""runas: exit codes, the child's environment and arguments, signals, and no secret on any
command line. Children are small real programs; signals are real signals."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.helpers import (
    ROLE_A,
    ROLE_A_ARN,
    USER_KEY_ID,
    USER_SECRET,
    run_cli,
    sigint_at_its_default,
)

# dash does not exec the last command of `sh -c`, so signals meet the shell first.
SH_IS_DASH = os.path.basename(os.path.realpath("/bin/sh")) == "dash"

# Writes the whole environment as JSON to argv[1].
DUMP_ENV = "import json, os, sys; json.dump(dict(os.environ), open(sys.argv[1], 'w'))"
DUMP_ARGS = "import json, sys; json.dump(sys.argv[2:], open(sys.argv[1], 'w'))"

# A child that reports it is ready (pid, parent, AWS_* environment) and then waits for a
# signal. argv: ready-file, then "trap:CODE" (handle TERM/INT/HUP/QUIT: write the signal's
# name to ready-file.sig and exit CODE) or "default" (let the signal kill it).
CHILD = """\
import json, os, signal, sys, time
ready, mode = sys.argv[1], sys.argv[2]
def handler(signum, frame):
    with open(ready + ".sig", "w") as f:
        f.write(signal.Signals(signum).name)
    sys.exit(int(mode.split(":")[1]))
for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT):
    signal.signal(sig, handler if mode.startswith("trap:") else signal.SIG_DFL)
with open(ready + ".tmp", "w") as f:
    json.dump({"pid": os.getpid(), "ppid": os.getppid(),
               "env": {k: v for k, v in os.environ.items() if k.startswith("AWS_")}}, f)
os.rename(ready + ".tmp", ready)
deadline = time.monotonic() + 30
while time.monotonic() < deadline:
    time.sleep(0.05)
sys.exit(99)
"""


def aws_vars(env: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in env.items() if k.startswith("AWS_")}


# --- exit codes and errors (in-process; environment keys need no network) ---

@pytest.mark.parametrize(("argv", "code"), [
    (["--command", "exit 7"], 7),
    (["--command", "true"], 0),
    (["--", "sh", "-c", "exit 3"], 3),
    (["--", "false"], 1),
    (["--command", "nonexistent-program-3f9a 2>/dev/null"], 127),  # the shell's own 127
    (["--", "sh", "-c", "kill -TERM $$"], 128 + signal.SIGTERM),
    (["--", "sh", "-c", "kill -KILL $$"], 128 + signal.SIGKILL),
])
def test_exit_code_is_the_childs(user_keys: None, argv: list[str], code: int) -> None:
    result = run_cli(["runas", *argv])
    assert (result.code, result.out, result.err) == (code, "", "")


def test_missing_program_is_127_with_a_clear_error(user_keys: None) -> None:
    result = run_cli(["runas", "--", "nonexistent-program-3f9a", "arg"])
    assert (result.code, result.out) == (127, "")
    assert result.err == ("aws-login: error: cannot run 'nonexistent-program-3f9a': no such "
                          "program; check the name and your PATH\n")


def test_program_that_cannot_be_executed_is_126(user_keys: None, tmp_path: Path) -> None:
    not_executable = tmp_path / "script"
    not_executable.write_text("#!/bin/sh\nexit 0\n")
    result = run_cli(["runas", "--", str(not_executable)])
    assert result.code == 126
    assert result.err == (f"aws-login: error: cannot run {str(not_executable)!r}: permission "
                          "denied (is it executable?)\n")
    no_shebang = tmp_path / "no-shebang"
    no_shebang.write_text("exit 0\n")
    no_shebang.chmod(0o755)
    result = run_cli(["runas", "--", str(no_shebang)])
    assert result.code == 126
    assert result.err == (f"aws-login: error: cannot run {str(no_shebang)!r}: Exec format "
                          "error (a script needs a #! line, or use --command)\n")


@pytest.mark.parametrize(("argv", "message"), [
    (["--command", "true", "--", "true"],
     "give either --command STRING or -- PROGRAM ARGS, not both"),
    ([], "nothing to run; add --command \"aws s3 ls\" or -- PROGRAM ARGS"),
    (["--command", "  "], "--command is empty; give the command to run"),
])
def test_usage_errors_exit_2(user_keys: None, argv: list[str], message: str) -> None:
    result = run_cli(["runas", *argv])
    assert (result.code, result.out, result.err) == (2, "", f"aws-login: error: {message}\n")


# --- the child's environment and arguments ---

def test_child_gets_role_credentials_and_no_conflicting_variables(
        user_keys: None, sts, aws_env: Path, monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> None:
    (aws_env / "config").write_text("[profile other]\nregion = ap-south-1\n")
    for name, value in {"AWS_PROFILE": "other", "AWS_DEFAULT_PROFILE": "other",
                        "AWS_CREDENTIAL_EXPIRATION": "2000-01-01T00:00:00Z",
                        "AWS_ROLE_ARN": "arn:aws:iam::999999999999:role/Stale",
                        "AWS_WEB_IDENTITY_TOKEN_FILE": "/nonexistent",
                        "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:1/creds",
                        "MY_VAR": "kept as is"}.items():
        monkeypatch.setenv(name, value)
    out = tmp_path / "env.json"
    before = datetime.now(timezone.utc).replace(microsecond=0)
    result = run_cli(["runas", "--assume-roles", ROLE_A, "--region", "eu-central-1",
                      "--", sys.executable, "-c", DUMP_ENV, str(out)])
    assert (result.code, result.out, result.err) == (0, "", "")
    env = json.loads(out.read_text())
    assert env["MY_VAR"] == "kept as is"
    assert env["PATH"] == os.environ["PATH"]
    child = aws_vars(env)
    assert sorted(child) == ["AWS_ACCESS_KEY_ID", "AWS_CONFIG_FILE",
                             "AWS_CREDENTIAL_EXPIRATION", "AWS_DEFAULT_REGION",
                             "AWS_EC2_METADATA_DISABLED", "AWS_ENDPOINT_URL_STS",
                             "AWS_REGION", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                             "AWS_SHARED_CREDENTIALS_FILE"]
    assert (child["AWS_REGION"], child["AWS_DEFAULT_REGION"]) == ("eu-central-1", "eu-central-1")
    assert child["AWS_ENDPOINT_URL_STS"] == sts.url
    assert re.fullmatch(r"ASIA[A-Z0-9]{16}", child["AWS_ACCESS_KEY_ID"])
    assert child["AWS_SECRET_ACCESS_KEY"] != USER_SECRET
    expires = datetime.strptime(child["AWS_CREDENTIAL_EXPIRATION"],
                                "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    assert before + timedelta(seconds=3599) <= expires
    assert expires <= datetime.now(timezone.utc) + timedelta(seconds=3601)
    # the credentials are the role's: ask STS, through botocore, who they are
    assert caller_arn(child) == ROLE_A_ARN
    assert sts.recorder.actions() == ["GetCallerIdentity", "AssumeRole", "GetCallerIdentity"]


def caller_arn(env: dict[str, str]) -> str:
    import botocore.session

    client = botocore.session.Session().create_client(
        "sts", region_name="us-east-1", endpoint_url=env["AWS_ENDPOINT_URL_STS"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=env.get("AWS_SESSION_TOKEN"))
    return str(client.get_caller_identity()["Arn"])


def test_long_term_profile_clears_stale_token_and_passes_profile_region(
        aws_env: Path, sts, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (aws_env / "config").write_text("[profile user]\nregion = ap-southeast-2\n")
    (aws_env / "credentials").write_text(
        f"[user]\naws_access_key_id = {USER_KEY_ID}\naws_secret_access_key = {USER_SECRET}\n")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "stale-token")
    monkeypatch.setenv("AWS_SECURITY_TOKEN", "stale-legacy-token")
    monkeypatch.setenv("AWS_PROFILE", "user")
    out = tmp_path / "env.json"
    result = run_cli(["runas", "--", sys.executable, "-c", DUMP_ENV, str(out)])
    assert (result.code, result.err) == (0, "")
    child = aws_vars(json.loads(out.read_text()))
    assert child == {
        "AWS_ACCESS_KEY_ID": USER_KEY_ID, "AWS_SECRET_ACCESS_KEY": USER_SECRET,
        "AWS_REGION": "ap-southeast-2", "AWS_DEFAULT_REGION": "ap-southeast-2",
        "AWS_CONFIG_FILE": str(aws_env / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(aws_env / "credentials"),
        "AWS_ENDPOINT_URL_STS": sts.url, "AWS_EC2_METADATA_DISABLED": "true"}
    assert sts.recorder.actions() == []  # long-term keys: no STS call was needed


def test_program_arguments_arrive_unchanged_without_a_shell(
        user_keys: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # where a shell would have created "pwned"
    args = ["a b", "it's", '"double"', "$HOME", "$(touch pwned)", "`id`", "*", "", " ",
            "--", "-x", "--command", "--region", "x\ny", "tab\tx", "back\\slash",
            "ü🔑", ";", "|", "&&", "> out", "%PATH%", "!!"]
    out = tmp_path / "args.json"
    result = run_cli(["runas", "--", sys.executable, "-c", DUMP_ARGS, str(out), *args])
    assert (result.code, result.err) == (0, "")
    assert json.loads(out.read_text()) == args
    assert sorted(p.name for p in tmp_path.iterdir()) == ["args.json", "aws"]


def test_command_string_goes_through_the_shell(user_keys: None, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_cli(["runas", "--command",
                      f"printf '%s|%s' \"$AWS_ACCESS_KEY_ID\" \"$(echo sub)\" > {out}"])
    assert (result.code, result.err) == (0, "")
    assert out.read_text() == f"{USER_KEY_ID}|sub"


# --- where aws-login's words end and the program's begin (with or without --) ---

@pytest.fixture
def dev_profile(aws_env: Path) -> Path:
    """Profiles dev (region eu-west-1) and prod (another key), both long-term keys."""
    (aws_env / "config").write_text("[profile dev]\nregion = eu-west-1\n\n"
                                    "[profile prod]\nregion = ap-south-1\n")
    (aws_env / "credentials").write_text(
        f"[dev]\naws_access_key_id = {USER_KEY_ID}\naws_secret_access_key = {USER_SECRET}\n\n"
        "[prod]\naws_access_key_id = AKIAPRODPRODPRODPROD\n"
        "aws_secret_access_key = prodsecretprodsecretprodsecretprodsecret\n")
    return aws_env


def test_the_programs_options_are_the_programs_without_dashes(
        dev_profile: Path, tmp_path: Path) -> None:
    out = tmp_path / "args.json"
    result = run_cli(["runas", "--profile", "dev", sys.executable, "-c", DUMP_ARGS, str(out),
                      "AWS_REGION", "--region", "us-west-2", "--profile", "prod", "--",
                      "--command", "x"])
    assert (result.code, result.out, result.err) == (0, "", "")
    assert json.loads(out.read_text()) == ["AWS_REGION", "--region", "us-west-2",
                                           "--profile", "prod", "--", "--command", "x"]


def test_printenv_region_goes_to_printenv(dev_profile: Path) -> None:
    # the example: printenv gets --region and us-west-2 as two more variable names
    # (not set: exit 1); aws-login keeps dev's region, eu-west-1
    done = subprocess.run([sys.executable, "-m", "aws_login", "runas", "--profile", "dev",
                           "printenv", "AWS_REGION", "--region", "us-west-2"],
                          capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert (done.returncode, done.stdout, done.stderr) == (1, "eu-west-1\n", "")
    done = subprocess.run([sys.executable, "-m", "aws_login", "runas", "--profile", "dev",
                           "printenv", "AWS_REGION"],
                          capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert (done.returncode, done.stdout, done.stderr) == (0, "eu-west-1\n", "")


def test_sh_c_without_dashes(dev_profile: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_cli(["runas", "--profile", "dev", "sh", "-c",
                      f"echo hi \"$AWS_ACCESS_KEY_ID\" > {out}"])
    assert (result.code, result.out, result.err) == (0, "", "")
    assert out.read_text() == f"hi {USER_KEY_ID}\n"


def test_a_childs_profile_never_becomes_aws_logins(dev_profile: Path, user_keys: None,
                                                 tmp_path: Path) -> None:
    out = tmp_path / "env.json"
    result = run_cli(["runas", "--profile", "dev", sys.executable, "-c", DUMP_ENV, str(out),
                      "--profile", "prod"])
    assert (result.code, result.err) == (0, "")
    assert json.loads(out.read_text())["AWS_ACCESS_KEY_ID"] == USER_KEY_ID  # dev's, not prod's
    # no profile of its own: the first word is the program, --profile prod its argument
    result = run_cli(["runas", sys.executable, "-c", DUMP_ENV, str(out), "--profile", "prod"])
    assert (result.code, result.err) == (0, "")
    assert json.loads(out.read_text())["AWS_ACCESS_KEY_ID"] == USER_KEY_ID  # the env keys


@pytest.mark.parametrize("words", [
    ["--profile", "dev", "--", "sh", "-c", "exit 5"],
    ["--profile", "dev", "sh", "-c", "exit 5"],
    ["--profile=dev", "sh", "-c", "exit 5"],
    ["--prof", "dev", "sh", "-c", "exit 5"],  # argparse's unique prefix takes its value too
    ["--debug", "--profile", "dev", "sh", "-c", "exit 5"],
    ["--command", "exit 5", "--profile", "dev"],
])
def test_with_or_without_dashes(dev_profile: Path, words: list[str]) -> None:
    result = run_cli(["runas", *words])
    assert (result.code, result.out) == (5, "")


@pytest.mark.parametrize(("words", "message"), [
    (["--bogus", "sh", "-c", "true"],
     "unrecognized arguments: --bogus (see: aws-login runas --help)"),
    (["--porfile", "dev", "sh", "-c", "true"],
     "unrecognized arguments: --porfile; did you mean --profile? (see: aws-login runas "
     "--help)"),
    (["--command", "true", "sh"], "give either --command STRING or -- PROGRAM ARGS, not both"),
    (["--profile"], "argument --profile: expected one argument (see: aws-login runas --help)"),
])
def test_an_unknown_option_before_the_program_is_still_an_error(
        dev_profile: Path, words: list[str], message: str) -> None:
    result = run_cli(["runas", *words])
    assert (result.code, result.out, result.err) == (2, "", f"aws-login: error: {message}\n")


# --- signals and the process table (aws-login as a real process) ---

def caught_signals(pid: int) -> set[signal.Signals]:
    """The signals process `pid` has a handler for (SigCgt in /proc/PID/status)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("SigCgt:"):
            mask = int(line.split()[1], 16)
            return {sig for sig in signal.Signals if mask & (1 << (sig - 1))}
    raise AssertionError(f"no SigCgt in /proc/{pid}/status")


@pytest.fixture
def spawned() -> Iterator[list[subprocess.Popen[str]]]:
    """Processes (each leading its own process group) killed at the end if still running."""
    procs: list[subprocess.Popen[str]] = []
    yield procs
    for proc in procs:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def start_runas(tmp_path: Path, procs: list[subprocess.Popen[str]], mode: str,
                extra: tuple[str, ...] = (), via_shell: bool = False,
                ) -> tuple[subprocess.Popen[str], dict[str, object]]:
    """Start aws-login runas (new session: its own process group) with the CHILD program,
    and wait until the child is ready (its handlers are set) and aws-login forwards signals
    to it (its handlers are set too: it does so only after starting the child)."""
    child = tmp_path / "child.py"
    child.write_text(CHILD)
    ready = tmp_path / "ready"
    program = [sys.executable, str(child), str(ready), mode]
    what = ["--command", shlex.join(program)] if via_shell else ["--", *program]
    with sigint_at_its_default():
        proc = subprocess.Popen(
            [sys.executable, "-m", "aws_login", "runas", *extra, *what],
            env=dict(os.environ), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, start_new_session=True)
    procs.append(proc)
    forwarded = {signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGINT}
    deadline = time.monotonic() + 30
    while not (ready.exists() and forwarded <= caught_signals(proc.pid)):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"child never got ready: {proc.communicate(timeout=5)}")
        time.sleep(0.01)
    info: dict[str, object] = json.loads(ready.read_text())
    if not via_shell:
        assert info["ppid"] == proc.pid  # the child really is aws-login's
    return proc, info


@pytest.mark.parametrize(("sig", "mode", "code"), [
    (signal.SIGTERM, "trap:42", 42),
    (signal.SIGTERM, "trap:143", 143),
    (signal.SIGTERM, "default", 128 + signal.SIGTERM),
    (signal.SIGHUP, "trap:7", 7),
    (signal.SIGQUIT, "trap:8", 8),
])
def test_signal_to_aws_login_reaches_the_child(user_keys: None, tmp_path: Path,
                                               spawned: list[subprocess.Popen[str]],
                                               sig: signal.Signals, mode: str,
                                               code: int) -> None:
    proc, _ = start_runas(tmp_path, spawned, mode)
    os.kill(proc.pid, sig)  # aws-login alone, as `kill PID` or a service manager would
    out, err = proc.communicate(timeout=20)
    assert (proc.returncode, out, err) == (code, "", "")
    marker = tmp_path / "ready.sig"
    assert (marker.read_text() if marker.exists() else None) == (
        None if mode == "default" else sig.name)


@pytest.mark.parametrize(("mode", "code", "via_shell"), [
    ("trap:5", 5, False),
    ("default", 128 + signal.SIGINT, False),
    pytest.param("trap:6", 6, True, marks=pytest.mark.xfail(SH_IS_DASH, strict=True, reason=(
        "known limit: with --command, dash (as /bin/sh) dies of the SIGINT at once instead "
        "of waiting for the program, so aws-login returns 130 while the program is still "
        "handling the signal; bash and zsh exec the program, so it works there"))),
])
def test_ctrl_c_to_the_process_group_is_the_childs_to_handle(user_keys: None, tmp_path: Path,
                                                             spawned: list[subprocess.Popen[str]],
                                                             mode: str, code: int,
                                                             via_shell: bool) -> None:
    proc, _ = start_runas(tmp_path, spawned, mode, via_shell=via_shell)
    os.killpg(proc.pid, signal.SIGINT)  # what the terminal does on Ctrl-C
    out, err = proc.communicate(timeout=20)
    # aws-login survived the SIGINT (no "interrupted", no 130 of its own) and returned the
    # child's code
    assert (proc.returncode, out, err) == (code, "", "")
    marker = tmp_path / "ready.sig"
    assert (marker.read_text() if marker.exists() else None) == (
        None if mode == "default" else "SIGINT")


def test_sigterm_with_command_reaches_the_program(user_keys: None, tmp_path: Path,
                                                  spawned: list[subprocess.Popen[str]]) -> None:
    # Without a terminal the child runs in its own process group and the signal goes to the
    # whole group, so the program behind /bin/sh gets it too (dash does not exec it).
    proc, info = start_runas(tmp_path, spawned, "trap:42", via_shell=True)
    try:
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)  # not communicate(): an orphaned program holds the pipes
        deadline = time.monotonic() + 10
        while not (tmp_path / "ready.sig").exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert (tmp_path / "ready.sig").read_text().strip() == "SIGTERM"
        if SH_IS_DASH:
            # dash itself dies of the signal before the program's own exit code is known
            assert proc.returncode == 128 + signal.SIGTERM
        else:
            assert proc.returncode == 42
    finally:
        # the program we started, orphaned if the signal did not reach it
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(str(info["pid"])), signal.SIGKILL)


def test_no_secret_on_any_command_line(user_keys: None, sts, tmp_path: Path,
                                       spawned: list[subprocess.Popen[str]]) -> None:
    proc, info = start_runas(tmp_path, spawned, "trap:0", ("--assume-roles", ROLE_A))
    env = info["env"]
    assert isinstance(env, dict)
    secrets = [USER_SECRET, env["AWS_SECRET_ACCESS_KEY"], env["AWS_SESSION_TOKEN"]]
    assert env["AWS_SECRET_ACCESS_KEY"] != USER_SECRET and len(env["AWS_SESSION_TOKEN"]) > 20
    parent_cmdline = Path(f"/proc/{proc.pid}/cmdline").read_bytes().decode()
    child_cmdline = Path(f"/proc/{info['pid']}/cmdline").read_bytes().decode()
    child_environ = Path(f"/proc/{info['pid']}/environ").read_bytes().decode()
    assert "\0runas\0--assume-roles\0" in parent_cmdline  # we read the right processes
    assert child_cmdline.endswith("\0trap:0\0")
    for secret in secrets:
        assert secret not in parent_cmdline
        assert secret not in child_cmdline
    # the secrets travel in the environment (readable only by the same user)
    assert f"\0AWS_SESSION_TOKEN={env['AWS_SESSION_TOKEN']}\0" in f"\0{child_environ}"
    os.kill(proc.pid, signal.SIGTERM)
    assert proc.communicate(timeout=20) == ("", "")
    assert proc.returncode == 0


# --- runas --server: the child's environment (pure) ---

@pytest.mark.parametrize(("base", "region", "expected"), [
    ({"PATH": "/bin"}, None, {"PATH": "/bin"}),
    ({"PATH": "/bin"}, "eu-west-1", {"PATH": "/bin", "AWS_REGION": "eu-west-1",
                                     "AWS_DEFAULT_REGION": "eu-west-1"}),
    # Inherited keys, profiles and another server's variables would win or mislead: gone.
    ({"AWS_ACCESS_KEY_ID": "AKIA", "AWS_SECRET_ACCESS_KEY": "s", "AWS_SESSION_TOKEN": "t",
      "AWS_SECURITY_TOKEN": "t", "AWS_PROFILE": "dev", "AWS_DEFAULT_PROFILE": "dev",
      "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": "/f", "AWS_CREDENTIAL_EXPIRATION": "x",
      "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/r", "AWS_REGION": "us-west-2",
      "AWS_DEFAULT_REGION": "us-west-2"}, None,
     {"AWS_REGION": "us-west-2", "AWS_DEFAULT_REGION": "us-west-2"}),
    ({"AWS_REGION": "us-west-2"}, "eu-west-1", {"AWS_REGION": "eu-west-1",
                                                "AWS_DEFAULT_REGION": "eu-west-1"}),
])
def test_server_environment(base: dict[str, str], region: str | None,
                            expected: dict[str, str]) -> None:
    from aws_login.process import server_environment

    server = {"AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:1/p",
              "AWS_CONTAINER_AUTHORIZATION_TOKEN": "tok"}
    env = server_environment(base, server["AWS_CONTAINER_CREDENTIALS_FULL_URI"],
                             server["AWS_CONTAINER_AUTHORIZATION_TOKEN"], region)
    assert env == {**expected, **server}


@pytest.mark.parametrize(("sig", "mode", "code"), [
    (signal.SIGTERM, "trap:5", 5),
    (signal.SIGHUP, "default", 128 + signal.SIGHUP),
])
def test_server_child_gets_the_signals_and_its_code_is_returned(
        user_keys: None, tmp_path: Path, spawned: list[subprocess.Popen[str]],
        sig: signal.Signals, mode: str, code: int) -> None:
    proc, info = start_runas(tmp_path, spawned, mode, extra=("--server", "--assume-roles",
                                                             ROLE_A))
    env = aws_vars(info["env"])  # type: ignore[arg-type]
    assert env["AWS_CONTAINER_CREDENTIALS_FULL_URI"].startswith("http://127.0.0.1:")
    assert "AWS_ACCESS_KEY_ID" not in env
    os.kill(proc.pid, sig)
    out, err = proc.communicate(timeout=20)
    assert (proc.returncode, out, err) == (code, "", "")
    marker = tmp_path / "ready.sig"
    assert (marker.read_text() if marker.exists() else None) == (
        None if mode == "default" else sig.name)
