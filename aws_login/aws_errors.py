"""botocore's exceptions (and answers missing what we read) as AwsCallError or UsageError,
so no other module needs to know botocore's exceptions. Whether a failure is worth another
try comes from the retry policy's one table (retry.transient_answer); retrying is not done
here.

Importing this module does not import botocore: `translate_errors` imports it when entered.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import TypeVar
from urllib.parse import urlsplit

from aws_login.errors import AwsCallError, UsageError
from aws_login.retry import transient_answer

T = TypeVar("T")

NETWORK_ERROR = "network error"
MALFORMED_REPLY = "malformed reply"
# AWS_LOGIN_HTTP_TIMEOUT=SECONDS replaces the read timeout (named in the timeout message).
TIMEOUT_VARIABLE = "AWS_LOGIN_HTTP_TIMEOUT"
_DETAIL_MAX = 300  # characters of AWS's error message shown
# The HTTP status of the answer this thread's botocore call is parsing (set by the client's
# before-parse hook, clients.py): an answer botocore cannot parse carries no status of its
# own, and "HTTP 500" says more about a proxy's error page than "could not be read".
_answer = threading.local()


def note_answer_status(response_dict: dict[str, object] | None = None,
                       **_kwargs: object) -> None:
    """botocore's before-parse event handler: remember the answer's HTTP status."""
    status = (response_dict or {}).get("status_code")
    _answer.status = status if isinstance(status, int) else None


def translated_call(operation: str, fn: Callable[[], T]) -> T:
    """`fn` makes a botocore call and reads the answer. botocore's exceptions become
    AwsCallError, and so does a missing or mistyped member of the answer: a malformed
    reply, as transient as a garbled body."""
    with translate_errors(operation):
        return _reading_reply(operation, fn)


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


@contextmanager
def translate_errors(operation: str) -> Iterator[None]:
    """Turn botocore's exceptions into AwsCallError (code + AWS's message, no secrets), and
    say whether trying again may help (`transient`)."""
    import botocore.exceptions as bex
    from botocore.parsers import ResponseParserError

    _answer.status = None
    try:
        yield
    except bex.ClientError as exc:
        error = exc.response.get("Error", {})
        code = str(error.get("Code") or "Error")
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        raise AwsCallError(operation, code, _one_line(str(error.get("Message") or "")),
                           transient=transient_answer(code, status)) from None
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
        status = getattr(_answer, "status", None)
        answer = "the answer" if status is None else f"the HTTP {status} answer"
        raise AwsCallError(operation, MALFORMED_REPLY,
                           f"{answer} could not be read (not the XML or JSON AWS sends); a "
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
    except bex.CredentialRetrievalError as exc:  # e.g. a credential_process failed
        from aws_login.nesting import from_child

        nested = from_child(str(exc))
        if nested is not None:
            raise nested from None
        raise AwsCallError(operation, type(exc).__name__, _one_line(str(exc))) from None
    except bex.BotoCoreError as exc:
        raise AwsCallError(operation, type(exc).__name__, _one_line(str(exc))) from None
    except _urllib3_errors() as exc:
        # A body cut short surfaces as urllib3's own error when botocore reads it.
        raise AwsCallError(operation, NETWORK_ERROR,
                           f"the answer was cut short ({type(exc).__name__}); check the "
                           "network and proxy settings", transient=True) from None


def as_utc(value: datetime) -> datetime:
    """A timestamp botocore parsed (naive ones are UTC) as an aware UTC datetime."""
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def _one_line(text: str) -> str:
    """AWS's message (or a proxy's HTML page in its place) as one short line."""
    text = " ".join(text.split())
    return text if len(text) <= _DETAIL_MAX else text[:_DETAIL_MAX - 3] + "..."


def _urllib3_errors() -> tuple[type[Exception], ...]:
    import urllib3.exceptions

    return (urllib3.exceptions.HTTPError,)


def _endpoint(exc: Exception) -> str:
    """The endpoint's scheme and host only: the path and query are noise (or private)."""
    url = str(getattr(exc, "kwargs", {}).get("endpoint_url") or "")
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else "the endpoint"
