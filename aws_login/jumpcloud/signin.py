"""Signing in to JumpCloud: the email and password, the second factor, and the IdP page's
SAMLResponse.

1. The email: --jumpcloud-email / JUMPCLOUD_EMAIL (in the spec), else the one saved with the
   password, else asked. The password: --password-process, else the keychain (keychain.py),
   else asked (hidden). Both are had before the first request, so a question that cannot be
   asked fails before the network.
2. GET the XSRF token, POST /userconsole/auth. Its answers: signed in (200); "MFA required."
   in either known form (401 JSON with `factors`, or a 302 to /login, with or without
   error=4014); refused (401 "Authentication failed."): a saved password is then removed
   from the keychain and, when a person can be asked, asked once.
3. The second factor (--jumpcloud-mfa push|totp|auto, see `choose_factor`):
   - TOTP: the code from --mfa-process, ykman or the person (mfa.py), sent with the
     password again; a console that answers "MFA required." to that wants it at
     /userconsole/auth/totp instead, where it goes from then on. A refused code is asked
     again (three tries in all) when a person types it; a code already used by the last
     sign-in (each works once) says to wait for the next one.
   - JumpCloud Protect push: started, "approve the sign-in on your phone" said on the prompt
     channel, polled every POLL_SECONDS until accepted, denied or expired, then logged in.
   - WebAuthn and Duo only: not supported yet, said in one line.
4. GET the IdP URL with the session: the SAMLResponse of its form (idp_page.py), or an error
   that says why there is none.

Every secret (the password, codes, cookies, the assertion) is registered with the log's
scrubber; every error is one line that says what JumpCloud said and what to do.
"""

from __future__ import annotations

import enum
import json
import re
from datetime import timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from aws_login.errors import OperationError
from aws_login.jumpcloud import keychain
from aws_login.jumpcloud.console import Console, Reply
from aws_login.record import field, record

if TYPE_CHECKING:
    from aws_login.context import Context
    from aws_login.sources.jumpcloud import JumpCloudStart

AUTH = "/userconsole/auth"
TOTP = "/userconsole/auth/totp"
PUSH = "/userconsole/auth/push"
MFA_REQUIRED = "MFA required."
FACTORS = ("totp", "push")  # the second factors aws-login can use, in the order offered
FACTOR_NAMES = {"totp": "a TOTP code", "push": "a JumpCloud Protect push"}
TRIES = 3  # codes a person may type; a program's code is not asked again
POLL_SECONDS = 0.5  # as JumpCloud's own clients poll a push
PUSH_WAIT = timedelta(minutes=5)  # the longest wait on a push, whatever expiresAt says
TOTP_STEP = 30
NO_CODE_HINT = ("pass --mfa-process COMMAND, use --prompt ykman for a YubiKey, or run it at a "
                "terminal")
USED_CODES = "used-codes"  # <cache>/jumpcloud/: the time step of each email's last code
_PUSH_ID_RE = re.compile(r"[A-Za-z0-9_-]{1,128}", re.ASCII)
_FOUND = (301, 302, 303, 307, 308)


class Origin(enum.Enum):
    """Where the password came from: what a refusal does with it."""

    PROCESS = "--password-process"
    KEYCHAIN = "the keychain"
    PERSON = "typed"


@record
class Password:
    value: str = field(repr=False)
    origin: Origin


@record
class SignedIn:
    assertion: str = field(repr=False)  # the base64 SAMLResponse
    email: str
    with_mfa: bool  # a second factor was used (an app policy may want one)


class Kind(enum.Enum):
    SIGNED_IN = "signed in"
    MFA = "MFA required"
    REFUSED = "refused"  # 401, not "MFA required."
    OTHER = "another answer"


@record
class Outcome:
    kind: Kind
    status: int
    message: str = ""  # JumpCloud's words, shortened
    factors: tuple[tuple[str, str], ...] | None = None  # (type, status); None: not said


