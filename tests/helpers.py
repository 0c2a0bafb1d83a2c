"""What many test modules share, defined once: the runners for aws-login (in this process and
as a real process), the example keys, accounts and ARNs the tests use, SSO sign-in arguments
and token files, a web identity token, and the dumpconfig golden output.

Fixtures live in conftest.py; the loopback fakes and servers in tests/fakes/."""

from __future__ import annotations

import base64
import contextlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aws_login.cli import main
from aws_login.context import Context
from aws_login.sso.cache import cache_key

if TYPE_CHECKING:
    from tests.fakes.sso import FakeSso

# --------------------------------------------------------------------------- running aws-login


@dataclass
class Result:
    code: int
    out: str
    err: str


class TerminalText(io.StringIO):
    """A text stream that says it is a terminal, as a person's stdin/stderr would."""

    def isatty(self) -> bool:
        return True


def run_cli(argv: Sequence[str], stdin: str = "", terminal: bool = False,
            **context: Any) -> Result:
    """Run aws-login in this process, with its own streams (environment: os.environ).

    `terminal`: stdin and stderr claim to be a terminal. `context` overrides Context
    fields, e.g. sleep=... or open_url=...; tty=None unless given, so that a test never asks
    on the terminal pytest runs in."""
    context.setdefault("tty", None)
    stream = TerminalText if terminal else io.StringIO
    out, err = io.StringIO(), stream()
    ctx = Context(environ=os.environ, stdout=out, stderr=err, stdin=stream(stdin), **context)
    code = main(list(argv), ctx)
    return Result(code, out.getvalue(), err.getvalue())


def error_line(err: str) -> str:
    """The one error line, checking that it is the only thing on stderr."""
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, err
    return lines[0]


