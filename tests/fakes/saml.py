"""Test helpers for the SAML start: SAML responses as IdPs post them (built here, not
signed: moto does not check signatures, AWS would).

moto's AssumeRoleWithSAML reads the assertion with xmltodict and needs at least two Attribute
elements, and it crashes on a Role attribute with several AttributeValue elements. So tests
that reach STS with several roles use `layout="attributes"` (one Role Attribute per pair, a
form some IdPs send and aws-login accepts); the usual one-Attribute-many-values form is
covered by the tests that stop before the network.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any, Literal
from xml.sax.saxutils import escape, quoteattr

PROTOCOL_NS = "urn:oasis:names:tc:SAML:2.0:protocol"
ASSERTION_NS = "urn:oasis:names:tc:SAML:2.0:assertion"
SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success"
ROLE_ATTRIBUTE = "https://aws.amazon.com/SAML/Attributes/Role"
SESSION_NAME_ATTRIBUTE = "https://aws.amazon.com/SAML/Attributes/RoleSessionName"
SESSION_DURATION_ATTRIBUTE = "https://aws.amazon.com/SAML/Attributes/SessionDuration"

# moto only finds a SAML session again (GetCallerIdentity) in its default account.
ACCOUNT = "123456789012"
PROVIDER = f"arn:aws:iam::{ACCOUNT}:saml-provider/JumpCloud"
ADMIN = f"arn:aws:iam::{ACCOUNT}:role/Admin"
READ_ONLY = f"arn:aws:iam::{ACCOUNT}:role/ReadOnly"
DEPLOY = f"arn:aws:iam::{ACCOUNT}:role/ci/Deploy"
USER = "alice@example.com"


def pair(role: str, provider: str = PROVIDER, provider_first: bool = False) -> str:
    """A Role attribute value: "role,provider" (or "provider,role": AWS takes both)."""
    return f"{provider},{role}" if provider_first else f"{role},{provider}"


def saml_response(roles: Sequence[str], *, session_name: str = USER,
                  session_duration: int | str | None = None,
                  expires: datetime | None = None,
                  layout: Literal["values", "attributes"] = "values",
                  status: str = SUCCESS, role_attribute: str = ROLE_ATTRIBUTE) -> str:
    """The XML of a SAML 2.0 Response as JumpCloud posts it to AWS (unsigned).

    `roles`: Role attribute values, see `pair`. `expires`: NotOnOrAfter (default: in 5
    minutes). `layout`: all pairs as values of one Attribute, or one Attribute per pair."""
    now = datetime.now(timezone.utc)
    not_after = _time(expires or now + timedelta(minutes=5))
    issued = _time(now)
    if layout == "values":
        role_xml = _attribute(role_attribute, roles)
    else:
        role_xml = "".join(_attribute(role_attribute, [value]) for value in roles)
    duration_xml = ("" if session_duration is None
                    else _attribute(SESSION_DURATION_ATTRIBUTE, [str(session_duration)]))
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>'
        f'<samlp:Response xmlns:samlp="{PROTOCOL_NS}" ID="_r1" Version="2.0" '
        f'IssueInstant="{issued}" Destination="https://signin.aws.amazon.com/saml">'
        f'<saml:Issuer xmlns:saml="{ASSERTION_NS}">JumpCloud</saml:Issuer>'
        f'<samlp:Status><samlp:StatusCode Value="{status}"/></samlp:Status>'
        f'<saml:Assertion xmlns:saml="{ASSERTION_NS}" '
        f'xmlns:xs="http://www.w3.org/2001/XMLSchema" '
        f'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ID="_a1" Version="2.0" '
        f'IssueInstant="{issued}">'
        f'<saml:Issuer>JumpCloud</saml:Issuer>'
        f'<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:'
        f'emailAddress">{escape(session_name)}</saml:NameID>'
        f'<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">'
        f'<saml:SubjectConfirmationData NotOnOrAfter="{not_after}" '
        f'Recipient="https://signin.aws.amazon.com/saml"/></saml:SubjectConfirmation>'
        f'</saml:Subject>'
        f'<saml:Conditions NotBefore="{issued}" NotOnOrAfter="{not_after}">'
        f'<saml:AudienceRestriction><saml:Audience>urn:amazon:webservices</saml:Audience>'
        f'</saml:AudienceRestriction></saml:Conditions>'
        f'<saml:AuthnStatement AuthnInstant="{issued}" SessionIndex="_a1"/>'
        f'<saml:AttributeStatement>'
        f'{_attribute(SESSION_NAME_ATTRIBUTE, [session_name])}{role_xml}{duration_xml}'
        f'</saml:AttributeStatement></saml:Assertion></samlp:Response>')


def encode(xml: str) -> str:
    """The SAMLResponse form value: the response's XML in base64."""
    return base64.b64encode(xml.encode("utf-8")).decode("ascii")


def saml_assertion(roles: Sequence[str], **kwargs: Any) -> str:
    return encode(saml_response(roles, **kwargs))


def _attribute(name: str, values: Iterable[str]) -> str:
    inner = "".join(f'<saml:AttributeValue xsi:type="xs:string">{escape(v)}'
                    f'</saml:AttributeValue>' for v in values)
    return f'<saml:Attribute Name={quoteattr(name)}>{inner}</saml:Attribute>'


def _time(when: datetime) -> str:
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
