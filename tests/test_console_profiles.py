"""Several identities side by side: --via-portal's shortcut links, --logout-first with an
isolated profile, and a real headless Chromium signed in twice, in two aws-login profiles,
against the federation fake."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from aws_login.browser_profiles import folder_name
from tests.fakes import browsers as standins
from tests.fakes.federation import FakeFederation
from tests.fakes.moto_server import LoopbackServer
from tests.fakes.sso import FakeSso
from tests.helpers import ROLE_A, ROLE_B, START_URL, Result, run_cli

CHROMIUM = "/usr/bin/chromium"
ROLE = "Admin+Ops=1,2@x.y-z_"  # every character a permission set name may have
ROLE_ENCODED = "Admin%2BOps%3D1%2C2%40x.y-z_"
PORTAL = ("--start-url", START_URL, "--sso-region", "us-east-1", "--sso-acct-id",
          "111111111111", "--sso-role-name", ROLE)
SHORTCUT = ("https://d-1234567890.awsapps.com/start/#/console?account_id=111111111111"
            f"&role_name={ROLE_ENCODED}")


def no_requests(sts: LoopbackServer, fake_sso: FakeSso, fed: FakeFederation) -> None:
    assert sts.recorder.requests == []
    assert list(fake_sso.requests) == []
    assert fed.requests == []


# --- --via-portal ----------------------------------------------------------------------------

@pytest.mark.parametrize(("extra", "destination"), [
    ((), ""),
    (("--region", "eu-west-1", "--destination", "s3"),
     "&destination=https%3A%2F%2Feu-west-1.console.aws.amazon.com%2Fs3%2Fhome%3Fregion%3D"
     "eu-west-1"),
    (("--destination", "iam"), "&destination=https%3A%2F%2Fconsole.aws.amazon.com%2Fiam%2Fhome"),
    (("--destination", "logs"),
     "&destination=https%3A%2F%2Fus-east-1.console.aws.amazon.com%2Fcloudwatch%2Fhome%3F"
     "region%3Dus-east-1%23logsV2%3Alog-groups"),
    (("--destination", "https://eu-west-1.console.aws.amazon.com/ec2/home?region=eu-west-1"
      "#Instances:sort=desc:launchTime"),
     "&destination=https%3A%2F%2Feu-west-1.console.aws.amazon.com%2Fec2%2Fhome%3Fregion%3D"
     "eu-west-1%23Instances%3Asort%3Ddesc%3AlaunchTime"),
    (("--destination", "/s3/buckets/my bucket?region=eu-west-1&tab=objects"), None),
    (("--destination", "/s3/buckets/my-bucket?region=eu-west-1&tab=objects&prefix=a%2Fb"),
     "&destination=https%3A%2F%2Fconsole.aws.amazon.com%2Fs3%2Fbuckets%2Fmy-bucket%3Fregion"
     "%3Deu-west-1%26tab%3Dobjects%26prefix%3Da%252Fb"),
])
def test_via_portal_prints_the_shortcut_without_any_request(
        sso_env: Path, sts: LoopbackServer, fake_sso: FakeSso, fed: FakeFederation,
        extra: tuple[str, ...], destination: str | None) -> None:
    result = run_cli(["console", "--via-portal", "--no-browser", *PORTAL, *extra])
    no_requests(sts, fake_sso, fed)
    if destination is None:  # a path with a space
        assert (result.code, result.out) == (2, "")
        assert "is not a console path" in result.err
        return
    assert (result.code, result.err) == (0, "")  # not a secret: no warning
    assert result.out == SHORTCUT + destination + "\n"
    fields = dict(parse_qsl(urlsplit(result.out.strip()).fragment.split("?", 1)[1]))
    assert fields["role_name"] == ROLE


def test_via_portal_of_an_sso_profile_and_a_start_url_with_a_slash(
        sso_env: Path, aws_env: Path, sts: LoopbackServer, fake_sso: FakeSso,
        fed: FakeFederation) -> None:
    (aws_env / "config").write_text(
        "[profile portal]\nsso_start_url = https://d-1234567890.awsapps.com/start/\n"
        "sso_region = us-east-1\nsso_account_id = 222222222222\nsso_role_name = ReadOnly\n")
    result = run_cli(["console", "--via-portal", "--no-browser", "--profile", "portal"])
    assert (result.code, result.err) == (0, "")
    assert result.out == ("https://d-1234567890.awsapps.com/start/#/console?"
                          "account_id=222222222222&role_name=ReadOnly\n")
    no_requests(sts, fake_sso, fed)


def test_via_portal_in_a_firefox_container_named_after_the_role(
        sso_env: Path, sts: LoopbackServer, fake_sso: FakeSso, fed: FakeFederation,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = standins.install(tmp_path / "bin", ("firefox",))
    monkeypatch.setenv("PATH", str(folder))
    monkeypatch.setenv("STANDIN_LOG", str(tmp_path / "log"))
    result = run_cli(["console", "--via-portal", *PORTAL, "--browser", "firefox",
                      "--browser-profile", "auto", "--destination", "iam"])
    assert (result.code, result.out) == (0, "")
    [call] = standins.calls(tmp_path / "log")
    assert call["argv"] == [
        f"ext+container:name=111111111111-{ROLE_ENCODED}&url=https%3A%2F%2Fd-1234567890."
        "awsapps.com%2Fstart%2F%23%2Fconsole%3Faccount_id%3D111111111111%26role_name%3D"
        "Admin%252BOps%253D1%252C2%2540x.y-z_%26destination%3Dhttps%253A%252F%252F"
        "console.aws.amazon.com%252Fiam%252Fhome"]
    assert result.err == ("aws-login: opened the AWS console shortcut in Firefox, in the "
                          f"container '111111111111-{ROLE}'\n")
    no_requests(sts, fake_sso, fed)


# --- multi-session -----------------------------------------------------------------------------

def test_logout_first_with_a_profile_warns_it_is_not_needed(
        user_keys: None, fed: FakeFederation, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    folder = standins.install(tmp_path / "bin", ("chromium",))
    monkeypatch.setenv("PATH", str(folder))
    monkeypatch.setenv("STANDIN_LOG", str(tmp_path / "log"))
    monkeypatch.setenv("AWS_LOGIN_DATA_DIR", str(tmp_path / "data"))
    result = run_cli(["console", "--browser", "chromium", "--browser-profile", "p",
                      "--logout-first", "--assume-roles", ROLE_A, "--destination",
                      fed.console_url()])
    assert result.code == 0, result.err
    assert result.err.splitlines()[0] == (
        "aws-login: warning: --logout-first is not needed with --browser-profile: that "
        "profile or container holds only this identity's console session (signing out "
        "first anyway)")
    [call] = standins.calls(tmp_path / "log")
    assert str(call["argv"][-1]).startswith(f"{fed.url}/oauth?Action=logout&redirect_uri=")


@pytest.mark.parametrize("opener", [
    ("--browser", "chromium"),
    ("--browser-command", "chromium --user-data-dir={profile_dir} {url}"),
])
@pytest.mark.parametrize("cause", ["read-only", "a file in the way"])
def test_a_profile_folder_that_cannot_be_made_fails_before_the_sign_in(
        user_keys: None, sts: LoopbackServer, fed: FakeFederation, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, opener: tuple[str, str], cause: str) -> None:
    """The name is known up front (not `auto`): its folder is made before any request, so
    a sign-in or an MFA code is not spent on a window that cannot open."""
    folder = standins.install(tmp_path / "bin", ("chromium",))
    monkeypatch.setenv("PATH", str(folder))
    monkeypatch.setenv("STANDIN_LOG", str(tmp_path / "log"))
    data = tmp_path / "data"
    argv = ["console", *opener, "--browser-profile", "prod", "--assume-roles", ROLE_A,
            "--destination", fed.console_url()]
    monkeypatch.setenv("AWS_LOGIN_DATA_DIR", str(data))
    if cause == "read-only":
        data.mkdir(mode=0o500)
        reason = "Permission denied"
        result = _as_a_process_that_honours_modes(argv)
    else:
        data.mkdir()
        (data / "browser-profiles").write_text("")  # a file where the folder should be
        reason = "Not a directory"
        result = run_cli(argv)
    assert (result.code, result.out) == (1, "")
    assert result.err == (f"aws-login: error: cannot create the private folder "
                          f"{data / 'browser-profiles' / 'prod'}: {reason}; check its "
                          "permissions\n")
    assert sts.recorder.requests == []
    assert fed.requests == []
    assert standins.calls(tmp_path / "log") == []


def _as_a_process_that_honours_modes(argv: list[str]) -> Result:
    """aws-login as a real process; as root, without the capabilities that let root write
    where a folder's mode says no (setpriv, util-linux)."""
    setpriv = shutil.which("setpriv", path="/usr/bin:/bin") or "setpriv"
    prefix = [setpriv, "--bounding-set", "-dac_override,-dac_read_search", "--"] \
        if os.geteuid() == 0 else []
    done = subprocess.run([*prefix, sys.executable, "-m", "aws_login", *argv],
                          capture_output=True, text=True, env=dict(os.environ), timeout=60,
                          stdin=subprocess.DEVNULL)
    return Result(done.returncode, done.stdout, done.stderr)


