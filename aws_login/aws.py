"""The one module that creates botocore sessions and clients.

Importing this module does not import botocore; each method imports it when it really
talks to AWS, so cache hits, --help and tab completion stay fast. botocore exceptions are
turned into AwsCallError here, so no other module needs to know them.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any, TypeVar
from urllib.parse import urlsplit

from aws_login.errors import AwsCallError, UsageError
from aws_login.log import DebugLog
from aws_login.model import CredentialKind, Credentials

T = TypeVar("T")

# Generous enough for a slow link, short enough that a dead endpoint fails in seconds.
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 20.0
# AWS_LOGIN_HTTP_TIMEOUT=SECONDS replaces the read timeout (and caps the connect timeout),
# e.g. for a slow satellite link, or for tests that make a server answer too late.
TIMEOUT_VARIABLE = "AWS_LOGIN_HTTP_TIMEOUT"
MAX_TIMEOUT = 600.0
# Transient failures (network, HTTP 5xx, throttling, a garbled answer) are tried again after a
# growing, jittered pause: 0.25-0.5 s, 0.5-1 s, 1-2 s, 2-4 s. No retry starts after
# RETRY_BUDGET seconds, so a dead endpoint costs at most about RETRY_BUDGET + READ_TIMEOUT.
ATTEMPTS = 5
BACKOFF_BASE = 0.5
BACKOFF_CAP = 8.0
RETRY_BUDGET = 40.0
NETWORK_ERROR = "network error"
MALFORMED_REPLY = "malformed reply"
# botocore's standard retry mode treats these codes as throttling or transient.
THROTTLING_CODES = frozenset({
    "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
    "TooManyRequestsException", "ProvisionedThroughputExceededException",
    "TransactionInProgressException", "RequestLimitExceeded", "BandwidthLimitExceeded",
    "LimitExceededException", "RequestThrottled", "SlowDown", "EC2ThrottledException"})
TRANSIENT_CODES = frozenset({"RequestTimeout", "RequestTimeoutException",
                             "PriorRequestNotComplete", "IDPCommunicationError"})
_DETAIL_MAX = 300  # characters of AWS's error message shown


def http_timeouts(environ: Mapping[str, str]) -> tuple[float, float]:
    """(connect, read) timeouts in seconds, honouring AWS_LOGIN_HTTP_TIMEOUT."""
    text = environ.get(TIMEOUT_VARIABLE, "").strip()
    if not text:
        return CONNECT_TIMEOUT, READ_TIMEOUT
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value <= MAX_TIMEOUT:  # also refuses nan and inf
        raise UsageError(f"{TIMEOUT_VARIABLE} {text[:20]!r} is not valid; give the seconds to "
                         f"wait for an answer, more than 0 and at most {MAX_TIMEOUT:.0f}, e.g. "
                         f"{TIMEOUT_VARIABLE}=60")
    return min(CONNECT_TIMEOUT, value), value


class Retry:
    """Runs one AWS call (and the reading of its answer), retrying transient failures."""

    def __init__(self, sleep: Callable[[float], None], log: DebugLog | None = None, *,
                 attempts: int = ATTEMPTS, budget: float = RETRY_BUDGET,
                 clock: Callable[[], float] = time.monotonic,
                 rng: random.Random | None = None) -> None:
        self.sleep = sleep
        self.log = log
        self.attempts = attempts
        self.budget = budget
        self.clock = clock
        self.rng = rng or random.Random()

    def delay(self, retry: int) -> float:
        """Equal jitter: processes throttled together spread out, yet each backs off."""
        step = min(BACKOFF_CAP, BACKOFF_BASE * 2.0 ** (retry - 1))
        return step / 2 + self.rng.uniform(0, step / 2)

    def call(self, operation: str, fn: Callable[[], T], *, translate: bool = True) -> T:
        """`fn` makes the call and reads the answer: a missing or mistyped member of the
        answer is a malformed reply, as transient as a garbled body. `translate`: turn
        botocore's exceptions into AwsCallError (off for calls that do not use botocore)."""
        started = self.clock()
        attempt = 1
        while True:
            try:
                if translate:
                    with translate_errors(operation):
                        return _reading_reply(operation, fn)
                return _reading_reply(operation, fn)
            except AwsCallError as exc:
                if not exc.transient or self.attempts <= 1:
                    raise
                delay = self.delay(attempt)
                if attempt >= self.attempts or self.clock() - started + delay > self.budget:
                    raise AwsCallError(exc.operation, exc.code,
                                       f"{exc.detail} (after {attempt} attempts)".lstrip(),
                                       transient=True) from None
                if self.log is not None:
                    self.log(f"{operation}: {exc.code}; attempt {attempt} of {self.attempts} "
                             f"failed, retrying in {delay:.2f} s")
                self.sleep(delay)
                attempt += 1