def read_auth(reply: Reply) -> Outcome:
    """What an answer of /userconsole/auth (or /auth/totp, /auth/push/<id>/login) means."""
    message = reply.message()
    if 200 <= reply.status < 300:
        return Outcome(Kind.SIGNED_IN, reply.status)
    if reply.status in _FOUND:
        # aws-jumpcloud's console: "MFA required" as a redirect to /login (?error=4014)
        path = urlsplit(reply.location).path.rstrip("/")
        if "error=4014" in reply.location or path.endswith("/login"):
            return Outcome(Kind.MFA, reply.status)
        return Outcome(Kind.OTHER, reply.status, f"a redirect to {path or '/'}")
    if reply.status == 401 and message == MFA_REQUIRED:
        data = reply.document() or {}
        listed = data.get("factors")
        factors = None if not isinstance(listed, list) else tuple(
            (str(item.get("type", "")), str(item.get("status", "")))
            for item in listed if isinstance(item, dict))
        return Outcome(Kind.MFA, reply.status, message, factors)
    if reply.status == 401:
        return Outcome(Kind.REFUSED, reply.status, message)
    return Outcome(Kind.OTHER, reply.status, message)


@record
class _Live:
    """A console session this process signed in (`ctx.memory`), its cookies in memory."""

    console: Console = field(repr=False)
    email: str
    with_mfa: bool


def sign_in(spec: JumpCloudStart, ctx: Context) -> SignedIn:
    """The assertion: from the session this process already signed in, while JumpCloud still
    honours it (a credential server's renewals ask no password or second factor again),
    else from a new sign-in with the spec's email, a password and a second factor."""
    live_key = f"jumpcloud:{spec.console_url} {spec.idp_url} {spec.email or ''}"
    live = ctx.memory.pop(live_key, None)
    if isinstance(live, _Live):
        assertion = _assertion_if_any(live.console, ctx)
        if assertion is not None:
            ctx.log(f"JumpCloud assertion from the session of {live.email} signed in earlier")
            ctx.memory[live_key] = live
            return SignedIn(assertion, live.email, live.with_mfa)
        ctx.log("the JumpCloud session signed in earlier has ended; signing in again")
    signed, console = _signed_in(spec, ctx)
    ctx.memory[live_key] = _Live(console, signed.email, signed.with_mfa)
    return signed


def _signed_in(spec: JumpCloudStart, ctx: Context) -> tuple[SignedIn, Console]:
    from aws_login.mfa import program_source

    if spec.mfa == "totp" and program_source(ctx) is None:
        ctx.prompt.require("--jumpcloud-mfa totp needs a TOTP code", NO_CODE_HINT)
    email, password = _email_and_password(spec, ctx)
    console = Console(spec.console_url, spec.idp_url, ctx)
    redirect = urlsplit(spec.idp_url).path.lstrip("/")  # e.g. saml2/aws-prod, as the app sends
    outcome, password = _password_step(console, spec, email, password, redirect, ctx)
    with_mfa = outcome.kind is Kind.MFA
    if with_mfa:
        factor = choose_factor(spec.mfa, outcome.factors, email, ctx)
        if factor == "push":
            _push(console, email, ctx)
        else:
            _totp(console, spec, email, password, redirect, ctx)
    ctx.log(f"signed in to JumpCloud as {email}" + (" with a second factor" if with_mfa else ""))
    assertion = _assertion(console, spec, email, with_mfa, ctx)
    if spec.save_password:
        _save(spec.console_url, email, password, ctx)
    return SignedIn(assertion, email, with_mfa), console


# --- the email and the password --------------------------------------------------------

def _email_and_password(spec: JumpCloudStart, ctx: Context) -> tuple[str, Password]:
    saved = None if spec.password_process else _saved(spec.console_url, ctx)
    email = spec.email or (saved.email if saved is not None else None) or _ask_email(ctx)
    if spec.password_process:
        from aws_login.mfa_process import first_output_line

        value = first_output_line(spec.password_process, "--password-process", "password", ctx,
                                  strip=False)
        if not value:
            raise OperationError(f"--password-process {spec.password_process[0]} printed no "
                                 "password on its first line; run it at a terminal to see "
                                 "what it prints")
        return email, Password(value, Origin.PROCESS)
    if saved is not None and saved.email.lower() == email.lower():
        ctx.log(f"the JumpCloud password of {email} from the keychain")
        return email, Password(saved.password, Origin.KEYCHAIN)
    return email, Password(_ask_password(email, ctx), Origin.PERSON)


