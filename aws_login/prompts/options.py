"""The options that choose how aws-login asks, and where MFA codes come from:
--prompt NAME (else AWS_LOGIN_PROMPT), --mfa-process COMMAND, --ykman-account NAME (else
AWS_LOGIN_YKMAN_ACCOUNT).

They are not part of the Plan: they change how a person is reached, never which identity
comes out, so they stay out of the credentials cache key. `configure` reads them into the
Context when the plan is built, so a bad value is a usage error before any network call.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import TYPE_CHECKING

from aws_login.errors import UsageError
from aws_login.record import field, record

if TYPE_CHECKING:
    from aws_login.context import Context

PROMPT_VARIABLE = "AWS_LOGIN_PROMPT"
YKMAN_VARIABLE = "AWS_LOGIN_YKMAN_ACCOUNT"
# Ways to ask, in the order of automatic selection; ykman answers MFA codes only, none never asks.
CHANNELS = ("terminal", "tty", "zenity", "kdialog", "osascript")
NAMES = (*CHANNELS, "ykman", "none")


@record
class PromptSettings:
    prompt: str | None = None  # one of NAMES; None: automatic
    origin: str = ""  # how `prompt` was given, for messages: "--prompt tty", "AWS_LOGIN_PROMPT=tty"
    # the command's words (split here, run without a shell); may hold a session token
    mfa_process: tuple[str, ...] = field(default=(), repr=False)
    ykman_account: str | None = None  # the OATH account; None: the MFA serial
    use_ykman: bool = False  # --prompt ykman, AWS_LOGIN_PROMPT=ykman or --ykman-account


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "asking a person, MFA codes without asking (see docs/prompts.md)")
    group.add_argument(
        "--prompt", metavar="NAME", choices=NAMES,
        help="how to ask for an MFA code or a choice: " + ", ".join(NAMES) + f" (default: "
             f"{PROMPT_VARIABLE}, else the first that works of: the terminal, /dev/tty, a "
             "zenity/kdialog/osascript dialog); ykman: MFA codes from a YubiKey; none: never "
             "ask, e.g. --prompt none in CI")
    group.add_argument(
        "--mfa-process", metavar="COMMAND",
        help="a command that prints the MFA code on its first line, run without a shell, "
             "e.g. --mfa-process 'op item get AWS --otp'")
    group.add_argument(
        "--ykman-account", metavar="NAME",
        help="read the MFA code from this YubiKey OATH account with ykman, e.g. "
             f"--ykman-account aws-alice (default: {YKMAN_VARIABLE}, else the --mfa-serial "
             "ARN, when --prompt ykman)")


def configure(args: argparse.Namespace, ctx: Context) -> None:
    """Check the options and hand them to the Context's prompt service."""
    ctx.prompt_settings = read(args, ctx.environ)


def read(args: argparse.Namespace, environ: Mapping[str, str]) -> PromptSettings:
    settings = from_environment(environ, args.prompt)
    words: tuple[str, ...] = ()
    if args.mfa_process is not None:
        words = split_command(args.mfa_process)
    account = args.ykman_account
    if account is not None and not account.strip():
        raise UsageError("--ykman-account needs the OATH account name, e.g. --ykman-account "
                         "aws-alice (see: ykman oath accounts list)")
    # With --jumpcloud-url, a program source of codes gives JumpCloud's TOTP code, and
    # --mfa-token stays the code of --mfa-serial (the first STS call's device).
    jumpcloud = getattr(args, "jumpcloud_url", None) is not None
    given = [name for name, present in (
        ("--mfa-token", getattr(args, "mfa_token", None) is not None and not jumpcloud),
        ("--mfa-process", bool(words)),
        ("--ykman-account", account is not None),
        ("--prompt ykman", args.prompt == "ykman")) if present]
    if len(given) > 1:
        raise UsageError(f"give one source of the MFA code, not {' and '.join(given)}")
    if given and jumpcloud and getattr(args, "mfa_serial", None) is not None \
            and getattr(args, "mfa_token", None) is None:
        raise UsageError(f"{given[0]} gives JumpCloud's TOTP code with --jumpcloud-url; give "
                         "the code of --mfa-serial with --mfa-token CODE")
    return PromptSettings(
        prompt=settings.prompt, origin=settings.origin, mfa_process=words,
        ykman_account=account if account is not None else settings.ykman_account,
        use_ykman=settings.use_ykman or account is not None)


def check_code_source(args: argparse.Namespace, has_device: bool) -> None:
    """A program source of codes (--mfa-process, a YubiKey) needs an MFA device to give the
    code of: --mfa-serial, a role profile's mfa_serial (`has_device`), or JumpCloud's TOTP."""
    if has_device or getattr(args, "jumpcloud_url", None) is not None:
        return
    for name, present in (("--mfa-process", args.mfa_process is not None),
                          ("--ykman-account", args.ykman_account is not None),
                          ("--prompt ykman", args.prompt == "ykman")):
        if present:
            raise UsageError(f"{name} gives the code of an MFA device; add --mfa-serial ARN")


def from_environment(environ: Mapping[str, str], given: str | None = None) -> PromptSettings:
    """The settings when no option says otherwise (`given`: --prompt's value)."""
    prompt = given
    origin = "" if given is None else f"--prompt {given}"
    if prompt is None:
        value = environ.get(PROMPT_VARIABLE, "").strip()
        if value:
            if value not in NAMES:
                raise UsageError(f"{PROMPT_VARIABLE}={value!r} is not one of "
                                 f"{', '.join(NAMES)}; fix or unset it")
            prompt, origin = value, f"{PROMPT_VARIABLE}={value}"
    account = environ.get(YKMAN_VARIABLE, "").strip() or None
    return PromptSettings(prompt=prompt, origin=origin, ykman_account=account,
                          use_ykman=prompt == "ykman")


def split_command(text: str, option: str = "--mfa-process",
                  example: str = "'op item get AWS --otp'",
                  what: str = "the code") -> tuple[str, ...]:
    """A command's words, split as a shell would (it is run without one); `option` names it
    in messages (--mfa-process, --password-process), with an `example` of a command that
    prints `what`."""
    import shlex

    try:
        words = tuple(shlex.split(text))
    except ValueError as exc:
        raise UsageError(f"{option} cannot be split into words ({exc}); quote it as a "
                         f"shell would, e.g. {option} {example}") from None
    if not words:
        raise UsageError(f"{option} is empty; give a command that prints {what}, e.g. "
                         f"{option} {example}")
    return words
