"""What a provider is: the two protocols of the provider lists, StartSource (sources.SOURCES,
where the first credentials come from) and TokenSource (sso.token_sources.TOKEN_SOURCES,
where an SSO access token comes from).

Only for type checking: no module imports this one at run time (a Protocol class costs
start-up time, and every run asks every provider whether it applies).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

if TYPE_CHECKING:
    from aws_login.context import Context
    from aws_login.model import Credentials, RoleSession, SsoToken, StartSettings

S = TypeVar("S")
T = TypeVar("T")


class StartSource(Protocol, Generic[S]):
    """One way to get the starting credentials."""

    @property
    def spec_type(self) -> type[S]: ...

    @property
    def given(self) -> str | None:
        """How usage errors name it when the command line asks for it; None: an implied
        source (the environment, the default chain), taken only when no explicit one is."""
        ...

    @property
    def role_session(self) -> RoleSession | None:
        """Set when the start is a role session: no session step then, and hop 1 is a
        chained one."""
        ...

    def applies(self, args: argparse.Namespace, ctx: Context) -> bool:
        """Whether the options / environment ask for this source. Cheap; refuses its own
        incomplete options (usage errors, before the rest of the plan is checked)."""
        ...

    def spec(self, args: argparse.Namespace, ctx: Context, settings: StartSettings) -> S:
        """Its checked, frozen spec; called last when the plan is built."""
        ...

    def starting_role(self, spec: S) -> str | None:
        """The role a role-session start assumes (its partition binds the chain)."""
        ...

    def resolve(self, spec: S, ctx: Context) -> Credentials:
        """The starting credentials (network calls happen here)."""
        ...


class TokenSource(Protocol, Generic[T]):
    """One way to get an SSO access token."""

    @property
    def spec_type(self) -> type[T]: ...

    @property
    def option(self) -> str:
        """The option that asks for it, as messages and the log name it."""
        ...

    @property
    def means_sso_role(self) -> bool:
        """Whether asking for it means an SSO role start (which then needs --sso-acct-id and
        --sso-role-name); --use-cache alone only turns on the session cache."""
        ...

    def requested(self, args: argparse.Namespace) -> bool:
        """Whether the options ask for this source; refuses options that contradict it."""
        ...

    def spec(self, args: argparse.Namespace) -> T:
        """The checked options (usage errors before any network call)."""
        ...

    def get(self, spec: T, ctx: Context) -> SsoToken:
        """The token, refreshed or signed in as needed."""
        ...
