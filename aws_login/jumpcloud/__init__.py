"""JumpCloud sign-in: email, password and a second factor at JumpCloud's user console, then
the AWS app's IdP page, whose form carries the SAMLResponse that AssumeRoleWithSAML takes.

JumpCloud publishes no API for this; the flow is the one its user console uses, as the
public clients use it (../shared/protocols/jumpcloud.md in the project's notes). Where the
sources disagree, the client handles every known form.

  urls.py             the IdP URL and the console URL: checked, pure
  console.py          the HTTP client of the console and the IdP (requests, imported lazily;
                      cookies in memory only; XSRF double submit; every call through ctx.retry)
  idp_page.py         the SAMLResponse of the IdP page (html.parser), pure
  keychain.py         the saved email and password in the OS keychain (the optional keyring)
  signin.py           the sign-in: the password's source, the second factor (TOTP or push)
  assertion_cache.py  the assertion kept a few minutes (--use-cache): one MFA for several roles

sources/jumpcloud.py is the starting source built on these.
"""
