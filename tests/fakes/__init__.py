"""Loopback fakes of what aws-login talks to in tests, all on 127.0.0.1:

- moto_server: moto's STS (and IAM, IMDS paths), recording every request (Recorder).
- sso: IAM Identity Center's OIDC and portal APIs (FakeSso); `python -m tests.fakes.sso`.
- federation: the sign-in federation endpoint and a stand-in console (FakeFederation).
- jumpcloud: JumpCloud's user console and SSO IdP, two listeners (FakeJumpCloud).
- faults: a fault-injecting proxy in front of each of them, and the world of fakes behind
  proxies that the hardening tests use; the chaos report.
- saml: SAML responses as identity providers post them.
- browser: a stand-in web browser, run as $BROWSER.
- standin: stand-in zenity, kdialog, osascript and ykman programs (put on PATH) that log
  their argv and answer, cancel or fail as the test says.
- terminal: a pty as the controlling terminal of a child process (PtySession), the way an
  SDK runs a credential_process helper from a shell.
"""
