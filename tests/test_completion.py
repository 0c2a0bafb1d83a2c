"""Tab completion, driven the way shells drive it: aws-login runs with _ARGCOMPLETE, COMP_LINE
and COMP_POINT set and writes the completions to file descriptor 8; then in a real bash (the
completion function of completions/aws-login.bash, and an interactive bash on a terminal
pressing TAB), zsh and fish. Also: completions/ is what build-tools/completions generates,
completion imports no boto3/botocore/requests, and the SSO accounts and roles it offers are
recorded by dumpconfig and GetRoleCredentials (with --use-cache only)."""

from __future__ import annotations

import importlib.util
import os
import re
import select
import shutil
import stat
import subprocess
import sys
import time
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from types import ModuleType

import pytest

from aws_login.sso import known_roles
from tests.fakes.sso import Account, FakeSso
from tests.helpers import MFA_SERIAL, ROLE_A, ROLE_C, START_URL, cached_grant, run_cli, write_token

ROOT = Path(__file__).resolve().parent.parent
COMPLETIONS = ROOT / "completions"
COMMANDS = ["login", "dumpcreds", "getcallerid", "runas", "serve", "console", "dumpconfig",
            "importcache", "exportcache", "clearcache", "status"]
OUTFORMS = ["linux", "mac", "windows", "powershell", "fish"]
TEAM_ROLE_B = "arn:aws:iam::222222222222:role/team/B"
# bash's default COMP_WORDBREAKS, which the bash script hands to argcomplete.
BASH_WORDBREAKS = " \t\n\"'@><=;|&(:"

CONFIG = f"""\
[default]
region = eu-west-1

[profile dev]
role_arn = {ROLE_A}
source_profile = default
mfa_serial = {MFA_SERIAL}

[profile  prod ]
role_arn = {TEAM_ROLE_B}
source_profile = dev

[profile chained]
role_arn = {TEAM_ROLE_B}
source_profile = prod

[sso-session my-sso]
sso_start_url = {START_URL}
sso_region = us-east-1
role_arn = arn:aws:iam::999999999999:role/NotAProfile

[services local]
sts =
  endpoint_url = http://127.0.0.1:1

[profile sso-ro]
sso_session = my-sso
sso_account_id = 444444444444
sso_role_name = ReadOnly

[not-a-profile]
role_arn = arn:aws:iam::999999999999:role/NotAProfileEither
"""

