"""One module per subcommand. Each has NAME, SUMMARY, EXAMPLES, add_arguments(parser) and
run(args, ctx) -> exit code. cli.py lists them in COMMANDS."""
