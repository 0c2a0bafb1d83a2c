"""Starting sources: where the first credentials of a plan come from.

Precedence: an SSO account + role; explicit --profile; environment keys; AWS_PROFILE; then
the rest of botocore's default chain (default profile, container, EC2 IMDSv2).
"""

from __future__ import annotations

from aws_login.context import Context
from aws_login.model import Credentials, StartSpec
from aws_login.sources import env


def resolve_start(start: StartSpec, ctx: Context) -> Credentials:
    # Imported here: each source pulls in what only it needs (botocore, http.server, ...).
    if start.sso is not None:
        from aws_login.sources import sso

        ctx.log(f"starting source: SSO role {start.sso.account_id}/{start.sso.role_name} "
                f"(token from {start.sso.source.value})")
        return sso.from_sso(start.sso, ctx)
    from aws_login.sources import profile

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
