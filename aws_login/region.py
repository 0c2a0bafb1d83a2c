"""The one region rule, and the one partition check.

A region is the one given (--region), else the configured one (AWS_REGION, then
AWS_DEFAULT_REGION, then the profile's `region` setting: botocore's order), else the first
region of the partition the roles are in. Every place that picks a region — STS for a chain
or a federated start, getcallerid, the console, runas's child, the IAM Identity Center
region — asks this module, so the rule and its messages exist once.

This module imports no source and no command, so anything may import it (it used to live in
chain.py, which made chain → sources → chain an import cycle).
"""

from __future__ import annotations

from aws_login.arns import PARTITION_DEFAULT_REGION, partition_of_region, validate_region
from aws_login.context import Context
from aws_login.errors import UsageError
from aws_login.record import record

GIVEN = "--region"
_ENVIRONMENT = ("AWS_REGION", "AWS_DEFAULT_REGION")


@record
class Setting:
    """A region and where it was set, e.g. ("eu-west-1", "AWS_REGION"), for messages."""

    region: str
    where: str


def configured(profile: str | None, ctx: Context) -> Setting | None:
    """The configured region: the environment, else the profile's (or AWS_PROFILE's, or the
    default profile's) setting. Validated, because botocore crashes on a malformed one: a
    bad value is a usage error naming its place."""
    for name in _ENVIRONMENT:
        if ctx.environ.get(name):
            return Setting(_checked(ctx.environ[name], name), name)
    region = ctx.clients.session(profile).get_config_variable("region")
    if not region:
        return None
    name = profile or ctx.environ.get("AWS_PROFILE") or "default"
    where = f"region setting of profile {name!r}"
    return Setting(_checked(str(region), where), where)


def chosen(given: str | None, profile: str | None, ctx: Context) -> Setting | None:
    """The region given (already validated when the plan was built), else the configured
    one; None when neither is set."""
    if given:
        return Setting(given, GIVEN)
    return configured(profile, ctx)


def in_partition(choice: Setting | None, partition: str | None, what: str) -> str:
    """The region to call AWS in: the chosen one, which must be in `partition` (that of
    `what`, e.g. "the role chain"), else the partition's first region."""
    if choice is None:
        return PARTITION_DEFAULT_REGION[partition or "aws"]
    if partition is not None:
        check_partition(choice, partition, what)
    return choice.region


def resolve(given: str | None, profile: str | None, partition: str | None, what: str,
            ctx: Context) -> str:
    """The whole rule at once: given, else configured, else the partition's first region."""
    return in_partition(chosen(given, profile, ctx), partition, what)


def check_partition(choice: Setting, partition: str, what: str) -> None:
    """A role lives in one partition, and STS of another partition does not know it."""
    actual = partition_of_region(choice.region)
    if actual != partition:
        raise UsageError(f"region {choice.region} (from {choice.where}) is in partition "
                         f"{actual}, but {what} is in {partition}; pass --region with a "
                         f"region of {partition}, e.g. {PARTITION_DEFAULT_REGION[partition]}")


def for_sso(given: str | None, token_region: str | None, ctx: Context) -> str:
    """The IAM Identity Center region: --sso-region, else the token's, else the configured
    region (said aloud: it is a guess), else a usage error."""
    if given:
        return given
    if token_region:
        return token_region
    found = configured(None, ctx)
    if found is not None:
        ctx.warn(f"using SSO region {found.region} from {found.where}; pass --sso-region "
                 "to choose")
        return found.region
    raise UsageError("the IAM Identity Center region is unknown; pass --sso-region, e.g. "
                     "--sso-region us-east-1 (the region shown in your portal's settings)")


def _checked(region: str, where: str) -> str:
    try:
        return validate_region(region)
    except UsageError as exc:
        raise UsageError(f"{where}: {exc.message}") from None
