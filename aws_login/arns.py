"""Validation of role ARNs, account ids, session names and the other STS parameters.

botocore only checks minimum lengths, so AWS's documented length and character rules are
checked here, before any network call. Every function raises UsageError with a message that
says what a valid value looks like.
"""

from __future__ import annotations

import re

from aws_login.errors import UsageError
from aws_login.record import record

PARTITIONS = ("aws", "aws-us-gov", "aws-cn")
# The region STS is called in when nothing else says which.
PARTITION_DEFAULT_REGION = {
    "aws": "us-east-1", "aws-us-gov": "us-gov-west-1", "aws-cn": "cn-north-1",
}

_ACCOUNT_RE = re.compile(r"[0-9]{12}")
_ROLE_NAME_RE = re.compile(r"[\w+=,.@-]{1,64}", re.ASCII)
_ROLE_PATH_RE = re.compile(r"/([\x21-\x7e]+/)?")
_SESSION_NAME_RE = re.compile(r"[\w+=,.@-]{2,64}", re.ASCII)
_FEDERATION_NAME_RE = re.compile(r"[\w+=,.@-]{2,32}", re.ASCII)
_EXTERNAL_ID_RE = re.compile(r"[\w+=,.@:/-]{2,1224}", re.ASCII)
_MFA_SERIAL_RE = re.compile(r"[\w+=/:,.@-]{9,256}", re.ASCII)
_MFA_TOKEN_RE = re.compile(r"[0-9]{6}")
_REGION_RE = re.compile(r"[a-z]{2}(-[a-z]+)+-[0-9]{1,2}")

ROLE_ARN_EXAMPLE = "arn:aws:iam::123456789012:role/Admin"


@record
class RoleArn:
    partition: str
    account: str
    path: str  # "/" or "/a/b/"
    name: str

    def __str__(self) -> str:
        return f"arn:{self.partition}:iam::{self.account}:role{self.path}{self.name}"


def parse_role_arn(text: str) -> RoleArn:
    """Parse and validate an IAM role ARN such as arn:aws:iam::123456789012:role/path/Name."""
    shown = _shown(text)
    parts = text.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or not parts[5].startswith("role/"):
        raise UsageError(f"{shown} is not a role ARN; expected e.g. {ROLE_ARN_EXAMPLE}")
    _, partition, service, region, account, resource = parts
    if partition not in PARTITIONS:
        raise UsageError(
            f"{shown}: unknown partition {partition!r}; use one of {', '.join(PARTITIONS)}")
    if service != "iam" or region != "":
        raise UsageError(f"{shown} is not an IAM role ARN; expected e.g. {ROLE_ARN_EXAMPLE}")
    validate_account_id(account, what=f"{shown}: account")
    if len(text) > 2048:
        raise UsageError(f"role ARN is {len(text)} characters long; AWS allows at most 2048")
    path_and_name = resource[len("role"):]
    path, _, name = path_and_name.rpartition("/")
    path += "/"
    if not _ROLE_PATH_RE.fullmatch(path) or len(path) > 512:
        raise UsageError(f"{shown}: invalid role path {path!r}; a path looks like /team/ "
                         "(printable ASCII, at most 512 characters)")
    if not _ROLE_NAME_RE.fullmatch(name):
        raise UsageError(f"{shown}: invalid role name {name!r}; use 1-64 characters from "
                         "ASCII letters, digits and +=,.@_-")
    return RoleArn(partition, account, path, name)


def split_role_list(text: str) -> list[str]:
    """Split "ARN, ARN ARN" (commas and/or white space) into ARNs.

    A comma is legal inside a role name (role/a,b), so only a comma that ends an ARN
    separates: one followed by white space, another comma, the next "arn:" or the end."""
    return [item for item in re.split(r"\s+|,(?=\s|,|arn:|$)", text) if item]


def validate_account_id(text: str, what: str = "account id") -> str:
    if not _ACCOUNT_RE.fullmatch(text):
        raise UsageError(f"{what} {_shown(text)} is not valid; an AWS account id is 12 digits")
    return text


def is_account_id(text: str) -> bool:
    return _ACCOUNT_RE.fullmatch(text) is not None


def is_role_name(text: str) -> bool:
    """An IAM role name; an SSO role (permission set) name follows the same rules."""
    return _ROLE_NAME_RE.fullmatch(text) is not None


def validate_session_name(text: str) -> str:
    if not _SESSION_NAME_RE.fullmatch(text):
        raise UsageError(f"role session name {_shown(text)} is not valid; use 2-64 characters "
                         "from ASCII letters, digits and +=,.@_-")
    return text


def validate_federation_name(text: str) -> str:
    if not _FEDERATION_NAME_RE.fullmatch(text):
        raise UsageError(f"federation name {_shown(text)} is not valid; use 2-32 characters "
                         "from ASCII letters, digits and +=,.@_-")
    return text


def validate_external_id(text: str) -> str:
    # The value may be a shared secret, so it is never echoed back.
    if not _EXTERNAL_ID_RE.fullmatch(text):
        raise UsageError("--external-id is not valid; use 2-1224 characters from ASCII "
                         "letters, digits and +=,.@:/_-")
    return text


def validate_mfa_serial(text: str) -> str:
    if not _MFA_SERIAL_RE.fullmatch(text):
        raise UsageError(f"MFA serial {_shown(text)} is not valid; use the device ARN, e.g. "
                         "arn:aws:iam::123456789012:mfa/alice, or a hardware serial number")
    return text


def validate_mfa_token(text: str) -> str:
    if not _MFA_TOKEN_RE.fullmatch(text):
        raise UsageError("MFA code is not valid; enter the 6 digits your device shows")
    return text


def validate_region(text: str) -> str:
    if not _REGION_RE.fullmatch(text):
        raise UsageError(f"region {_shown(text)} is not valid; expected e.g. us-east-1")
    return text


def partition_of_region(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def sanitize_session_name(raw: str, max_length: int = 64) -> str:
    """Turn any identity name (an email, "AIDA...:bob", a user name) into a valid session name."""
    cleaned = re.sub(r"[^\w+=,.@-]", "-", raw, flags=re.ASCII).strip("-")[:max_length]
    return cleaned if len(cleaned) >= 2 else "aws-login"


def _shown(text: str) -> str:
    """A user's value, quoted and shortened for an error message."""
    return repr(text if len(text) <= 80 else text[:77] + "...")
