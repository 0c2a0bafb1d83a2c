"""dumpcreds: print the credentials as shell exports or credential_process JSON."""

from __future__ import annotations

import argparse
import sys

from aws_login.context import Context
from aws_login.errors import AwsLoginError, UsageError
from aws_login.options import credentials as credential_options
from aws_login.render import (
    OUTFORMS,
    SHELL_NAMES,
    credential_process_json,
    default_outform,
    shell_exports,
    unset_stale,
)

EXAMPLES = """\
examples (these forms stop when aws-login fails, so a failure cannot pass for success):
  c=$(aws-login dumpcreds --profile dev) && eval "$c"
  set c (aws-login dumpcreds --outform fish --profile dev); and printf '%s\\n' $c | source
  $c = aws-login dumpcreds --outform powershell; if ($LASTEXITCODE -eq 0) { $c | Out-String | iex }
  source <(aws-login dumpcreds --unset-stale --profile dev)   # a failure clears the old keys
  aws-login dumpcreds --profile dev --assume-roles arn:aws:iam::123456789012:role/Admin \
      --write-profile dev-admin   # into ~/.aws/credentials
  aws-login dumpcreds --copy --outform fish --profile dev   # to the clipboard, not stdout
  # in ~/.aws/config:  credential_process = aws-login dumpcreds --credential-helper --profile dev
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    output = parser.add_argument_group("output")
    form = output.add_mutually_exclusive_group()
    form.add_argument(
        "--outform", choices=OUTFORMS, metavar="|".join(OUTFORMS),
        help="shell syntax of the exports, e.g. --outform fish (default: picked from the OS "
             "and $SHELL); mac and linux are the same POSIX syntax (bash, zsh, dash)")
    form.add_argument(
        "--credential-helper", action="store_true",
        help="print credential_process JSON (Version 1) instead, e.g. in ~/.aws/config: "
             "credential_process = aws-login dumpcreds --credential-helper --profile dev")
    form.add_argument(
        "--write-profile", metavar="NAME",
        help="write them as profile NAME of the shared credentials file instead "
             "(AWS_SHARED_CREDENTIALS_FILE, default ~/.aws/credentials), for tools that read "
             "only that file, e.g. --write-profile dev-admin")
    output.add_argument(
        "--copy", action="store_true",
        help="put the export lines on the clipboard instead of stdout (wl-copy, xclip, xsel, "
             "pbcopy or clip.exe; over SSH the terminal's, by an OSC 52 escape), e.g. to paste "
             "them into a shell on another machine")
    output.add_argument(
        "--force", action="store_true",
        help="with --write-profile: overwrite a profile that holds long-term keys")
    output.add_argument(
        "--unset-stale", action="store_true",
        help="on failure, print lines that unset the AWS_* credential variables (still "
             "exiting non-zero), so that source <(aws-login dumpcreds --unset-stale ...) "
             "leaves no previous identity behind")
    credential_options.add_arguments(parser)


def run(args: argparse.Namespace, ctx: Context) -> int:
    if args.unset_stale and args.credential_helper:
        raise UsageError("--unset-stale applies to shell exports; drop it or "
                         "--credential-helper")
    if args.copy:
        _check_copy(args)
    outform = args.outform or default_outform(sys.platform, ctx.environ)
    try:
        return _run(args, ctx, outform)
    except AwsLoginError:
        if args.unset_stale:
            # A shell that sources this output ignores the exit code: without the old
            # keys it cannot go on as the previous identity.
            ctx.stdout.write(unset_stale(outform))
        raise


def _run(args: argparse.Namespace, ctx: Context, outform: str) -> int:
    from aws_login.acquire import acquire

    plan = credential_options.build_plan(args, ctx)
    target = None
    if args.write_profile is not None:  # checked before anything is acquired
        from aws_login.credentials_file import ProfileTarget

        target = ProfileTarget(args.write_profile, args.force, ctx)
    elif args.force:
        raise UsageError("--force applies to --write-profile; add it, or drop --force")
    clip = None
    if args.copy:  # found before acquiring: no clipboard, no sign-in spent
        from aws_login import clipboard

        clip = clipboard.find(ctx)
    acquired = acquire(plan, ctx)
    if target is not None:
        target.write(acquired.credentials, ctx.now(), ctx)
        return 0  # stdout stays empty: the product is the file
    if args.credential_helper:
        text = credential_process_json(acquired.credentials)
        expiration = acquired.credentials.expiration
        if plan.use_cache and expiration is not None:
            from aws_login import fastpath

            # The next identical call (the SDKs repeat it for every process) is answered
            # before any of this is imported.
            fastpath.remember(ctx.argv, ctx.environ, text, expiration.timestamp())
    else:
        text = shell_exports(acquired.credentials, outform, plan.region)
    if clip is not None:
        from aws_login import clipboard

        clipboard.copy_secret(clip, text, f"the shell exports ({SHELL_NAMES[outform]})",
                              "they hold secret keys: paste them only into your shell", ctx)
        return 0  # stdout stays empty: the product is on the clipboard
    ctx.stdout.write(text)
    return 0


def _check_copy(args: argparse.Namespace) -> None:
    """--copy puts shell exports on the clipboard: nothing else goes with it."""
    if args.credential_helper:
        raise UsageError("--copy puts shell exports on the clipboard, and credential_process "
                         "JSON is read by programs, not pasted; drop --copy or "
                         "--credential-helper")
    if args.write_profile is not None:
        raise UsageError("--copy and --write-profile both say where the credentials go; "
                         "give only one")
    if args.unset_stale:
        raise UsageError("--unset-stale is for output that a shell sources, and with --copy "
                         "nothing is printed; drop --unset-stale or --copy")
