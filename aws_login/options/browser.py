"""console's browser options: --browser, --browser-command, --browser-profile, the Firefox
container's colour and icon, and --via-portal. Everything is checked here, before any
network call; a named browser that is not installed fails here too (exit 1)."""

from __future__ import annotations

import argparse
import re
import shlex
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from aws_login import completion
from aws_login.browser_profiles import AUTO, check_name
from aws_login.browsers import NAMES, Family, find, program_path
from aws_login.console_browser import PROFILE, PROFILE_DIR, URL, BrowserChoice
from aws_login.errors import OperationError, UsageError
from aws_login.firefox_containers import COLORS, ICONS

if TYPE_CHECKING:
    from aws_login.context import Context
    from aws_login.model import Plan
    from aws_login.portal_shortcut import PortalTarget

_COMMAND_MAX = 4096
_NAMED = re.compile(r"\{[A-Za-z_][A-Za-z0-9_-]*\}")  # what looks like a placeholder


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("browser")
    which = group.add_mutually_exclusive_group()
    completion.attach(which.add_argument(
        "--browser", metavar="NAME|PATH",
        help=f"open the console in this browser: {', '.join(NAMES)} (found on PATH; "
             "safari on macOS), or the path of a browser's program, e.g. --browser firefox "
             "(default: BROWSER, else the system's default browser)"), _browser_names)
    which.add_argument(
        "--browser-command", metavar="TEMPLATE",
        help="open the console with this command, run without a shell: {url} is the URL, "
             "{profile} the --browser-profile name, {profile_dir} its folder; without {url} "
             "the URL comes on the command's stdin, e.g. --browser-command "
             "'vivaldi --user-data-dir={profile_dir} {url}'")
    completion.attach(group.add_argument(
        "--browser-profile", metavar="NAME|auto",
        help="keep this identity apart from the others: with chrome, chromium, brave or edge "
             "a browser profile of this name (its own folder, kept by aws-login), with "
             "firefox a container of this name (needs the \"Open external links in a "
             "container\" add-on); auto: named after the account id and role, e.g. "
             "--browser chrome --browser-profile auto"), _auto)
    group.add_argument(
        "--container-color", choices=COLORS, metavar="COLOR",
        help=f"the colour of a new Firefox container: {', '.join(COLORS)}")
    group.add_argument(
        "--container-icon", choices=ICONS, metavar="ICON",
        help=f"the icon of a new Firefox container: {', '.join(ICONS)}")
    group.add_argument(
        "--via-portal", action="store_true",
        help="for an SSO role: open the access portal's console shortcut for the account and "
             "role instead of a federation sign-in (the browser's portal session signs in; "
             "no credentials are fetched), e.g. --use-cache --sso-acct-id 123456789012 "
             "--sso-role-name ReadOnly --via-portal")


def choice(args: argparse.Namespace, ctx: Context) -> BrowserChoice | None:
    """The checked browser options; None: none given (today's default browser)."""
    given = (args.browser, args.browser_command, args.browser_profile, args.container_color,
             args.container_icon)
    if all(value is None for value in given):
        return None
    # console's two ways of not opening the URL at all
    for given_instead, does in ((args.no_browser, "--no-browser prints the URL"),
                                (args.copy, "--copy puts the URL on the clipboard")):
        if given_instead:
            raise UsageError(f"{does} instead of opening it; drop it, or drop --browser / "
                             "--browser-command / --browser-profile")
    profile = None if args.browser_profile is None else check_name(args.browser_profile)
    command = _command(args.browser_command, profile, ctx.environ)
    firefox_only = ("--container-color and --container-icon are for a new Firefox container: "
                    "add --browser firefox --browser-profile NAME")
    if (args.container_color or args.container_icon) and (profile is None or command):
        raise UsageError(firefox_only)
    if args.browser is None and not command:
        raise UsageError("--browser-profile needs --browser (chrome, chromium, brave, edge or "
                         "firefox): aws-login cannot tell which browser BROWSER or the system "
                         "default is; or use --browser-command with {profile}")
    browser = None if command else find(args.browser, ctx.environ)
    if browser is not None and profile is not None:
        if browser.family not in (Family.CHROMIUM, Family.FIREFOX):
            raise UsageError(f"--browser-profile works with Chromium-family browsers (chrome, "
                             f"chromium, brave, edge: a profile folder each) and Firefox (a "
                             f"container each); {browser.label} has neither: use "
                             "--browser-command TEMPLATE with {profile} or {profile_dir}")
        if browser.family is not Family.FIREFOX and (args.container_color or args.container_icon):
            raise UsageError(firefox_only)
    if profile is not None and args.logout_first:
        ctx.warn("warning: --logout-first is not needed with --browser-profile: that profile "
                 "or container holds only this identity's console session (signing out "
                 "first anyway)")
    return BrowserChoice(browser, command, profile, args.container_color, args.container_icon)


def portal_target(args: argparse.Namespace, plan: Plan, ctx: Context) -> PortalTarget | None:
    """--via-portal's portal, account and role (None: not asked for)."""
    if not args.via_portal:
        return None
    for option, value in (("--console-duration", args.console_duration),
                          ("--issuer", args.issuer), ("--logout-first", args.logout_first)):
        if value:
            raise UsageError(f"{option} is for a federation sign-in; --via-portal opens the "
                             "portal's shortcut, whose session the portal decides: drop one "
                             "of them")
    from aws_login.portal_shortcut import target

    return target(plan, ctx)


def _browser_names(prefix: str, **_: Any) -> list[str]:
    return [name for name in NAMES if name.startswith(prefix)]


def _auto(prefix: str, **_: Any) -> list[str]:
    return [AUTO] if AUTO.startswith(prefix) else []


def _command(template: str | None, profile: str | None,
             environ: Mapping[str, str]) -> tuple[str, ...]:
    if template is None:
        return ()
    try:
        words = tuple(shlex.split(template)) if len(template) <= _COMMAND_MAX else ()
    except ValueError as exc:  # an unclosed quote, a lone backslash
        raise UsageError(f"--browser-command {template[:80]!r} cannot be split into words "
                         f"({exc}); quote as in a POSIX shell, e.g. --browser-command "
                         "'my-browser --new-tab {url}'") from None
    if not words:
        raise UsageError(f"--browser-command {template[:80]!r} has no program; give e.g. "
                         "--browser-command 'my-browser --new-tab {url}'")
    for word in words:
        # A misspelt placeholder would reach the program as it is, and the URL its stdin.
        unknown = next((name for name in _NAMED.findall(word)
                        if name not in (URL, PROFILE, PROFILE_DIR)), None)
        if unknown is not None:
            raise UsageError(f"--browser-command: {unknown[:40]} is not a placeholder; use "
                             f"{URL}, {PROFILE} or {PROFILE_DIR}")
    uses_profile = any(PROFILE in word or PROFILE_DIR in word for word in words)
    if uses_profile and profile is None:
        raise UsageError("--browser-command uses {profile} or {profile_dir}; add "
                         "--browser-profile NAME or --browser-profile auto")
    if profile is not None and not uses_profile:
        raise UsageError("--browser-profile with --browser-command needs {profile} or "
                         "{profile_dir} in the command, to tell it which profile")
    if program_path(words[0], environ) is None:  # said now, not after the sign-in
        raise OperationError(f"--browser-command: {words[0][:200]} is not on PATH (or not an "
                             "executable file); install it, or give its full path")
    return words