def _reading_reply(operation: str, fn: Callable[[], T]) -> T:
    try:
        return fn()
    except KeyError as exc:
        raise AwsCallError(operation, MALFORMED_REPLY,
                           f"the answer has no {exc.args[0]!r}; a proxy or firewall may be "
                           "answering instead of AWS", transient=True) from None
    except (TypeError, ValueError):
        raise AwsCallError(operation, MALFORMED_REPLY,
                           "the answer holds a value of the wrong type; a proxy or firewall "
                           "may be answering instead of AWS", transient=True) from None


class AwsClients:
    def __init__(self, log: DebugLog, sleep: Callable[[float], None] = time.sleep,
                 environ: Mapping[str, str] | None = None) -> None:
        self.log = log
        self.timeouts = http_timeouts(environ or {})
        self.retry = Retry(sleep, log)
        self._sessions: dict[str | None, Any] = {}
        self._client_profile: str | None = None

    def use_profile(self, profile: str | None) -> None:
        """Create clients with this profile's settings (--profile) instead of AWS_PROFILE's."""
        self._client_profile = profile

    def session(self, profile: str | None = None) -> Any:
        """A botocore session for `profile` (None: the default chain, honouring AWS_PROFILE)."""
        if profile not in self._sessions:
            import botocore.session

            session = botocore.session.Session(profile=profile)
            with translate_errors("reading the AWS config file"):
                session.full_config  # noqa: B018  (parse it now: a broken file is bad input)
            self._sessions[profile] = session
        return self._sessions[profile]

    def client(self, service: str, region: str, credentials: Credentials | None, *,
               retries: int = 0, pool_size: int | None = None) -> Any:
        """`retries`: botocore's own retries, off by default: callers retry through `Retry`
        (whose pauses use the context's sleep) or pace themselves (dumpconfig); two retry
        loops would multiply attempts. `pool_size` fits the connection pool to a caller that
        runs that many calls at once."""
        from botocore.config import Config

        config = Config(
            connect_timeout=self.timeouts[0],
            read_timeout=self.timeouts[1],
            retries={"max_attempts": retries, "mode": "standard"},
            **({} if pool_size is None else {"max_pool_connections": pool_size}),
        )
        kwargs: dict[str, Any] = {"region_name": region, "config": config}
        if credentials is None:
            from botocore import UNSIGNED

            kwargs["config"] = config.merge(Config(signature_version=UNSIGNED))
        else:
            kwargs.update(
                aws_access_key_id=credentials.access_key_id,
                aws_secret_access_key=credentials.secret_access_key,
                aws_session_token=credentials.session_token,
            )
        client = self.session(self._client_profile).create_client(service, **kwargs)
        self.log(f"{service} endpoint {client.meta.endpoint_url} (region {region})")
        return client

    def sts(self, credentials: Credentials, region: str) -> StsApi:
        return StsApi(self.client("sts", region, credentials), self.log, self.retry)

    def sts_unsigned(self, region: str) -> StsApi:
        """STS for AssumeRoleWithSAML / AssumeRoleWithWebIdentity: the assertion or token in
        the request is the proof, so no credentials are needed (or sent)."""
        return StsApi(self.client("sts", region, None), self.log, self.retry)


class StsApi:
    """The STS calls aws-login makes, returning our own types."""

    def __init__(self, client: Any, log: DebugLog, retry: Retry | None = None) -> None:
        self._client = client
        self._log = log
        self._retry = retry or Retry(time.sleep, log, attempts=1)

    def get_caller_identity(self) -> dict[str, str]:
        def call() -> dict[str, str]:
            reply = self._client.get_caller_identity()
            return {key: str(reply[key]) for key in ("UserId", "Account", "Arn")}

        return self._retry.call("GetCallerIdentity", call)

    def assume_role(self, **params: Any) -> tuple[Credentials, str]:
        """AssumeRole; returns the credentials and the assumed-role ARN."""
        return self._assume("AssumeRole", self._client.assume_role, params["RoleArn"], params)

    def assume_role_with_saml(self, **params: Any) -> tuple[Credentials, str]:
        """AssumeRoleWithSAML; returns the credentials and the assumed-role ARN."""
        return self._assume("AssumeRoleWithSAML", self._client.assume_role_with_saml,
                            f"SAML role {params['RoleArn']}", params)

    def assume_role_with_web_identity(self, **params: Any) -> tuple[Credentials, str]:
        """AssumeRoleWithWebIdentity; returns the credentials and the assumed-role ARN."""
        return self._assume("AssumeRoleWithWebIdentity",
                            self._client.assume_role_with_web_identity,
                            f"web identity role {params['RoleArn']}", params)

    def get_session_token(self, **params: Any) -> Credentials:
        def call() -> Credentials:
            reply = self._client.get_session_token(**params)
            return self._credentials(reply["Credentials"], CredentialKind.SESSION,
                                     "GetSessionToken")

        return self._retry.call("GetSessionToken", call)

    def get_federation_token(self, **params: Any) -> tuple[Credentials, str]:
        def call() -> tuple[Credentials, str]:
            reply = self._client.get_federation_token(**params)
            creds = self._credentials(reply["Credentials"], CredentialKind.FEDERATED,
                                      "GetFederationToken")
            return creds, str(reply["FederatedUser"]["Arn"])

        return self._retry.call("GetFederationToken", call)

    def _assume(self, operation: str, method: Callable[..., Any], source: str,
                params: dict[str, Any]) -> tuple[Credentials, str]:
        def call() -> tuple[Credentials, str]:
            reply = method(**params)
            creds = self._credentials(reply["Credentials"], CredentialKind.ROLE, source)
            return creds, str(reply["AssumedRoleUser"]["Arn"])

        return self._retry.call(operation, call)

    def _credentials(self, raw: dict[str, Any], kind: CredentialKind, source: str) -> Credentials:
        self._log.add_secret(raw["SecretAccessKey"], raw.get("SessionToken"))
        if not (isinstance(raw["AccessKeyId"], str) and isinstance(raw["SecretAccessKey"], str)
                and isinstance(raw["Expiration"], datetime)):
            raise TypeError("credentials")
        return Credentials(
            access_key_id=raw["AccessKeyId"],
            secret_access_key=raw["SecretAccessKey"],
            session_token=raw.get("SessionToken"),
            expiration=as_utc(raw["Expiration"]),
            kind=kind,
            source=source,
        )


