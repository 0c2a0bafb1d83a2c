"""`console --browser`, `--browser-profile` and `--browser-command` with stand-in browser
programs on PATH that record their arguments and stdin (tests/fakes/browsers.py), after a
real sign-in against moto and the federation fake."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from urllib.parse import parse_qsl, quote

import pytest

from aws_login import browsers
from aws_login.browser_profiles import folder_name
from aws_login.browsers import Browser, Family
from aws_login.errors import OperationError, UsageError
from aws_login.firefox_containers import container_url
from tests.fakes import browsers as standins
from tests.fakes.federation import FakeFederation
from tests.fakes.moto_server import LoopbackServer
from tests.helpers import FEDERATED_ARN, ROLE_A, ROLE_B, Result, run_cli

PROGRAMS = ("google-chrome", "chromium", "brave-browser", "microsoft-edge", "firefox",
            "my-browser", "osascript")
CHROMIUM_FAMILY = [("chrome", "google-chrome", "Chrome"), ("chromium", "chromium", "Chromium"),
                   ("brave", "brave-browser", "Brave"), ("edge", "microsoft-edge", "Edge")]
PROFILE_FLAGS = ["--no-first-run", "--no-default-browser-check"]


class Standins:
    def __init__(self, folder: Path, log: Path, data: Path) -> None:
        self.folder = folder
        self.log = log
        self.data = data

    def calls(self) -> list[dict[str, object]]:
        return standins.calls(self.log)

    def only(self) -> tuple[str, list[str], str]:
        [call] = self.calls()
        argv = call["argv"]
        assert isinstance(argv, list)
        return str(call["program"]), [str(a) for a in argv], str(call["stdin"])

    def profile(self, name: str) -> Path:
        return self.data / "browser-profiles" / folder_name(name)


@pytest.fixture
def bin_(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, user_keys: None,
         fed: FakeFederation) -> Standins:
    """Stand-in browsers alone on PATH, their log, and aws-login's data folder."""
    folder = standins.install(tmp_path / "bin", PROGRAMS)
    log = tmp_path / "browsers.log"
    monkeypatch.setenv("PATH", str(folder))
    monkeypatch.setenv("STANDIN_LOG", str(log))
    monkeypatch.setenv("AWS_LOGIN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("STANDIN_EXIT", raising=False)
    return Standins(folder, log, tmp_path / "data")


def console(fed: FakeFederation, *extra: str, roles: str = ROLE_A) -> Result:
    return run_cli(["console", "--assume-roles", roles, "--destination",
                    fed.console_url("console/ec2/home"), *extra])


def signin_url(url: str, fed: FakeFederation) -> str:
    """`url`, checked to be a login URL of the fake with a token it issued."""
    assert url.startswith(fed.federation_url + "?Action=login&")
    params = dict(parse_qsl(url.split("?", 1)[1]))
    assert params["SigninToken"] in fed.tokens
    return url


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --- each family's words -------------------------------------------------------------------

@pytest.mark.parametrize(("name", "program", "label"), [
    *CHROMIUM_FAMILY, ("firefox", "firefox", "Firefox")])
def test_a_named_browser_gets_the_url_alone(bin_: Standins, fed: FakeFederation, name: str,
                                            program: str, label: str) -> None:
    result = console(fed, "--browser", name)
    assert (result.code, result.out) == (0, "")
    started, argv, given = bin_.only()
    assert (started, given) == (program, "")
    [url] = argv
    signin_url(url, fed)
    assert result.err == f"aws-login: opened the AWS console sign-in in {label}\n"
    assert not bin_.data.exists()  # no profile, no folder


@pytest.mark.parametrize(("name", "program", "label"), CHROMIUM_FAMILY)
def test_chromium_family_profile_gets_its_own_private_folder_reused(
        bin_: Standins, fed: FakeFederation, name: str, program: str, label: str) -> None:
    result = console(fed, "--browser", name, "--browser-profile", "prod admin")
    assert result.code == 0, result.err
    folder = bin_.profile("prod admin")
    assert folder.name == f"prod_admin-{folder.name.rsplit('-', 1)[1]}"
    _, argv, _ = bin_.only()
    assert argv[:-1] == [f"--user-data-dir={folder}", *PROFILE_FLAGS]
    signin_url(argv[-1], fed)
    assert result.err == ("aws-login: opened the AWS console sign-in in "
                          f"{label}, in the profile 'prod admin' kept by aws-login\n")
    for made in (bin_.data, bin_.data / "browser-profiles", folder):
        assert mode(made) == 0o700
    (folder / "Cookies").write_text("the browser's")  # what the browser keeps there

    again = console(fed, "--browser", name, "--browser-profile", "prod admin", roles=ROLE_B)
    assert again.code == 0, again.err
    first, second = bin_.calls()
    assert second["argv"][:-1] == first["argv"][:-1]  # type: ignore[index]
    assert (folder / "Cookies").read_text() == "the browser's"
    assert [p.name for p in (bin_.data / "browser-profiles").iterdir()] == [folder.name]


def test_profile_names_map_to_distinct_safe_folders() -> None:
    names = ["prod", "Prod", "prod admin", "prod_admin", "../etc", ".hidden", "a/b", "ü",
             "123456789012-Admin+Ops=1,2@x.y", "x" * 128]
    folders = [folder_name(name) for name in names]
    assert folders[:2] == ["prod", "Prod"]
    assert len(set(folders)) == len(names)
    for folder in folders:
        assert "/" not in folder and not folder.startswith(".") and len(folder) <= 64
        assert all(ch.isascii() and (ch.isalnum() or ch in "._-") for ch in folder)


def test_auto_names_the_profile_after_the_last_role(bin_: Standins, fed: FakeFederation,
                                                     sts: LoopbackServer) -> None:
    result = console(fed, "--browser", "chrome", "--browser-profile", "auto",
                     roles=f"{ROLE_A}, {ROLE_B}")
    assert result.code == 0, result.err
    assert "in the profile '222222222222-B' kept by aws-login" in result.err
    _, argv, _ = bin_.only()
    assert argv[0] == f"--user-data-dir={bin_.data / 'browser-profiles' / '222222222222-B'}"
    assert sts.recorder.actions() == ["GetCallerIdentity", "AssumeRole", "AssumeRole"]


def test_auto_asks_who_when_the_plan_cannot_say(bin_: Standins, fed: FakeFederation,
                                                sts: LoopbackServer) -> None:
    """IAM user keys become GetFederationToken credentials: named after the federated user."""
    result = run_cli(["console", "--browser", "brave", "--browser-profile", "auto",
                      "--destination", fed.console_url()])
    assert result.code == 0, result.err
    account, user = FEDERATED_ARN.split(":")[4], FEDERATED_ARN.rsplit("/", 1)[1]
    assert f"in the profile '{account}-{user}'" in result.err
    assert sts.recorder.actions() == ["GetCallerIdentity", "GetFederationToken",
                                      "GetCallerIdentity"]


# --- Firefox containers --------------------------------------------------------------------

def addon_fields(url: str) -> dict[str, str]:
    """What the add-on reads: it undoes Firefox's extra encoding of the whole URL, then reads
    the fields with URLSearchParams (percent-decoding, `+` as a space), as parse_qsl does."""
    assert url.startswith("ext+container:")
    return dict(parse_qsl(url[len("ext+container:"):], keep_blank_values=True, strict_parsing=True))


@pytest.mark.parametrize("name", ["prod", "prod admin", "R&D = 1+1", "Zürich ☁", "100% a/b?c#d"])
def test_container_url_encodes_every_value_exactly(name: str) -> None:
    url = "https://signin.aws.amazon.com/federation?Action=login&Destination=https%3A%2F%2Fx"
    made = container_url(name, url, "red", "briefcase")
    assert addon_fields(made) == {"name": name, "color": "red", "icon": "briefcase", "url": url}
    assert made == (f"ext+container:name={quote(name, safe='')}&color=red&icon=briefcase"
                    f"&url={quote(url, safe='')}")


def test_container_url_of_an_awkward_name_spelled_out() -> None:
    assert container_url("R&D ü+1", "https://x/?a=1&b=%2F") == (
        "ext+container:name=R%26D%20%C3%BC%2B1&url=https%3A%2F%2Fx%2F%3Fa%3D1%26b%3D%252F")


def test_firefox_profile_opens_a_container(bin_: Standins, fed: FakeFederation) -> None:
    result = console(fed, "--browser", "firefox", "--browser-profile", "Prod & Ops ü+1",
                     "--container-color", "orange", "--container-icon", "fruit")
    assert result.code == 0, result.err
    program, [url], _ = bin_.only()
    assert program == "firefox"
    fields = addon_fields(url)
    assert url.startswith("ext+container:name=Prod%20%26%20Ops%20%C3%BC%2B1&color=orange"
                          "&icon=fruit&url=")
    assert (fields["name"], fields["color"], fields["icon"]) == ("Prod & Ops ü+1", "orange",
                                                                 "fruit")
    signin_url(fields["url"], fed)
    assert result.err == ("aws-login: opened the AWS console sign-in in Firefox, in the "
                          "container 'Prod & Ops ü+1'\n")
    assert not bin_.data.exists()  # Firefox keeps containers itself


# --- --browser-command ---------------------------------------------------------------------

def test_browser_command_fills_the_placeholders(bin_: Standins, fed: FakeFederation) -> None:
    result = console(fed, "--browser-profile", "team a", "--browser-command",
                     "my-browser --name='{profile}' --user-data-dir={profile_dir} --open {url}")
    assert result.code == 0, result.err
    program, argv, given = bin_.only()
    folder = bin_.profile("team a")
    assert argv[:3] == ["--name=team a", f"--user-data-dir={folder}", "--open"]
    signin_url(argv[3], fed)
    assert (program, len(argv), given) == ("my-browser", 4, "")
    assert mode(folder) == 0o700
    assert result.err == ("aws-login: opened the AWS console sign-in with my-browser "
                          "(profile 'team a')\n")


def test_browser_command_without_url_reads_it_on_stdin(bin_: Standins,
                                                       fed: FakeFederation) -> None:
    # A name that looks like a placeholder is filled in once, never again.
    result = console(fed, "--browser-profile", "{url}", "--browser-command",
                     "my-browser --stdin {profile}")
    assert result.code == 0, result.err
    _, argv, given = bin_.only()
    assert argv == ["--stdin", "{url}"]
    assert given.endswith("\n") and given.count("\n") == 1
    signin_url(given.strip(), fed)
    assert not bin_.data.exists()  # {profile_dir} unused: no folder


# --- failures ------------------------------------------------------------------------------

def test_a_browser_that_fails_leaves_the_url_printed(bin_: Standins, fed: FakeFederation,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STANDIN_EXIT", "3")
    result = console(fed, "--browser", "chrome")
    assert result.code == 0
    signin_url(result.out.strip(), fed)
    assert result.err.splitlines()[:2] == [
        "aws-login: Chrome: google-chrome exited with status 3",
        "aws-login: could not open a browser; printing the sign-in URL instead"]
    assert "treat it as a secret" in result.err


@pytest.mark.parametrize(("name", "looked_for"), [
    ("chrome", "google-chrome, google-chrome-stable, chrome"),
    ("chromium", "chromium, chromium-browser"), ("brave", "brave-browser, brave"),
    ("edge", "microsoft-edge, microsoft-edge-stable, msedge"), ("firefox", "firefox, firefox-esr")])
def test_a_browser_not_installed_is_said_before_any_request(
        bin_: Standins, fed: FakeFederation, sts: LoopbackServer, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, name: str, looked_for: str) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    result = console(fed, "--browser", name, "--browser-profile", "p")
    label = browsers.KINDS[name].label
    first = looked_for.split(", ")[0]
    assert (result.code, result.out) == (1, "")
    assert result.err == (f"aws-login: error: --browser {name}: {label} is not installed here "
                          f"(looked for {looked_for} on PATH); install it, or give its "
                          f"program's path, e.g. --browser /path/to/{first}\n")
    assert sts.recorder.requests == [] and fed.requests == []


# --- finding programs ----------------------------------------------------------------------

@pytest.mark.parametrize(("name", "program"), [
    (name, program) for name, kind in browsers.KINDS.items() for program in kind.programs])
def test_every_usual_program_name_is_found(tmp_path: Path, name: str, program: str) -> None:
    folder = standins.install(tmp_path, (program,))
    found = browsers.find(name.upper(), {"PATH": f"{tmp_path / 'none'}{os.pathsep}{folder}"},
                          "linux")
    assert found == Browser(browsers.KINDS[name].label, browsers.KINDS[name].family,
                            str(folder / program))


def test_a_path_is_used_as_given_and_its_family_read_from_its_name(tmp_path: Path) -> None:
    standins.install(tmp_path / "opt", ("chromium", "firefox-esr", "vivaldi"))
    assert browsers.find(str(tmp_path / "opt" / "chromium"), {}) == Browser(
        "Chromium", Family.CHROMIUM, str(tmp_path / "opt" / "chromium"))
    assert browsers.find(str(tmp_path / "opt" / "firefox-esr"), {}).family is Family.FIREFOX
    assert browsers.find(str(tmp_path / "opt" / "vivaldi"), {}) == Browser(
        "vivaldi", Family.OTHER, str(tmp_path / "opt" / "vivaldi"))
    with pytest.raises(OperationError, match="no such program"):
        browsers.find(str(tmp_path / "opt" / "missing"), {})
    with pytest.raises(UsageError, match="not a browser aws-login knows"):
        browsers.find("opera", {})


def test_macos_apps_are_found_in_applications(tmp_path: Path) -> None:
    app = tmp_path / "Applications" / "Google Chrome.app" / "Contents" / "MacOS"
    standins.install(app, ("Google Chrome",))
    found = browsers.find("chrome", {"PATH": str(tmp_path / "none"), "HOME": str(tmp_path)},
                          "darwin")
    assert found == Browser("Chrome", Family.CHROMIUM, str(app / "Google Chrome"))
    with pytest.raises(OperationError) as missing:
        browsers.find("edge", {"PATH": str(tmp_path / "none"), "HOME": str(tmp_path)}, "darwin")
    assert "on PATH and for Microsoft Edge.app in /Applications)" in missing.value.message


@pytest.mark.parametrize(("name", "root", "parts"), [
    ("chrome", "PROGRAMFILES", ("Google", "Chrome", "Application", "chrome.exe")),
    ("edge", "PROGRAMFILES(X86)", ("Microsoft", "Edge", "Application", "msedge.exe")),
    ("brave", "LOCALAPPDATA", ("BraveSoftware", "Brave-Browser", "Application", "brave.exe")),
    ("chromium", "LOCALAPPDATA", ("Chromium", "Application", "chrome.exe")),
    ("firefox", "PROGRAMFILES", ("Mozilla Firefox", "firefox.exe"))])
def test_windows_browsers_are_found_where_their_installers_put_them(
        tmp_path: Path, name: str, root: str, parts: tuple[str, ...]) -> None:
    """Windows installers rarely put a browser on PATH."""
    roots = {key: str(tmp_path / key) for key in ("PROGRAMFILES", "PROGRAMFILES(X86)",
                                                  "LOCALAPPDATA")}
    environ = {"PATH": str(tmp_path / "none"), **roots}
    with pytest.raises(OperationError) as missing:
        browsers.find(name, environ, "win32")
    assert missing.value.message.endswith(
        f"on PATH and for {chr(92).join(parts)} in Program Files and LocalAppData); install "
        f"it, or give its program's path, e.g. --browser /path/to/"
        f"{browsers.KINDS[name].programs[0]}")
    folder = standins.install(Path(roots[root], *parts[:-1]), (parts[-1],))
    kind = browsers.KINDS[name]
    assert browsers.find(name, environ, "win32") == Browser(kind.label, kind.family,
                                                            str(folder / parts[-1]))


def test_safari_is_told_through_osascript_on_stdin(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    folder = standins.install(tmp_path / "bin", ("osascript",))
    log = tmp_path / "log"
    monkeypatch.setenv("STANDIN_LOG", str(log))
    safari = browsers.find("safari", {"PATH": str(folder)}, "darwin")
    assert safari == Browser("Safari", Family.SAFARI, str(folder / "osascript"))
    url = 'https://signin.aws.amazon.com/federation?Action=login&SigninToken=a"b\\c'
    assert browsers.start(browsers.launch(safari, url)) is None
    [call] = standins.calls(log)
    assert call["argv"] == []  # nothing on the command line
    assert call["stdin"] == ('tell application "Safari"\nactivate\nopen location '
                             '"https://signin.aws.amazon.com/federation?Action=login&'
                             'SigninToken=a\\"b\\\\c"\nend tell\n')
    with pytest.raises(OperationError, match="Safari is only on macOS"):
        browsers.find("safari", {"PATH": str(folder)}, "linux")