def _saved(console: str, ctx: Context) -> keychain.Saved | None:
    if not keychain.installed():
        ctx.log("no saved JumpCloud password: keyring is not installed")
        return None
    try:
        return keychain.load(console, ctx.environ, ctx.log)
    except keychain.KeychainUnavailable as exc:
        if not ctx.prompt.can_ask():
            raise
        ctx.warn(f"not using a saved password: {exc.message}")
        return None


def _ask_email(ctx: Context) -> str:
    from aws_login.errors import UsageError
    from aws_login.jumpcloud.urls import EMAIL_VARIABLE, email
    from aws_login.prompts import TRIES as ANSWERS
    from aws_login.prompts import Cancelled, NoAnswer

    ctx.prompt.require("JumpCloud needs your email",
                       f"pass --jumpcloud-email EMAIL or set {EMAIL_VARIABLE}")
    for attempt in range(1, ANSWERS + 1):
        try:
            text = ctx.prompt.ask_text("JumpCloud email: ")
        except (NoAnswer, Cancelled) as exc:
            exc.message = f"no email was entered ({exc.reason}); pass --jumpcloud-email EMAIL"
            raise
        try:
            return email(text, "the email")
        except UsageError as exc:
            if attempt == ANSWERS:
                raise
            ctx.prompt.note(exc.message)
    raise AssertionError("unreachable")


def _ask_password(email: str, ctx: Context) -> str:
    from aws_login.prompts import TRIES as ANSWERS
    from aws_login.prompts import Cancelled, NoAnswer

    ctx.prompt.require(f"JumpCloud needs the password of {email}",
                       "pass --password-process COMMAND, save it once at a terminal with "
                       "--save-password, or run it at a terminal")
    for attempt in range(1, ANSWERS + 1):
        try:
            value = ctx.prompt.ask_secret(f"JumpCloud password for {email}: ")
        except (NoAnswer, Cancelled) as exc:
            exc.message = (f"no JumpCloud password was entered ({exc.reason}); pass "
                           "--password-process COMMAND")
            raise
        ctx.log.add_secret(value)
        if value:
            return value
        if attempt < ANSWERS:
            ctx.prompt.note("the password is empty; type it")
    raise OperationError("no JumpCloud password was entered (three empty answers); pass "
                         "--password-process COMMAND")


def _password_step(console: Console, spec: JumpCloudStart, email: str, password: Password,
                   redirect: str, ctx: Context) -> tuple[Outcome, Password]:
    """POST the email and password until JumpCloud signs in or asks for MFA. A refused
    password is asked once more when a person can be asked (a saved one is removed from the
    keychain first): JumpCloud locks an account after a few failures, so no more."""
    asked_again = False
    while True:
        ctx.log.add_secret(password.value)
        outcome = read_auth(console.post(AUTH, _auth_body(email, password.value, "", redirect)))
        if outcome.kind in (Kind.SIGNED_IN, Kind.MFA):
            return outcome, password
        if _locked(outcome):
            raise _locked_error(email, outcome)
        if outcome.kind is Kind.OTHER:
            raise OperationError(f"JumpCloud refused the sign-in of {email} ({_said(outcome)}); "
                                 "try again later, or sign in at the JumpCloud user console "
                                 "to see why")
        # "Authentication failed.": the email or the password is wrong
        if password.origin is Origin.KEYCHAIN:
            keychain.forget(spec.console_url, ctx.environ)
            ctx.warn(f"JumpCloud refused the saved password for {email}; removed it from the "
                     "keychain")
        if password.origin is Origin.PROCESS:
            raise OperationError(f"JumpCloud refused the email or password of {email} "
                                 f"({_said(outcome)}) with the password from --password-process "
                                 f"{spec.password_process[0]}; check that it prints the "
                                 "JumpCloud password, and the email (not the user name)")
        if asked_again or not ctx.prompt.can_ask():
            removed = (" (the saved one was removed from the keychain)"
                       if password.origin is Origin.KEYCHAIN else "")
            raise OperationError(f"JumpCloud refused the email or password of {email} "
                                 f"({_said(outcome)}){removed}; check them at a terminal "
                                 "(JumpCloud signs in with the email, not the user name; "
                                 "it locks an account after a few failures)")
        if password.origin is Origin.PERSON:
            ctx.prompt.note("JumpCloud refused the email or password; type the password again")
        asked_again = True
        password = Password(_ask_password(email, ctx), Origin.PERSON)


