"""One module per subcommand. Each has EXAMPLES, add_arguments(parser) and
run(args, ctx) -> exit code; cli.COMMANDS names it and gives its one-line summary."""
