"""Where `console` opens its URL: the default browser (BROWSER, the system's), a named one
(`--browser`), in a profile or container of its own (`--browser-profile`), or a command of
the person's (`--browser-command`).

The options are checked into a `BrowserChoice` before any network call
(options/browser.py), and a named profile's folder is made then too (`prepare_folder`).
After the sign-in, `opener` turns it into what opens each URL; a profile named `auto` is
named after the final identity first (`profile_name`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from aws_login import browsers
from aws_login.browser_profiles import AUTO, auto_name, profile_folder
from aws_login.browsers import Browser, Family, Launch
from aws_login.firefox_containers import container_url
from aws_login.record import record

if TYPE_CHECKING:
    from aws_login.context import Context
    from aws_login.model import Credentials, Plan
    from aws_login.portal_shortcut import PortalTarget

# --browser-command's placeholders.
URL, PROFILE, PROFILE_DIR = "{url}", "{profile}", "{profile_dir}"
_PLACEHOLDER = re.compile(r"\{(?:url|profile|profile_dir)\}")


@record
class BrowserChoice:
    """The browser options, checked. Exactly one of `browser` and `command` is set."""

    browser: Browser | None = None  # --browser
    command: tuple[str, ...] = ()  # --browser-command, split into words (run without a shell)
    profile: str | None = None  # --browser-profile NAME, or AUTO
    color: str | None = None  # --container-color (Firefox)
    icon: str | None = None  # --container-icon (Firefox)


@record
class Opener:
    """What opens a URL: `open` says whether it did, `where` ends "opened ... <where>"."""

    available: Callable[[], bool]
    open: Callable[[str], bool]
    where: str


def default_opener(ctx: Context) -> Opener:
    """Today's behaviour: BROWSER, else the system's default browser, when one can open."""
    return Opener(ctx.browser_available, ctx.open_url, "in your browser")


def opener(choice: BrowserChoice | None, profile: str | None, ctx: Context) -> Opener:
    """The opener of the choice; `profile` is the profile or container name, `auto` already
    resolved (see profile_name)."""
    if choice is None:
        return default_opener(ctx)
    name = _program_name(choice)

    def open_url(url: str) -> bool:
        what = launch_for(choice, profile, url, ctx.data_dir)
        ctx.log(f"starting {what.argv[0]} with {len(what.argv) - 1} arguments; the URL "
                + ("on its stdin" if what.stdin is not None else "among its arguments"))
        failure = browsers.start(what)
        if failure is not None:
            ctx.warn(f"{name}: {failure}")
            return False
        return True

    # Named explicitly, it is started whatever the display looks like: its own failure says.
    return Opener(lambda: True, open_url, where_opened(choice, profile))


def launch_for(choice: BrowserChoice, profile: str | None, url: str, data_dir: Path) -> Launch:
    """The program and words that open `url` as the choice says."""
    if choice.command:
        folder = str(profile_folder(data_dir, profile)) if profile is not None and \
            uses_folder(choice) else ""
        values = {URL: url, PROFILE: profile or "", PROFILE_DIR: folder}
        # One pass, so that a name holding "{url}" is not filled in again.
        words = tuple(_PLACEHOLDER.sub(lambda found: values[found.group(0)], word)
                      for word in choice.command)
        # Without {url} the command reads it from stdin: no other user sees it in `ps`.
        uses_url = any(URL in word for word in choice.command)
        return Launch(words, None if uses_url else url + "\n")
    browser = choice.browser
    if browser is None:
        raise ValueError("a BrowserChoice has a browser or a command")
    if profile is not None and uses_folder(choice):
        return browsers.launch(browser, url, profile_folder(data_dir, profile))
    if profile is not None and browser.family is Family.FIREFOX:
        return browsers.launch(browser, container_url(profile, url, choice.color, choice.icon))
    return browsers.launch(browser, url)


def uses_folder(choice: BrowserChoice) -> bool:
    """Whether a profile of this choice is a folder aws-login keeps: a Chromium-family
    browser's user-data folder, or a --browser-command's {profile_dir}."""
    if choice.command:
        return any(PROFILE_DIR in word for word in choice.command)
    return choice.browser is not None and choice.browser.family is Family.CHROMIUM


def prepare_folder(choice: BrowserChoice | None, ctx: Context) -> None:
    """Create a named profile's folder (0700) before any network call: one that cannot be
    made fails before a sign-in or an MFA code is spent on it. `auto` is named after the
    identity, known only after the sign-in: its folder is made when it is opened."""
    if choice is None or choice.profile is None or choice.profile == AUTO:
        return
    if uses_folder(choice):
        profile_folder(ctx.data_dir, choice.profile)


def where_opened(choice: BrowserChoice, profile: str | None) -> str:
    if choice.command:
        return f"with {choice.command[0]}" + (f" (profile {profile!r})" if profile else "")
    assert choice.browser is not None
    label = choice.browser.label
    if profile is None:
        return f"in {label}"
    if choice.browser.family is Family.FIREFOX:
        return f"in {label}, in the container {profile!r}"
    return f"in {label}, in the profile {profile!r} kept by aws-login"


def profile_name(choice: BrowserChoice | None, plan: Plan, creds: Credentials, region: str,
                 ctx: Context) -> str | None:
    """The profile or container name: as given, or for `auto` the final identity's account
    and role (or federated user) name, from the plan when it says, else GetCallerIdentity."""
    if choice is None or choice.profile is None:
        return None
    if choice.profile != AUTO:
        return choice.profile
    account, name = _identity(plan, creds, region, ctx)
    return auto_name(account, name)


def portal_profile_name(choice: BrowserChoice | None, portal: PortalTarget) -> str | None:
    """profile_name for --via-portal: `auto` is the shortcut's account and role."""
    if choice is None or choice.profile is None:
        return None
    if choice.profile != AUTO:
        return choice.profile
    return auto_name(portal.account_id, portal.role_name)


def _identity(plan: Plan, creds: Credentials, region: str, ctx: Context) -> tuple[str, str]:
    from aws_login.arns import parse_role_arn
    from aws_login.sources.sso import SsoRoleStart
    from aws_login.sources.sso_profile import SsoProfileStart

    start = plan.start
    if plan.hops:
        role = parse_role_arn(plan.hops[-1].role_arn)
        return role.account, role.name
    if plan.session_step is None:
        if isinstance(start, SsoProfileStart):
            if not start.roles:
                return start.account_id, start.role_name
            role = parse_role_arn(start.roles[-1].role_arn)  # the named profile's own role
            return role.account, role.name
        if isinstance(start, SsoRoleStart):
            return start.account_id, start.role_name
    arn = ctx.clients.sts(creds, region).get_caller_identity()["Arn"]
    return _named(arn)


def _named(arn: str) -> tuple[str, str]:
    """Account and name of a caller ARN: the role of an assumed-role session, else the last
    part (a federated user's or an IAM user's name, or root)."""
    parts = arn.split(":", 5)
    resource = parts[5] if len(parts) == 6 else arn
    if resource.startswith("assumed-role/"):
        return parts[4], resource.split("/")[1]
    return parts[4] if len(parts) == 6 else "unknown", resource.rsplit("/", 1)[-1]


def _program_name(choice: BrowserChoice) -> str:
    if choice.command:
        return choice.command[0]
    assert choice.browser is not None
    return choice.browser.label
