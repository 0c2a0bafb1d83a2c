"""Starting sources: where the first credentials of a plan come from.

Precedence: an explicit source, one at most (an SSO account + role, --saml-assertion,
--web-identity-token-file, --profile); environment keys; the web identity environment
(AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN); AWS_PROFILE; then the rest of botocore's default
chain (default profile, container, EC2 IMDSv2). That is botocore's order, except that botocore
lets an AWS_PROFILE profile with role_arn + source_profile go before the web identity
environment; pass --profile for that. Which federated start applies is decided when the plan
is built (credential_options), so its token is in the session cache key.
"""

from __future__ import annotations

from aws_login.context import Context
from aws_login.model import Credentials, StartSpec
from aws_login.sources import env


def resolve_start(start: StartSpec, ctx: Context) -> Credentials:
    # Imported here: each source pulls in what only it needs (botocore, http.server, ...).
    from aws_login.sources import profile

    if start.profile is not None:
        # Clients then follow the chosen profile's settings, whatever AWS_PROFILE says.
        ctx.clients.use_profile(start.profile)
    else:
        # botocore reads AWS_PROFILE for every client it creates, even when the credentials
        # come from elsewhere: a stale name must be a usage error, not a crash.
        profile.check_env_profile(ctx)
    if start.sso is not None:
        from aws_login.sources import sso

        ctx.log(f"starting source: SSO role {start.sso.account_id}/{start.sso.role_name} "
                f"(token from {start.sso.source.value})")
        return sso.from_sso(start.sso, ctx)
    if start.saml is not None:
        from aws_login.sources import saml

        ctx.log(f"starting source: SAML role {start.saml.role_arn} (--saml-assertion)")
        return saml.from_saml(start.saml, ctx)
    if start.web_identity is not None:
        from aws_login.sources import web_identity

        origin = ("AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN"
                  if start.web_identity.from_environment else "--web-identity-token-file")
        ctx.log(f"starting source: web identity role {start.web_identity.role_arn} ({origin})")
        return web_identity.from_web_identity(start.web_identity, ctx)
    if start.profile is not None:
        ctx.log(f"starting source: profile {start.profile!r} (--profile)")
        return profile.from_profile(start.profile, ctx)
    from_env = env.from_environment(ctx.environ)
    if from_env is not None:
        ctx.log("starting source: environment variables AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY")
        ctx.log.add_secret(from_env.secret_access_key, from_env.session_token)
        return from_env
    ctx.log("starting source: botocore default chain (AWS_PROFILE, config files, "
            "container, EC2 instance metadata)")
    return profile.from_default_chain(ctx)