CREDENTIALS = f"""\
[default]
aws_access_key_id = AKIAIOSFODNN7EXAMPLE
aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY

[ci]
aws_access_key_id = AKIAIOSFODNN7EXAMPLE
aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
role_arn = {ROLE_C}
"""


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A process environment with its own AWS files, HOME and aws-login cache, and the
    folder of this Python (its `aws-login` script) first on PATH."""
    aws = tmp_path / "aws-files"
    aws.mkdir()
    (aws / "config").write_text(CONFIG)
    (aws / "credentials").write_text(CREDENTIALS)
    base = {name: value for name, value in os.environ.items()
            if not name.startswith(("AWS_", "COMP_", "_ARC", "ARGCOMPLETE"))}
    return {
        **base,
        "HOME": str(tmp_path),
        "PATH": f"{_bin_folder(tmp_path)}{os.pathsep}{os.environ.get('PATH', os.defpath)}",
        "AWS_CONFIG_FILE": str(aws / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(aws / "credentials"),
        "AWS_LOGIN_CACHE_DIR": str(tmp_path / "cache"),
    }


def _bin_folder(tmp_path: Path) -> Path:
    """Where `aws-login` is: the installed script next to this Python, else a stand-in."""
    folder = Path(sys.executable).parent
    if (folder / "aws-login").exists():
        return folder
    folder = tmp_path / "bin"
    folder.mkdir(exist_ok=True)
    script = folder / "aws-login"
    script.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m aws_login "$@"\n')
    script.chmod(0o755)
    return folder


def complete(line: str, env: Mapping[str, str], *, shell: str | None = None,
             wordbreaks: str = "", importtime: bool = False,
             ) -> tuple[list[str], str]:
    """Ask aws-login for the completions of `line` (cursor at the end) as a shell does: the
    environment variables, the completions on fd 8 (stdout and stderr muted by the shell
    code; here stderr is kept for -X importtime). Returns them, one per item, and stderr."""
    variables = {
        "_ARGCOMPLETE": "1", "COMP_LINE": line, "COMP_POINT": str(len(line)),
        "_ARGCOMPLETE_IFS": "\n", "_ARGCOMPLETE_SUPPRESS_SPACE": "1",
        "_ARGCOMPLETE_COMP_WORDBREAKS": wordbreaks,
    }
    if shell:
        variables["_ARGCOMPLETE_SHELL"] = shell
    python = [sys.executable, *(["-X", "importtime"] if importtime else []), "-m", "aws_login"]
    result = subprocess.run(
        ["sh", "-c", 'exec "$@" 8>&1 1>/dev/null', "sh", *python],
        env={**env, **variables}, capture_output=True, text=True, timeout=30,
        stdin=subprocess.DEVNULL, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    return (result.stdout.split("\n") if result.stdout else []), result.stderr


def completions(line: str, env: Mapping[str, str], *, shell: str | None = None,
                wordbreaks: str = "") -> list[str]:
    return complete(line, env, shell=shell, wordbreaks=wordbreaks)[0]


# --------------------------------------------------------------------- the parser


def test_commands_and_top_level_options(env: dict[str, str]) -> None:
    assert completions("aws-login ", env) == ["-h", "--help", "--version", "--debug",
                                              *COMMANDS]
    assert completions("aws-login d", env) == ["dumpcreds", "dumpconfig"]
    assert completions("aws-login --debug g", env) == ["getcallerid"]
    assert completions("aws-login --v", env) == ["--version"]
    assert completions("aws-login nosuchcommand --", env) == ["--help", "--version", "--debug"]


def test_options_of_a_command(env: dict[str, str]) -> None:
    assert completions("aws-login clearcache --", env) == ["--help", "--debug", "--only",
                                                             "--entry"]
    assert completions("aws-login clearcache --only ", env) == ["sessions", "sso", "jumpcloud"]
    assert completions("aws-login getcallerid --pr", env) == ["--profile", "--prompt"]
    assert completions("aws-login getcallerid --prompt ", env) == [
        "terminal", "tty", "zenity", "kdialog", "osascript", "ykman", "none"]
    assert completions("aws-login getcallerid --sso-", env) == [
        "--sso-region", "--sso-access-token", "--sso-acct-id", "--sso-role-name"]
    assert completions("aws-login dumpcreds --o", env) == ["--outform"]
    # --outform and --credential-helper exclude each other: the one given hides the other.
    assert completions("aws-login dumpcreds --credential-helper --o", env) == []
    assert completions("aws-login dumpconfig --dr", env) == ["--dry-run"]
    assert completions("aws-login importcache --", env) == [
        "--help", "--debug", "--accesstoken-cache", "--force"]


def test_outform_values(env: dict[str, str]) -> None:
    assert completions("aws-login dumpcreds --outform ", env) == OUTFORMS
    assert completions("aws-login dumpcreds --outform p", env) == ["powershell"]
    assert completions("aws-login dumpcreds --outform=f", env) == ["--outform=fish"]
    assert completions("aws-login dumpcreds --outform x", env) == []


def test_browser_names_and_auto(env: dict[str, str]) -> None:
    assert completions("aws-login console --browser ", env) == [
        "firefox", "chrome", "chromium", "brave", "edge", "safari"]
    assert completions("aws-login console --browser ch", env) == ["chrome", "chromium"]
    assert completions("aws-login console --browser-profile a", env) == ["auto"]
    assert completions("aws-login console --container-color p", env) == ["pink", "purple"]


def test_a_unique_completion_ends_the_word_unless_the_shell_adds_the_space(
        env: dict[str, str]) -> None:
    line = "aws-login dumpcreds --outform w"
    assert completions(line, env) == ["windows"]
    # Without _ARGCOMPLETE_SUPPRESS_SPACE (as bash without compopt): argcomplete adds it.
    variables = {**env, "_ARGCOMPLETE": "1", "COMP_LINE": line, "COMP_POINT": str(len(line)),
                 "_ARGCOMPLETE_IFS": "\n"}
    out = subprocess.run(["sh", "-c", 'exec "$@" 8>&1 1>/dev/null', "sh", sys.executable,
                          "-m", "aws_login"], env=variables, capture_output=True, text=True,
                         timeout=30, cwd=ROOT).stdout
    assert out == "windows "


# --------------------------------------------------------------------- the AWS files


def test_profile_names_from_both_files(env: dict[str, str]) -> None:
    everything = ["chained", "ci", "default", "dev", "prod", "sso-ro"]
    assert completions("aws-login dumpcreds --profile ", env) == everything
    assert completions("aws-login getcallerid --profile d", env) == ["default", "dev"]
    assert completions("aws-login console --profile=c", env) == [
        "--profile=chained", "--profile=ci"]
    assert completions("aws-login runas --profile zzz", env) == []


def test_profiles_honour_the_file_variables_and_home(env: dict[str, str],
                                                     tmp_path: Path) -> None:
    other = tmp_path / "other-config"
    other.write_text("[profile elsewhere]\nregion = us-east-1\n")
    moved = {**env, "AWS_CONFIG_FILE": str(other),
             "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "missing")}
    assert completions("aws-login dumpcreds --profile ", moved) == ["elsewhere"]
    # Without the variables: ~/.aws/config and ~/.aws/credentials of HOME.
    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True)
    (home / ".aws" / "config").write_text("[profile from-home]\n")
    (home / ".aws" / "credentials").write_text("[keys-from-home]\n")
    default = {name: value for name, value in env.items()
               if name not in ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE")}
    default["HOME"] = str(home)
    assert completions("aws-login dumpcreds --profile ", default) == [
        "from-home", "keys-from-home"]


def test_a_damaged_or_missing_file_completes_what_it_can(env: dict[str, str],
                                                         tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.write_text("[profile good]\nregion = x\nno delimiter here\n[profile later]\n"
                      "[profile unterminated\n")
    damaged = {**env, "AWS_CONFIG_FILE": str(broken),
               "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path)}  # a folder: unreadable
    assert completions("aws-login dumpcreds --profile ", damaged) == ["good", "later"]
    no_header = tmp_path / "no-header"
    no_header.write_bytes(b"region = x\n\xff\xfe")
    assert completions("aws-login dumpcreds --profile ",
                       {**damaged, "AWS_CONFIG_FILE": str(no_header)}) == []


def test_role_arns_from_the_config_files(env: dict[str, str]) -> None:
    assert completions("aws-login getcallerid --assume-roles ", env) == [
        ROLE_A, TEAM_ROLE_B, ROLE_C]
    assert completions("aws-login getcallerid --assume-roles arn:aws:iam::2", env) == [TEAM_ROLE_B]
    assert completions("aws-login console --saml-role-arn arn:aws:iam::3", env) == [ROLE_C]
    assert completions("aws-login dumpcreds --web-identity-role-arn ", env) == [
        ROLE_A, TEAM_ROLE_B, ROLE_C]


def test_role_arn_list_completes_the_last_item_and_keeps_the_others(
        env: dict[str, str]) -> None:
    line = "aws-login runas --assume-roles "
    assert completions(f"{line}{ROLE_A},", env) == [
        f"{ROLE_A},{ROLE_A}", f"{ROLE_A},{TEAM_ROLE_B}", f"{ROLE_A},{ROLE_C}"]
    assert completions(f"{line}{ROLE_A},arn:aws:iam::2", env) == [f"{ROLE_A},{TEAM_ROLE_B}"]
    # Quoted, with ", " between the ARNs, as the help shows it.
    assert completions(f'{line}"{ROLE_A}, {TEAM_ROLE_B}, arn:aws:iam::3', env) == [
        f"{ROLE_A}, {TEAM_ROLE_B}, {ROLE_C}"]
    assert completions(f"{line}'{ROLE_A} arn:aws:iam::1", env) == [f"{ROLE_A} {ROLE_A}"]
    # In bash, ':' breaks words: argcomplete hands back only what follows the last one.
    assert completions(f"{line}{ROLE_A},arn:aws:iam::2", env,
                       wordbreaks=BASH_WORDBREAKS) == ["222222222222:role/team/B"]


def test_mfa_serials_from_the_config_files(env: dict[str, str]) -> None:
    assert completions("aws-login dumpcreds --get-session-token --mfa-serial ", env) == [MFA_SERIAL]


# --------------------------------------------------------------------- SSO accounts and roles


def test_sso_accounts_and_roles_from_the_record_and_the_config(env: dict[str, str],
                                                                tmp_path: Path) -> None:
    record = known_roles.record_path(tmp_path / "cache")
    assert known_roles.remember(record, [("111111111111", "prod", ["Admin", "ReadOnly"]),
                                         ("222222222222", None, ["ReadOnly"])])
    assert completions("aws-login getcallerid --sso-acct-id ", env) == [
        "111111111111", "222222222222", "444444444444"]  # the last from the config
    assert completions("aws-login runas --sso-acct-id 2", env) == ["222222222222"]
    assert completions("aws-login dumpcreds --sso-role-name ", env) == [
        "Admin", "ReadOnly"]
    # The roles of the account already typed, only.
    assert completions("aws-login dumpcreds --sso-acct-id 111111111111 --sso-role-name ",
                       env) == ["Admin", "ReadOnly"]
    assert completions("aws-login dumpcreds --sso-acct-id 222222222222 --sso-role-name ",
                       env) == ["ReadOnly"]
    assert completions("aws-login dumpcreds --sso-acct-id 444444444444 --sso-role-name R",
                       env) == ["ReadOnly"]
    assert completions("aws-login dumpcreds --sso-acct-id 999999999999 --sso-role-name ",
                       env) == []
    # zsh and fish show the account's name next to it.
    assert completions("aws-login getcallerid --sso-acct-id 1", env, shell="zsh") == [
        "111111111111:prod"]
    assert completions("aws-login getcallerid --sso-acct-id 1", {
        **env, "_ARGCOMPLETE_DFS": "\t"}, shell="fish") == ["111111111111\tprod"]


def test_damaged_record_completes_from_the_config_only(env: dict[str, str],
                                                       tmp_path: Path) -> None:
    record = known_roles.record_path(tmp_path / "cache")
    record.parent.mkdir(parents=True)
    record.write_text('{"Version": 1, "Accounts": {"1234": {}, "555555555555": '
                      '{"Name": "x\\n\\u000b", "Roles": ["ok", "not ok", 3]}}}')
    assert completions("aws-login getcallerid --sso-acct-id ", env) == [
        "444444444444", "555555555555"]
    assert completions("aws-login getcallerid --sso-role-name ", env) == ["ReadOnly", "ok"]
    record.write_text("{not json")
    assert completions("aws-login getcallerid --sso-acct-id ", env) == ["444444444444"]


def test_record_is_written_by_dumpconfig_and_sign_ins_with_use_cache(
        sso_env: Path, fake_sso: FakeSso, env: dict[str, str]) -> None:
    record = known_roles.record_path(sso_env)
    token = fake_sso.issue_token(START_URL).access_token
    # Without --use-cache aws-login writes nothing, this record included.
    plain = run_cli(["dumpconfig", "--sso-access-token", token, "--sso-region", "us-east-1"])
    assert plain.code == 0, plain.err
    assert not record.exists()

    write_token(sso_env / "sso", cached_grant(fake_sso, timedelta(hours=1)))
    result = run_cli(["dumpconfig", "--use-cache"])
    assert result.code == 0, result.err
    assert stat.S_IMODE(record.stat().st_mode) == 0o600
    assert known_roles.load(record) == {
        "111111111111": ("my-acct-1", ("AdministratorAccess", "ReadOnlyAccess")),
        "222222222222": ("my-acct-2", ("ReadOnlyAccess",)),
    }
    env = {**env, "AWS_LOGIN_CACHE_DIR": str(sso_env)}
    assert completions("aws-login getcallerid --sso-acct-id ", env) == [
        "111111111111", "222222222222", "444444444444"]
    assert completions("aws-login getcallerid --sso-acct-id 111111111111 --sso-role-name ",
                       env) == ["AdministratorAccess", "ReadOnlyAccess"]

    # A role given away, a new account: the next discovery replaces the roles it finds.
    fake_sso.accounts[0] = Account("111111111111", "renamed", "a@example.com",
                                   ("ReadOnlyAccess",))
    assert run_cli(["dumpconfig", "--use-cache"]).code == 0
    assert known_roles.load(record)["111111111111"] == ("renamed", ("ReadOnlyAccess",))

    # GetRoleCredentials that succeeds adds its account and role (keeping the name).
    fake_sso.accounts.append(Account("333333333333", "new", "n@example.com", ("Deploy",)))
    got = run_cli(["getcallerid", "--use-cache", "--sso-acct-id", "333333333333",
                   "--sso-role-name", "Deploy"])
    assert got.code == 0, got.err
    assert known_roles.load(record)["333333333333"] == ("", ("Deploy",))
    assert known_roles.load(record)["111111111111"] == ("renamed", ("ReadOnlyAccess",))


def test_record_merges_keeps_names_and_stays_small(tmp_path: Path) -> None:
    record = known_roles.record_path(tmp_path)
    assert known_roles.remember(record, [("111111111111", "one", ["B", "A"])])
    assert not known_roles.remember(record, [("111111111111", None, ["A"])])  # nothing new
    assert known_roles.remember(record, [("111111111111", None, ["C", "bad role"]),
                                         ("12345", "not an account", ["X"])])
    assert known_roles.load(record) == {"111111111111": ("one", ("A", "B", "C"))}
    assert known_roles.remember(record, [(f"{n:012d}", None, ["R"]) for n in range(
        known_roles.MAX_ACCOUNTS + 5)])
    kept = known_roles.load(record)
    assert len(kept) == known_roles.MAX_ACCOUNTS and "111111111111" not in kept
    assert f"{known_roles.MAX_ACCOUNTS + 4:012d}" in kept


# --------------------------------------------------------------------- light and generated


def test_completion_imports_no_aws_sdk_nor_http(env: dict[str, str], tmp_path: Path) -> None:
    known_roles.remember(known_roles.record_path(tmp_path / "cache"),
                         [("111111111111", "prod", ["Admin"])])
    unset_cache = {name: value for name, value in env.items() if name != "AWS_LOGIN_CACHE_DIR"}
    for line, variables in [
            ("aws-login ", env),
            ("aws-login dumpcreds --profile ", env),
            ("aws-login getcallerid --assume-roles arn:aws:iam::1", env),
            ("aws-login runas --sso-acct-id ", env),
            ("aws-login console --sso-role-name ", unset_cache),
            ("aws-login dumpconfig --", env)]:
        found, err = complete(line, variables, importtime=True)
        assert found, line
        imported = {row.split("|")[-1].strip() for row in err.splitlines()
                    if row.startswith("import time:")}
        assert "argcomplete" in imported  # the check sees the imports at all
        heavy = {name for name in imported
                 if name.split(".")[0] in ("boto3", "botocore", "requests", "urllib3")}
        assert not heavy, f"{line!r} imported {sorted(heavy)}"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "_completions", ROOT / "build-tools" / "_completions.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_completion_scripts_are_what_the_generator_writes() -> None:
    generator = _generator()
    assert set(generator.FILES) == {"bash", "zsh", "fish"}
    for shell, (name, _) in generator.FILES.items():
        path = COMPLETIONS / name
        assert path.exists(), f"completions/{name} is missing; run build-tools/completions"
        assert path.read_text(encoding="utf-8") == generator.render(shell), (
            f"completions/{name} is stale; run build-tools/completions")
    assert (COMPLETIONS / "aws-login.zsh").read_text().startswith("#compdef aws-login\n")


# --------------------------------------------------------------------- real shells


def test_bash_completion_function(env: dict[str, str]) -> None:
    """completions/aws-login.bash sourced into bash, its function called as bash's
    programmable completion calls it; COMPREPLY printed one item per line."""
    script = f"""
