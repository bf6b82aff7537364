"""The status use case: a user's own databases, datasources, channel and queue; admins also the server's."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from core.authz import Actor
from core.context import CoreContext
from core.doctor import Check, SlackProbe, own_checks, queue_depth, server_checks


@dataclass(frozen=True)
class Status:
    own: list[Check]
    own_queue: dict[str, int]
    # The server-wide checks name every user, their channels and the server's version: admins only.
    server: list[Check] | None
    server_queue: dict[str, int] | None


def status(
    *,
    ctx: CoreContext,
    actor: Actor,
    slack: SlackProbe | None,
    required_scopes: Collection[str],
    global_channel: str | None,
) -> Status | None:
    """None for someone neither registered nor an admin: there is nothing of theirs to check."""
    if actor.username is None and not actor.is_admin:
        return None
    own: list[Check] = []
    own_queue: dict[str, int] = {}
    if actor.username is not None:
        own = own_checks(ctx, slack, actor.username)
        own_queue = queue_depth(ctx, username=actor.username)
    if not actor.is_admin:
        return Status(own, own_queue, None, None)
    server = server_checks(ctx, slack, required_scopes=required_scopes, global_channel=global_channel)
    return Status(own, own_queue, server, queue_depth(ctx))
