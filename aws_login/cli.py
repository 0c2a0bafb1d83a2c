"""The command line: builds the parser from the command modules, and is the ONE place that
turns errors into `aws-login: error: ...` and an exit code."""

# PYTHON_ARGCOMPLETE_OK
from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence
from types import ModuleType

from aws_login import __version__
from aws_login.commands import (
    clearcache,
    console,
    dumpconfig,
    dumpcreds,
    getcallerid,
    importcache,
    runas,
)
from aws_login.context import Context
from aws_login.errors import EXIT_INTERRUPTED, AwsLoginError, UsageError

COMMANDS: tuple[ModuleType, ...] = (
    dumpcreds, getcallerid, runas, console, dumpconfig, importcache, clearcache)

DESCRIPTION = """\
Get the AWS identity you need: start from environment keys, a profile, instance
credentials or an SSO sign-in, optionally chain roles, then print, show, run or open it."""


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors through our single error path."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see: {self.prog} --help)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="aws-login", description=DESCRIPTION,
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"aws-login {__version__}")
    debug_help = ("log each step on stderr (secrets redacted) and show tracebacks, "
                  "e.g. aws-login getcallerid --debug")
    parser.add_argument("--debug", action="store_true", help=debug_help)
    common = _Parser(add_help=False)
    # SUPPRESS: a subcommand's default must not undo a --debug given before it.
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help=debug_help)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    subparsers.required = True
    for module in COMMANDS:
        sub = subparsers.add_parser(
            module.NAME, help=module.SUMMARY, description=module.SUMMARY,
            epilog=module.EXAMPLES, parents=[common],
            formatter_class=argparse.RawDescriptionHelpFormatter)
        module.add_arguments(sub)
        sub.set_defaults(run=module.run)
    return parser


def main(argv: Sequence[str] | None = None, ctx: Context | None = None) -> int:
    ctx = ctx or Context.from_process()
    args_list = list(sys.argv[1:] if argv is None else argv)
    # Words after "--" belong to runas's program, not to aws-login.
    own_words = args_list[:args_list.index("--")] if "--" in args_list else args_list
    debug = "--debug" in own_words
    try:
        parser = build_parser()
        if "_ARGCOMPLETE" in ctx.environ:
            import argcomplete

            argcomplete.autocomplete(parser)
        args = parser.parse_args(args_list)
        ctx.log.enabled = args.debug
        return int(args.run(args, ctx))
    except AwsLoginError as exc:
        if debug:
            ctx.stderr.write(ctx.log.scrub(traceback.format_exc()))
        ctx.stderr.write(f"aws-login: error: {ctx.log.scrub(exc.message)}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        ctx.stderr.write("aws-login: interrupted\n")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return 1
    except Exception as exc:  # a bug: still one line, the traceback only with --debug
        if debug:
            ctx.stderr.write(ctx.log.scrub(traceback.format_exc()))
        ctx.stderr.write(f"aws-login: error: unexpected {type(exc).__name__}: "
                         f"{ctx.log.scrub(str(exc))} (rerun with --debug for details)\n")
        return 1


def entry_point() -> None:
    sys.exit(main())
