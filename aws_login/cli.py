"""The command line: builds the parser from the command modules, and is the ONE place that
turns errors into `aws-login: error: ...` and an exit code."""

# PYTHON_ARGCOMPLETE_OK
from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Mapping, Sequence

from aws_login import __version__
from aws_login.context import Context
from aws_login.errors import EXIT_INTERRUPTED, AwsLoginError, UsageError

# Every subcommand: its module under aws_login.commands, and its one-line summary. Only the
# chosen command's module is imported (and its options built): a cache hit, --help and tab
# completion must not pay for the others.
COMMANDS: dict[str, str] = {
    "login": "sign in to IAM Identity Center and keep the sign-in (like aws sso login)",
    "dumpcreds": "print credentials for a shell, or as credential_process JSON",
    "getcallerid": "show who the credentials are (STS GetCallerIdentity, JSON)",
    "runas": "run a command with the credentials in its environment",
    "console": "open the AWS web console as the acquired identity (or print its sign-in URL)",
    "dumpconfig": "write ~/.aws/config profiles for every account and role your SSO "
                  "sign-in reaches",
    "importcache": "adopt a token cache file written by `aws sso login`",
    "clearcache": "delete aws-login's cached credentials and SSO sign-ins",
    "status": "list the cached SSO sign-ins and sessions (no secrets)",
}

DESCRIPTION = """\
Get the AWS identity you need: start from environment keys, a profile, instance
credentials or an SSO sign-in, optionally chain roles, then print, show, run or open it."""


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors through our single error path."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see: {self.prog} --help)")


def build_parser(selected: str | None = None) -> argparse.ArgumentParser:
    """The parser; with `selected`, only that command gets its module and options (None:
    all of them, e.g. for generating documentation)."""
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
    for name, summary in COMMANDS.items():
        if selected is not None and name != selected:
            subparsers.add_parser(name, help=summary)  # listed, never parsed this run
            continue
        module = importlib.import_module(f"aws_login.commands.{name}")
        sub = subparsers.add_parser(
            name, help=summary, description=summary, epilog=module.EXAMPLES,
            parents=[common], formatter_class=argparse.RawDescriptionHelpFormatter)
        module.add_arguments(sub)
        sub.set_defaults(run=module.run)
    return parser


def selected_command(words: Sequence[str], environ: Mapping[str, str]) -> str:
    """The command these words (or, when a shell asks for completions, its line) run; ""
    when none is named yet."""
    if "_ARGCOMPLETE" in environ:
        line = environ.get("COMP_LINE", "")
        point = int(environ.get("COMP_POINT", len(line)) or len(line))
        typed = line[:point].split()
        # The word under the cursor is still being typed, unless a space follows it.
        words = typed[1:] if line[:point].endswith(" ") else typed[1:-1]
    for word in words:
        if word == "--":
            break
        if not word.startswith("-"):
            return word if word in COMMANDS else ""
    return ""


def main(argv: Sequence[str] | None = None, ctx: Context | None = None) -> int:
    ctx = ctx or Context.from_process()
    args_list = list(sys.argv[1:] if argv is None else argv)
    ctx.argv = tuple(args_list)
    # Words after "--" belong to runas's program, not to aws-login.
    own_words = args_list[:args_list.index("--")] if "--" in args_list else args_list
    debug = "--debug" in own_words
    try:
        parser = build_parser(selected_command(own_words, ctx.environ))
        if "_ARGCOMPLETE" in ctx.environ:
            import argcomplete

            argcomplete.autocomplete(parser)
        args = parser.parse_args(args_list)
        ctx.log.enabled = args.debug
        return int(args.run(args, ctx))
    except AwsLoginError as exc:
        if debug:
            _print_traceback(ctx)
        ctx.stderr.write(f"aws-login: error: {_one_line(ctx.log.scrub(exc.message))}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        ctx.stderr.write("aws-login: interrupted\n")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return 1
    except Exception as exc:  # a bug: still one line, the traceback only with --debug
        if debug:
            _print_traceback(ctx)
        ctx.stderr.write(f"aws-login: error: unexpected {type(exc).__name__}: "
                         f"{_one_line(ctx.log.scrub(str(exc)))} (rerun with --debug for "
                         "details)\n")
        return 1


def _one_line(text: str) -> str:
    """Control characters (a newline or an escape sequence in a file name, say) shown as
    escapes: the error stays one line and cannot rewrite the terminal."""
    return "".join(repr(ch)[1:-1] if ord(ch) < 32 or 127 <= ord(ch) < 160 else ch
                   for ch in text)


def _print_traceback(ctx: Context) -> None:
    import traceback  # only for --debug: it pulls in a dozen modules

    ctx.stderr.write(ctx.log.scrub(traceback.format_exc()))