def as_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


@contextmanager
def translate_errors(operation: str) -> Iterator[None]:
    """Turn botocore's exceptions into AwsCallError (code + AWS's message, no secrets), and
    say whether trying again may help (`transient`)."""
    import botocore.exceptions as bex
    from botocore.parsers import ResponseParserError

    try:
        yield
    except bex.ClientError as exc:
        error = exc.response.get("Error", {})
        code = str(error.get("Code") or "Error")
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        transient = (status >= 500 or status == 429 or code in THROTTLING_CODES
                     or code in TRANSIENT_CODES)
        raise AwsCallError(operation, code, _one_line(str(error.get("Message") or "")),
                           transient=transient) from None
    except (bex.EndpointConnectionError, bex.ConnectTimeoutError,
            bex.ProxyConnectionError) as exc:
        raise AwsCallError(operation, NETWORK_ERROR,
                           f"could not connect to {_endpoint(exc)}; check the network, proxy "
                           "and AWS_ENDPOINT_URL_* settings", transient=True) from None
    except bex.ReadTimeoutError as exc:
        raise AwsCallError(operation, NETWORK_ERROR,
                           f"no answer from {_endpoint(exc)} in time; check the network and "
                           f"proxy settings ({TIMEOUT_VARIABLE}=SECONDS waits longer)",
                           transient=True) from None
    except (bex.ConnectionClosedError, bex.HTTPClientError) as exc:
        raise AwsCallError(operation, NETWORK_ERROR,
                           f"the connection to {_endpoint(exc)} broke before a complete answer; "
                           "check the network and proxy settings", transient=True) from None
    except ResponseParserError:
        # Never the exception's text: it quotes the raw answer, which may hold credentials.
        raise AwsCallError(operation, MALFORMED_REPLY,
                           "the answer could not be read (not the XML or JSON AWS sends); a "
                           "proxy or firewall may be answering instead of AWS",
                           transient=True) from None
    except bex.ParamValidationError as exc:
        raise UsageError(f"{operation}: {_one_line(str(exc))}") from None
    except bex.ConfigParseError as exc:  # a broken ~/.aws/config or credentials file
        path = getattr(exc, "kwargs", {}).get("path", "the AWS config file")
        raise UsageError(f"cannot parse {path}: AWS config and credentials files are INI "
                         "text in UTF-8 ([section] lines, then key = value lines); fix it, or "
                         "point AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE elsewhere") \
            from None
    except bex.BotoCoreError as exc:
        raise AwsCallError(operation, type(exc).__name__, _one_line(str(exc))) from None
    except _urllib3_errors() as exc:
        # A body cut short surfaces as urllib3's own error when botocore reads it.
        raise AwsCallError(operation, NETWORK_ERROR,
                           f"the answer was cut short ({type(exc).__name__}); check the "
                           "network and proxy settings", transient=True) from None


def _urllib3_errors() -> tuple[type[Exception], ...]:
    import urllib3.exceptions

    return (urllib3.exceptions.HTTPError,)


def _endpoint(exc: Exception) -> str:
    """The endpoint's scheme and host only: the path and query are noise (or private)."""
    url = str(getattr(exc, "kwargs", {}).get("endpoint_url") or "")
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else "the endpoint"


def _one_line(text: str) -> str:
    """AWS's message (or a proxy's HTML page in its place) as one short line."""
    text = " ".join(text.split())
    return text if len(text) <= _DETAIL_MAX else text[:_DETAIL_MAX - 3] + "..."
