"""The command line: builds the parser from the command modules, and is the ONE place that
turns errors into `aws-login: error: ...` and an exit code."""

# PYTHON_ARGCOMPLETE_OK
from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Mapping, Sequence
from types import ModuleType

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
    "serve": "serve renewed credentials to other processes on 127.0.0.1 (the container "
             "credentials endpoint), until Ctrl-C",
    "console": "open the AWS web console as the acquired identity (or print its sign-in URL)",
    "dumpconfig": "write ~/.aws/config profiles for every account and role your SSO "
                  "sign-in reaches",
    "importcache": "adopt a token cache file written by `aws sso login`",
    "exportcache": "share aws-login's SSO sign-in with the AWS CLI and SDKs (~/.aws/sso/cache)",
    "clearcache": "delete aws-login's cached credentials and SSO sign-ins",
    "status": "list the cached SSO sign-ins and sessions (no secrets)",
}

DESCRIPTION = """\
Get the AWS identity you need: start from environment keys, a profile, instance
credentials or an SSO sign-in, optionally chain roles, then print, show, run or open it."""


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors through our single error path."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        # The top-level parser's built commands: name -> (module, its parser).
        self.commands: dict[str, tuple[ModuleType, argparse.ArgumentParser]] = {}

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see: {self.prog} --help)")


def build_parser(selected: str | None = None) -> _Parser:
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
        parser.commands[name] = (module, sub)
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
    debug = "--debug" in _own_words(args_list)
    try:
        command = selected_command(_own_words(args_list), ctx.environ)
        parser = build_parser(command)
        if "_ARGCOMPLETE" in ctx.environ:
            import argcomplete

            argcomplete.autocomplete(parser)
        _check_misplaced_options(_own_words(args_list))
        words = _arranged(parser, command, args_list)
        debug = "--debug" in _own_words(words)
        args, extras = parser.parse_known_args(words)
        if extras:
            raise UsageError(_unrecognized(parser, command, extras))
        ctx.log.enabled = args.debug
        from aws_login import nesting

        ctx.export_to_children(nesting.VARIABLE, nesting.enter(args_list, ctx.environ))
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
    finally:
        ctx.close()  # a dialog left on screen (a device code) goes with the run


def _own_words(words: Sequence[str]) -> list[str]:
    return list(words[:list(words).index("--")] if "--" in words else words)


def _arranged(parser: _Parser, command: str, words: list[str]) -> list[str]:
    """The words for argparse: for a command that runs a program (runas), everything from
    the first word that is not one of its options on is the program, "--" or not; argparse
    gets that program after a "--" so that none of its words is taken for an option."""
    module, sub = parser.commands.get(command, (None, None))
    split = getattr(module, "split_program", None)
    if sub is None or split is None:
        return words
    at = next(index for index, word in enumerate(words) if word == command)
    own, program = split(sub, words[at + 1:])
    return [*words[:at + 1], *own, *(["--", *program] if program else [])]


def _check_misplaced_options(words: Sequence[str]) -> None:
    """`aws-login --profile dev getcallerid`: argparse would call `dev` an invalid command.
    The command's options go after it (one spelling, which the fast path and tab completion
    rely on), so say so."""
    at = next((index for index, word in enumerate(words) if word in COMMANDS), None)
    if at is None:
        return
    misplaced = [word for word in words[:at] if word != "--debug"]
    if misplaced and misplaced[0].startswith("-") and misplaced[0] not in (
            "-h", "--help", "--version"):
        option = misplaced[0].partition("=")[0]
        fixed = " ".join(["aws-login", words[at], *misplaced, *words[at + 1:]])
        raise UsageError(f"put {option} after the command: {fixed}")


def _unrecognized(parser: _Parser, command: str, extras: Sequence[str]) -> str:
    """argparse's "unrecognized arguments", with the close option names ("did you mean")
    and the command's own help."""
    import difflib  # only on this error

    _module, sub = parser.commands.get(command, (None, parser))
    options = sorted({option for action in sub._actions for option in action.option_strings
                      if option.startswith("--")})
    hints = []
    for word in extras:
        typed = word.partition("=")[0]
        if typed.startswith("--"):
            close = difflib.get_close_matches(typed, options, n=1)
            if close:
                hints.append((typed, close[0]))
    message = f"unrecognized arguments: {' '.join(extras)}"
    if len(hints) == 1:
        message += f"; did you mean {hints[0][1]}?"
    elif hints:
        message += "; did you mean " + ", ".join(f"{right} for {typed}"
                                                  for typed, right in hints) + "?"
    return f"{message} (see: {sub.prog} --help)"


def _one_line(text: str) -> str:
    """Control characters (a newline or an escape sequence in a file name, say) shown as
    escapes: the error stays one line and cannot rewrite the terminal."""
    return "".join(repr(ch)[1:-1] if ord(ch) < 32 or 127 <= ord(ch) < 160 else ch
                   for ch in text)


def _print_traceback(ctx: Context) -> None:
    import traceback  # only for --debug: it pulls in a dozen modules

    ctx.stderr.write(ctx.log.scrub(traceback.format_exc()))
