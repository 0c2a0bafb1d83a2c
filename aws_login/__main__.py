from aws_login.cli import entry_point

entry_point()
