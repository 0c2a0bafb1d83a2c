"""Command-line options shared by several commands, and their checks into plans and specs."""
