"""IAM Identity Center: token files and cache, OIDC sign-in flows, the SSO portal."""
