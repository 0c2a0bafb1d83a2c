"""The one module that creates botocore sessions and clients.

Importing this module does not import botocore; each method imports it when it really
talks to AWS, so cache hits, --help and tab completion stay fast. botocore's own retries are
off: callers retry through the retry policy (whose pauses use the context's sleep) or pace
themselves (discovery); two retry loops would multiply attempts and hide the 429s a limiter
must see.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from aws_login.aws_errors import TIMEOUT_VARIABLE, note_answer_status, translate_errors
from aws_login.errors import UsageError
from aws_login.log import DebugLog
from aws_login.model import Credentials
from aws_login.retry import RetryPolicy
from aws_login.sts import BotocoreSts, FederatedStsApi, StsApi

# Generous enough for a slow link, short enough that a dead endpoint fails in seconds.
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 20.0
# AWS_LOGIN_HTTP_TIMEOUT=SECONDS replaces the read timeout (and caps the connect timeout),
# e.g. for a slow satellite link, or for tests that make a server answer too late.
MAX_TIMEOUT = 600.0


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


class AwsClients:
    """botocore sessions and clients; `retry`: the policy every call through them uses."""

    def __init__(self, log: DebugLog, retry: RetryPolicy, environ: Mapping[str, str],
                 ask_secret: Callable[[str], str] | None = None) -> None:
        """`ask_secret`: how botocore's own questions are asked (the MFA code of a profile
        with role_arn + mfa_serial); None: botocore's getpass on the terminal."""
        self.log = log
        self.retry = retry
        self._ask_secret = ask_secret
        self.timeouts = http_timeouts(environ)
        self._sessions: dict[str | None, Any] = {}
        self._client_profile: str | None = None
        self._region: str | None = None
        self._regions_checked: set[str] = set()

    def use_profile(self, profile: str | None) -> None:
        """Create clients with this profile's settings (--profile) instead of AWS_PROFILE's."""
        self._client_profile = profile

    def use_region(self, region: str | None) -> None:
        """--region for botocore's own calls too: the AssumeRole of a role_arn profile with
        no region of its own would fail with NoRegionError on a custom STS endpoint."""
        self._region = region
        for session in self._sessions.values():
            self._apply_region(session)

    def _apply_region(self, session: Any) -> None:
        if self._region is not None:
            session.set_config_variable("region", self._region)

    def session(self, profile: str | None = None) -> Any:
        """A botocore session for `profile` (None: the default chain, honouring AWS_PROFILE)."""
        if profile not in self._sessions:
            import botocore.session

            session = botocore.session.Session(profile=profile)
            with translate_errors("reading the AWS config file"):
                session.full_config  # noqa: B018  (parse it now: a broken file is bad input)
            if self._ask_secret is not None:
                self._ask_through(session, self._ask_secret)
            self._apply_region(session)
            self._sessions[profile] = session
        return self._sessions[profile]

    @staticmethod
    def _ask_through(session: Any, ask_secret: Callable[[str], str]) -> None:
        """botocore asks a role profile's MFA code with getpass on stdin; ours reaches the
        person wherever aws-login runs (the prompt service)."""
        from botocore.exceptions import ProfileNotFound

        try:
            resolver = session.get_component("credential_provider")
        except ProfileNotFound:
            return  # the profile source reports it, in its own words
        resolver.get_provider("assume-role")._prompter = ask_secret

    def client(self, service: str, region: str, credentials: Credentials | None, *,
               pool_size: int | None = None) -> Any:
        """A client without botocore's retries (see above); unsigned when `credentials` is
        None. `pool_size` fits the connection pool to a caller that runs that many calls at
        once."""
        from botocore.config import Config

        config = Config(
            connect_timeout=self.timeouts[0],
            read_timeout=self.timeouts[1],
            retries={"max_attempts": 0, "mode": "standard"},
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
        session = self.session(self._client_profile)
        client = session.create_client(service, **kwargs)
        client.meta.events.register("before-parse", note_answer_status)
        self._check_region_known(region, session)
        self.log(f"{service} endpoint {client.meta.endpoint_url} (region {region})")
        return client

    def _check_region_known(self, region: str, session: Any) -> None:
        """Warn, once per region, about a region botocore's endpoint data does not list: a
        typo (eu-wst-1) would otherwise fail later as a DNS or signature error. Only a
        warning: AWS opens regions that an older botocore does not know yet. Here because
        botocore is loaded anyway; the paths that do not load it (a cache hit) never check."""
        if region in self._regions_checked:
            return
        self._regions_checked.add(region)
        try:
            known = {name for partition in session.get_data("endpoints")["partitions"]
                     for name in partition.get("regions", {})}
        except Exception:  # a hint must never fail the run
            return
        if not known or region in known:
            return
        import difflib  # only for this warning

        close = difflib.get_close_matches(region, sorted(known), n=1, cutoff=0.8)
        hint = f"; did you mean {close[0]}?" if close else "; check the name"
        self.log.stream.write(f"aws-login: warning: region {region} is not one botocore "
                              f"knows{hint} (going on: it may be newer than botocore)\n")
        self.log.stream.flush()

    def sts(self, credentials: Credentials, region: str) -> StsApi:
        return BotocoreSts(self.client("sts", region, credentials), self.log, self.retry)

    def sts_unsigned(self, region: str) -> FederatedStsApi:
        """STS for AssumeRoleWithSAML / AssumeRoleWithWebIdentity: the assertion or token in
        the request is the proof, so no credentials are needed (or sent)."""
        return BotocoreSts(self.client("sts", region, None), self.log, self.retry)