def _auth_body(email: str, password: str, otp: str, redirect: str) -> dict[str, str]:
    # context and redirectTo: called required by JumpCloud (saml2aws #230); the console
    # remembers redirectTo across the second factor.
    return {"email": email, "password": password, "otp": otp, "context": "sso",
            "redirectTo": redirect}


def _locked(outcome: Outcome) -> bool:
    return "locked" in outcome.message.lower()


def _locked_error(email: str, outcome: Outcome) -> OperationError:
    return OperationError(f"JumpCloud says the account {email} is locked ({_said(outcome)}); "
                          "ask your JumpCloud administrator to unlock it, or wait if your "
                          "organisation unlocks accounts after some minutes")


def _said(outcome: Outcome) -> str:
    return f"HTTP {outcome.status}" + (f": {outcome.message}" if outcome.message else "")


def _save(console: str, email: str, password: Password, ctx: Context) -> None:
    try:
        keychain.save(console, keychain.Saved(email, password.value), ctx.environ)
    except keychain.KeychainUnavailable as exc:
        ctx.warn(f"signed in, but the password was not saved: {exc.message}")
        return
    ctx.warn(f"saved the JumpCloud email and password of {email} in the keychain")


# --- the second factor -------------------------------------------------------------------

def choose_factor(mode: str, factors: tuple[tuple[str, str], ...] | None, email: str,
                  ctx: Context) -> str:
    """"totp" or "push". `auto`: TOTP when a program gives codes (--mfa-process, ykman) or
    only TOTP is offered; push when only push is; when both are, the person chooses if one
    can be asked, else push. `factors` None (an older console's redirect says none): TOTP,
    or push when asked for."""
    from aws_login.mfa import program_source

    if factors is None:
        return "push" if mode == "push" else "totp"
    available = [kind for kind, status in factors if status == "available"]
    usable = [kind for kind in FACTORS if kind in available]
    if not usable:
        others = ", ".join(available) if available else "none of them available now"
        raise OperationError(f"JumpCloud asks {email} for a second factor aws-login cannot "
                             f"use ({others}); not supported yet: enable TOTP or push in "
                             "JumpCloud")
    if mode in usable:
        return mode
    if mode != "auto":
        other = next(kind for kind in FACTORS if kind != mode)
        raise OperationError(f"--jumpcloud-mfa {mode}: JumpCloud offers {email} no "
                             f"{FACTOR_NAMES[mode][2:]} (it offers {FACTOR_NAMES[usable[0]]}); "
                             f"use --jumpcloud-mfa {other} or auto")
    if len(usable) == 1:
        return usable[0]
    if program_source(ctx) is not None:
        return "totp"
    if not ctx.prompt.can_ask():
        return "push"
    from aws_login.prompts import Cancelled, NoAnswer

    try:
        index = ctx.prompt.choose(
            "Second factor", ["a TOTP code from your authenticator app",
                              "a push to JumpCloud Protect on your phone"],
            f"JumpCloud offers {email} two second factors:", names=list(FACTORS))
    except (NoAnswer, Cancelled) as exc:
        exc.message = (f"no second factor was chosen ({exc.reason}); pass --jumpcloud-mfa "
                       "totp or --jumpcloud-mfa push")
        raise
    return FACTORS[index]


