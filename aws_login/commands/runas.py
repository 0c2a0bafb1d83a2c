"""runas: run a command with the acquired credentials in its environment."""

from __future__ import annotations

import argparse

from aws_login.context import Context
from aws_login.errors import UsageError
from aws_login.options import credentials as credential_options
from aws_login.process import child_environment, run_child

EXAMPLES = """\
examples:
  aws-login runas --profile dev --command "aws s3 ls"
  aws-login runas --assume-roles arn:aws:iam::123456789012:role/Admin -- terraform plan
  aws-login runas --profile dev -- bash        # a shell with the credentials
The child's exit code is aws-login's; Ctrl-C and SIGTERM reach the child.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--command", metavar="STRING",
        help="run STRING through /bin/sh -c (cmd /c on Windows), e.g. --command "
             "\"aws s3 ls | head\"")
    parser.add_argument(
        "program", nargs="*", metavar="-- PROGRAM ARGS",
        help="or run PROGRAM with ARGS directly, without a shell, after a --, e.g. "
             "-- aws sts get-caller-identity")
    credential_options.add_arguments(parser)


def run(args: argparse.Namespace, ctx: Context) -> int:
    if args.command is not None and args.program:
        raise UsageError("give either --command STRING or -- PROGRAM ARGS, not both")
    if args.command is None and not args.program:
        raise UsageError("nothing to run; add --command \"aws s3 ls\" or -- PROGRAM ARGS")
    if args.command is not None and not args.command.strip():
        raise UsageError("--command is empty; give the command to run")
    from aws_login import region as regions
    from aws_login.acquire import acquire

    plan = credential_options.build_plan(args, ctx)
    acquired = acquire(plan, ctx)
    region = acquired.region
    if region is None and (plan.start.profile or ctx.environ.get("AWS_PROFILE")):
        # The child loses AWS_PROFILE, so it must get the profile's region explicitly.
        setting = regions.configured(plan.start.profile, ctx)
        region = None if setting is None else setting.region
    env = child_environment(ctx.environ, acquired.credentials, region)
    command = args.command if args.command is not None else args.program
    ctx.log(f"running {'a shell command' if args.command is not None else args.program[0]!r}")
    ctx.stdout.flush()
    return run_child(command, env)
