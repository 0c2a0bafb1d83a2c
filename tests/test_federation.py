"""Table tests of aws_login/federation.py: destinations per partition × region × shortcut,
sign-in endpoints with and without --logout-first, the login URL and the SessionDuration
rules. Pure functions, no servers."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from aws_login import federation
from aws_login.errors import UsageError
from aws_login.federation import SigninEndpoints
from aws_login.model import CredentialKind, Credentials

# --- destinations --------------------------------------------------------------------------


@pytest.mark.parametrize(("partition", "region", "destination", "expected"), [
    # default: the console home of the region
    ("aws", "us-east-1", None,
     "https://us-east-1.console.aws.amazon.com/console/home?region=us-east-1"),
    ("aws", "eu-west-1", None,
     "https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1"),
    ("aws-us-gov", "us-gov-west-1", None,
     "https://console.amazonaws-us-gov.com/console/home?region=us-gov-west-1"),
    ("aws-us-gov", "us-gov-east-1", None,
     "https://console.amazonaws-us-gov.com/console/home?region=us-gov-east-1"),
    ("aws-cn", "cn-north-1", None,
     "https://console.amazonaws.cn/console/home?region=cn-north-1"),
    ("aws-cn", "cn-northwest-1", None,
     "https://console.amazonaws.cn/console/home?region=cn-northwest-1"),
    # service shortcuts land on the service in the region
    ("aws", "eu-central-1", "s3",
     "https://eu-central-1.console.aws.amazon.com/s3/home?region=eu-central-1"),
    ("aws", "ap-southeast-2", "ec2",
     "https://ap-southeast-2.console.aws.amazon.com/ec2/home?region=ap-southeast-2"),
    ("aws", "us-west-2", "lambda",
     "https://us-west-2.console.aws.amazon.com/lambda/home?region=us-west-2"),
    ("aws", "us-west-2", "cloudwatch",
     "https://us-west-2.console.aws.amazon.com/cloudwatch/home?region=us-west-2"),
    ("aws", "us-west-2", "dynamodb",
     "https://us-west-2.console.aws.amazon.com/dynamodbv2/home?region=us-west-2"),
    ("aws", "us-west-2", "ssm",
     "https://us-west-2.console.aws.amazon.com/systems-manager/home?region=us-west-2"),
    ("aws", "us-west-2", "logs",
     "https://us-west-2.console.aws.amazon.com/cloudwatch/home?region=us-west-2"
     "#logsV2:log-groups"),
    ("aws", "us-west-2", "home",
     "https://us-west-2.console.aws.amazon.com/console/home?region=us-west-2"),
    ("aws", "us-west-2", "cloudformation",
     "https://us-west-2.console.aws.amazon.com/cloudformation/home?region=us-west-2"),
    ("aws-us-gov", "us-gov-west-1", "ec2",
     "https://console.amazonaws-us-gov.com/ec2/home?region=us-gov-west-1"),
    ("aws-cn", "cn-northwest-1", "s3",
     "https://console.amazonaws.cn/s3/home?region=cn-northwest-1"),
    # global services: no region anywhere
    ("aws", "eu-west-1", "iam", "https://console.aws.amazon.com/iam/home"),
    ("aws", "eu-west-1", "billing", "https://console.aws.amazon.com/billing/home"),
    ("aws-us-gov", "us-gov-east-1", "iam", "https://console.amazonaws-us-gov.com/iam/home"),
    ("aws-cn", "cn-north-1", "iam", "https://console.amazonaws.cn/iam/home"),
    # full URLs are kept as given, on any console host of the partition
    ("aws", "eu-west-1", "https://console.aws.amazon.com/ec2/home#Instances:",
     "https://console.aws.amazon.com/ec2/home#Instances:"),
    ("aws", "eu-west-1", "https://s3.console.aws.amazon.com/s3/buckets/b?region=eu-west-1",
     "https://s3.console.aws.amazon.com/s3/buckets/b?region=eu-west-1"),
    ("aws-us-gov", "us-gov-west-1", "https://console.amazonaws-us-gov.com/vpc/home",
     "https://console.amazonaws-us-gov.com/vpc/home"),
    ("aws-cn", "cn-north-1", "https://console.amazonaws.cn/rds/home",
     "https://console.amazonaws.cn/rds/home"),
])
def test_destination_per_partition_region_and_shortcut(
        partition: str, region: str, destination: str | None, expected: str) -> None:
    assert federation.destination_url(destination, partition, region) == expected


@pytest.mark.parametrize(("partition", "destination", "message"), [
    ("aws", "http://console.aws.amazon.com/", "not an AWS console URL"),
    ("aws", "https://evil.example.com/console.aws.amazon.com", "not an AWS console URL"),
    ("aws", "https://console.aws.amazon.com.evil.example/", "not an AWS console URL"),
    ("aws", "https://notconsole.aws.amazon.com/", "not an AWS console URL"),
    ("aws", "https://console.amazonaws.cn/ec2/home", "not in partition aws"),
    ("aws-cn", "https://eu-west-1.console.aws.amazon.com/", "not in partition aws-cn"),
    ("aws-us-gov", "https://console.amazonaws.cn/", "not in partition aws-us-gov"),
    ("aws", "S3", "neither a console URL nor a service name"),
    ("aws", "s3/buckets", "neither a console URL nor a service name"),
    ("aws", "x", "neither a console URL nor a service name"),
    ("aws", "", "neither a console URL nor a service name"),
])
def test_bad_destinations_are_usage_errors(partition: str, destination: str,
                                           message: str) -> None:
    with pytest.raises(UsageError) as caught:
        federation.destination_url(destination, partition, "us-east-1")
    assert message in caught.value.message
    assert caught.value.exit_code == 2


def test_a_custom_endpoint_allows_any_http_destination() -> None:
    url = "http://127.0.0.1:8080/console/ec2/home"
    assert federation.destination_url(url, "aws", "us-east-1", custom_endpoint=True) == url
    federation.check_destination(url, custom_endpoint=True)
    with pytest.raises(UsageError):
        federation.check_destination(url, custom_endpoint=False)
    with pytest.raises(UsageError):
        federation.check_destination("ftp://127.0.0.1/x", custom_endpoint=True)


# --- endpoints -----------------------------------------------------------------------------

@pytest.mark.parametrize(("partition", "logout_first", "expected"), [
    ("aws", False, SigninEndpoints("https://signin.aws.amazon.com/federation")),
    ("aws-us-gov", False, SigninEndpoints("https://signin.amazonaws-us-gov.com/federation")),
    ("aws-cn", False, SigninEndpoints("https://signin.amazonaws.cn/federation")),
    ("aws", True, SigninEndpoints("https://us-east-1.signin.aws.amazon.com/federation",
                                  "https://signin.aws.amazon.com/oauth?Action=logout", True)),
    ("aws-us-gov", True,
     SigninEndpoints("https://us-gov-east-1.signin.amazonaws-us-gov.com/federation",
                     "https://signin.amazonaws-us-gov.com/oauth?Action=logout", True)),
    ("aws-cn", True, SigninEndpoints("https://signin.amazonaws.cn/federation",
                                     "https://signin.amazonaws.cn/oauth?Action=logout", False)),
])
def test_signin_endpoints_per_partition(partition: str, logout_first: bool,
                                        expected: SigninEndpoints) -> None:
    assert federation.signin_endpoints(partition, None, logout_first) == expected


@pytest.mark.parametrize("partition", ["aws", "aws-us-gov", "aws-cn"])
def test_the_override_replaces_every_partition_host(partition: str) -> None:
    override = "http://127.0.0.1:9999/federation"
    assert federation.signin_endpoints(partition, override, False) == SigninEndpoints(override)
    assert federation.signin_endpoints(partition, override, True) == SigninEndpoints(
        override, "http://127.0.0.1:9999/oauth?Action=logout", True)


@pytest.mark.parametrize("value", ["signin.example.com/federation", "ftp://x/federation",
                                   "https://x/federation?Action=login", "https:///federation"])
def test_bad_federation_overrides_are_usage_errors(value: str) -> None:
    with pytest.raises(UsageError, match="AWS_LOGIN_FEDERATION_URL"):
        federation.validate_federation_override(value)


# --- the URLs ------------------------------------------------------------------------------

CREDS = Credentials("ASIAEXAMPLE", "se/cret+key=", "to/ken+==", kind=CredentialKind.ROLE)


def test_login_url_carries_issuer_destination_and_token_encoded() -> None:
    url = federation.login_url("https://signin.aws.amazon.com/federation", "tok/en+=",
                               "https://eu-west-1.console.aws.amazon.com/s3/home?region=eu-west-1",
                               "https://portal.example.com/?a=1&b=2")
    assert url == (
        "https://signin.aws.amazon.com/federation?Action=login"
        "&Issuer=https%3A%2F%2Fportal.example.com%2F%3Fa%3D1%26b%3D2"
        "&Destination=https%3A%2F%2Feu-west-1.console.aws.amazon.com%2Fs3%2Fhome%3Fregion%3D"
        "eu-west-1&SigninToken=tok%2Fen%2B%3D")


def test_signin_token_query_holds_the_session_json() -> None:
    query = federation.signin_token_query(CREDS, 3600)
    assert list(query) == ["Action", "SessionDuration", "Session"]
    assert query["Action"] == "getSigninToken"
    assert query["SessionDuration"] == "3600"
    assert json.loads(query["Session"]) == {
        "sessionId": "ASIAEXAMPLE", "sessionKey": "se/cret+key=", "sessionToken": "to/ken+=="}
    assert "SessionDuration" not in federation.signin_token_query(CREDS, None)


def test_long_term_keys_have_no_session_json() -> None:
    with pytest.raises(ValueError):
        federation.session_json(Credentials("AKIAEXAMPLE", "secret"))


@pytest.mark.parametrize(("kind", "requested", "sent"), [
    (CredentialKind.ROLE, 3600, 3600),
    (CredentialKind.ROLE, None, None),
    (CredentialKind.TEMPORARY, 43200, 43200),
    (CredentialKind.FEDERATED, 3600, None),  # AWS refuses SessionDuration for these
    (CredentialKind.FEDERATED, None, None),
])
def test_session_duration_rules(kind: CredentialKind, requested: int | None,
                                sent: int | None) -> None:
    assert federation.session_duration_for(kind, requested) == sent


@pytest.mark.parametrize(("kind", "refused"), [
    (CredentialKind.SESSION, True), (CredentialKind.ROLE, False),
    (CredentialKind.FEDERATED, False), (CredentialKind.TEMPORARY, False),
])
def test_only_getsessiontoken_credentials_are_refused_outright(kind: CredentialKind,
                                                               refused: bool) -> None:
    reason = federation.console_refusal(kind)
    assert (reason is not None) is refused
    if reason:
        assert "--assume-roles" in reason and "--get-session-token" in reason


def test_browser_urls_without_logout_is_the_login_alone() -> None:
    assert federation.browser_urls(SigninEndpoints("https://f"), "https://f?x=1") == [
        "https://f?x=1"]


def test_browser_urls_with_redirecting_logout_is_one_url() -> None:
    login = "https://us-east-1.signin.aws.amazon.com/federation?Action=login&SigninToken=a%2Fb"
    endpoints = federation.signin_endpoints("aws", None, True)
    [url] = federation.browser_urls(endpoints, login)
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == (
        "https://signin.aws.amazon.com/oauth")
    assert parse_qs(parts.query) == {"Action": ["logout"], "redirect_uri": [login]}
    assert unquote(url.split("redirect_uri=", 1)[1]) == login


def test_browser_urls_without_redirect_opens_logout_then_login() -> None:
    endpoints = federation.signin_endpoints("aws-cn", None, True)
    assert federation.browser_urls(endpoints, "https://signin.amazonaws.cn/federation?x") == [
        "https://signin.amazonaws.cn/oauth?Action=logout",
        "https://signin.amazonaws.cn/federation?x"]