def test_without_logout_first_nothing_signs_out(user_keys: None, fed: FakeFederation) -> None:
    """The console's multi-session keeps several identities in one browser; a sign-out
    first would end them all, so only --logout-first does one."""
    result = run_cli(["console", "--no-browser", "--assume-roles", ROLE_A, "--destination",
                      fed.console_url()])
    assert result.code == 0 and "oauth" not in result.out
    assert fed.actions() == ["getSigninToken"]


# --- a real browser, two identities ----------------------------------------------------------

def _headless_chromium(folder: Path) -> None:
    """`chromium` on PATH: the real one, headless; it keeps the page's DOM in $STANDIN_DOM
    once it has exited (so its cookies are on disk by then)."""
    folder.mkdir(parents=True)
    script = folder / "chromium"
    script.write_text(
        "#!/bin/sh\n"
        f"{CHROMIUM} --headless --no-sandbox --disable-gpu --disable-background-networking "
        "--disable-component-update --disable-sync --dump-dom \"$@\" "
        ">\"$STANDIN_DOM.part\" 2>/dev/null\n"
        "mv \"$STANDIN_DOM.part\" \"$STANDIN_DOM\"\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)


def _signed_in(fed: FakeFederation, dom: Path) -> str:
    deadline = time.monotonic() + 60
    while not dom.exists():
        assert time.monotonic() < deadline, "headless Chromium did not finish"
        time.sleep(0.05)  # polling for Chromium's exit (the DOM file), not for time
    return dom.read_text()


@pytest.mark.skipif(not shutil.which(CHROMIUM), reason="needs Debian's chromium")
def test_two_profiles_in_real_chromium_keep_two_sign_ins(
        user_keys: None, fed: FakeFederation, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    _headless_chromium(tmp_path / "bin")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:/usr/bin:/bin")
    monkeypatch.setenv("AWS_LOGIN_DATA_DIR", str(tmp_path / "data"))
    runs = [("team a", ROLE_A, "arn:aws:sts::111111111111:assumed-role/A/moto"),
            ("team b/ü", ROLE_B, "arn:aws:sts::222222222222:assumed-role/B/moto")]
    pages: list[str] = []
    for index, (profile, role, _) in enumerate(runs):
        dom = tmp_path / f"dom-{index}.html"
        monkeypatch.setenv("STANDIN_DOM", str(dom))
        result: Result = run_cli(["console", "--browser", "chromium", "--browser-profile",
                                  profile, "--assume-roles", role, "--destination",
                                  fed.console_url("console/s3/home")])
        assert (result.code, result.out) == (0, ""), result.err
        pages.append(_signed_in(fed, dom))

    folders = [tmp_path / "data" / "browser-profiles" / folder_name(p) for p, _, _ in runs]
    assert sorted(p.name for p in (tmp_path / "data" / "browser-profiles").iterdir()) == sorted(
        f.name for f in folders)
    logins = fed.find("login")
    served = [r for r in fed.find("/console/s3/home") if r.status == 200]
    assert [r.cookie for r in logins] == [None, None]  # the second profile had no session
    assert len(served) == 2 and served[0].cookie != served[1].cookie
    for (_, _, arn), page, request, folder in zip(runs, pages, served, folders, strict=True):
        assert f'<p id="who">{arn}</p>' in page
        assert fed.sessions[request.cookie or ""] == arn
        # Chromium made its profile in each folder. (Its cookie database is not checked:
        # a headless --dump-dom run often exits before committing it. The sign-ins above
        # show the two cookie jars: the second login carried no cookie, and the two pages
        # were served to two sessions.)
        assert (folder / "Default").is_dir()
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700


# --- --destination as a path -----------------------------------------------------------------

def test_a_path_destination_lands_on_the_console_host(user_keys: None,
                                                      fed: FakeFederation) -> None:
    result = run_cli(["console", "--no-browser", "--assume-roles", ROLE_A, "--destination",
                      "/console/ec2/home?region=eu-west-1#Instances:"])
    assert result.code == 0, result.err
    params = dict(parse_qsl(urlsplit(result.out.strip()).query))
    # AWS_LOGIN_FEDERATION_URL is set: its host stands for the console's.
    assert params["Destination"] == f"{fed.url}/console/ec2/home?region=eu-west-1#Instances:"


@pytest.mark.parametrize(("partition", "region", "host"), [
    ("aws", "eu-west-1", "console.aws.amazon.com"),
    ("aws-us-gov", "us-gov-west-1", "console.amazonaws-us-gov.com"),
    ("aws-cn", "cn-north-1", "console.amazonaws.cn")])
def test_a_path_is_kept_as_given_on_each_partition(partition: str, region: str,
                                                   host: str) -> None:
    from aws_login.federation import destination_url

    path = "/s3/buckets/my-bucket?region=eu-west-1&tab=objects&prefix=a%2Fb"
    assert destination_url(path, partition, region) == f"https://{host}{path}"
