"""What every starting source is (the StartSource protocol) and the settings it is given;
the list of sources is in sources/__init__.py."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

from aws_login.record import record

if TYPE_CHECKING:
    from aws_login.context import Context
    from aws_login.model import Credentials

S = TypeVar("S")


@record
class RoleSession:
    """What a start that is itself a role session (AssumeRoleWith*) is called."""

    name: str  # in messages: "a SAML start gives a role session"
    call: str  # the STS call, whose duration limits --duration then follows


@record
class StartSettings:
    """The plan's settings a source's spec takes."""

    region: str | None  # --region
    duration: int | None  # --duration, when it is the role-session start's lifetime


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


