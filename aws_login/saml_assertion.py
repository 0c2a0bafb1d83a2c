"""A SAML assertion, read: the base64 SAMLResponse an IdP posts to AWS, decoded and parsed
into the roles it grants, its RoleSessionName and SessionDuration, and when it expires.

Pure: no file, no prompt, no network (sources/saml.py does those). Every way the input can be
unusable is a UsageError naming `where` it came from. The XML is parsed with expat directly,
refusing DOCTYPE and entity declarations (SAML never has them), so a hostile file cannot
expand or fetch anything. Imported only when --saml-assertion is given.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone
from urllib.parse import unquote
from xml.etree import ElementTree
from xml.parsers import expat

from aws_login import arns
from aws_login.errors import UsageError
from aws_login.limits import ASSUME_ROLE_DURATION
from aws_login.record import record

ROLE_ATTRIBUTE = "https://aws.amazon.com/SAML/Attributes/Role"
SESSION_NAME_ATTRIBUTE = "https://aws.amazon.com/SAML/Attributes/RoleSessionName"
SESSION_DURATION_ATTRIBUTE = "https://aws.amazon.com/SAML/Attributes/SessionDuration"
CAPTURE_HINT = ("copy the SAMLResponse form field of the POST to "
                "https://signin.aws.amazon.com/saml from the browser's developer tools")

# AWS takes at most 100,000 base64 characters; the input may be wrapped or URL-encoded
# (each %2B is 3 characters for 1), so allow some slack before refusing to read further.
MAX_ASSERTION_CHARS = 100_000
MAX_INPUT_BYTES = 4 * MAX_ASSERTION_CHARS
# How far the local clock may be ahead of the IdP's before an assertion counts as expired.
CLOCK_SKEW = timedelta(minutes=5)

_PROTOCOL = "{urn:oasis:names:tc:SAML:2.0:protocol}"
_ASSERTION = "{urn:oasis:names:tc:SAML:2.0:assertion}"
_SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success"
_PROVIDER_RE = re.compile(
    r"arn:(aws|aws-us-gov|aws-cn):iam::([0-9]{12}):saml-provider/[\w.-]{1,128}", re.ASCII)
_BASE64_RE = re.compile(r"[A-Za-z0-9+/]+={0,2}", re.ASCII)
# ADFS writes seven fractional digits, which datetime.fromisoformat (3.10) refuses.
_TIMESTAMP_RE = re.compile(
    r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)?", re.ASCII)


@record
class SamlRole:
    """One role/provider pair of the Role attribute."""

    role_arn: str
    principal_arn: str

    @property
    def provider_name(self) -> str:
        return self.principal_arn.rsplit("/", 1)[-1]


@record
class SamlAssertion:
    """What aws-login reads from a SAMLResponse (its signature is AWS's to check)."""

    roles: tuple[SamlRole, ...]
    session_name: str | None = None
    session_duration: str | None = None  # the attribute's text, checked by start_duration
    not_on_or_after: datetime | None = None
    ignored: tuple[str, ...] = ()  # Role values that are not a valid pair


class _Refused(Exception):
    """Raised from the expat handlers: the document declares a DOCTYPE or entities."""


def normalize(raw: str, where: str) -> str:
    """The base64 SAMLResponse from what a person pasted: white space and line breaks are
    dropped, and a URL-encoded form value (SAMLResponse=...%2B...&RelayState=) is decoded."""
    text = "".join(raw.split())
    if text.startswith("SAMLResponse="):
        text = text[len("SAMLResponse="):].split("&", 1)[0]
    if "%" in text:
        text = unquote(text)  # not unquote_plus: "+" is a base64 character
    if not text:
        raise UsageError(f"{where}: the input is empty; {CAPTURE_HINT}")
    if text.startswith("<"):
        raise UsageError(f"{where}: this is XML, not the base64 SAMLResponse; AWS needs the "
                         f"value exactly as the IdP sent it: {CAPTURE_HINT}")
    if len(text) > MAX_ASSERTION_CHARS:
        raise UsageError(f"{where}: the SAMLResponse has {len(text)} characters; AWS accepts "
                         f"at most {MAX_ASSERTION_CHARS}")
    return text


def parse_assertion(encoded: str, where: str, hint: str = CAPTURE_HINT) -> SamlAssertion:
    """Decode a base64 SAMLResponse and read the attributes AWS uses. `hint`: what to do
    about an unusable one (by default: capture it again)."""
    if not _BASE64_RE.fullmatch(encoded):
        raise UsageError(f"{where}: not base64 (it has characters outside A-Z a-z 0-9 + / =); "
                         f"{hint}")
    try:
        document = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise UsageError(f"{where}: the base64 is cut short (its length is not a whole number "
                         f"of blocks); copy the whole SAMLResponse value") from None
    if not document.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        raise UsageError(f"{where}: the base64 does not decode to XML, so it is not a "
                         f"SAMLResponse; {hint}")
    root = _parse_xml(document, where, hint)
    if root.tag != f"{_PROTOCOL}Response":
        raise UsageError(f"{where}: the decoded XML is not a SAML 2.0 Response (its root element "
                         f"is {_local(root.tag)!r}); {hint}")
    _check_status(root, where)
    assertions = root.findall(f"{_ASSERTION}Assertion")
    if not assertions:
        if root.find(f"{_ASSERTION}EncryptedAssertion") is not None:
            raise UsageError(f"{where}: the assertion is encrypted, so aws-login cannot read "
                             "which roles it grants; turn off assertion encryption for the "
                             "AWS application in the IdP")
        raise UsageError(f"{where}: the SAML Response holds no Assertion; {hint}")
    values: dict[str, list[str]] = {}
    for assertion in assertions:
        # One Attribute with several values is the norm; some IdPs repeat the Attribute.
        for attribute in assertion.iter(f"{_ASSERTION}Attribute"):
            texts = [(value.text or "").strip()
                     for value in attribute.iter(f"{_ASSERTION}AttributeValue")]
            values.setdefault(attribute.get("Name", ""), []).extend(t for t in texts if t)
    if not values.get(ROLE_ATTRIBUTE):
        raise UsageError(f"{where}: the SAML assertion has no {ROLE_ATTRIBUTE} attribute, so it "
                         "grants no AWS role; ask the IdP's administrator to give you access "
                         "to an AWS role")
    roles: list[SamlRole] = []
    ignored: list[str] = []
    for value in values[ROLE_ATTRIBUTE]:
        role = _role_pair(value)
        if role is None:
            ignored.append(value)
        elif role not in roles:
            roles.append(role)
    if not roles:
        raise UsageError(f"{where}: no value of the SAML Role attribute is a role ARN and a "
                         "SAML provider ARN separated by a comma (e.g. "
                         f"{arns.ROLE_ARN_EXAMPLE},arn:aws:iam::123456789012:saml-provider/"
                         "JumpCloud); fix the role mapping in the IdP")
    return SamlAssertion(
        roles=tuple(roles),
        session_name=_first(values.get(SESSION_NAME_ATTRIBUTE)),
        session_duration=_first(values.get(SESSION_DURATION_ATTRIBUTE)),
        not_on_or_after=_expiry(assertions),
        ignored=tuple(ignored),
    )


def _parse_xml(document: bytes, where: str, hint: str) -> ElementTree.Element:
    builder = ElementTree.TreeBuilder()
    parser = expat.ParserCreate(namespace_separator="}")

    def refuse(*_: object) -> int:
        raise _Refused()

    def start(name: str, attributes: dict[str, str]) -> None:
        builder.start(_qualified(name), {_qualified(k): v for k, v in attributes.items()})

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.buffer_text = True
    parser.StartElementHandler = start
    parser.EndElementHandler = lambda name: builder.end(_qualified(name))
    parser.CharacterDataHandler = builder.data
    try:
        parser.Parse(document, True)
        return builder.close()
    except _Refused:
        raise UsageError(f"{where}: the decoded XML declares a DOCTYPE or entities, which a "
                         "SAML response never does; refusing to read it") from None
    except expat.ExpatError as exc:
        advice = ("it looks cut short: copy the whole SAMLResponse value"
                  if exc.code in (expat.errors.codes[expat.errors.XML_ERROR_NO_ELEMENTS],
                                  expat.errors.codes[expat.errors.XML_ERROR_UNCLOSED_TOKEN],
                                  expat.errors.codes[expat.errors.XML_ERROR_PARTIAL_CHAR])
                  and hint == CAPTURE_HINT else hint)
        raise UsageError(f"{where}: the decoded SAMLResponse is not well-formed XML "
                         f"({expat.errors.messages[exc.code]} at line {exc.lineno}, column "
                         f"{exc.offset + 1}); {advice}") from None


def _first(texts: list[str] | None) -> str | None:
    return texts[0] if texts else None


def _qualified(name: str) -> str:
    """expat's "uri}local" as ElementTree's "{uri}local"."""
    return "{" + name if "}" in name else name


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _check_status(root: ElementTree.Element, where: str) -> None:
    code = root.find(f"{_PROTOCOL}Status/{_PROTOCOL}StatusCode")
    if code is None or code.get("Value", _SUCCESS) == _SUCCESS:
        return
    detail = "/".join(_status_name(c.get("Value", "")) for c in code.iter(f"{_PROTOCOL}StatusCode"))
    raise UsageError(f"{where}: the IdP reports that the sign-in failed ({detail}); sign in "
                     "to the IdP again and capture a new SAMLResponse")


def _status_name(value: str) -> str:
    return value.rsplit(":", 1)[-1] or "unknown"


def _role_pair(value: str) -> SamlRole | None:
    """"role ARN,provider ARN" in either order (a role name may itself hold a comma)."""
    parts = [part.strip() for part in re.split(r",(?=\s*arn:)", value)]
    if len(parts) != 2:
        return None
    providers = [part for part in parts if _PROVIDER_RE.fullmatch(part)]
    if len(providers) != 1:
        return None
    provider = providers[0]
    role_text = parts[1] if parts[0] == provider else parts[0]
    try:
        role = arns.parse_role_arn(role_text)
    except UsageError:
        return None
    if provider.split(":", 2)[1] != role.partition:
        return None
    return SamlRole(str(role), provider)


def _expiry(assertions: Sequence[ElementTree.Element]) -> datetime | None:
    """The earliest NotOnOrAfter of the assertion's conditions and subject confirmation."""
    found: list[datetime] = []
    for assertion in assertions:
        for tag in ("Conditions", "SubjectConfirmationData"):
            for element in assertion.iter(f"{_ASSERTION}{tag}"):
                when = utc_timestamp(element.get("NotOnOrAfter"))
                if when is not None:
                    found.append(when)
    return min(found) if found else None


def utc_timestamp(text: str | None) -> datetime | None:
    """An xs:dateTime / RFC 3339 time in UTC (no zone: UTC; up to nine fractional digits);
    None when it is not one. Also the push times of JumpCloud (jumpcloud/signin.py)."""
    match = _TIMESTAMP_RE.fullmatch((text or "").strip())
    if match is None:
        return None  # informational: AWS decides; an odd value must not block the user
    whole, fraction, zone = match.groups()
    micro = (fraction or "0")[:6].ljust(6, "0")
    try:
        value = datetime.fromisoformat(f"{whole}.{micro}{'' if zone in (None, 'Z') else zone}")
    except ValueError:
        return None
    return value.astimezone(timezone.utc) if value.tzinfo else value.replace(tzinfo=timezone.utc)


def start_duration(attribute: str | None, warn: Callable[[str], None]) -> int | None:
    """DurationSeconds from the SessionDuration attribute, kept within what AWS allows."""
    if attribute is None:
        return None
    try:
        seconds = int(attribute)
    except ValueError:
        warn(f"ignoring the SAML SessionDuration {quoted(attribute)}: not a number of "
             "seconds")
        return None
    low, high = ASSUME_ROLE_DURATION
    if not low <= seconds <= high:
        clamped = min(max(seconds, low), high)
        warn(f"the SAML SessionDuration {seconds} s is outside {low}-{high} s; using "
             f"{clamped} s")
        return clamped
    return seconds


def quoted(text: str) -> str:
    """A value from the input, quoted and shortened for a message."""
    return repr(text if len(text) <= 80 else text[:77] + "...")