source {COMPLETIONS / 'aws-login.bash'}
[[ "$(complete -p aws-login)" == *"-F _python_argcomplete aws-login" ]] || exit 3
comp() {{
    COMP_LINE=$1 COMP_POINT=${{#1}} COMP_TYPE=9
    read -ra COMP_WORDS <<< "$1"
    [[ $1 == *' ' ]] && COMP_WORDS+=("")
    COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))
    COMPREPLY=()
    _python_argcomplete aws-login "${{COMP_WORDS[COMP_CWORD]}}" \\
        "${{COMP_WORDS[COMP_CWORD-1]}}" 2>/dev/null
    printf '%s\\n' "== $1" "${{COMPREPLY[@]}}"
}}
comp 'aws-login dump'
comp 'aws-login dumpcreds --outform '
comp 'aws-login getcallerid --profile d'
comp 'aws-login getcallerid --assume-roles {ROLE_A},arn:aws:iam::2'
comp 'aws-login getcallerid --assume-roles "{ROLE_A}, arn:aws:iam::3'
comp 'aws-login getcallerid --nosuch'
"""
    result = subprocess.run(["bash", "--norc", "--noprofile", "-c", script], env=env,
                            capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    replies: dict[str, list[str]] = {}
    for line in result.stdout.splitlines():
        if line.startswith("== "):
            current = replies.setdefault(line[3:], [])
        else:
            current.append(line)
    assert replies == {
        "aws-login dump": ["dumpcreds", "dumpconfig"],
        "aws-login dumpcreds --outform ": OUTFORMS,
        "aws-login getcallerid --profile d": ["default", "dev"],
        # Outside a real TAB compopt fails, so argcomplete adds the space to a single match;
        # ':' is in COMP_WORDBREAKS, so the reply replaces only what follows the last ':'.
        f"aws-login getcallerid --assume-roles {ROLE_A},arn:aws:iam::2": [
            "222222222222:role/team/B "],
        f'aws-login getcallerid --assume-roles "{ROLE_A}, arn:aws:iam::3': [
            f"{ROLE_A}, {ROLE_C}"],
        "aws-login getcallerid --nosuch": [],
    }


def test_tab_in_an_interactive_bash(env: dict[str, str]) -> None:
    """A person's bash on a terminal: type, press TAB, then Ctrl-A and `echo RESULT\\=` in
    front, so the completed line comes back as the echo's output."""
    typed = [
        "aws-login dumpcr",
        "aws-login dumpcreds --outform pow",
        "aws-login getcallerid --profile chai",
        f"aws-login getcallerid --assume-roles {ROLE_A},arn:aws:iam::2",
    ]
    keys = f"source {COMPLETIONS / 'aws-login.bash'}\n"
    keys += "".join(f"{text}\t\x01echo RESULT\\=\n" for text in typed) + "exit\n"
    output = _interactive_bash(keys, env)
    assert re.findall(r"^RESULT=(.*?)\r?$", output, re.MULTILINE) == [
        "aws-login dumpcreds",
        "aws-login dumpcreds --outform powershell",
        "aws-login getcallerid --profile chained",
        f"aws-login getcallerid --assume-roles {ROLE_A},{TEAM_ROLE_B}",
    ], output


