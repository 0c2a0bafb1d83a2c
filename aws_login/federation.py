"""Console sign-in through the AWS sign-in federation endpoint.

Everything here is pure URL building, except `fetch_signin_token`: the one request that
trades temporary credentials for a SigninToken (Action=getSigninToken). The login URL that
follows carries that token: it is a secret for 15 minutes, so callers register it with the
debug log's scrubber and never log it.

Hosts (AWS documentation: IAM "custom identity broker", Sign-In and console endpoints):
  aws         https://signin.aws.amazon.com/federation      https://<region>.console.aws.amazon.com
  aws-us-gov  https://signin.amazonaws-us-gov.com/federation https://console.amazonaws-us-gov.com
  aws-cn      https://signin.amazonaws.cn/federation        https://console.amazonaws.cn
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from urllib.parse import quote, urlencode, urlsplit

from aws_login.aws_errors import MALFORMED_REPLY, NETWORK_ERROR
from aws_login.errors import AwsCallError, OperationError, UsageError
from aws_login.log import DebugLog
from aws_login.model import CredentialKind, Credentials
from aws_login.retry import RetryPolicy

# getSigninToken's SessionDuration range (role sessions only).
CONSOLE_DURATION = (900, 43200)
SIGNIN_URL_LIFETIME_MINUTES = 15
DEFAULT_ISSUER = "aws-login"
# getSigninToken is tried 3 times, after fixed pauses of 0.5 s and 1 s: one person waits for
# it, there is no crowd of callers to spread out with jitter.
ATTEMPTS = 3
BACKOFF_BASE = 0.5


@dataclass(frozen=True)
class Partition:
    name: str
    federation: str  # the documented federation endpoint
    console_host: str  # console host; subdomains of it are console hosts too
    regional_console: bool  # whether <region>.<console_host> serves the region's console
    logout: str  # the console sign-out URL (without redirect_uri)
    # The federation endpoint the sign-out may redirect to (None: no known redirect; then the
    # sign-out and the sign-in are opened one after the other).
    logout_redirect_federation: str | None


PARTITIONS = {
    "aws": Partition(
        "aws", "https://signin.aws.amazon.com/federation", "console.aws.amazon.com", True,
        "https://signin.aws.amazon.com/oauth?Action=logout",
        # The sign-out only redirects to a regional sign-in host, not to the global one.
        "https://us-east-1.signin.aws.amazon.com/federation"),
    "aws-us-gov": Partition(
        "aws-us-gov", "https://signin.amazonaws-us-gov.com/federation",
        "console.amazonaws-us-gov.com", False,
        "https://signin.amazonaws-us-gov.com/oauth?Action=logout",
        "https://us-gov-east-1.signin.amazonaws-us-gov.com/federation"),
    "aws-cn": Partition(
        "aws-cn", "https://signin.amazonaws.cn/federation", "console.amazonaws.cn", False,
        "https://signin.amazonaws.cn/oauth?Action=logout", None),
}

# Shortcuts whose console path is not simply "<name>/home".
_SERVICE_PATHS = {
    "home": "console/home", "console": "console/home",
    "dynamodb": "dynamodbv2/home", "ssm": "systems-manager/home",
    "logs": "cloudwatch/home#logsV2:log-groups", "sso": "singlesignon/home",
    "stepfunctions": "states/home", "eventbridge": "events/home",
}
# Global services: no region in the host or the query.
_GLOBAL_SERVICES = {"iam", "billing", "organizations", "route53", "cloudfront"}
_SERVICE_RE = re.compile(r"[a-z][a-z0-9-]{1,39}")
_PATH_MAX = 2048


@dataclass(frozen=True)
class SigninEndpoints:
    """Where to ask for the token and where to sign in, and how to sign out first."""

    federation: str
    logout: str | None = None  # set with --logout-first
    logout_redirects: bool = False  # the sign-out URL takes redirect_uri=<login URL>


def signin_endpoints(partition: str, override: str | None, logout_first: bool) -> SigninEndpoints:
    """The federation endpoint for the partition, or AWS_LOGIN_FEDERATION_URL when set."""
    if override:
        # A private or test endpoint: its sign-out lives on the same host, as AWS's does.
        origin = _origin(override)
        return SigninEndpoints(override, f"{origin}/oauth?Action=logout" if logout_first
                               else None, logout_first)
    hosts = PARTITIONS[partition]
    if not logout_first:
        return SigninEndpoints(hosts.federation)
    if hosts.logout_redirect_federation is None:
        return SigninEndpoints(hosts.federation, hosts.logout, False)
    # The token is asked for at the same host the sign-out will hand the browser to.
    return SigninEndpoints(hosts.logout_redirect_federation, hosts.logout, True)


def validate_federation_override(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.query:
        raise UsageError(f"AWS_LOGIN_FEDERATION_URL {value[:80]!r} is not valid; give the full "
                         "endpoint URL, e.g. https://signin.example.com/federation")
    return value


def check_destination(value: str, custom_endpoint: bool) -> None:
    """Reject a --destination before any network call (its partition is checked later)."""
    if value.startswith("/"):
        if value.startswith("//") or len(value) > _PATH_MAX or any(
                ch.isspace() or ord(ch) < 32 for ch in value):
            raise UsageError(f"--destination {value[:80]!r} is not a console path; give one "
                             "that starts with a single /, without spaces, e.g. "
                             "--destination /ec2/home?region=eu-west-1")
        return
    if "://" not in value:
        if value not in _SERVICE_PATHS and not _SERVICE_RE.fullmatch(value):
            raise UsageError(f"--destination {value[:80]!r} is neither a console URL nor a "
                             "service name; use e.g. --destination s3 or --destination "
                             "https://console.aws.amazon.com/ec2/home")
        return
    parts = urlsplit(value)
    if custom_endpoint and parts.scheme in ("http", "https") and parts.hostname:
        return  # a private partition or a test: its console hosts are not known here
    if parts.scheme != "https" or not any(
            _is_console_host(parts.hostname or "", p) for p in PARTITIONS.values()):
        raise UsageError(f"--destination {value[:80]!r} is not an AWS console URL; it must be "
                         "https:// on a console host such as console.aws.amazon.com, "
                         "console.amazonaws-us-gov.com or console.amazonaws.cn")


def destination_url(value: str | None, partition: str, region: str,
                    custom_endpoint: bool = False, path_origin: str | None = None) -> str:
    """The console page to land on: a full URL as given, a path on the partition's console
    host (`path_origin`, e.g. a private partition's, when given), or a service in the
    region."""
    hosts = PARTITIONS[partition]
    if value is None:
        value = "console"
    if value.startswith("/"):
        check_destination(value, custom_endpoint)
        return f"{path_origin or 'https://' + hosts.console_host}{value}"
    if "://" in value:
        check_destination(value, custom_endpoint)
        host = urlsplit(value).hostname or ""
        if not custom_endpoint and not _is_console_host(host, hosts):
            raise UsageError(f"--destination host {host} is not in partition {partition} of "
                             f"the credentials; use a URL on {hosts.console_host}")
        return value
    check_destination(value, custom_endpoint)
    path, _, fragment = _SERVICE_PATHS.get(value, f"{value}/home").partition("#")
    if value in _GLOBAL_SERVICES:
        url = f"https://{hosts.console_host}/{path}"
    else:
        host = f"{region}.{hosts.console_host}" if hosts.regional_console else hosts.console_host
        url = f"https://{host}/{path}?region={region}"
    return f"{url}#{fragment}" if fragment else url


def console_refusal(kind: CredentialKind) -> str | None:
    """Why credentials of this kind can never open the console (None: they may)."""
    if kind is CredentialKind.SESSION:
        return ("GetSessionToken credentials cannot sign in to the AWS console (the "
                "federation endpoint refuses them); drop --get-session-token to let aws-login "
                "use GetFederationToken, or add --assume-roles ROLE_ARN to open the console as "
                "a role (GetSessionToken with --mfa-serial followed by a role works)")
    return None


def session_duration_for(kind: CredentialKind, requested: int | None) -> int | None:
    """SessionDuration to send: never for GetFederationToken credentials (AWS rejects it)."""
    if requested is None or kind is CredentialKind.FEDERATED:
        return None
    return requested


def session_json(creds: Credentials) -> str:
    if creds.session_token is None:
        raise ValueError("the console needs temporary credentials")
    return json.dumps({"sessionId": creds.access_key_id, "sessionKey": creds.secret_access_key,
                       "sessionToken": creds.session_token}, separators=(",", ":"))


def signin_token_query(creds: Credentials, session_duration: int | None) -> dict[str, str]:
    query = {"Action": "getSigninToken"}
    if session_duration is not None:
        query["SessionDuration"] = str(session_duration)
    query["Session"] = session_json(creds)
    return query


def login_url(endpoint: str, token: str, destination: str, issuer: str) -> str:
    query = urlencode({"Action": "login", "Issuer": issuer, "Destination": destination,
                       "SigninToken": token})
    return f"{endpoint}?{query}"


def browser_urls(endpoints: SigninEndpoints, login: str) -> list[str]:
    """What the browser opens, in order: the sign-out (if asked for), then the sign-in."""
    if endpoints.logout is None:
        return [login]
    if endpoints.logout_redirects:
        return [f"{endpoints.logout}&redirect_uri={quote(login, safe='')}"]
    return [endpoints.logout, login]


def fetch_signin_token(endpoint: str, creds: Credentials, session_duration: int | None,
                       log: DebugLog, retry: RetryPolicy,
                       timeouts: tuple[float, float]) -> str:
    """Action=getSigninToken: the one network call. The token is registered as a secret.
    `retry`: the context's retry policy (see signin_token_retry); `timeouts`:
    (connect, read) seconds, as for every AWS call (clients.http_timeouts).

    No answer, HTTP 5xx, 429 and an answer without a token (a proxy's page, a cut body) are
    tried again; a refusal (other 4xx) is not."""
    import requests  # only on the path that really signs in

    query = signin_token_query(creds, session_duration)
    log.add_secret(query["Session"], quote(query["Session"], safe=""),
                   quote(query["Session"]))
    shown = _origin(endpoint)
    log(f"getSigninToken at {endpoint} " + (f"with SessionDuration={session_duration}"
                                            if session_duration else "without SessionDuration"))

    def attempt() -> str:
        try:
            reply = requests.get(endpoint, params=query, allow_redirects=False, timeout=timeouts)
            status = reply.status_code
            body = reply.content  # read here: a body cut short raises like a dead connection
        except requests.RequestException as exc:
            # Never show the exception text: it contains the request URL with the session.
            if isinstance(exc, requests.Timeout):
                failure = f"no answer from {shown} in time ({type(exc).__name__})"
            elif isinstance(exc, requests.ConnectionError):
                failure = f"could not reach {shown} ({type(exc).__name__})"
            else:
                failure = f"the answer of {shown} was cut short ({type(exc).__name__})"
            raise _transient(NETWORK_ERROR, failure) from None
        if status >= 500 or status == 429:
            raise _transient(f"HTTP {status}", f"HTTP {status} from {shown}")
        if status != 200:
            raise OperationError(f"getSigninToken: {shown} refused the credentials (HTTP "
                                 f"{status}); {_refusal_hint(creds, session_duration)}")
        token = _signin_token(body)
        if token is None:
            raise _transient(MALFORMED_REPLY, f"{shown} answered without a SigninToken")
        return token

    try:
        token = signin_token_retry(retry).call("getSigninToken", attempt)
    except AwsCallError as exc:  # the last failure, its hint and "(after N attempts)"
        raise OperationError(f"getSigninToken: {exc.detail}") from None
    log.add_secret(token, quote(token, safe=""))
    log("received a sign-in token (valid 15 minutes)")
    return token


def signin_token_retry(retry: RetryPolicy) -> RetryPolicy:
    """The retry policy for getSigninToken: ATTEMPTS in all, after fixed pauses."""
    return replace(retry, attempts=ATTEMPTS, base=BACKOFF_BASE, jitter=0.0)


def _transient(code: str, failure: str) -> AwsCallError:
    """A failed attempt worth another: what happened, and what to check if it lasts."""
    hint = ("check AWS_LOGIN_FEDERATION_URL points at a sign-in federation endpoint"
            if code == MALFORMED_REPLY
            else "check the network, proxy settings and AWS_LOGIN_FEDERATION_URL")
    return AwsCallError("getSigninToken", code, f"{failure}; {hint}", transient=True)


def _signin_token(body: bytes) -> str | None:
    try:
        token = json.loads(body)["SigninToken"]
    except (ValueError, KeyError, TypeError):
        return None
    return token if isinstance(token, str) and token else None


def _refusal_hint(creds: Credentials, session_duration: int | None) -> str:
    if creds.kind is CredentialKind.TEMPORARY:
        hint = ("if these are GetSessionToken credentials they can never open the console: "
                "start from IAM user keys or a role; if they are GetFederationToken "
                "credentials, drop --console-duration")
        return hint if session_duration else hint.split("; if")[0]
    hint = "check that the credentials have not expired"
    if creds.kind is CredentialKind.ROLE and session_duration and session_duration > 3600:
        hint += (", and try --console-duration 3600 or less (AWS may cap the console session "
                 "of a chained role at one hour)")
    return hint


def _is_console_host(host: str, partition: Partition) -> bool:
    return host == partition.console_host or host.endswith("." + partition.console_host)


def origin(url: str) -> str:
    """scheme://host[:port] of a URL."""
    return _origin(url)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
