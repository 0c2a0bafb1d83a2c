"""getcallerid: show who the acquired credentials are (STS GetCallerIdentity)."""

from __future__ import annotations

import argparse
import json

from aws_login import region as regions
from aws_login.context import Context
from aws_login.options import credentials as credential_options

EXAMPLES = """\
examples:
  aws-login getcallerid
  aws-login getcallerid --profile dev
  aws-login getcallerid --assume-roles \
      "arn:aws:iam::111111111111:role/A, arn:aws:iam::222222222222:role/B"
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    credential_options.add_arguments(parser)


def run(args: argparse.Namespace, ctx: Context) -> int:
    from aws_login.acquire import acquire

    plan = credential_options.build_plan(args, ctx)
    acquired = acquire(plan, ctx)
    region = regions.resolve(acquired.region, plan.start.profile, plan.partition,
                             "the role chain", ctx)
    identity = ctx.clients.sts(acquired.credentials, region).get_caller_identity()
    ctx.stdout.write(json.dumps(identity, indent=4) + "\n")
    return 0