def _interactive_bash(keys: str, env: Mapping[str, str], timeout: float = 30) -> str:
    """Run an interactive bash on a pseudo-terminal, type `keys`, return what it showed."""
    master, slave = os.openpty()
    shell_env = {**env, "PS1": "$ ", "TERM": "dumb", "INPUTRC": "/dev/null",
                 "HISTFILE": "/dev/null"}
    process = subprocess.Popen(["bash", "--norc", "--noprofile", "-i"], stdin=slave,
                               stdout=slave, stderr=slave, env=shell_env, cwd=ROOT,
                               start_new_session=True)
    os.close(slave)
    output = b""
    try:
        os.write(master, keys.encode())
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    data = os.read(master, 65536)
                except OSError:  # the terminal closed: bash exited
                    break
                if not data:
                    break
                output += data
            elif process.poll() is not None:
                break
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
        os.close(master)
    return output.decode("utf-8", "replace")


@pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh is not installed")
def test_zsh_completion_script(env: dict[str, str]) -> None:
    """Sourced after compinit it registers itself; its function, with zsh's _describe
    stood in for (it only works inside a real completion), hands over value:description."""
    script = f"""
autoload -U compinit && compinit -u -D
source {COMPLETIONS / 'aws-login.zsh'}
print -r -- "registered ${{_comps[aws-login]}}"
_describe() {{ print -rl -- "${{(@P)2}}" }}
words=(aws-login dumpcreds --outform p) BUFFER="aws-login dumpcreds --outform p"
CURSOR=${{#BUFFER}}
_python_argcomplete
words=(aws-login getcallerid --assume-roles x)
BUFFER="aws-login getcallerid --assume-roles arn:aws:iam::1" CURSOR=${{#BUFFER}}
_python_argcomplete
"""
    result = subprocess.run(["zsh", "-f", "-c", script], env=env, capture_output=True,
                            text=True, timeout=60, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "registered _python_argcomplete"
    assert lines[1].startswith("powershell:shell syntax of the exports")
    assert lines[2:] == [ROLE_A.replace(":", "\\:") + ":"]


@pytest.mark.skipif(shutil.which("fish") is None, reason="fish is not installed")
def test_fish_completion_script(env: dict[str, str]) -> None:
    """fish's own completion engine (`complete -C LINE`) with completions/aws-login.fish."""
    script = f"""
source {COMPLETIONS / 'aws-login.fish'}
complete -C'aws-login dumpcreds --outform p'
complete -C'aws-login getcallerid --profile d'
complete -C'aws-login getcallerid --assume-roles {ROLE_A},arn:aws:iam::2'
"""
    result = subprocess.run(["fish", "--no-config", "-c", script], env=env,
                            capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("powershell\tshell syntax of the exports")
    assert lines[1:] == ["default", "dev", f"{ROLE_A},{TEAM_ROLE_B}"]