def run_process(argv: Sequence[str], env: Mapping[str, str] | None = None,
                timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run aws-login as a real process (`python -m aws_login`)."""
    return subprocess.run([sys.executable, "-m", "aws_login", *argv], capture_output=True,
                          text=True, env=dict(os.environ if env is None else env),
                          timeout=timeout, stdin=subprocess.DEVNULL)


def identity_arn(out: str) -> str:
    """The Arn of getcallerid's output."""
    return str(json.loads(out)["Arn"])


def expires_in(document: dict[str, Any]) -> float:
    """Seconds from now until the credential_process document's Expiration."""
    expiration = datetime.strptime(document["Expiration"], "%Y-%m-%dT%H:%M:%SZ")
    return (expiration.replace(tzinfo=timezone.utc) - datetime.now(timezone.utc)).total_seconds()


def no_sleep(_seconds: float) -> None:
    """A Context sleep that returns at once."""
    return None


# --------------------------------------------------------------------------- keys and identities

# Example IAM user keys in the format AWS uses (AWS's documentation values).
USER_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
USER_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
# moto's default account; it reports every unknown long-term key as its user "moto".
MOTO_ACCOUNT = "123456789012"
MOTO_USER_ARN = f"arn:aws:sts::{MOTO_ACCOUNT}:user/moto"
# What moto calls a GetFederationToken session of that user.
FEDERATED_ARN = f"arn:aws:sts::{MOTO_ACCOUNT}:federated-user/moto"

# Roles in three accounts, for chains (C has a path).
ROLE_A = "arn:aws:iam::111111111111:role/A"
ROLE_B = "arn:aws:iam::222222222222:role/B"
ROLE_C = "arn:aws:iam::333333333333:role/team/eng/C"
# The role session moto gives the user keys for ROLE_A.
ROLE_A_ARN = "arn:aws:sts::111111111111:assumed-role/A/moto"
MFA_SERIAL = f"arn:aws:iam::{MOTO_ACCOUNT}:mfa/alice"

# --------------------------------------------------------------------------- SSO

# The access portal that the SSO fake serves, its region, and a role it grants.
START_URL = "https://d-1234567890.awsapps.com/start"
SSO_ROLE = ("--sso-acct-id", "111111111111", "--sso-role-name", "AdministratorAccess")
SIGN_IN = ("--start-url", START_URL, "--sso-region", "us-east-1")
# The portal of the dumpconfig golden output (GOLDEN names it).
GOLDEN_START_URL = "https://d-987654321d.awsapps.com/start"

# The stand-in browser ($BROWSER) of the sign-in tests.
BROWSER_STANDIN = Path(__file__).parent / "fakes" / "browser.py"


def write_token(folder: Path, data: dict[str, str]) -> Path:
    """Write an SSO token file where botocore (and aws-login) look for data["startUrl"]."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{cache_key(data['startUrl'])}.json"
    path.write_text(json.dumps(data))
    return path


def cached_grant(fake: FakeSso, expires_in: timedelta) -> dict[str, str]:
    """A real, refreshable token from the fake, with expiresAt moved to `expires_in` away."""
    data = fake.issue_token(START_URL).cache_json("us-east-1")
    data["expiresAt"] = (datetime.now(timezone.utc) + expires_in).strftime("%Y-%m-%dT%H:%M:%SZ")
    return data


# --------------------------------------------------------------------------- web identity

def jwt(claims: dict[str, object]) -> str:
    """An (unsigned-looking) JWT: moto does not verify tokens, AWS would."""
    def part(data: dict[str, object]) -> str:
        raw = json.dumps(data, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    return f"{part({'alg': 'RS256', 'kid': 'k1'})}.{part(claims)}.c2lnbmF0dXJl"


WEB_IDENTITY_SUBJECT = "repo:octo-org/app:ref:refs/heads/main"
# A GitHub Actions OIDC token for STS.
WEB_IDENTITY_TOKEN = jwt({"iss": "https://token.actions.githubusercontent.com",
                          "sub": WEB_IDENTITY_SUBJECT, "aud": "sts.amazonaws.com"})

# --------------------------------------------------------------------------- dumpconfig

# What dumpconfig writes for the small organisation (3 roles in 2 accounts) of
# GOLDEN_START_URL, as the sso-session my-sso.
GOLDEN = """\
# BEGIN aws-login dumpconfig [sso-session my-sso]: generated; a re-run replaces this block
# This is your Identity Center portal entry; sign in with: aws sso login --sso-session my-sso
[sso-session my-sso]
sso_region = us-east-1
sso_start_url = https://d-987654321d.awsapps.com/start
sso_registration_scopes = sso:account:access

# Profiles for your discovered access: 3 roles in 2 accounts; use one with --profile NAME
[profile my-acct-1-AdministratorAccess]
sso_session = my-sso
sso_account_id = 111111111111
sso_role_name = AdministratorAccess
#region = us-east-1

[profile my-acct-1-ReadOnlyAccess]
sso_session = my-sso
sso_account_id = 111111111111
sso_role_name = ReadOnlyAccess
#region = us-east-1

[profile my-acct-2-ReadOnlyAccess]
sso_session = my-sso
sso_account_id = 222222222222
sso_role_name = ReadOnlyAccess
#region = us-east-1
# END aws-login dumpconfig [sso-session my-sso]
"""
# A hand-curated config file that dumpconfig merges into.
BEFORE = "# my own settings\n[default]\nregion = eu-west-1\n\n[profile   'hand made']\n" \
         "output = json\n\n"


def aws_cli_v2() -> str | None:
    """The first `aws` on PATH that is the AWS CLI v2 (a v1 may come first, e.g. pip's)."""
    for folder in os.get_exec_path():
        path = shutil.which("aws", path=folder)
        if path is None:
            continue
        try:
            version = subprocess.run([path, "--version"], capture_output=True, text=True,
                                     timeout=60).stdout
        except (OSError, subprocess.SubprocessError):
            continue
        if version.startswith("aws-cli/2."):
            return path
    return None


@contextlib.contextmanager
def sigint_at_its_default() -> Iterator[None]:
    """Start processes with SIGINT at its default action, as a terminal's programs do.

    A job that a non-interactive shell starts in the background (`build-tools/test &` in a
    script, many CI runners) ignores SIGINT, and every child inherits that: aws-login, and
    the /bin/sh of --command, would then never see the Ctrl-C these tests send. A handler
    in this process makes exec reset the signal to its default in the child."""
    ignored = signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    if ignored:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        if ignored:
            signal.signal(signal.SIGINT, signal.SIG_IGN)


def code_program(folder: Path) -> tuple[list[str], Path]:
    """--mfa-process words for a program that prints a new code per run (111111, 222222,
    ...), and the file that counts its runs (read it with `runs_of`)."""
    runs = folder / "runs"
    script = folder / "code.py"
    script.write_text("import pathlib\n"
                      f"runs = pathlib.Path({str(runs)!r})\n"
                      "count = len(runs.read_text()) if runs.exists() else 0\n"
                      "runs.write_text('x' * (count + 1))\n"
                      "print(str(count + 1) * 6)\n")
    return ["--mfa-process", f"{sys.executable} {script}"], runs


def runs_of(runs: Path) -> int:
    """How often the program of `code_program` ran."""
    return len(runs.read_text()) if runs.exists() else 0
