"""runas: run a command with the acquired credentials in its environment."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from aws_login.context import Context
from aws_login.errors import UsageError
from aws_login.options import credentials as credential_options
from aws_login.process import (
    child_environment,
    default_profile_credentials,
    run_child,
    server_environment,
)

EXAMPLES = """\
examples:
  aws-login runas --profile dev --command "aws s3 ls"
  aws-login runas --assume-roles arn:aws:iam::123456789012:role/Admin terraform plan
  aws-login runas --profile dev bash           # a shell with the credentials
  aws-login runas --server --profile dev -- terraform apply   # kept fresh for hours
Everything from the first word that is not an aws-login option on is the program and its
arguments (a -- before it is optional): in `aws-login runas --profile dev printenv
--region x`, --region goes to printenv. The child's exit code is aws-login's; Ctrl-C and
SIGTERM reach the child. With --server the child gets a loopback credential server
(AWS_CONTAINER_CREDENTIALS_FULL_URI) that renews the whole chain while it runs.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--command", metavar="STRING",
        help="run STRING through /bin/sh -c (cmd /c on Windows), e.g. --command "
             "\"aws s3 ls | head\"")
    parser.add_argument(
        "program", nargs="*", metavar="PROGRAM ARGS",
        help="or run PROGRAM with ARGS directly, without a shell, e.g. "
             "aws sts get-caller-identity; every word from PROGRAM on is the program's, "
             "options too (a -- before PROGRAM is optional)")
    parser.add_argument(
        "--server", action="store_true",
        help="instead of keys, give the child a credential server on 127.0.0.1 that renews "
             "the credentials (the whole chain) for as long as it runs: for jobs that outlast "
             "one set of credentials")
    credential_options.add_arguments(parser)


def split_program(parser: argparse.ArgumentParser,
                  words: Sequence[str]) -> tuple[list[str], list[str]]:
    """runas's own words and the program's (cli hands the program to argparse after a
    "--"): the program starts at the first word that is neither an option of runas nor an
    option's value, or after a "--", as with sudo, env and aws-vault exec. So a child's
    `--profile X` can never become aws-login's starting profile. An unknown option before
    the program stays runas's, for argparse to refuse."""
    # argparse keeps its option table private; it is the one source of which option takes
    # a value (the credential options are declared elsewhere).
    actions = {option: action for action in parser._actions
               for option in action.option_strings}
    index = 0
    while index < len(words):
        word = words[index]
        if word == "--":
            return list(words[:index]), list(words[index + 1:])
        if not word.startswith("-") or word == "-":
            return list(words[:index]), list(words[index:])
        index += 1
        action = _option(actions, word, parser.allow_abbrev)
        if action is not None and action.nargs != 0 and index < len(words):
            index += 1  # its value, whatever it looks like
    return list(words), []


def _option(actions: dict[str, argparse.Action], word: str,
            allow_abbrev: bool) -> argparse.Action | None:
    """The action this word names when it takes its value from the next word; None for an
    unknown option or one with its value attached (--region=x, -hx)."""
    if "=" in word and word.startswith("--"):
        return None
    if word in actions:
        return actions[word]
    if word.startswith("--") and allow_abbrev:  # argparse accepts unique prefixes
        matches = {action for option, action in actions.items() if option.startswith(word)}
        if len(matches) == 1:
            return matches.pop()
    return None


def run(args: argparse.Namespace, ctx: Context) -> int:
    if args.command is not None and args.program:
        raise UsageError("give either --command STRING or -- PROGRAM ARGS, not both")
    if args.command is None and not args.program:
        raise UsageError("nothing to run; add --command \"aws s3 ls\" or -- PROGRAM ARGS")
    if args.command is not None and not args.command.strip():
        raise UsageError("--command is empty; give the command to run")
    from aws_login import region as regions
    from aws_login.acquire import acquire
    from aws_login.mfa_session import InMemory

    plan = credential_options.build_plan(args, ctx)
    # A server renews the plan: its MFA session is kept in memory for those renewals.
    keep = InMemory() if args.server else None
    acquired = acquire(plan, ctx, keep)
    region = acquired.region
    if region is None and (plan.start.profile or ctx.environ.get("AWS_PROFILE")):
        # The child loses AWS_PROFILE, so it must get the profile's region explicitly.
        setting = regions.configured(plan.start.profile, ctx)
        region = None if setting is None else setting.region
    command = args.command if args.command is not None else args.program
    ctx.log(f"running {'a shell command' if args.command is not None else args.program[0]!r}")
    if not args.server:
        env = child_environment(ctx.environ, acquired.credentials, region)
        ctx.stdout.flush()
        return run_child(command, env)
    from aws_login.credential_keeper import Keeper
    from aws_login.credential_server import CredentialServer

    assert keep is not None
    server = CredentialServer(Keeper(plan, ctx, acquired, keep))  # bound now, served once started
    ctx.log.add_secret(server.token)
    ctx.log(f"credential server on {server.authority}")
    env = server_environment(ctx.environ, server.url, server.token, region)
    shadowing = default_profile_credentials(env)
    if shadowing is not None:
        ctx.warn(f"warning: the default profile has credentials of its own ({shadowing}), "
                 "and AWS SDKs use those before a credential server: the program may not run "
                 "with these credentials; move them to a named profile, or use runas without "
                 "--server")
    ctx.stdout.flush()
    try:
        return run_child(command, env, started=server.start)
    finally:
        server.stop()
