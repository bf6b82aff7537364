"""API key use cases: rotate a key (the old one stops working when this returns)."""

from __future__ import annotations

from dataclasses import dataclass

from core import users
from core.authz import Actor, require_target
from core.context import CoreContext
from core.secret import Secret


@dataclass(frozen=True)
class RotatedKey:
    username: str
    key: Secret  # shown once, to its owner


def rotate(*, ctx: CoreContext, actor: Actor, username: str | None = None) -> RotatedKey:
    """Rotate `username`'s key, or the actor's own when no username is given."""
    target = require_target(actor, username, "rotate API keys")
    with ctx.db.session() as session:
        key = users.rotate_api_key(session, users.require(session, target), actor=actor.label)
    return RotatedKey(username=target, key=key)
