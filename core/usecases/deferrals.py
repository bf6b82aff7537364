"""Deferred tables (over the hourly quota of new dashboards): their owner, or an admin, lets them all in now."""

from __future__ import annotations

from dataclasses import dataclass

from core.authz import Actor, require_self_or_admin
from core.context import CoreContext
from core.errors import NotFound
from core.pipeline import notices, quotas


@dataclass(frozen=True)
class Admitted:
    database: str
    count: int


def process_deferred(*, ctx: CoreContext, actor: Actor, notice_id: int) -> Admitted:
    """Every table still deferred in the notice's database enters the pipeline now (the summary message's
    button); the message itself is edited by the pipeline's next tick."""
    with ctx.db.session() as session:
        owner = notices.owner_of(session, notice_id)
        if owner is None:
            raise NotFound("Those deferred tables no longer exist (the account or its notice was removed).")
        user_id, username, database = owner
        require_self_or_admin(actor, username, "process deferred tables")
        return Admitted(database, quotas.admit_database(session, user_id=user_id, database=database))
