"""What to tell a person who must sign in: the one spelling of each piece of advice, so
every "sign in again" message names the same, exact command. Imports nothing."""

from __future__ import annotations


def login_command(start_url: str, region: str | None = None, profile: str | None = None) -> str:
    """The command that signs in for this situation and does nothing else (commands/login.py):
    never the command that just failed, which may need a sign-in it cannot do."""
    if profile is not None:
        return f"aws-login login --profile {profile}"
    return f"aws-login login --start-url {start_url}" + (
        f" --sso-region {region}" if region else "")


def file_advice(start_url: str, region: str | None) -> str:
    """For a token read from another tool's file (--accesstoken-cache), which aws-login never
    writes: that tool's sign-in, or aws-login's own one with --use-cache."""
    return ("sign in again with the tool that wrote it (e.g. aws sso login), or sign in with "
            f"aws-login ({login_command(start_url, region)}) and use --use-cache instead of "
            "--accesstoken-cache")
