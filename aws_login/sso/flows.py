"""The two sign-in flows: browser authorization code with PKCE, and device code.

Both print only on stderr (through `say`), so stdout stays clean for the product."""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from aws_login.errors import AwsCallError, OperationError
from aws_login.model import ClientRegistration, SsoToken
from aws_login.sso.oidc import DEVICE_GRANT, SCOPES, OidcApi, TokenReply, expiry

SLOW_DOWN_STEP = 5  # seconds added to the poll interval on SlowDownException (RFC 8628)
CALLBACK_PATH = "/oauth/callback"
REGISTERED_REDIRECT = f"http://127.0.0.1{CALLBACK_PATH}"  # the port may vary (RFC 8252)


@dataclass
class SignInUi:
    say: Callable[[str], None]
    open_url: Callable[[str], bool]  # returns False when no browser could be opened
    sleep: Callable[[float], None]
    now: Callable[[], datetime]
    may_open_browser: bool
    timeout: float = 300.0


class BrowserOpener:
    """Opens a URL in a background thread; `failed()` tells when no browser could open it."""

    def __init__(self, open_url: Callable[[str], bool], url: str) -> None:
        self._result: bool | None = None
        self._thread = threading.Thread(target=self._run, args=(open_url, url), daemon=True)
        self._thread.start()

    def _run(self, open_url: Callable[[str], bool], url: str) -> None:
        try:
            self._result = bool(open_url(url))
        except Exception:  # a broken BROWSER setting must not crash the sign-in
            self._result = False

    def failed(self) -> bool:
        return self._result is False


def pkce_code_pair() -> tuple[str, str]:
    """A random code verifier and its S256 challenge (RFC 7636)."""
    verifier = secrets.token_urlsafe(64)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def authorize_url(endpoint: str, client_id: str, redirect_uri: str, state: str,
                  challenge: str, scopes: list[str] | None = None) -> str:
    query = urlencode({
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "state": state,
        "code_challenge_method": "S256",
        "scopes": " ".join(scopes or SCOPES),  # `scopes`, plural, as the service expects
        "code_challenge": challenge,
    })
    return f"{endpoint}/authorize?{query}"


def pkce_sign_in(api: OidcApi, registration: ClientRegistration, start_url: str,
                 region: str, ui: SignInUi,
                 scopes: list[str] | None = None) -> SsoToken | None:
    """Browser flow. Returns None when no browser could be opened (fall back to device)."""
    from aws_login.sso.loopback import CallbackListener  # http.server: only for this flow

    verifier, challenge = pkce_code_pair()
    state = secrets.token_urlsafe(24)
    listener = CallbackListener(state, CALLBACK_PATH)
    url = authorize_url(api.endpoint_url, registration.client_id, listener.redirect_uri,
                        state, challenge, scopes)
    # A browser command may block until its page loads, and the page loads only once we
    # listen: so the browser is opened from another thread while we wait for its answer.
    opener = BrowserOpener(ui.open_url, url)
    ui.say(f"opening your browser to sign in to {start_url}; if it does not open, visit:\n"
           f"{url}")
    code = listener.wait(ui.timeout, abandon=opener.failed)
    if code is None:
        return None
    reply = api.create_token(registration, "sign-in: CreateToken (authorization code)",
                             grantType="authorization_code", code=code,
                             redirectUri=listener.redirect_uri, codeVerifier=verifier)
    ui.say("signed in")
    return _token(start_url, region, registration, reply, ui.now())


def device_sign_in(api: OidcApi, registration: ClientRegistration, start_url: str,
                   region: str, ui: SignInUi) -> SsoToken:
    auth = api.start_device_authorization(registration, start_url)
    ui.say(f"to sign in to {start_url}, open {auth.verification_uri} and enter the code "
           f"{auth.user_code}\n  (or open {auth.verification_uri_complete})")
    if ui.may_open_browser:
        BrowserOpener(ui.open_url, auth.verification_uri_complete)
    interval = float(auth.interval)
    deadline = ui.now() + timedelta(seconds=auth.expires_in)
    while True:
        ui.sleep(interval)
        try:
            reply = api.create_token(registration, "sign-in: CreateToken (device code)",
                                     grantType=DEVICE_GRANT, deviceCode=auth.device_code)
        except AwsCallError as exc:
            if exc.code == "AuthorizationPendingException":
                if ui.now() > deadline:
                    raise _expired() from None
                continue
            if exc.code == "SlowDownException":
                interval += SLOW_DOWN_STEP
                continue
            if exc.code == "ExpiredTokenException":
                raise _expired() from None
            if exc.code == "AccessDeniedException":
                raise OperationError("sign-in was denied in the browser; run the command "
                                     "again and choose Allow") from None
            if exc.code == "InvalidGrantException":
                # e.g. the approval's answer was lost and the retry found the code spent
                raise OperationError("the sign-in code was refused as already used or "
                                     "unknown (an answer may have been lost on the way); run "
                                     "the command again to sign in anew") from None
            raise
        ui.say("signed in")
        return _token(start_url, region, registration, reply, ui.now())


def _expired() -> OperationError:
    return OperationError("the sign-in code expired before it was approved; run the command "
                          "again and approve it sooner")


def _token(start_url: str, region: str, registration: ClientRegistration, reply: TokenReply,
           now: datetime) -> SsoToken:
    return SsoToken(start_url=start_url, region=region, access_token=reply.access_token,
                    expires_at=expiry(now, reply.expires_in), registration=registration,
                    refresh_token=reply.refresh_token)


def refresh(api: OidcApi, token: SsoToken, now: datetime) -> SsoToken:
    """Use the refresh token; the service rotates it, so the old one is dead afterwards."""
    assert token.registration is not None and token.refresh_token is not None
    reply = api.create_token(token.registration, "token refresh: CreateToken",
                             grantType="refresh_token", refreshToken=token.refresh_token)
    return SsoToken(start_url=token.start_url, region=token.region,
                    access_token=reply.access_token, expires_at=expiry(now, reply.expires_in),
                    registration=token.registration,
                    refresh_token=reply.refresh_token or token.refresh_token)
