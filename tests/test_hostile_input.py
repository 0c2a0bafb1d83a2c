"""Hostile input (issue 8): bad values for every command, and the file, cache and encoding
cases: folders, FIFOs, sockets, devices, huge, unreadable, non-UTF-8, truncated and
mistyped files, broken AWS config files, bad SAML, bad start URLs, unknown profiles.

Each row gets its exact stderr and exit code, nothing on stdout, and no request at any
server: the request logs of moto (STS), FakeSso (sso-oidc + portal) and the federation fake
stay empty. tests/test_bad_inputs.py holds the ARN / duration / session name rows of
dumpcreds, getcallerid and runas; they are not repeated here.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from aws_login.sso.cache import cache_key
from tests.conftest import USER_KEY_ID, USER_SECRET, run_cli
from tests.fakes.sso import FakeSso
from tests.fakes_federation import FakeFederation
from tests.faults import NOWHERE, record, tracebacks_in
from tests.servers import LoopbackServer

START = "https://d-1234567890.awsapps.com/start"
ROLE_A = "arn:aws:iam::111111111111:role/A"
ROLE = ("--sso-acct-id", "111111111111", "--sso-role-name", "AdministratorAccess")
TOKEN = {"startUrl": START, "region": "us-east-1", "accessToken": "abcdefgh",
         "expiresAt": "2099-01-01T00:00:00Z"}
TOKEN_FILE = f"{{cache}}/sso/{cache_key(START)}.json"
BAD_INI = ("AWS config and credentials files are INI text in UTF-8 ([section] lines, then "
           "key = value lines); fix it, or point AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE "
           "elsewhere")
SAML_HINT = ("copy the SAMLResponse form field of the POST to https://signin.aws.amazon.com/saml "
             "from the browser's developer tools")
START_URL_HINT = "use your AWS access portal URL, e.g. https://d-1234567890.awsapps.com/start"
NOT_REGULAR = "not a regular file (a pipe, socket or device)"


def _write(name: str, content: str | bytes) -> Callable[[Path], None]:
    def setup(tmp: Path) -> None:
        path = tmp / name.replace("{cache}/", "cache/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode() if isinstance(content, str) else content)
    return setup


def _token(**change: object) -> str:
    return json.dumps({**TOKEN, **change})


@dataclass(frozen=True)
class Row:
    command: str
    args: tuple[str, ...]
    error: str  # the exact error, after "aws-login: error: "; {tmp} and {cache} filled in
    code: int = 2
    env: tuple[tuple[str, str], ...] = ()
    setup: Callable[[Path], None] | None = None
    warnings: tuple[str, ...] = ()  # stderr lines before the error


ROWS = (
    # console
    Row("console", ("--console-duration", "100"),
        "--console-duration 100 is out of range; the console allows 900-43200 seconds"),
    Row("console", ("--console-duration", "50000"),
        "--console-duration 50000 is out of range; the console allows 900-43200 seconds"),
    Row("console", ("--console-duration", "1h"),
        "argument --console-duration: '1h' is not a whole number of seconds, e.g. 3600 "
        "(see: aws-login console --help)"),
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
    Row("console", ("--get-session-token",),
        "GetSessionToken credentials cannot sign in to the AWS console (the federation "
        "endpoint refuses them); drop --get-session-token to let aws-login use "
        "GetFederationToken, or add --assume-roles ROLE_ARN to open the console as a role "
        "(GetSessionToken with --mfa-serial followed by a role works)"),
    Row("console", ("--get-federation-token", "--duration", "1000", "--console-duration", "2000"),
        "--duration and --console-duration both set the lifetime of the GetFederationToken "
        "credentials (their console session lasts as long as they do); give only one"),
    Row("console", (), "AWS_LOGIN_FEDERATION_URL 'ftp://example.com/federation' is not valid; "
        "give the full endpoint URL, e.g. https://signin.example.com/federation",
        env=(("AWS_LOGIN_FEDERATION_URL", "ftp://example.com/federation"),)),
    Row("console", (), "AWS_LOGIN_FEDERATION_URL 'https://example.com/federation?x=1' is not "
        "valid; give the full endpoint URL, e.g. https://signin.example.com/federation",
        env=(("AWS_LOGIN_FEDERATION_URL", "https://example.com/federation?x=1"),)),
    Row("console", ("--assume-roles", "arn:aws:iam::123:role/A"),
        "'arn:aws:iam::123:role/A': account '123' is not valid; an AWS account id is 12 digits"),
    # dumpconfig
    Row("dumpconfig", (), "dumpconfig needs an SSO token: add --start-url URL to sign in, or "
        "--use-cache, --accesstoken-cache file://PATH or --sso-access-token"),
    Row("dumpconfig", ("--use-cache", "--dry-run"),
        "--dry-run shows the change to a file; add --output FILE"),
    Row("dumpconfig", ("--use-cache", "--max-concurrency", "0"),
        "--max-concurrency must be 1 to 64, e.g. 8"),
    Row("dumpconfig", ("--use-cache", "--max-concurrency", "65"),
        "--max-concurrency must be 1 to 64, e.g. 8"),
    Row("dumpconfig", ("--use-cache", "--max-concurrency", "many"),
        "argument --max-concurrency: invalid int value: 'many' (see: aws-login dumpconfig "
        "--help)"),
    Row("dumpconfig", ("--start-url", "http://example.com/start"),
        f"--start-url 'http://example.com/start' is not valid; {START_URL_HINT}"),
    Row("dumpconfig", ("--start-url", "https://"),
        f"--start-url 'https://' is not valid; {START_URL_HINT}"),
    Row("dumpconfig", ("--start-url", "https://d-1.awsapps.com/st art"),
        f"--start-url 'https://d-1.awsapps.com/st art' is not valid; {START_URL_HINT}"),
    Row("dumpconfig", ("--start-url", "javascript:alert(1)"),
        f"--start-url 'javascript:alert(1)' is not valid; {START_URL_HINT}"),
    Row("dumpconfig", ("--use-cache", "--sso-session-name", "bad name"),
        "--sso-session-name 'bad name' is not a safe config section name; use letters, digits "
        "and _ . @ + = - (starting with a letter or digit), e.g. --sso-session-name my-sso"),
    Row("dumpconfig", ("--use-cache", "--profile-template", "{nope}"),
        "--profile-template: unknown field {nope}; the fields are {account_id}, "
        "{account_name}, {role_name}, {session_name}; e.g. --profile-template "
        "'{account_name}-{role_name}'"),
    Row("dumpconfig", ("--use-cache", "--region", "moon"),
        "region 'moon' is not valid; expected e.g. us-east-1"),
    Row("dumpconfig", ("--use-cache", "--sso-region", "us east 1"),
        "region 'us east 1' is not valid; expected e.g. us-east-1"),
    Row("dumpconfig", ("--use-cache", "--output", "{tmp}/folder"),
        "--output {tmp}/folder is a folder; give a file, e.g. ~/.aws/config"),
    Row("dumpconfig", ("--use-cache", "--output", "{tmp}/fifo"),
        f"--output: cannot read {{tmp}}/fifo: {NOT_REGULAR}"),
    Row("dumpconfig", ("--use-cache", "--output", "{tmp}/huge-config"),
        f"--output {{tmp}}/huge-config is larger than {16 << 20} bytes; it is not an AWS "
        "config file"),
    Row("dumpconfig", ("--sso-access-token", "  "),
        "--sso-access-token is empty; pass the token, or sign in with --start-url URL"),
    Row("dumpconfig", ("--sso-access-token", "T", "--accesstoken-cache", "file://x"),
        "give either --sso-access-token or --accesstoken-cache, not both"),
    Row("dumpconfig", ("--sso-access-token", "T", "--use-cache"),
        "--sso-access-token is used as given; drop --use-cache or the token"),
    Row("dumpconfig", ("--accesstoken-cache", ""),
        "--accesstoken-cache needs a file, e.g. file://~/.aws/sso/cache/x.json"),
    Row("dumpconfig", ("--use-cache", "--sso-region", "us-east-1"),
        "--use-cache found no cached sign-in; add --start-url URL to sign in (or import one: "
        "aws-login importcache --accesstoken-cache file://PATH)"),
    # --accesstoken-cache files that are not token files
    Row("dumpconfig", ("--accesstoken-cache", "file://{tmp}/folder"),
        "--accesstoken-cache: {tmp}/folder is a folder, not a file"),
    Row("dumpconfig", ("--accesstoken-cache", "file://{tmp}/missing.json"),
        "--accesstoken-cache: {tmp}/missing.json does not exist; give the path of a token "
        "file, e.g. file://~/.aws/sso/cache/<hash>.json"),
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
    Row("getcallerid", ("--accesstoken-cache", "file://{tmp}/truncated.json", *ROLE),
        "--accesstoken-cache: {tmp}/truncated.json: not valid JSON (Unterminated string "
        "starting at: line 1 column 56)"),
    # importcache
    Row("importcache", (), "the following arguments are required: --accesstoken-cache "
        "(see: aws-login importcache --help)"),
    Row("importcache", ("--accesstoken-cache", "file://{tmp}/array.json"),
        "--accesstoken-cache: {tmp}/array.json: not a token file: expected a JSON object"),
    Row("importcache", ("--accesstoken-cache", "file://{tmp}/empty.json"),
        "--accesstoken-cache: {tmp}/empty.json: not valid JSON (Expecting value: line 1 "
        "column 1)"),
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
        "the token expired at 2020-01-01T00:00:00Z and has no refresh token; sign in again "
        "(aws sso login) and import the new file", code=1),
    Row("importcache", ("--accesstoken-cache", "{tmp}/folder"),
        "--accesstoken-cache: {tmp}/folder is a folder, not a file"),
    Row("importcache", ("--accesstoken-cache", "file://{tmp}/two\nlines\x1b[2J.json"),
        "--accesstoken-cache: {tmp}/two\\nlines\\x1b[2J.json does not exist; give the path "
        "of a token file, e.g. file://~/.aws/sso/cache/<hash>.json"),
    # clearcache
    Row("clearcache", ("--only", "nothing"),
        "argument --only: invalid choice: 'nothing' (choose from 'sessions', 'sso') (see: "
        "aws-login clearcache --help)"),
    # SSO options of the credential commands
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
    Row("runas", (*ROLE, "--command", "true"),
        "an SSO role needs a token: add --start-url URL to sign in, --use-cache, "
        "--accesstoken-cache file://PATH or --sso-access-token"),
    Row("getcallerid", ("--use-cache", "--start-url", "javascript:alert(1)", *ROLE),
        f"--start-url 'javascript:alert(1)' is not valid; {START_URL_HINT}"),
    Row("getcallerid", ("--use-cache", "--start-url", START, "--sso-region", "us east 1", *ROLE),
        "region 'us east 1' is not valid; expected e.g. us-east-1"),
    # aws-login's own cache, damaged: reported, never used, nothing sent
    Row("getcallerid", ("--use-cache", *ROLE),
        "--use-cache found no cached sign-in; add --start-url URL to sign in (or import one: "
        "aws-login importcache --accesstoken-cache file://PATH)",
        setup=_write(TOKEN_FILE, '{"startUrl": "' + START + '", "accessTo')),
    Row("dumpcreds", ("--use-cache", "--start-url", START, *ROLE),
        f"the cached sign-in for {START} does not exist yet (no terminal here to sign in "
        f"from); sign in from a terminal: aws-login getcallerid --use-cache --start-url {START}",
        code=1, setup=_write(TOKEN_FILE, _token(accessToken=42)),
        warnings=(f"cache file {TOKEN_FILE} is unusable (accessToken must be a non-empty "
                  "string); it will be replaced",)),
    Row("getcallerid", ("--use-cache", "--start-url", START, *ROLE),
        f"the cached sign-in for {START} does not exist yet (no terminal here to sign in "
        f"from); sign in from a terminal: aws-login getcallerid --use-cache --start-url {START}",
        code=1, setup=_write(TOKEN_FILE, b'{"startUrl": "\xff\xfe"}'),
        warnings=(f"cache file {TOKEN_FILE} is unusable ({TOKEN_FILE} is not UTF-8 text); "
                  "it will be replaced",)),
    # SAML and web identity inputs
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
    # --federation-policy files
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
    # command-line words that are not UTF-8 (as Python hands them over: surrogates)
    Row("getcallerid", ("--assume-roles", ROLE_A, "--role-session-name", "bad\udcffname"),
        "role session name 'bad\\udcffname' is not valid; use 2-64 characters from letters, "
        "digits and +=,.@_-"),
    Row("dumpcreds", ("--assume-roles", "arn:aws:iam::111111111111:role/\udcff"),
        "'arn:aws:iam::111111111111:role/\\udcff': invalid role name '\\udcff'; use 1-64 "
        "characters from letters, digits and +=,.@_-"),
    # profiles and AWS config files
    Row("getcallerid", ("--profile", "nosuch"),
        "profile 'nosuch' (--profile) was not found in {tmp}/aws/config or "
        "{tmp}/aws/credentials; check the name, or set AWS_CONFIG_FILE / "
        "AWS_SHARED_CREDENTIALS_FILE"),
    Row("runas", ("--", "true"),
        "profile 'nosuch' (AWS_PROFILE) was not found in {tmp}/aws/config or "
        "{tmp}/aws/credentials; check the name, or set AWS_CONFIG_FILE / "
        "AWS_SHARED_CREDENTIALS_FILE", env=(("AWS_PROFILE", "nosuch"),)),
    Row("getcallerid", (), f"cannot parse {{tmp}}/aws/config: {BAD_INI}",
        setup=_write("aws/config", b"[default]\nregion = \xff\xfe\n")),
    Row("getcallerid", (), f"cannot parse {{tmp}}/aws/config: {BAD_INI}",
        setup=_write("aws/config", "[default\nregion = us-east-1\n")),
    Row("getcallerid", (), f"cannot parse {{tmp}}/aws/config: {BAD_INI}",
        setup=_write("aws/config", "region = us-east-1\n")),
    Row("getcallerid", ("--profile", "x"), f"cannot parse {{tmp}}/aws/credentials: {BAD_INI}",
        setup=_write("aws/credentials", b"[x]\naws_access_key_id = \xff\n")),
    Row("getcallerid", (), "AWS_REGION: region 'not a region' is not valid; expected e.g. "
        "us-east-1", env=(("AWS_REGION", "not a region"),)),
    Row("getcallerid", (), "AWS_LOGIN_HTTP_TIMEOUT 'abc' is not valid; give the seconds to "
        "wait for an answer, more than 0 and at most 600, e.g. AWS_LOGIN_HTTP_TIMEOUT=60",
        env=(("AWS_LOGIN_HTTP_TIMEOUT", "abc"),)),
)


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
    (tmp / "truncated.json").write_text('{"startUrl": "' + START + '", "accessTo')
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
    make_files(tmp_path)
    return tmp_path


def _fill(text: str, tmp: Path) -> str:
    return text.replace("{cache}", str(tmp / "cache")).replace("{tmp}", str(tmp))


@pytest.mark.parametrize("row", ROWS, ids=[f"{i:02d}-{r.command}-{' '.join(r.args)[:30]}"
                                           for i, r in enumerate(ROWS)])
def test_hostile_input_gets_its_exact_message_and_no_request(
        hostile: Path, row: Row, monkeypatch: pytest.MonkeyPatch, sts: LoopbackServer,
        fake_sso: FakeSso, fed: FakeFederation) -> None:
    for name, value in row.env:
        monkeypatch.setenv(name, _fill(value, hostile))
    if row.setup is not None:
        row.setup(hostile)
    result = run_cli([row.command, *(_fill(a, hostile) for a in row.args)])
    expected = "".join(f"aws-login: {_fill(w, hostile)}\n" for w in row.warnings) + (
        f"aws-login: error: {_fill(row.error, hostile)}\n")
    requests = len(sts.recorder.requests) + len(fake_sso.requests) + len(fed.requests)
    record("hostile", row.command, clean_failures=int(result.err == expected),
           tracebacks=tracebacks_in(result.err), requests=requests)
    assert result.err == expected
    assert (result.code, result.out) == (row.code, "")
    assert sts.recorder.requests == []
    assert list(fake_sso.requests) == []
    assert fed.requests == []


def test_the_table_covers_every_command_and_is_not_a_copy() -> None:
    from tests.test_bad_inputs import ROWS as BAD_INPUT_ROWS

    assert len(ROWS) >= 40
    assert {row.command for row in ROWS} == {"console", "dumpconfig", "importcache",
                                             "clearcache", "dumpcreds", "getcallerid", "runas"}
    assert len({(row.command, row.args, row.env, row.setup) for row in ROWS}) == len(ROWS)
    known = {(command, tuple(args)) for command, args, _ in BAD_INPUT_ROWS}
    assert not known & {(row.command, row.args) for row in ROWS}


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