def _totp(console: Console, spec: JumpCloudStart, email: str, password: Password,
          redirect: str, ctx: Context) -> None:
    from aws_login.mfa import program_source

    source = program_source(ctx)
    used = _used_step(spec.console_url, email, ctx)
    via_path = False  # the console wants codes at /userconsole/auth/totp
    refused: list[str] = []
    for attempt in range(1, TRIES + 1):
        code = _code(email, source, used, refused, ctx)
        ctx.log.add_secret(code)
        outcome = None
        if not via_path:
            outcome = read_auth(console.post(AUTH, _auth_body(email, password.value, code,
                                                              redirect)))
            if outcome.kind is Kind.MFA:  # the code was not looked at here
                ctx.log("JumpCloud asked for MFA again: sending the code to /auth/totp")
                via_path = True
        if via_path:
            outcome = read_auth(console.post(TOTP, {"otp": code}))
        assert outcome is not None
        if outcome.kind is Kind.SIGNED_IN:
            _remember_step(spec.console_url, email, ctx)
            return
        if _locked(outcome):
            raise _locked_error(email, outcome)
        if outcome.kind is not Kind.REFUSED:
            raise OperationError(f"JumpCloud did not take the TOTP code ({_said(outcome)}); "
                                 "run again, or use --jumpcloud-mfa push")
        refused.append(code)
        reused = used is not None and used >= _step(ctx) - 1
        if source is not None:
            if reused:
                raise OperationError(f"JumpCloud refused the TOTP code from {source}: it was "
                                     "already used by the last sign-in (a code is good once); "
                                     f"wait for the next code (in {_left(ctx)} s) and run again")
            raise OperationError(f"JumpCloud refused the TOTP code from {source}; check that "
                                 f"it gives the current code of {email}'s JumpCloud account")
        if attempt == TRIES:
            raise OperationError(f"JumpCloud refused the TOTP code {TRIES} times; check that the "
                                 f"authenticator app shows {email}'s JumpCloud account and "
                                 "that the device's clock is right")
        ctx.prompt.note("JumpCloud refused the code: it was already used (a code is good once); "
                        "wait for the next code" if reused else
                        "JumpCloud refused the code; type the current one")
    raise AssertionError("unreachable")


def _code(email: str, source: str | None, used: int | None, refused: list[str],
          ctx: Context) -> str:
    """A code: from the program source (after waiting out a step the last sign-in used), or
    asked, never one JumpCloud refused already in this run."""
    from aws_login.mfa import ask_for_code, program_code

    if source is not None:
        if used is not None and used >= _step(ctx):
            wait = _left(ctx)
            with ctx.prompt.tell(f"waiting {wait} s for the next TOTP code (the last sign-in "
                                 "used the current one)"):
                ctx.sleep(wait)
        code = program_code(email, "JumpCloud", ctx)
        assert code is not None
        return code
    if not ctx.prompt.can_ask():  # known only now, from JumpCloud's answer: a failure
        from aws_login.prompts.none import unreachable

        raise OperationError(f"JumpCloud asks {email} for a TOTP code and "
                             f"{unreachable(ctx.prompt.settings)}; {NO_CODE_HINT}")
    question = f"JumpCloud TOTP code for {email}: "
    if used is not None and used >= _step(ctx) and not refused:
        question = (f"JumpCloud TOTP code for {email} (the last sign-in used the current one: "
                    f"wait for the next, in {_left(ctx)} s): ")
    for _ in range(TRIES):
        code = ask_for_code(question, "pass --mfa-process COMMAND", ctx)
        if code not in refused:
            return code
        ctx.prompt.note("JumpCloud refused that code already; wait for the next code")
    raise OperationError("JumpCloud refused that TOTP code already; wait for the next code and "
                         "run again")


