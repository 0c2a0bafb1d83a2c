"""status: what aws-login holds: the cached SSO sign-ins, the cached sessions (final
credentials of --use-cache) and the JumpCloud assertions kept a few minutes, each with an id
that `clearcache --entry ID` takes. Never a secret: only start URLs, regions, expiries, the
plans' non-secret descriptions (credentials_cache.describe_plan), IdP URLs and emails."""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from typing import Any

from aws_login.cache_entries import entries
from aws_login.context import Context

EXAMPLES = """\
examples:
  aws-login status
  aws-login status --json | jq -r '.sign_ins[].start_url'
  aws-login clearcache --entry sso-1a2b3c4d5e6f   # drop one entry that status lists
"""

def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true",
                        help="print JSON for scripts instead of the text for people")


def run(args: argparse.Namespace, ctx: Context) -> int:
    found = entries(ctx)
    if args.json:
        ctx.stdout.write(json.dumps(found, indent=2) + "\n")
    else:
        ctx.stdout.write(render(found, ctx.now()))
    return 0


def render(found: dict[str, list[dict[str, Any]]], now: datetime) -> str:
    """The text for people: one entry per paragraph, its id first."""
    lines = ["SSO sign-ins:" if found["sign_ins"] else "SSO sign-ins: none"]
    for entry in found["sign_ins"]:
        lines.append(f"  {entry['id']}  {entry['start_url']}")
        lines.append(f"      region {entry['region']}, {_validity(entry, now)}, "
                     + ("refreshable" if entry["refreshable"] else "not refreshable"))
    lines.append("sessions:" if found["sessions"] else "sessions: none")
    for entry in found["sessions"]:
        lines.append(f"  {entry['id']}  {_plan(entry)}")
        lines.append(f"      identity {entry['identity'] or 'unknown'}, region "
                     f"{entry['region'] or 'not set'}, {_validity(entry, now)}")
    if found.get("jumpcloud_assertions"):  # listed only when there are some: they are rare
        lines.append("JumpCloud assertions:")
        for entry in found["jumpcloud_assertions"]:
            lines.append(f"  {entry['id']}  {entry['idp_url']}")
            lines.append(f"      email {entry['email']}, {_validity(entry, now)}")
    return "\n".join(lines) + "\n"


def _plan(entry: dict[str, Any]) -> str:
    """source -> session step -> hops, e.g. `SSO role (account_id 1111..., ...) -> A -> B`
    (the start and its token by their `label`s; --json keeps the type names)."""
    if entry["start"] == "unknown":
        return "plan unknown (stored by an older aws-login)"
    labels = _labels()
    details = ", ".join(f"{name} {labels.get(str(value), value)}"
                        for name, value in entry["start_details"].items())
    start = labels.get(str(entry["start"]), str(entry["start"]))
    steps = [f"{start} ({details})" if details else start]
    if entry["session_step"]:
        steps.append(str(entry["session_step"]))
    steps.extend(entry["hops"] or ())
    return " -> ".join(steps)


def _labels() -> dict[str, str]:
    """The kind names the entries hold (the spec types' names, without "Start") → labels."""
    from typing import get_args

    from aws_login.sources import StartSpec
    from aws_login.sso.token_sources import TokenSpec

    return {kind.__name__.removesuffix("Start"): kind.label
            for kind in (*get_args(StartSpec), *get_args(TokenSpec))}


def _validity(entry: dict[str, Any], now: datetime) -> str:
    if entry["expires_at"] is None:
        return "no expiry"
    if entry["expired"]:
        return f"expired at {entry['expires_at']}"
    from aws_login.sso.tokenfile import parse_timestamp

    left = int((parse_timestamp(entry["expires_at"], "expires_at") - now).total_seconds() // 60)
    return f"valid until {entry['expires_at']} ({left} min left)"
