"""Series use cases: put a table in the series its owner chooses (`/eda series <table> <name>`)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from core import audit, users
from core.authz import Actor, require_registered
from core.context import CoreContext
from core.db.models import Dashboard
from core.errors import InvalidInput, NotFound
from core.series import MAX_SERIES_NAME, valid_series_name


@dataclass(frozen=True)
class SeriesChange:
    table: str
    kinds: tuple[str, ...]  # the caller may have the same table name in several of their databases
    before: tuple[str | None, ...]
    series: str


def choose_series(*, ctx: CoreContext, actor: Actor, table: str, name: str) -> SeriesChange:
    """Every dashboard of the caller's named table joins series `name`, and keeps it through rebuilds."""
    username = require_registered(actor)
    if not valid_series_name(name):
        raise InvalidInput(f"A series name is one word of at most {MAX_SERIES_NAME} characters.")
    with ctx.db.session() as session:
        owner = users.require(session, username)
        rows = list(
            session.scalars(
                select(Dashboard)
                .where(Dashboard.user_id == owner.id, Dashboard.table_name == table)
                .order_by(Dashboard.kind)
                .with_for_update()
            )
        )
        if not rows:
            raise NotFound(f"You have no dashboard for a table named `{table}`: `/eda dashboards` lists yours.")
        before = tuple(r.series for r in rows)
        for row in rows:
            row.series, row.series_chosen = name, True
        audit.record(
            session, actor=actor.label, action="series.choose", target_username=username, table=table, series=name
        )
        return SeriesChange(table, tuple(r.kind for r in rows), before, name)
