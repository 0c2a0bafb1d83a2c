"""Bad input, by subject: every row is refused with its error (exit 2, or 1 where the input
is fine but the state it finds is not), nothing on stdout, and no request at any server: the
request logs of moto (STS), FakeSso (sso-oidc + portal) and the federation fake stay empty.

Most rows give the whole of stderr; a `part` row gives a part of the one error line (and
checks that there is exactly one). The subjects: role ARNs, role session options, durations,
MFA, the session step, regions and partitions, profiles and AWS config files, output forms,
the clipboard (--copy), runas commands, the command line itself, the console, SSO options,
dumpconfig, token files, the internal SSO cache, SAML and web identity inputs, and
environment variables. Files the rows name ({tmp}/...) are made by make_files: folders,
FIFOs, sockets, devices, huge, unreadable, non-UTF-8, truncated and mistyped files.
"""

from __future__ import annotations

import base64
import json
import os
import re
import socket
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from aws_login.sso.cache import cache_key
from tests.fakes.faults import NOWHERE, record, tracebacks_in
from tests.fakes.federation import FakeFederation
from tests.fakes.moto_server import LoopbackServer
from tests.fakes.sso import FakeSso
from tests.helpers import (
    MFA_SERIAL,
    ROLE_A,
    ROLE_B,
    SIGN_IN,
    SSO_ROLE,
    START_URL,
    USER_KEY_ID,
    USER_SECRET,
    run_cli,
    run_process,
)

TOKEN = {"startUrl": START_URL, "region": "us-east-1", "accessToken": "abcdefgh",
         "expiresAt": "2099-01-01T00:00:00Z"}
TOKEN_FILE = f"{{cache}}/sso/{cache_key(START_URL)}.json"
BAD_INI = ("AWS config and credentials files are INI text in UTF-8 ([section] lines, then "
           "key = value lines); fix it, or point AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE "
           "elsewhere")
SAML_HINT = ("copy the SAMLResponse form field of the POST to https://signin.aws.amazon.com/saml "
             "from the browser's developer tools")
START_URL_HINT = "use your AWS access portal URL, e.g. https://d-1234567890.awsapps.com/start"
NOT_REGULAR = "not a regular file (a pipe, socket or device)"
BIG_POLICY = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject",'
              '"Resource":"arn:aws:s3:::' + "b" * 2100 + '"}]}')


