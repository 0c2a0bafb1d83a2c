"""The shell outforms sourced into the real shells: every value must come back byte for byte.

Each test writes one export file per value plus one driver script, runs the shell once, and
reads what `env -0` (a child process, so only *exported* variables count) saw after each
file was sourced. Before each file the driver sets stale values, so the tests also prove that
the exports replace or clear them.

Shell limits found: none for text without NUL (which no environment variable can hold) in
bash 5.2, dash 0.5, zsh 5.9 and fish 3.6, in the C.UTF-8 and C locales, including the fish
private-use range U+F600-U+F6FF that fish uses internally for undecodable bytes, and the
noncharacters U+FDD0-U+FDEF (checked below). Lone surrogates are not text that can be encoded
at all, so the property test leaves them out.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aws_login.model import Credentials
from aws_login.render import credential_variables, shell_exports

# How each shell is started without any rc files, and how it sources a file.
SHELLS = {
    "bash": (["bash", "--norc", "--noprofile"], "."),
    "dash": (["dash"], "."),
    "zsh": (["zsh", "-f"], "."),
    "fish": (["fish", "--no-config"], "source"),
}
POSIX_CASES = [(form, shell) for form in ("linux", "mac") for shell in ("bash", "dash", "zsh")]
ALL_CASES = [*POSIX_CASES, ("fish", "fish")]

STALE = {
    "AWS_ACCESS_KEY_ID": "AKIASTALE",
    "AWS_SECRET_ACCESS_KEY": "stale-secret",
    "AWS_SESSION_TOKEN": "stale-token",
    "AWS_SECURITY_TOKEN": "stale-legacy-token",
    "AWS_CREDENTIAL_EXPIRATION": "2000-01-01T00:00:00Z",
    "AWS_REGION": "stale-region",
    "AWS_DEFAULT_REGION": "stale-default-region",
}

AWKWARD = [
    "it's", "'", "''", "'\\''", '"', 'say "hi"', "\\", "back\\slash", "trailing\\",
    "\\\\", "\\'", "\\n", "$HOME", "${HOME}", "$", "$$", "$0", "$1", "$@", "$*", "$?",
    "`id`", "$(id)", "$(touch pwned)", "`touch pwned`", "; touch pwned", "&& touch pwned",
    "| touch pwned", "!", "!!", "!$", "!-1", "^old^new", "%", "100%", "%PATH%", "%s%n%d",
    "line1\nline2", "\n", "\n\nleading newlines", "trailing newline\n", "\r\n", "tab\there",
    "\t", " ", "  spaces  ", "ünïcødé", "emoji 🔑🚀👩‍💻", "日本語", "\u00a0nbsp", "\u2028",
    "\ufeffbom", "\u2018typographic\u2019 \u201cquotes\u201d", "\U0010ffff", "\uf600\uf6ff",
    "\ufdd0\ufdef", "-", "-n", "-e \\n", "--help", "-gx", "*", "?", "[a-z]*", "~", "~root",
    "{a,b}", "(echo fish)", "(touch pwned)", "# not a comment", ";", "&", "|", "<", ">",
    "a=b", "=", "\x01\x02\x7f", "\x1b[31mred\x1b[0m", "\x08\x0b\x0c", "#", "\\\n",
    "end", "fi", "EOF",
]


def run_batch(shell: str, outform: str, creds_list: Sequence[tuple[Credentials, str | None]],
              folder: Path, lang: str = "C.UTF-8") -> list[dict[str, str]]:
    """Source each rendering into `shell` (one process) and return the AWS_* environment
    `env -0` saw after each one."""
    argv, source = SHELLS[shell]
    fish = shell == "fish"
    lines: list[str] = []
    for index, (creds, region) in enumerate(creds_list):
        export_file = folder / f"exports{index}.{'fish' if fish else 'sh'}"
        export_file.write_text(shell_exports(creds, outform, region), encoding="utf-8")
        for name, value in STALE.items():  # plain ASCII: no quoting questions here
            lines.append(f"set -gx {name} '{value}'" if fish else f"export {name}='{value}'")
        lines.append(f"{source} {shlex.quote(str(export_file))}")
        lines.append(f"env -0 > {shlex.quote(str(folder / f'env{index}'))}")
    driver = folder / "driver"
    driver.write_text("\n".join(lines) + "\n", encoding="utf-8")
    env = {"PATH": os.environ["PATH"], "HOME": str(folder), "LANG": lang,
           "XDG_CONFIG_HOME": str(folder / "config"), "XDG_DATA_HOME": str(folder / "data")}
    done = subprocess.run([*argv, str(driver)], capture_output=True, env=env, cwd=folder,
                          timeout=60, stdin=subprocess.DEVNULL)
    assert (done.returncode, done.stderr) == (0, b""), done.stderr.decode(errors="replace")
    assert not (folder / "pwned").exists(), "a value was executed as a command"
    results = []
    for index in range(len(creds_list)):
        entries = (folder / f"env{index}").read_bytes().split(b"\0")
        assert entries[-1] == b""
        variables = {}
        for entry in entries[:-1]:
            key, _, raw = entry.partition(b"=")
            if key.startswith(b"AWS_"):
                variables[key.decode()] = raw.decode("utf-8")  # strict: bytes must be exact
        results.append(variables)
    return results


def expected_env(creds: Credentials, region: str | None) -> dict[str, str]:
    expected = dict(STALE)
    for name, value in credential_variables(creds, region).items():
        if value is None:
            expected.pop(name, None)
        else:
            expected[name] = value
    return expected


def check_round_trip(shell: str, outform: str,
                     creds_list: Sequence[tuple[Credentials, str | None]], folder: Path,
                     lang: str = "C.UTF-8") -> None:
    got = run_batch(shell, outform, creds_list, folder, lang)
    for (creds, region), variables in zip(creds_list, got, strict=True):
        assert variables == expected_env(creds, region), (creds.secret_access_key, region)


def awkward_batch() -> list[tuple[Credentials, str | None]]:
    batch: list[tuple[Credentials, str | None]] = []
    for index, value in enumerate(AWKWARD):
        # the value in every variable, with a different neighbour so positions are distinct
        batch.append((Credentials(f"ASIA{index}{value}", value, value + "tok", None), value))
    return batch


@pytest.mark.parametrize(("outform", "shell"), ALL_CASES)
def test_awkward_values_round_trip(outform: str, shell: str, tmp_path: Path) -> None:
    check_round_trip(shell, outform, awkward_batch(), tmp_path)


@pytest.mark.parametrize(("outform", "shell"), [("linux", "bash"), ("fish", "fish")])
def test_awkward_values_round_trip_in_the_c_locale(outform: str, shell: str,
                                                   tmp_path: Path) -> None:
    check_round_trip(shell, outform, awkward_batch(), tmp_path, lang="C")


@pytest.mark.parametrize(("outform", "shell"), ALL_CASES)
def test_stale_token_is_gone_when_the_new_credentials_have_none(outform: str, shell: str,
                                                                 tmp_path: Path) -> None:
    long_term = Credentials("AKIAIOSFODNN7EXAMPLE", "new-secret")
    (got,) = run_batch(shell, outform, [(long_term, None)], tmp_path)
    assert got == {"AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
                   "AWS_SECRET_ACCESS_KEY": "new-secret",
                   "AWS_REGION": "stale-region", "AWS_DEFAULT_REGION": "stale-default-region"}


def test_long_value_and_every_fish_private_use_character(tmp_path: Path) -> None:
    private = "".join(chr(c) for c in range(0xF600, 0xF700))
    batch: list[tuple[Credentials, str | None]] = [
        (Credentials("ASIALONG", "s" * 20000 + "'\\", "t\n" * 5000, None), "eu-west-1"),
        (Credentials("ASIAPUA", private, private[::-1], None), None),
        (Credentials("ASIACTL", "".join(chr(c) for c in range(1, 128)), "x", None), None),
    ]
    for shell in ("bash", "dash", "zsh"):
        check_round_trip(shell, "linux", batch, tmp_path)
    check_round_trip("fish", "fish", batch, tmp_path)


# Any text an environment variable can hold: no NUL, no lone surrogates (not encodable);
# shell-special characters are drawn often so that they meet each other.
VALUES = st.text(st.one_of(st.characters(exclude_categories=["Cs"], exclude_characters="\0"),
                           st.sampled_from("'\"\\$`!%*?~#;&|<>(){}[]\n\r\t -=")),
                 max_size=40)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(st.tuples(VALUES, VALUES), min_size=1, max_size=25))
def test_any_text_round_trips_in_every_shell(pairs: list[tuple[str, str]]) -> None:
    """One process per shell runs the whole batch of an example."""
    batch: list[tuple[Credentials, str | None]] = [
        (Credentials("ASIA" + token[:3], secret, token, None), secret or None)
        for secret, token in pairs]
    with tempfile.TemporaryDirectory() as folder:
        for outform, shell in (("linux", "bash"), ("linux", "dash"), ("mac", "zsh"),
                               ("fish", "fish")):
            check_round_trip(shell, outform, batch, Path(folder))


# --- end to end: the real CLI, sourced into bash, then used by another aws-login ---

def test_dumpcreds_sourced_into_bash_then_getcallerid_is_the_role(user_keys: None, sts,
                                                                   tmp_path: Path) -> None:
    role = "arn:aws:iam::111111111111:role/A"
    aws_login = f"{shlex.quote(sys.executable)} -m aws_login"
    script = tmp_path / "script.bash"
    script.write_text(
        "set -e\n"
        f"source <({aws_login} dumpcreds --outform linux --region eu-west-2 "
        f"--assume-roles {role})\n"
        "printf '%s\\0' \"$AWS_ACCESS_KEY_ID\" \"$AWS_SESSION_TOKEN\" \"$AWS_REGION\" "
        "\"${AWS_SECURITY_TOKEN-unset}\" > ids\n"
        f"{aws_login} getcallerid\n")
    env = dict(os.environ, AWS_SECURITY_TOKEN="stale-legacy")  # must be cleared
    done = subprocess.run([shutil.which("bash") or "bash", "--norc", str(script)],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60,
                          stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    key_id, token, region, legacy, _ = (tmp_path / "ids").read_text().split("\0")
    assert key_id.startswith("ASIA") and key_id != "AKIAIOSFODNN7EXAMPLE"
    assert token and (region, legacy) == ("eu-west-2", "unset")

    assert json.loads(done.stdout)["Arn"] == "arn:aws:sts::111111111111:assumed-role/A/moto"
    assert sts.recorder.actions() == ["GetCallerIdentity", "AssumeRole", "GetCallerIdentity"]


# --- a failed dumpcreds: the recommended forms stop, --unset-stale clears the old keys ---

# The forms the README recommends: each stops when aws-login fails. A "failing" program
# stands for aws-login in dash's eval (no process substitution there).
FAILED_RUN = ("--outform", "{form}", "--profile", "nosuch")
STOPPING = {
    "bash": 'c=$({aws_login}) && eval "$c"',
    "dash": 'c=$({aws_login}) && eval "$c"',
    "zsh": 'c=$({aws_login}) && eval "$c"',
    "fish": "set c ({aws_login}); and printf '%s\\n' $c | source",
}
UNSET_STALE = {
    "bash": "source <({aws_login} --unset-stale)",
    "dash": 'eval "$({aws_login} --unset-stale)"',
    "zsh": "source <({aws_login} --unset-stale)",
    "fish": "{aws_login} --unset-stale | source",
}
FORM_OF = {"bash": "linux", "dash": "linux", "zsh": "mac", "fish": "fish"}


def _after_failed_run(shell: str, line: str, folder: Path) -> dict[str, str]:
    """The AWS_* variables a child of `shell` sees after `line` ran (stale values before)."""
    argv, _source = SHELLS[shell]
    fish = shell == "fish"
    aws_login = " ".join(shlex.quote(w) for w in (sys.executable, "-m", "aws_login",
                                                  "dumpcreds", *FAILED_RUN)).replace(
        "{form}", FORM_OF[shell])
    stale = [f"set -gx {n} '{v}'" if fish else f"export {n}='{v}'" for n, v in STALE.items()]
    script = folder / "script"
    script.write_text("\n".join([*stale, line.format(aws_login=aws_login),
                                 f"env -0 > {shlex.quote(str(folder / 'env'))}", ""]))
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    (folder / "config").write_text("")
    env.update(AWS_CONFIG_FILE=str(folder / "config"),
               AWS_SHARED_CREDENTIALS_FILE=str(folder / "credentials"))
    done = subprocess.run([*argv, str(script)], capture_output=True, text=True, env=env,
                          cwd=folder, timeout=60, stdin=subprocess.DEVNULL)
    assert "profile 'nosuch' (--profile) was not found" in done.stderr, done.stderr
    assert done.stdout == ""
    entries = (folder / "env").read_bytes().decode().split("\0")
    return {k: v for k, _, v in (e.partition("=") for e in entries if e.startswith("AWS_"))
            if k in STALE}


@pytest.mark.parametrize("shell", ["bash", "dash", "zsh", "fish"])
def test_the_recommended_form_keeps_nothing_of_a_failed_run(shell: str,
                                                            tmp_path: Path) -> None:
    # nothing was eval'ed (stdout is empty, and the form stops on the exit code): the old
    # values are as they were, and the script went on (the user sees the error line)
    assert _after_failed_run(shell, STOPPING[shell], tmp_path) == STALE


@pytest.mark.parametrize("shell", ["bash", "dash", "zsh", "fish"])
def test_unset_stale_leaves_no_previous_identity(shell: str, tmp_path: Path) -> None:
    assert _after_failed_run(shell, UNSET_STALE[shell], tmp_path) == {
        "AWS_REGION": "stale-region", "AWS_DEFAULT_REGION": "stale-default-region"}


# --- PowerShell (only where pwsh is installed) ---

@pytest.mark.skipif(shutil.which("pwsh") is None, reason="pwsh is not installed")
def test_powershell_values_round_trip(tmp_path: Path) -> None:
    # pwsh before 7.5 removes a variable assigned '' instead of setting it empty, so the
    # batch has no empty values (credentials never are).
    batch = [*awkward_batch(), (Credentials("AKIALONGTERM", "new-secret"), None)]
    lines = ["$ErrorActionPreference = 'Stop'"]
    for index, (creds, region) in enumerate(batch):
        exports = tmp_path / f"exports{index}.ps1"
        exports.write_text(shell_exports(creds, "powershell", region), encoding="utf-8")
        lines += [f"$Env:{name} = '{value}'" for name, value in STALE.items()]
        lines += [
            f". '{exports}'",
            "$vars = @{}",
            "foreach ($item in Get-ChildItem Env:) { if ($item.Name.StartsWith('AWS_')) "
            "{ $vars[$item.Name] = $item.Value } }",
            f"[IO.File]::WriteAllText('{tmp_path / f'env{index}.json'}', "
            "(ConvertTo-Json -InputObject $vars -Compress), [Text.UTF8Encoding]::new($false))",
        ]
    driver = tmp_path / "driver.ps1"
    driver.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = subprocess.run(["pwsh", "-NoProfile", "-NonInteractive", "-File", str(driver)],
                          capture_output=True, text=True, cwd=tmp_path, timeout=60,
                          env={"PATH": os.environ["PATH"], "HOME": str(tmp_path)},
                          stdin=subprocess.DEVNULL)
    assert (done.returncode, done.stderr) == (0, ""), done.stderr
    assert not (tmp_path / "pwned").exists()
    for index, (creds, region) in enumerate(batch):
        got = json.loads((tmp_path / f"env{index}.json").read_text(encoding="utf-8"))
        assert got == expected_env(creds, region), (creds.secret_access_key, region)