def _step(ctx: Context) -> int:
    return int(ctx.now().timestamp() // TOTP_STEP)


def _left(ctx: Context) -> int:
    """Whole seconds until the next TOTP step begins."""
    return TOTP_STEP - int(ctx.now().timestamp() % TOTP_STEP)


def _used_key(console: str, email: str) -> str:
    from aws_login.digest import sha256_hex

    return sha256_hex(f"{console}\0{email.lower()}".encode())[:32]


def _used_step(console: str, email: str, ctx: Context) -> int | None:
    """The time step of the last code JumpCloud took for this email (not the code: only
    when it was used), from <cache>/jumpcloud/used-codes."""
    from aws_login.errors import AwsLoginError
    from aws_login.files import read_text

    try:
        data = json.loads(read_text(ctx.cache_dir / "jumpcloud" / USED_CODES) or "{}")
        step = data.get(_used_key(console, email)) if isinstance(data, dict) else None
    except (AwsLoginError, ValueError):
        return None
    return step if isinstance(step, int) and not isinstance(step, bool) else None


def _remember_step(console: str, email: str, ctx: Context) -> None:
    """Best effort: only a hint for the next run's message."""
    from aws_login.errors import AwsLoginError
    from aws_login.files import read_text, write_private

    path = ctx.cache_dir / "jumpcloud" / USED_CODES
    try:
        data = json.loads(read_text(path) or "{}")
    except (AwsLoginError, ValueError):
        data = {}
    if not isinstance(data, dict):
        data = {}
    now = _step(ctx)
    kept = {name: step for name, step in data.items() if isinstance(step, int)
            and step >= now - 2}  # older steps tell nothing
    kept[_used_key(console, email)] = now
    try:
        write_private(path, json.dumps(kept) + "\n")
    except AwsLoginError as exc:
        ctx.log(f"not remembering the code's time step: {exc.message}")


def _push(console: Console, email: str, ctx: Context) -> None:
    from aws_login.saml_assertion import utc_timestamp

    reply = console.post(PUSH, {})
    data = reply.document() if reply.status == 200 else None
    push_id = data.get("id") if data is not None else None
    if not isinstance(push_id, str) or not _PUSH_ID_RE.fullmatch(push_id):
        outcome = read_auth(reply)
        raise OperationError(f"JumpCloud did not start a JumpCloud Protect push for {email} "
                             f"({_said(outcome)}); use --jumpcloud-mfa totp")
    assert data is not None
    now = ctx.now()
    expires_at = data.get("expiresAt")  # RFC 3339; Go writes up to nine fractional digits
    expires = utc_timestamp(expires_at) if isinstance(expires_at, str) else None
    deadline = min(expires, now + PUSH_WAIT) if expires is not None else now + PUSH_WAIT
    ctx.log(f"JumpCloud Protect push {push_id} started; it expires at {deadline:%H:%M:%S} UTC")
    with ctx.prompt.tell(f"approve the sign-in on your phone (JumpCloud Protect, {email})"):
        while True:
            reply = console.get(f"{PUSH}/{push_id}")
            status = (reply.document() or {}).get("status")
            if status == "denied":
                raise OperationError("the JumpCloud Protect push was denied on the phone; run "
                                     "again and approve it, or use --jumpcloud-mfa totp")
            if reply.status != 200:
                raise OperationError(f"JumpCloud did not say how the push went "
                                     f"({_said(read_auth(reply))}); run again")
            if status == "accepted":
                break
            if status == "expired" or ctx.now() >= deadline:
                raise OperationError("the JumpCloud Protect push expired before it was "
                                     "approved; run again and approve it on your phone in time")
            if status != "pending":
                raise OperationError(f"JumpCloud answered the push with status {status!r}, "
                                     "which aws-login does not know; run again")
            ctx.sleep(POLL_SECONDS)
    outcome = read_auth(console.post(f"{PUSH}/{push_id}/login", {}))
    if outcome.kind is not Kind.SIGNED_IN:
        raise OperationError(f"JumpCloud did not sign in after the approved push "
                             f"({_said(outcome)}); run again")


# --- the IdP page ------------------------------------------------------------------------

def _assertion_if_any(console: Console, ctx: Context) -> str | None:
    """The IdP page's SAMLResponse for a session signed in earlier; None when there is none
    (the session ended: JumpCloud shows its sign-in page)."""
    from aws_login.jumpcloud.idp_page import read_page

    reply = console.idp_page()
    page = read_page(reply.text()) if reply.status == 200 else None
    if page is None or page.assertion is None:
        return None
    ctx.log.add_secret(page.assertion)
    return page.assertion


def _assertion(console: Console, spec: JumpCloudStart, email: str, with_mfa: bool,
               ctx: Context) -> str:
    from aws_login.jumpcloud.idp_page import read_page

    reply = console.idp_page()
    if reply.status == 404:
        raise OperationError(f"JumpCloud has no application at {spec.idp_url} (HTTP 404); "
                             "check --jumpcloud-url: the AWS app's IdP URL, in the JumpCloud "
                             "admin console's SSO settings of the app")
    page = read_page(reply.text()) if reply.status == 200 else None
    if page is None or page.assertion is None:
        seen = f"HTTP {reply.status}" if page is None else (
            f"a page titled {page.title!r}" if page.title else "a page")
        why = ("an app policy that wants MFA, which this sign-in did not have (enable TOTP or "
               "push for your account); " if not with_mfa else "")
        raise OperationError(f"JumpCloud signed {email} in, but {spec.idp_url} answered "
                             f"{seen} without a SAMLResponse: {why}the AWS app not assigned "
                             "to you (ask your JumpCloud administrator), or a wrong "
                             "--jumpcloud-url")
    if page.responses > 1:
        ctx.log(f"the IdP page holds {page.responses} SAMLResponse inputs; taking the first")
    ctx.log.add_secret(page.assertion)
    return page.assertion