def _write(name: str, content: str | bytes) -> Callable[[Path], None]:
    def setup(tmp: Path) -> None:
        path = tmp / name.replace("{cache}/", "cache/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode() if isinstance(content, str) else content)
    return setup


def _role_profile(settings: str) -> Callable[[Path], None]:
    """[profile prod]: a role above [user]'s IAM user keys, with these settings too."""
    def setup(tmp: Path) -> None:
        _write("aws/credentials", f"[user]\naws_access_key_id = {USER_KEY_ID}\n"
                                  f"aws_secret_access_key = {USER_SECRET}\n")(tmp)
        _write("aws/config", f"[profile prod]\nrole_arn = {ROLE_A}\nsource_profile = user\n"
                             f"{settings}")(tmp)
    return setup


def _token(**change: object) -> str:
    return json.dumps({**TOKEN, **change})


@dataclass(frozen=True)
class Row:
    command: str
    args: tuple[str, ...]
    error: str  # the error after "aws-login: error: "; {tmp} and {cache} filled in
    code: int = 2
    env: tuple[tuple[str, str], ...] = ()
    setup: Callable[[Path], None] | None = None
    warnings: tuple[str, ...] = ()  # stderr lines before the error
    whole: bool = True  # False: `error` is a part of the one error line


def part(command: str, args: tuple[str, ...], fragment: str,
         env: tuple[tuple[str, str], ...] = ()) -> Row:
    """A row whose error line must contain `fragment` (the line is the only one, exit 2)."""
    return Row(command, args, fragment, env=env, whole=False)


ROLE_ARNS = (
    part("getcallerid", ("--assume-roles", "Admin"),
         "'Admin' is not a role ARN; expected e.g. arn:aws:iam::123456789012:role/Admin"),
    part("dumpcreds", ("--assume-roles", "arn:aws:iam::123456789012:user/alice"),
         "'arn:aws:iam::123456789012:user/alice' is not a role ARN"),
    part("runas", ("--assume-roles", "arn:aws:iam::123456789012", "--command", "true"),
         "'arn:aws:iam::123456789012' is not a role ARN"),
    part("getcallerid", ("--assume-roles", "arn:aws:iam::12345678901:role/A"),
         "'arn:aws:iam::12345678901:role/A': account '12345678901' is not valid; an AWS "
         "account id is 12 digits"),
    part("dumpcreds", ("--assume-roles", "arn:aws:iam::1234567890123:role/A"),
         "account '1234567890123' is not valid"),
    part("getcallerid", ("--assume-roles", "arn:aws:iam::12345678901x:role/A"),
         "account '12345678901x' is not valid"),
    part("getcallerid", ("--assume-roles", "arn:aws:iam::１２３４５６７８９０１２:role/A"),
         "is not valid; an AWS account id is 12 digits"),
    Row("console", ("--assume-roles", "arn:aws:iam::123:role/A"),
        "'arn:aws:iam::123:role/A': account '123' is not valid; an AWS account id is 12 digits"),
    part("dumpcreds", ("--assume-roles", "arn:aws-mars:iam::123456789012:role/A"),
         "unknown partition 'aws-mars'; use one of aws, aws-us-gov, aws-cn"),
    part("getcallerid", ("--assume-roles", "arn:aws:sts::123456789012:role/A"),
         "is not an IAM role ARN"),
    part("runas", ("--assume-roles", "arn:aws:iam:eu-west-1:123456789012:role/A", "--", "true"),
         "is not an IAM role ARN"),
    part("getcallerid", ("--assume-roles", "arn:aws:iam::123456789012:role/Bad*Name"),
         "invalid role name 'Bad*Name'; use 1-64 characters from ASCII letters, digits and "
         "+=,.@_-"),
    Row("getcallerid", ("--assume-roles", "arn:aws:iam::123456789012:role/Ünïcode"),
        "'arn:aws:iam::123456789012:role/Ünïcode': invalid role name 'Ünïcode'; use 1-64 "
        "characters from ASCII letters, digits and +=,.@_-"),
    part("dumpcreds", ("--assume-roles", "arn:aws:iam::123456789012:role/" + "n" * 65),
         "invalid role name"),
    part("getcallerid", ("--assume-roles", "arn:aws:iam::123456789012:role/team/"),
         "invalid role name ''"),
    # a command-line word that is not UTF-8 (as Python hands it over: surrogates)
    Row("dumpcreds", ("--assume-roles", "arn:aws:iam::111111111111:role/\udcff"),
        "'arn:aws:iam::111111111111:role/\\udcff': invalid role name '\\udcff'; use 1-64 "
        "characters from ASCII letters, digits and +=,.@_-"),
    part("getcallerid", ("--assume-roles", "arn:aws:iam::123456789012:role/tëam/A"),
         "invalid role path '/tëam/'; a path looks like /team/"),
    part("dumpcreds", ("--assume-roles", "arn:aws:iam::123456789012:role//A"),
         "invalid role path '//'"),
    part("getcallerid", ("--assume-roles", f"{ROLE_A}, arn:aws-cn:iam::123456789012:role/C"),
         "--assume-roles mixes partitions (aws, aws-cn); a chain stays in one partition"),
    part("dumpcreds", ("--assume-roles", ""),
         "--assume-roles is empty; give one or more role ARNs"),
    part("runas", ("--assume-roles", " , ", "--command", "true"), "--assume-roles is empty"),
)

ROLE_SESSION_OPTIONS = (
    part("getcallerid", ("--assume-roles", ROLE_A, "--role-session-name", "a"),
         "role session name 'a' is not valid; use 2-64 characters"),
    part("dumpcreds", ("--assume-roles", ROLE_A, "--role-session-name", "alice smith"),
         "role session name 'alice smith' is not valid"),
    part("getcallerid", ("--assume-roles", ROLE_A, "--role-session-name", "s" * 65),
         "role session name"),
    Row("getcallerid", ("--assume-roles", ROLE_A, "--role-session-name", "bad\udcffname"),
        "role session name 'bad\\udcffname' is not valid; use 2-64 characters from ASCII "
        "letters, digits and +=,.@_-"),
    part("getcallerid", ("--role-session-name", "alice"),
         "--role-session-name applies to --assume-roles; add the roles"),
    part("getcallerid", ("--assume-roles", ROLE_A, "--external-id", "x"),
         "--external-id is not valid; use 2-1224 characters"),
    part("dumpcreds", ("--assume-roles", ROLE_A, "--external-id", "has space"),
         "--external-id is not valid"),
    part("getcallerid", ("--external-id", "abc123"),
         "--external-id applies to the first role of --assume-roles; add it"),
)

DURATIONS = (
    part("dumpcreds", ("--assume-roles", ROLE_A, "--duration", "899"),
         "--duration 899 is out of range; AssumeRole allows 900-43200 seconds"),
    part("getcallerid", ("--assume-roles", ROLE_A, "--duration", "43201"),
         "--duration 43201 is out of range"),
    part("dumpcreds", ("--assume-roles", ROLE_A, "--duration", "-900"),
         "--duration -900 is out of range"),
    part("dumpcreds", ("--assume-roles", ROLE_A, "--duration", "1h"),
         "argument --duration: '1h' is not a whole number of seconds, e.g. 3600"),
    part("runas", ("--assume-roles", ROLE_A, "--duration", "3600.5", "--command", "true"),
         "'3600.5' is not a whole number of seconds"),
    part("getcallerid", ("--assume-roles", f"{ROLE_A} {ROLE_B}", "--duration", "3601"),
         f"hop 2/2 ({ROLE_B}) is signed by the previous hop's role session; AWS caps such "
         "chained role sessions at 3600 s"),
    part("dumpcreds", ("--get-session-token", "--duration", "129601"),
         "--duration 129601 is out of range; GetSessionToken allows 900-129600 seconds"),
    part("dumpcreds", ("--get-federation-token", "--duration", "600"),
         "--duration 600 is out of range; GetFederationToken allows 900-129600 seconds"),
    part("getcallerid", ("--duration", "3600"),
         "--duration applies to --assume-roles or a session step"),
    Row("console", ("--console-duration", "100"),
        "--console-duration 100 is out of range; the console allows 900-43200 seconds"),
    Row("console", ("--console-duration", "50000"),
        "--console-duration 50000 is out of range; the console allows 900-43200 seconds"),
    Row("console", ("--console-duration", "1h"),
        "argument --console-duration: '1h' is not a whole number of seconds, e.g. 3600 "
        "(see: aws-login console --help)"),
    Row("console", ("--get-federation-token", "--duration", "1000", "--console-duration", "2000"),
        "--duration and --console-duration both set the lifetime of the GetFederationToken "
        "credentials (their console session lasts as long as they do); give only one"),
)

MFA = (
    part("getcallerid", ("--assume-roles", ROLE_A, "--mfa-serial", "short", "--mfa-token",
                         "123456"),
         "MFA serial 'short' is not valid; use the device ARN"),
    part("dumpcreds", ("--assume-roles", ROLE_A, "--mfa-serial", MFA_SERIAL, "--mfa-token",
                       "12345"),
         "MFA code is not valid; enter the 6 digits your device shows"),
    part("getcallerid", ("--get-session-token", "--mfa-serial", MFA_SERIAL, "--mfa-token",
                         "abcdef"),
         "MFA code is not valid"),
    part("getcallerid", ("--assume-roles", ROLE_A, "--mfa-token", "123456"),
         "--mfa-token needs --mfa-serial (the MFA device ARN)"),
    part("getcallerid", ("--assume-roles", ROLE_A, "--mfa-session-duration", "3600"),
         "--mfa-session-duration needs --mfa-serial (the MFA device ARN)"),
    part("getcallerid", ("--get-session-token", "--mfa-serial", MFA_SERIAL,
                         "--mfa-session-duration", "3600"),
         "--mfa-session-duration sets the session that signs --assume-roles; without hops, "
         "use --duration for --get-session-token"),
    part("getcallerid", ("--assume-roles", ROLE_A, "--mfa-serial", MFA_SERIAL,
                         "--mfa-session-duration", "600"),
         "--mfa-session-duration 600 is out of range; GetSessionToken allows 900-129600 "
         "seconds"),
    part("runas", ("--assume-roles", ROLE_A, "--mfa-serial", MFA_SERIAL,
                   "--mfa-session-duration", "1h", "--", "true"),
         "argument --mfa-session-duration: '1h' is not a whole number of seconds, e.g. 3600"),
    part("dumpcreds", ("--assume-roles", ROLE_A, "--mfa-serial", MFA_SERIAL),
         "--mfa-serial needs an MFA code and nobody can be asked here (no terminal, /dev/tty "
         "or desktop dialog); pass --mfa-token CODE or --mfa-process COMMAND, use --prompt "
         "ykman for a YubiKey, or run it at a terminal"),
    part("getcallerid", ("--mfa-serial", MFA_SERIAL, "--mfa-token", "123456"),
         "--mfa-serial applies to the first STS call; add --assume-roles or --get-session-token"),
)

SESSION_STEP = (
    part("dumpcreds", ("--get-session-token", "--get-federation-token"),
         "argument --get-federation-token: not allowed with argument --get-session-token"),
    part("getcallerid", ("--get-federation-token", "--assume-roles", ROLE_A),
         "--get-federation-token credentials cannot call AssumeRole; use --get-session-token "
         "with --assume-roles instead"),
    part("dumpcreds", ("--get-federation-token", "--mfa-serial", MFA_SERIAL, "--mfa-token",
                       "123456"),
         "GetFederationToken does not take MFA; use --get-session-token with --mfa-serial"),
    Row("console", ("--get-session-token",),
        "GetSessionToken credentials cannot sign in to the AWS console (the federation "
        "endpoint refuses them); drop --get-session-token to let aws-login use "
        "GetFederationToken, or add --assume-roles ROLE_ARN to open the console as a role "
        "(GetSessionToken with --mfa-serial followed by a role works)"),
    part("dumpcreds", ("--federation-name", "alice"),
         "--federation-name and --federation-policy apply to --get-federation-token; add it"),
    part("dumpcreds", ("--get-federation-token", "--federation-name", "a"),
         "federation name 'a' is not valid; use 2-32 characters"),
    part("dumpcreds", ("--get-federation-token", "--federation-name", "f" * 33),
         "federation name"),
    part("getcallerid", ("--get-federation-token", "--federation-policy", "{not json"),
         "--federation-policy is not valid JSON (Expecting property name enclosed in double "
         "quotes at line 1); pass a policy document or file://PATH"),
    part("getcallerid", ("--get-federation-token", "--federation-policy", '["s3:*"]'),
         "--federation-policy must be an IAM policy document with a Statement"),
    part("getcallerid", ("--get-federation-token", "--federation-policy", BIG_POLICY),
         "characters without white space; AWS allows at most 2048"),
    # --federation-policy files
    part("getcallerid", ("--get-federation-token", "--federation-policy",
                         "file://{tmp}/missing.json"),
         "--federation-policy: cannot read {tmp}/missing.json: No such file or directory"),
    Row("getcallerid", ("--get-federation-token", "--federation-policy",
                        "file://{tmp}/latin1.json"),
        "--federation-policy: {tmp}/latin1.json is not UTF-8 text; it should hold a JSON "
        "policy document"),
    Row("dumpcreds", ("--get-federation-token", "--federation-policy", "file://{tmp}/folder"),
        "--federation-policy: cannot read {tmp}/folder: Is a directory"),
    Row("dumpcreds", ("--get-federation-token", "--federation-policy", "file:///dev/zero"),
        f"--federation-policy: cannot read /dev/zero: {NOT_REGULAR}"),
    Row("dumpcreds", ("--get-federation-token", "--federation-policy", "file://{tmp}/fifo"),
        f"--federation-policy: cannot read {{tmp}}/fifo: {NOT_REGULAR}"),
    Row("dumpcreds", ("--get-federation-token", "--federation-policy", "file://{tmp}/huge.json"),
        "--federation-policy: {tmp}/huge.json is larger than 1048576 bytes; it is not a "
        "policy"),
)

REGIONS = (
    part("getcallerid", ("--region", "useast1"),
         "region 'useast1' is not valid; expected e.g. us-east-1"),
    part("dumpcreds", ("--region", "US-EAST-1", "--assume-roles", ROLE_A),
         "region 'US-EAST-1' is not"),
    Row("dumpconfig", ("--use-cache", "--region", "moon"),
        "region 'moon' is not valid; expected e.g. us-east-1"),
    Row("dumpconfig", ("--use-cache", "--sso-region", "us east 1"),
        "region 'us east 1' is not valid; expected e.g. us-east-1"),
    Row("getcallerid", ("--use-cache", "--start-url", START_URL, "--sso-region", "us east 1",
                        *SSO_ROLE),
        "region 'us east 1' is not valid; expected e.g. us-east-1"),
    # one partition check, one message, wherever the region came from
    Row("getcallerid", ("--region", "cn-north-1", "--assume-roles", ROLE_A),
        "region cn-north-1 (from --region) is in partition aws-cn, but the role chain is in "
        "aws; pass --region with a region of aws, e.g. us-east-1"),
    Row("runas", ("--region", "us-east-1", "--assume-roles",
                  "arn:aws-us-gov:iam::123456789012:role/G", "--", "true"),
        "region us-east-1 (from --region) is in partition aws, but the role chain is in "
        "aws-us-gov; pass --region with a region of aws-us-gov, e.g. us-gov-west-1"),
)

PROFILES_AND_CONFIG_FILES = (
    part("getcallerid", ("--profile", ""), "--profile needs a profile name, e.g. --profile dev"),
    part("getcallerid", ("--profile",), "argument --profile: expected one argument"),
    Row("getcallerid", ("--profile", "nosuch"),
        "profile 'nosuch' (--profile) was not found in {tmp}/aws/config or "
        "{tmp}/aws/credentials; check the name, or set AWS_CONFIG_FILE / "
        "AWS_SHARED_CREDENTIALS_FILE"),
    Row("getcallerid", (), f"cannot parse {{tmp}}/aws/config: {BAD_INI}",
        setup=_write("aws/config", b"[default]\nregion = \xff\xfe\n")),
    Row("getcallerid", (), f"cannot parse {{tmp}}/aws/config: {BAD_INI}",
        setup=_write("aws/config", "[default\nregion = us-east-1\n")),
    Row("getcallerid", (), f"cannot parse {{tmp}}/aws/config: {BAD_INI}",
        setup=_write("aws/config", "region = us-east-1\n")),
    Row("getcallerid", ("--profile", "x"), f"cannot parse {{tmp}}/aws/credentials: {BAD_INI}",
        setup=_write("aws/credentials", b"[x]\naws_access_key_id = \xff\n")),
    # a role profile with mfa_serial above an IAM user's keys (sources/role_profile.py)
    Row("getcallerid", ("--profile", "prod"),
        "profile 'prod' in {tmp}/aws/config: MFA serial 'alice' is not valid; use the device "
        "ARN, e.g. arn:aws:iam::123456789012:mfa/alice, or a hardware serial number",
        setup=_role_profile("mfa_serial = alice\n")),
    Row("getcallerid", ("--profile", "prod"),
        "profile 'prod' in {tmp}/aws/config: duration_seconds 'hour' is not a whole number of "
        "seconds, e.g. 3600", setup=_role_profile(f"mfa_serial = {MFA_SERIAL}\n"
                                                   "duration_seconds = hour\n")),
    Row("getcallerid", ("--profile", "prod", "--mfa-serial", "arn:aws:iam::123456789012:mfa/bob"),
        f"--mfa-serial differs from the mfa_serial of profile 'prod' ({MFA_SERIAL}); drop "
        "--mfa-serial", setup=_role_profile(f"mfa_serial = {MFA_SERIAL}\n")),
    Row("runas", ("--profile", "prod", "--", "true"),
        "the role profile's mfa_serial needs an MFA code and nobody can be asked here (no "
        "terminal, /dev/tty or desktop dialog); pass --mfa-token CODE or --mfa-process COMMAND, "
        "use --prompt ykman for a YubiKey, or run it at a terminal",
        setup=_role_profile(f"mfa_serial = {MFA_SERIAL}\n")),
    Row("dumpcreds", ("--profile", "prod", "--mfa-process", "op read code"),
        "--mfa-process gives the code of an MFA device; add --mfa-serial ARN",
        setup=_role_profile("")),  # no mfa_serial: botocore's profile, no device
)

OUTPUT_FORMS = (
    part("dumpcreds", ("--outform", "zsh"), "argument --outform: invalid choice: 'zsh'"),
    Row("dumpcreds", ("--unset-stale", "--credential-helper"),
        "--unset-stale applies to shell exports; drop it or --credential-helper"),
    part("dumpcreds", ("--outform", "fish", "--credential-helper"),
         "argument --credential-helper: not allowed with argument --outform"),
    Row("dumpcreds", ("--copy", "--credential-helper"),
        "--copy puts shell exports on the clipboard, and credential_process JSON is read by "
        "programs, not pasted; drop --copy or --credential-helper"),
    Row("dumpcreds", ("--copy", "--write-profile", "dev"),
        "--copy and --write-profile both say where the credentials go; give only one"),
    Row("dumpcreds", ("--copy", "--unset-stale"),
        "--unset-stale is for output that a shell sources, and with --copy nothing is "
        "printed; drop --unset-stale or --copy"),
)

# --copy: which clipboard is checked before any network call (run_cli: no terminal)
NO_SESSION = (("SSH_CONNECTION", ""), ("SSH_TTY", ""), ("PATH", "{tmp}/folder"))
CLIPBOARD = (
    Row("dumpcreds", ("--copy",), "AWS_LOGIN_CLIPBOARD 'klipper' is not a clipboard method; "
        "use one of wl-copy, xclip, xsel, pbcopy, clip.exe, osc52, or unset it to let "
        "aws-login choose", env=(("AWS_LOGIN_CLIPBOARD", "klipper"),)),
    Row("console", ("--copy",), "--copy: no clipboard to copy to (no wl-copy, xclip, xsel, "
        "pbcopy or clip.exe for this session, and no terminal to send OSC 52 to); run it at a "
        "terminal, install a clipboard program, or leave out --copy", code=1,
        env=(*NO_SESSION, ("AWS_LOGIN_CLIPBOARD", ""))),
    Row("dumpcreds", ("--copy",), "--copy: AWS_LOGIN_CLIPBOARD=xclip, but xclip is not on "
        "PATH; install it, or set AWS_LOGIN_CLIPBOARD to another method", code=1,
        env=(*NO_SESSION, ("AWS_LOGIN_CLIPBOARD", "xclip"))),
    Row("dumpcreds", ("--copy",), "--copy: AWS_LOGIN_CLIPBOARD=osc52, but there is no "
        "terminal to send the escape to; run it at a terminal, or set AWS_LOGIN_CLIPBOARD to "
        "a clipboard program", code=1, env=(("AWS_LOGIN_CLIPBOARD", "osc52"),)),
)

RUNAS_COMMANDS = (
    part("runas", (), "nothing to run; add --command \"aws s3 ls\" or -- PROGRAM ARGS"),
    part("runas", ("--command", "env", "--", "env"),
         "give either --command STRING or -- PROGRAM ARGS, not both"),
    part("runas", ("--command", "  "), "--command is empty; give the command to run"),
)

COMMAND_LINE = (
    part("getcallerid", ("--no-such-option",), "unrecognized arguments: --no-such-option"),
    Row("getcallerid", ("--porfile", "dev"),
        "unrecognized arguments: --porfile dev; did you mean --profile? (see: aws-login "
        "getcallerid --help)"),
    Row("dumpcreds", ("--outfrom", "fish", "--regoin", "eu-west-1"),
        "unrecognized arguments: --outfrom fish --regoin eu-west-1; did you mean --outform for "
        "--outfrom, --region for --regoin? (see: aws-login dumpcreds --help)"),
    Row("runas", ("--bogus", "printenv"),
        "unrecognized arguments: --bogus (see: aws-login runas --help)"),
    Row("importcache", (), "the following arguments are required: --accesstoken-cache "
        "(see: aws-login importcache --help)"),
    Row("clearcache", ("--only", "nothing"),
        "argument --only: invalid choice: 'nothing' (choose from 'sessions', 'sso', "
        "'jumpcloud') (see: aws-login clearcache --help)"),
)

CONSOLE = (
    Row("console", ("--destination", "ftp://example.com/x"),
        "--destination 'ftp://example.com/x' is not an AWS console URL; it must be https:// on "
        "a console host such as console.aws.amazon.com, console.amazonaws-us-gov.com or "
        "console.amazonaws.cn"),
    Row("console", ("--destination", "not a service"),
        "--destination 'not a service' is neither a console URL nor a service name; use e.g. "
        "--destination s3 or --destination https://console.aws.amazon.com/ec2/home"),
    Row("console", ("--issuer", "has space"),
        "--issuer 'has space' is not valid; give a URL without spaces, e.g. "
        "https://portal.example.com"),
    Row("console", ("--destination", "//evil.example.com/x"),
        "--destination '//evil.example.com/x' is not a console path; give one that starts "
        "with a single /, without spaces, e.g. --destination /ec2/home?region=eu-west-1"),
)

_PORTAL_ROLE = ("--sso-acct-id", "111111111111", "--sso-role-name", "ReadOnly")
_FIREFOX_ONLY = ("--container-color and --container-icon are for a new Firefox container: add "
                 "--browser firefox --browser-profile NAME")


def _programs(tmp: Path) -> None:
    from tests.fakes import browsers

    browsers.install(tmp / "bin", ("chromium", "vivaldi"))


BROWSERS = (
    Row("console", ("--browser", "opera"),
        "--browser 'opera' is not a browser aws-login knows; use one of firefox, chrome, "
        "chromium, brave, edge, safari, the path of the browser's program, or "
        "--browser-command TEMPLATE"),
    Row("console", ("--browser", "chrome"),
        "--browser chrome: Chrome is not installed here (looked for google-chrome, "
        "google-chrome-stable, chrome on PATH); install it, or give its program's path, e.g. "
        "--browser /path/to/google-chrome", code=1, env=(("PATH", "{tmp}/folder"),)),
    Row("console", ("--browser", "{tmp}/no-such-browser"),
        "--browser {tmp}/no-such-browser: no such program (not an executable file); give the "
        "full path of the browser's program", code=1),
    Row("console", ("--browser", "firefox", "--browser-command", "x {url}"),
        "argument --browser-command: not allowed with argument --browser (see: aws-login "
        "console --help)"),
    Row("console", ("--no-browser", "--browser", "firefox"),
        "--no-browser prints the URL instead of opening it; drop it, or drop --browser / "
        "--browser-command / --browser-profile"),
    Row("console", ("--copy", "--browser", "firefox"),
        "--copy puts the URL on the clipboard instead of opening it; drop it, or drop "
        "--browser / --browser-command / --browser-profile"),
    Row("console", ("--browser-profile", "p"),
        "--browser-profile needs --browser (chrome, chromium, brave, edge or firefox): "
        "aws-login cannot tell which browser BROWSER or the system default is; or use "
        "--browser-command with {profile}"),
    Row("console", ("--browser-profile", " ", "--browser", "firefox"),
        "--browser-profile ' ' is not a usable name; give 1-128 printable characters, e.g. "
        "--browser-profile prod-admin, or --browser-profile auto (from the account id and "
        "role name)"),
    Row("console", ("--browser-profile", "a\tb", "--browser", "firefox"),
        "--browser-profile 'a\\tb' is not a usable name; give 1-128 printable characters, "
        "e.g. --browser-profile prod-admin, or --browser-profile auto (from the account id "
        "and role name)"),
    Row("console", ("--browser-profile", "p", "--browser", "{tmp}/bin/vivaldi"),
        "--browser-profile works with Chromium-family browsers (chrome, chromium, brave, edge: "
        "a profile folder each) and Firefox (a container each); vivaldi has neither: use "
        "--browser-command TEMPLATE with {profile} or {profile_dir}", setup=_programs),
    Row("console", ("--browser-profile", "p", "--browser", "{tmp}/bin/chromium",
                    "--container-color", "red"), _FIREFOX_ONLY, setup=_programs),
    Row("console", ("--container-icon", "briefcase", "--browser", "firefox"), _FIREFOX_ONLY),
    Row("console", ("--container-color", "toolbar"),
        "argument --container-color: invalid choice: 'toolbar' (choose from 'blue', "
        "'turquoise', 'green', 'yellow', 'orange', 'red', 'pink', 'purple') (see: aws-login "
        "console --help)"),
    Row("console", ("--browser-command", "my-browser 'unclosed {url}"),
        "--browser-command \"my-browser 'unclosed {url}\" cannot be split into words (No "
        "closing quotation); quote as in a POSIX shell, e.g. --browser-command 'my-browser "
        "--new-tab {url}'"),
    Row("console", ("--browser-command", "  "),
        "--browser-command '  ' has no program; give e.g. --browser-command 'my-browser "
        "--new-tab {url}'"),
    Row("console", ("--browser-command", "my-browser --profile={profile} {url}"),
        "--browser-command uses {profile} or {profile_dir}; add --browser-profile NAME or "
        "--browser-profile auto"),
    Row("console", ("--browser-command", "my-browser {url}", "--browser-profile", "p"),
        "--browser-profile with --browser-command needs {profile} or {profile_dir} in the "
        "command, to tell it which profile"),
    Row("console", ("--browser-command", "my-browser --app={URL}"),
        "--browser-command: {URL} is not a placeholder; use {url}, {profile} or {profile_dir}"),
    Row("console", ("--browser-command", "my-browser --dir={profile-dir} {url}",
                    "--browser-profile", "p"),
        "--browser-command: {profile-dir} is not a placeholder; use {url}, {profile} or "
        "{profile_dir}"),
    # A program that is not there is said before the sign-in, as for --browser.
    Row("console", ("--browser-command", "no-such-browser --new-tab {url}"),
        "--browser-command: no-such-browser is not on PATH (or not an executable file); "
        "install it, or give its full path", code=1),
    Row("console", ("--browser-command", "{tmp}/bin/no-such-browser {url}"),
        "--browser-command: {tmp}/bin/no-such-browser is not on PATH (or not an executable "
        "file); install it, or give its full path", code=1),
    Row("console", ("--via-portal",),
        "--via-portal opens the access portal's shortcut for an SSO role; start from one "
        "(--sso-acct-id ID --sso-role-name NAME with --start-url or --use-cache, or --profile "
        "naming an SSO profile), or drop --via-portal"),
    # Not an SSO role at all: that is said, not the chain after it.
    Row("console", ("--via-portal", "--assume-roles", ROLE_A),
        "--via-portal opens the access portal's shortcut for an SSO role; start from one "
        "(--sso-acct-id ID --sso-role-name NAME with --start-url or --use-cache, or --profile "
        "naming an SSO profile), or drop --via-portal"),
    Row("console", ("--via-portal", *SIGN_IN, *_PORTAL_ROLE, "--assume-roles", ROLE_A),
        "--via-portal opens the SSO role itself; the portal cannot open a role chain or a "
        "session step after it: drop --assume-roles / --get-session-token / "
        "--get-federation-token (or the profile's role_arn), or drop --via-portal to sign in "
        "through federation"),
    Row("console", ("--via-portal", *SIGN_IN, *_PORTAL_ROLE, "--console-duration", "3600"),
        "--console-duration is for a federation sign-in; --via-portal opens the portal's "
        "shortcut, whose session the portal decides: drop one of them"),
    Row("console", ("--via-portal", *SIGN_IN, *_PORTAL_ROLE, "--logout-first"),
        "--logout-first is for a federation sign-in; --via-portal opens the portal's "
        "shortcut, whose session the portal decides: drop one of them"),
    Row("console", ("--via-portal", "--sso-access-token", "abcdefgh", *_PORTAL_ROLE),
        "--via-portal needs the access portal's URL; add --start-url URL, e.g. --start-url "
        "https://d-1234567890.awsapps.com/start"),
    Row("console", ("--via-portal", "--use-cache", *_PORTAL_ROLE),
        "--use-cache found no cached sign-in; sign in first: aws-login login --start-url URL "
        "(or import one: aws-login importcache --accesstoken-cache file://PATH)",
        env=(("AWS_LOGIN_CACHE_DIR", "{tmp}/empty-cache"),)),
)

SSO_OPTIONS = (
    Row("getcallerid", ("--use-cache", "--sso-acct-id", "12345", "--sso-role-name", "X"),
        "--sso-acct-id '12345' is not valid; an AWS account id is 12 digits"),
    Row("dumpcreds", ("--use-cache", "--sso-acct-id", "111111111111", "--sso-role-name",
                      "bad role!"),
        "--sso-role-name 'bad role!' is not valid; use the permission set name, e.g. "
        "AdministratorAccess"),
    Row("getcallerid", ("--use-cache", "--sso-acct-id", "111111111111"),
        "--sso-acct-id and --sso-role-name go together; give both"),
    Row("dumpcreds", ("--sso-access-token", "T"),
        "an SSO token needs a role to start from; add --sso-acct-id ID --sso-role-name NAME"),
    Row("runas", (*SSO_ROLE, "--command", "true"),
        "an SSO role needs a token: add --start-url URL to sign in, --use-cache, "
        "--accesstoken-cache file://PATH or --sso-access-token"),
    Row("dumpconfig", (), "dumpconfig needs an SSO token: add --start-url URL to sign in, or "
        "--use-cache, --accesstoken-cache file://PATH or --sso-access-token"),
    Row("dumpconfig", ("--start-url", "http://example.com/start"),
        f"--start-url 'http://example.com/start' is not valid; {START_URL_HINT}"),
    Row("dumpconfig", ("--start-url", "https://"),
        f"--start-url 'https://' is not valid; {START_URL_HINT}"),
    Row("dumpconfig", ("--start-url", "https://d-1.awsapps.com/st art"),
        f"--start-url 'https://d-1.awsapps.com/st art' is not valid; {START_URL_HINT}"),
    Row("dumpconfig", ("--start-url", "javascript:alert(1)"),
        f"--start-url 'javascript:alert(1)' is not valid; {START_URL_HINT}"),
    Row("getcallerid", ("--use-cache", "--start-url", "javascript:alert(1)", *SSO_ROLE),
        f"--start-url 'javascript:alert(1)' is not valid; {START_URL_HINT}"),
    Row("dumpconfig", ("--sso-access-token", "  "),
        "--sso-access-token is empty; pass the token, or sign in with --start-url URL"),
    Row("dumpconfig", ("--sso-access-token", "T", "--accesstoken-cache", "file://x"),
        "give either --sso-access-token or --accesstoken-cache, not both"),
    Row("dumpconfig", ("--sso-access-token", "T", "--use-cache"),
        "--sso-access-token is used as it is and never cached; drop --use-cache, or drop "
        "--sso-access-token to use the cached sign-in"),
    Row("dumpconfig", ("--accesstoken-cache", "file://{tmp}/truncated.json", "--use-cache"),
        "--accesstoken-cache reads an external file and never writes aws-login's cache; drop "
        "--use-cache, or drop --accesstoken-cache to use the cached sign-in"),
    Row("dumpconfig", ("--accesstoken-cache", ""),
        "--accesstoken-cache needs a file, e.g. file://~/.aws/sso/cache/x.json"),
    Row("dumpconfig", ("--use-cache", "--sso-region", "us-east-1"),
        "--use-cache found no cached sign-in; sign in first: aws-login login --start-url URL "
        "(or import one: aws-login importcache --accesstoken-cache file://PATH)"),
    # a credential command with a sign-in but no SSO role: refused before the sign-in
    Row("getcallerid", ("--use-cache", *SIGN_IN),
        "--start-url signs in to start from an SSO role, and none is given: add --sso-acct-id "
        "ID --sso-role-name NAME; to sign in only: aws-login login --start-url "
        f"{START_URL} --sso-region us-east-1"),
    Row("dumpcreds", ("--use-cache", "--start-url", START_URL),
        "--start-url signs in to start from an SSO role, and none is given: add --sso-acct-id "
        f"ID --sso-role-name NAME; to sign in only: aws-login login --start-url {START_URL}"),
    Row("login", (), "login needs a portal: add --start-url URL (your AWS access portal) or "
        "--profile NAME (a profile with sso_session)"),
    Row("login", ("--start-url", "http://example.com/start"),
        f"--start-url 'http://example.com/start' is not valid; {START_URL_HINT}"),
)

DUMPCONFIG = (
    Row("dumpconfig", ("--use-cache", "--dry-run"),
        "--dry-run shows the change to a file; add --output FILE"),
    Row("dumpconfig", ("--use-cache", "--max-concurrency", "0"),
        "--max-concurrency must be 1 to 64, e.g. 8"),
    Row("dumpconfig", ("--use-cache", "--max-concurrency", "65"),
        "--max-concurrency must be 1 to 64, e.g. 8"),
    Row("dumpconfig", ("--use-cache", "--max-concurrency", "many"),
        "argument --max-concurrency: invalid int value: 'many' (see: aws-login dumpconfig "
        "--help)"),
    Row("dumpconfig", ("--use-cache", "--sso-session-name", "bad name"),
        "--sso-session-name 'bad name' is not a safe config section name; use letters, digits "
        "and _ . @ + = - (starting with a letter or digit), e.g. --sso-session-name my-sso"),
    Row("dumpconfig", ("--use-cache", "--profile-template", "{nope}"),
        "--profile-template: unknown field {nope}; the fields are {account_id}, "
        "{account_name}, {role_name}, {session_name}; e.g. --profile-template "
        "'{account_name}-{role_name}'"),
    Row("dumpconfig", ("--use-cache", "--output", "{tmp}/no/such/dir/config"),
        "--output {tmp}/no/such/dir/config: the folder {tmp}/no/such/dir does not exist; check "
        "the path, or create the folder first (mkdir -p {tmp}/no/such/dir)"),
    Row("dumpconfig", ("--use-cache", "--output", "{tmp}/folder"),
        "--output {tmp}/folder is a folder; give a file, e.g. ~/.aws/config"),
    Row("dumpconfig", ("--use-cache", "--output", "{tmp}/fifo"),
        f"--output: cannot read {{tmp}}/fifo: {NOT_REGULAR}"),
    Row("dumpconfig", ("--use-cache", "--output", "{tmp}/huge-config"),
        f"--output {{tmp}}/huge-config is larger than {16 << 20} bytes; it is not an AWS "
        "config file"),
)

# --accesstoken-cache (dumpconfig, the credential commands, importcache): files that are not
# token files.
TOKEN_FILES = (
    Row("dumpconfig", ("--accesstoken-cache", "file://{tmp}/folder"),
        "--accesstoken-cache: {tmp}/folder is a folder, not a file"),
    Row("importcache", ("--accesstoken-cache", "{tmp}/folder"),
        "--accesstoken-cache: {tmp}/folder is a folder, not a file"),
    Row("dumpconfig", ("--accesstoken-cache", "file://{tmp}/missing.json"),
        "--accesstoken-cache: {tmp}/missing.json does not exist; give the path of a token "
        "file, e.g. file://~/.aws/sso/cache/<hash>.json"),
    Row("importcache", ("--accesstoken-cache", "file://{tmp}/two\nlines\x1b[2J.json"),
        "--accesstoken-cache: {tmp}/two\\nlines\\x1b[2J.json does not exist; give the path "
        "of a token file, e.g. file://~/.aws/sso/cache/<hash>.json"),
    Row("dumpconfig", ("--accesstoken-cache", "file://{tmp}/huge.json"),
        "--accesstoken-cache: {tmp}/huge.json is larger than 1048576 bytes; it is not a cache "
        "file"),
    Row("dumpconfig", ("--accesstoken-cache", "file://{tmp}/fifo"),
        f"--accesstoken-cache: cannot read {{tmp}}/fifo: {NOT_REGULAR}"),
    Row("dumpconfig", ("--accesstoken-cache", "file://{tmp}/socket"),
        "--accesstoken-cache: cannot read {tmp}/socket: No such device or address"),
    Row("dumpconfig", ("--accesstoken-cache", "file:///dev/zero"),
        f"--accesstoken-cache: cannot read /dev/zero: {NOT_REGULAR}"),
    Row("dumpconfig", ("--accesstoken-cache", "file://{tmp}/latin1.json"),
        "--accesstoken-cache: {tmp}/latin1.json is not UTF-8 text"),
    Row("dumpconfig", ("--accesstoken-cache", "file://{tmp}/truncated.json"),
        "--accesstoken-cache: {tmp}/truncated.json: not valid JSON (Unterminated string "
        "starting at: line 1 column 56)"),
    Row("getcallerid", ("--accesstoken-cache", "file://{tmp}/truncated.json", *SSO_ROLE),
        "--accesstoken-cache: {tmp}/truncated.json: not valid JSON (Unterminated string "
        "starting at: line 1 column 56)"),
    Row("importcache", ("--accesstoken-cache", "file://{tmp}/empty.json"),
        "--accesstoken-cache: {tmp}/empty.json: not valid JSON (Expecting value: line 1 "
        "column 1)"),
    Row("importcache", ("--accesstoken-cache", "file://{tmp}/array.json"),
        "--accesstoken-cache: {tmp}/array.json: not a token file: expected a JSON object"),
    Row("importcache", ("--accesstoken-cache", "file://{tmp}/expires-int.json"),
        "--accesstoken-cache: {tmp}/expires-int.json: expiresAt must be a timestamp string "
        "like 2026-01-01T00:00:00Z, not int"),
    Row("importcache", ("--accesstoken-cache", "file://{tmp}/registration-int.json"),
        "--accesstoken-cache: {tmp}/registration-int.json: registrationExpiresAt must be a "
        "timestamp string like 2026-01-01T00:00:00Z, not int"),
    Row("importcache", ("--accesstoken-cache", "file://{tmp}/refresh-empty.json"),
        "--accesstoken-cache: {tmp}/refresh-empty.json: refreshToken must be a non-empty "
        "string"),
    Row("importcache", ("--accesstoken-cache", "file://{tmp}/region-list.json"),
        "--accesstoken-cache: {tmp}/region-list.json: region must be a non-empty string"),
    Row("importcache", ("--accesstoken-cache", "file://{tmp}/http-start.json"),
        "--accesstoken-cache: startUrl 'http://d-1.awsapps.com/start' is not an https URL; "
        "this is not an IAM Identity Center token file"),
    Row("importcache", ("--accesstoken-cache", "file://{tmp}/expired.json"),
        "the token expired at 2020-01-01T00:00:00Z and has no refresh token; sign in instead: "
        f"aws-login login --start-url {START_URL} --sso-region us-east-1", code=1),
)

# aws-login's own SSO cache, damaged: reported, never used, nothing sent.
SSO_CACHE = (
    Row("getcallerid", ("--use-cache", *SSO_ROLE),
        "--use-cache found no cached sign-in; sign in first: aws-login login --start-url URL "
        "(or import one: aws-login importcache --accesstoken-cache file://PATH)",
        setup=_write(TOKEN_FILE, '{"startUrl": "' + START_URL + '", "accessTo')),
    Row("dumpcreds", ("--credential-helper", "--use-cache", "--start-url", START_URL,
                      *SSO_ROLE),
        f"the cached sign-in for {START_URL} does not exist yet (nobody can see a sign-in "
        f"here); sign in first: aws-login login --start-url {START_URL}",
        code=1, setup=_write(TOKEN_FILE, _token(accessToken=42)),
        warnings=(f"cache file {TOKEN_FILE} is unusable (accessToken must be a non-empty "
                  "string); it will be replaced",)),
    Row("dumpcreds", ("--credential-helper", "--use-cache", "--start-url", START_URL,
                      *SSO_ROLE),
        f"the cached sign-in for {START_URL} does not exist yet (nobody can see a sign-in "
        f"here); sign in first: aws-login login --start-url {START_URL}",
        code=1, setup=_write(TOKEN_FILE, b'{"startUrl": "\xff\xfe"}'),
        warnings=(f"cache file {TOKEN_FILE} is unusable ({TOKEN_FILE} is not UTF-8 text); "
                  "it will be replaced",)),
)

SAML_AND_WEB_IDENTITY = (
    Row("runas", ("--saml-assertion", "{tmp}/not-base64.txt", "--command", "true"),
        f"--saml-assertion {{tmp}}/not-base64.txt: not base64 (it has characters outside A-Z "
        f"a-z 0-9 + / =); {SAML_HINT}"),
    Row("getcallerid", ("--saml-assertion", "{tmp}/not-xml.txt"),
        f"--saml-assertion {{tmp}}/not-xml.txt: the base64 does not decode to XML, so it is not "
        f"a SAMLResponse; {SAML_HINT}"),
    Row("getcallerid", ("--saml-assertion", "{tmp}/not-response.txt"),
        f"--saml-assertion {{tmp}}/not-response.txt: the decoded XML is not a SAML 2.0 Response "
        f"(its root element is 'a'); {SAML_HINT}"),
    Row("dumpcreds", ("--saml-assertion", "{tmp}/folder"),
        "--saml-assertion {tmp}/folder is a folder; give the file that holds a SAMLResponse"),
    Row("getcallerid", ("--saml-assertion", "{tmp}/latin1.json"),
        "--saml-assertion {tmp}/latin1.json is not text; it should hold a SAMLResponse"),
    Row("getcallerid", ("--saml-assertion", "{tmp}/fifo"),
        f"--saml-assertion {{tmp}}/fifo: cannot read it: {NOT_REGULAR}"),
    Row("getcallerid", ("--web-identity-token-file", "{tmp}/missing", "--web-identity-role-arn",
                        ROLE_A),
        "--web-identity-token-file {tmp}/missing: no such file"),
    Row("getcallerid", ("--web-identity-token-file", "{tmp}/empty.json",
                        "--web-identity-role-arn", ROLE_A),
        "--web-identity-token-file {tmp}/empty.json is empty; it should hold the OIDC token (a "
        "JWT) issued to this workload"),
    Row("getcallerid", ("--web-identity-token-file", "{tmp}/web-token",
                        "--web-identity-role-arn", "notanarn"),
        "--web-identity-role-arn: 'notanarn' is not a role ARN; expected e.g. "
        "arn:aws:iam::123456789012:role/Admin"),
)

JC_URL = "https://sso.jumpcloud.com/saml2/aws-prod"
JC_HINT = f"give the AWS app's IdP URL from JumpCloud, e.g. --jumpcloud-url {JC_URL}"
JC = ("--jumpcloud-url", JC_URL)
JC_PASSWORD = "'op read op://Private/JumpCloud/password'"
JUMPCLOUD = (
    Row("getcallerid", ("--jumpcloud-url", "http://sso.jumpcloud.com/saml2/aws-prod"),
        "--jumpcloud-url 'http://sso.jumpcloud.com/saml2/aws-prod' uses http; JumpCloud is "
        "reached over https only (the password travels there)"),
    Row("dumpcreds", ("--jumpcloud-url", "https://sso.jumpcloud.com/aws-prod"),
        "--jumpcloud-url 'https://sso.jumpcloud.com/aws-prod' is not an IdP URL (its path is not "
        f"/saml2/<app>); {JC_HINT}"),
    Row("runas", ("--jumpcloud-url", "sso.jumpcloud.com/saml2/aws-prod", "--", "true"),
        f"--jumpcloud-url 'sso.jumpcloud.com/saml2/aws-prod' is not an https:// URL, e.g. "
        f"{JC_URL}"),
    Row("getcallerid", ("--jumpcloud-url", f"{JC_URL}?RelayState=x"),
        f"--jumpcloud-url '{JC_URL}?RelayState=x' has a query, fragment or user name; "
        f"{JC_HINT}"),
    Row("getcallerid", (*JC, "--jumpcloud-email", "alice"),
        "--jumpcloud-email 'alice' is not an email address; JumpCloud signs in with the email, "
        "not the user name, e.g. alice@example.com"),
    Row("dumpcreds", JC,
        "JUMPCLOUD_EMAIL 'alice' is not an email address; JumpCloud signs in with the email, "
        "not the user name, e.g. alice@example.com", env=(("JUMPCLOUD_EMAIL", "alice"),)),
    Row("getcallerid", ("--jumpcloud-email", "alice@example.com"),
        "--jumpcloud-email applies to a JumpCloud sign-in; add --jumpcloud-url URL"),
    Row("dumpcreds", ("--save-password",),
        "--save-password applies to a JumpCloud sign-in; add --jumpcloud-url URL"),
    Row("getcallerid", (*JC, "--save-password", "--password-process", "cat pw"),
        "--save-password keeps a typed password; --password-process gives it on every run, so "
        "drop one of them"),
    Row("getcallerid", (*JC, "--password-process", " "),
        f"--password-process is empty; give a command that prints the password, e.g. "
        f"--password-process {JC_PASSWORD}"),
    Row("runas", (*JC, "--password-process", "'open", "--", "true"),
        f"--password-process cannot be split into words (No closing quotation); quote it as a "
        f"shell would, e.g. --password-process {JC_PASSWORD}"),
    Row("getcallerid", (*JC, "--jumpcloud-mfa", "push", "--mfa-process", "op otp"),
        "--mfa-process gives TOTP codes, but --jumpcloud-mfa push approves on the phone; drop "
        "one of them"),
    Row("dumpcreds", (*JC, "--jumpcloud-mfa", "sms"),
        "argument --jumpcloud-mfa: invalid choice: 'sms' (choose from 'auto', 'totp', 'push') "
        "(see: aws-login dumpcreds --help)"),
    Row("getcallerid", (*JC, "--saml-assertion", "{tmp}/not-base64.txt"),
        "give one starting source, not --saml-assertion and --jumpcloud-url"),
    Row("dumpcreds", (*JC, "--get-session-token"),
        "GetSessionToken needs long-term IAM user keys, but a JumpCloud start gives a role "
        "session; drop --get-session-token / --get-federation-token"),
    Row("getcallerid", (*JC, "--saml-role-arn", "Admin"),
        "--saml-role-arn: 'Admin' is not a role ARN; expected e.g. "
        "arn:aws:iam::123456789012:role/Admin"),
    Row("getcallerid", (*JC, "--assume-roles", ROLE_A, "--mfa-serial", MFA_SERIAL,
                        "--mfa-process", "op otp"),
        "--mfa-process gives JumpCloud's TOTP code with --jumpcloud-url; give the code of "
        "--mfa-serial with --mfa-token CODE"),
    Row("getcallerid", JC,
        "AWS_LOGIN_JUMPCLOUD_CONSOLE_URL='http://console.jumpcloud.com' uses http; JumpCloud is "
        "reached over https only (the password travels there); fix or unset it",
        env=(("AWS_LOGIN_JUMPCLOUD_CONSOLE_URL", "http://console.jumpcloud.com"),)),
    Row("getcallerid", (*JC, "--prompt", "none"),
        "JumpCloud needs your email and --prompt none forbids asking; pass --jumpcloud-email "
        "EMAIL or set JUMPCLOUD_EMAIL"),
    Row("dumpcreds", (*JC, "--jumpcloud-email", "alice@example.com", "--prompt", "none"),
        "JumpCloud needs the password of alice@example.com and --prompt none forbids asking; "
        "pass --password-process COMMAND, save it once at a terminal with --save-password, or "
        "run it at a terminal"),
    part("getcallerid", (*JC, "--duration", "100"), "AssumeRoleWithSAML"),
    Row("getcallerid", (*JC, "--saml-role-arn", "arn:aws:iam::123456789012:role/Admin",
                        "--region", "cn-north-1"),
        "region cn-north-1 (from --region) is in partition aws-cn, but the starting role "
        "arn:aws:iam::123456789012:role/Admin is in aws; pass --region with a region of aws, "
        "e.g. us-east-1"),
)

ENVIRONMENT = (
    Row("runas", ("--", "true"),
        "profile 'nosuch' (AWS_PROFILE) was not found in {tmp}/aws/config or "
        "{tmp}/aws/credentials; check the name, or set AWS_CONFIG_FILE / "
        "AWS_SHARED_CREDENTIALS_FILE", env=(("AWS_PROFILE", "nosuch"),)),
    Row("getcallerid", (), "AWS_REGION: region 'not a region' is not valid; expected e.g. "
        "us-east-1", env=(("AWS_REGION", "not a region"),)),
    # a configured region of another partition than the roles'
    Row("dumpcreds", ("--assume-roles", ROLE_A),
        "region cn-north-1 (from AWS_REGION) is in partition aws-cn, but the role chain is in "
        "aws; pass --region with a region of aws, e.g. us-east-1",
        env=(("AWS_REGION", "cn-north-1"),)),
    Row("dumpcreds", ("--assume-roles", ROLE_A),
        "region us-gov-west-1 (from AWS_DEFAULT_REGION) is in partition aws-us-gov, but the "
        "role chain is in aws; pass --region with a region of aws, e.g. us-east-1",
        env=(("AWS_DEFAULT_REGION", "us-gov-west-1"),)),
    Row("dumpcreds", ("--use-cache", "--assume-roles", ROLE_A),
        "AWS_LOGIN_CACHE_DIR 'relative/cache' is not an absolute path; give a full path, e.g. "
        "AWS_LOGIN_CACHE_DIR=$HOME/.cache/aws-login",
        env=(("AWS_LOGIN_CACHE_DIR", "relative/cache"),)),
    Row("getcallerid", (), "AWS_LOGIN_HTTP_TIMEOUT 'abc' is not valid; give the seconds to "
        "wait for an answer, more than 0 and at most 600, e.g. AWS_LOGIN_HTTP_TIMEOUT=60",
        env=(("AWS_LOGIN_HTTP_TIMEOUT", "abc"),)),
    Row("console", (), "AWS_LOGIN_FEDERATION_URL 'ftp://example.com/federation' is not valid; "
        "give the full endpoint URL, e.g. https://signin.example.com/federation",
        env=(("AWS_LOGIN_FEDERATION_URL", "ftp://example.com/federation"),)),
    Row("console", (), "AWS_LOGIN_FEDERATION_URL 'https://example.com/federation?x=1' is not "
        "valid; give the full endpoint URL, e.g. https://signin.example.com/federation",
        env=(("AWS_LOGIN_FEDERATION_URL", "https://example.com/federation?x=1"),)),
)

SUBJECTS: dict[str, tuple[Row, ...]] = {
    "role-arns": ROLE_ARNS,
    "role-session": ROLE_SESSION_OPTIONS,
    "durations": DURATIONS,
    "mfa": MFA,
    "session-step": SESSION_STEP,
    "regions": REGIONS,
    "profiles": PROFILES_AND_CONFIG_FILES,
    "output": OUTPUT_FORMS,
    "clipboard": CLIPBOARD,
    "runas": RUNAS_COMMANDS,
    "command-line": COMMAND_LINE,
    "console": CONSOLE,
    "browsers": BROWSERS,
    "sso-options": SSO_OPTIONS,
    "dumpconfig": DUMPCONFIG,
    "token-files": TOKEN_FILES,
    "sso-cache": SSO_CACHE,
    "saml-web-identity": SAML_AND_WEB_IDENTITY,
    "jumpcloud": JUMPCLOUD,
    "environment": ENVIRONMENT,
}
ROWS = tuple(row for rows in SUBJECTS.values() for row in rows)
ROW_IDS = [f"{subject}-{index:02d}-{row.command}-{' '.join(row.args)[:30]}"
           for subject, rows in SUBJECTS.items() for index, row in enumerate(rows)]


def make_files(tmp: Path) -> None:
    """The hostile files the rows name."""
    (tmp / "folder").mkdir()
    with open(tmp / "huge.json", "wb") as handle:
        handle.truncate((1 << 20) + 1)  # sparse: one byte over the limit, no disk used
    with open(tmp / "huge-config", "wb") as handle:
        handle.truncate((16 << 20) + 1)  # dumpconfig --output: one byte over its limit
    os.mkfifo(tmp / "fifo")  # reading it would block forever
    with socket.socket(socket.AF_UNIX) as listener:
        listener.bind(str(tmp / "socket"))
    (tmp / "latin1.json").write_bytes(b'{"startUrl": "Z\xfcrich"}')
    (tmp / "truncated.json").write_text('{"startUrl": "' + START_URL + '", "accessTo')
    (tmp / "array.json").write_text("[]")
    (tmp / "empty.json").write_text("")
    (tmp / "expires-int.json").write_text(_token(expiresAt=5))
    (tmp / "registration-int.json").write_text(_token(clientId="c", clientSecret="s",
                                                      registrationExpiresAt=7))
    (tmp / "refresh-empty.json").write_text(_token(refreshToken=""))
    (tmp / "region-list.json").write_text(_token(region=["us-east-1"]))
    (tmp / "http-start.json").write_text(_token(startUrl="http://d-1.awsapps.com/start"))
    (tmp / "expired.json").write_text(_token(expiresAt="2020-01-01T00:00:00Z"))
    (tmp / "not-base64.txt").write_text("not base64!!")
    (tmp / "not-xml.txt").write_text(base64.b64encode(b"hello world, not xml").decode())
    (tmp / "not-response.txt").write_text(base64.b64encode(b"<a>b</a>").decode())
    (tmp / "web-token").write_text("x" * 40)


@pytest.fixture
def hostile(sso_env: Path, fed: FakeFederation, monkeypatch: pytest.MonkeyPatch,
            tmp_path: Path) -> Path:
    """Every server up and logging, user keys in the environment, the hostile files made."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", USER_KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", USER_SECRET)
    monkeypatch.setenv("AWS_ENDPOINT_URL", NOWHERE)
    # JumpCloud too: a request there would fail (exit 1), not leave the machine
    monkeypatch.setenv("AWS_LOGIN_JUMPCLOUD_CONSOLE_URL", NOWHERE)
    monkeypatch.delenv("JUMPCLOUD_EMAIL", raising=False)
    make_files(tmp_path)
    return tmp_path


def _fill(text: str, tmp: Path) -> str:
    return text.replace("{cache}", str(tmp / "cache")).replace("{tmp}", str(tmp))


@pytest.mark.parametrize("row", ROWS, ids=ROW_IDS)
def test_bad_input_gets_its_message_and_no_request(
        hostile: Path, row: Row, monkeypatch: pytest.MonkeyPatch, sts: LoopbackServer,
        fake_sso: FakeSso, fed: FakeFederation) -> None:
    for name, value in row.env:
        monkeypatch.setenv(name, _fill(value, hostile))
    if row.setup is not None:
        row.setup(hostile)
    result = run_cli([row.command, *(_fill(a, hostile) for a in row.args)])
    error = _fill(row.error, hostile)
    expected = "".join(f"aws-login: {_fill(w, hostile)}\n" for w in row.warnings) + (
        f"aws-login: error: {error}\n")
    if row.whole:
        clean = result.err == expected
    else:
        clean = (result.err.startswith("aws-login: error: ") and result.err.count("\n") == 1
                 and result.err.endswith("\n") and error in result.err)
    requests = len(sts.recorder.requests) + len(fake_sso.requests) + len(fed.requests)
    record("hostile", row.command, clean_failures=int(clean),
           tracebacks=tracebacks_in(result.err), requests=requests)
    assert "Traceback" not in result.err
    if row.whole:
        assert result.err == expected
    else:
        assert result.err.startswith("aws-login: error: "), result.err
        assert result.err.endswith("\n") and result.err.count("\n") == 1, result.err
        assert error in result.err
    assert (result.code, result.out) == (row.code, "")
    assert sts.recorder.requests == []
    assert list(fake_sso.requests) == []
    assert fed.requests == []


def test_the_table_covers_every_command_once_per_case() -> None:
    assert len(ROWS) == 230
    assert {row.command for row in ROWS} == {"console", "dumpconfig", "importcache",
                                             "clearcache", "dumpcreds", "getcallerid", "runas",
                                             "login"}
    assert len({(row.command, row.args, row.env, row.setup) for row in ROWS}) == len(ROWS)


def test_a_real_process_exits_2_with_one_line(user_keys: None, sts: LoopbackServer) -> None:
    completed = run_process(["getcallerid", "--assume-roles", "arn:aws:iam::12345678901:role/A"])
    assert completed.returncode == 2
    assert completed.stdout == ""
    assert completed.stderr == (
        "aws-login: error: 'arn:aws:iam::12345678901:role/A': account '12345678901' is not "
        "valid; an AWS account id is 12 digits\n")
    assert sts.recorder.requests == []


def test_an_unreadable_file_as_a_user_who_cannot_read_it(tmp_path: Path) -> None:
    """Mode 000 stops everyone but root; as root, aws-login runs in a forked child that
    has become nobody (the interpreter itself lives where nobody may not go)."""
    folder = Path(tempfile.mkdtemp(prefix="aws-login-unreadable-"))
    try:
        folder.chmod(0o755)
        secret = folder / "token.json"
        secret.write_text(json.dumps(TOKEN))
        secret.chmod(0o000)
        code, out, err = _run_as_nobody(["importcache", "--accesstoken-cache",
                                         f"file://{secret}"])
        assert err == (f"aws-login: error: --accesstoken-cache: cannot read {secret}: "
                       "Permission denied\n")
        assert (code, out) == (2, "")
    finally:
        (folder / "token.json").chmod(0o600)
        for path in sorted(folder.rglob("*"), reverse=True):
            path.rmdir() if path.is_dir() else path.unlink()
        folder.rmdir()


def _run_as_nobody(argv: list[str]) -> tuple[int, str, str]:
    if os.geteuid() != 0:
        result = run_cli(argv)
        return result.code, result.out, result.err
    # Imported before the fork: the child cannot read the interpreter's own files.
    import aws_login.commands.importcache
    import aws_login.sso.tokens

    assert aws_login.commands.importcache and aws_login.sso.tokens

    read, write = os.pipe()
    with warnings.catch_warnings():
        # Python 3.12+ warns about forking with threads (the loopback servers'): the child
        # runs aws-login alone (no thread of theirs) and leaves with os._exit.
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the child: drop to nobody, run, report, and leave without cleanup
        try:
            os.close(read)
            os.setgid(65534)
            os.setuid(65534)
            result = run_cli(argv)
            os.write(write, json.dumps([result.code, result.out, result.err]).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        data = pipe.read()
    os.waitpid(pid, 0)
    code, out, err = json.loads(data)
    return int(code), str(out), str(err)


@pytest.mark.parametrize(("argv", "message"), [
    (["--profile", "dev", "getcallerid"],
     "put --profile after the command: aws-login getcallerid --profile dev"),
    (["--region=eu-west-1", "dumpcreds", "--outform", "fish"],
     "put --region after the command: aws-login dumpcreds --region=eu-west-1 --outform fish"),
])
def test_an_option_before_the_command_says_where_it_goes(
        hostile: Path, argv: list[str], message: str, sts: LoopbackServer) -> None:
    """Not table rows: the table's rows start with the command."""
    result = run_cli(argv)
    assert (result.code, result.out, result.err) == (2, "", f"aws-login: error: {message}\n")
    assert sts.recorder.requests == []


# Words a finished sentence does not end on.
_DANGLING = {"a", "an", "the", "or", "and", "nor", "but", "to", "of", "for", "with", "from",
             "by", "its", "e.g.", "i.e."}


def ends_as_sentence(message: str) -> bool:
    """Ends on a word, quote, parenthesis, ARN or path: not on a conjunction, article or
    pronoun, nor on an alternative left hanging ("drop X or the token")."""
    words = message.split()
    if not words or message[-1] in ",;:(" or message[-1].isspace():
        return False
    if words[-1].lower() in _DANGLING:
        return False
    return re.search(r"\b(?:or|and) (?:it|the \S+)$", message) is None


@pytest.mark.parametrize("text", [
    "drop --use-cache or it", "drop --use-cache or the token", "use one of the", "give a,",
    "check it and", "the file:", ""])
def test_cut_messages_are_caught(text: str) -> None:
    assert not ends_as_sentence(text)


@pytest.mark.parametrize("text", [
    "--profile needs a profile name, e.g. --profile dev", "not both",
    "expected e.g. arn:aws:iam::123456789012:role/Admin", "(see: aws-login runas --help)",
    "did you mean --profile?", "it is not a policy", "'zsh'", "add the roles; add it"])
def test_whole_messages_pass(text: str) -> None:
    assert ends_as_sentence(text)


SENTENCE_PARAMS = [pytest.param(row, id=row_id)
                   for row, row_id in zip(ROWS, ROW_IDS, strict=True)]


@pytest.mark.parametrize("row", SENTENCE_PARAMS)
def test_every_message_ends_as_a_sentence(row: Row, hostile: Path,
                                          monkeypatch: pytest.MonkeyPatch,
                                          sts: LoopbackServer, fake_sso: FakeSso,
                                          fed: FakeFederation) -> None:
    if row.whole:
        message = row.error
    else:  # a part row: the whole line, as aws-login prints it
        for name, value in row.env:
            monkeypatch.setenv(name, _fill(value, hostile))
        if row.setup is not None:
            row.setup(hostile)
        result = run_cli([row.command, *(_fill(a, hostile) for a in row.args)])
        message = result.err.splitlines()[-1].removeprefix("aws-login: error: ")
    assert ends_as_sentence(message), message
