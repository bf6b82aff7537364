"""Series use cases: put a table in the series its owner chooses (`/eda series <table> <name>`), list the
caller's muted series (`/eda mute`) and resume one (`/eda unmute <series>`)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from core import audit, series_mutes, users
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


def list_mutes(*, ctx: CoreContext, actor: Actor) -> list[series_mutes.MutedSeries]:
    username = require_registered(actor)
    with ctx.db.session() as session:
        return series_mutes.muted(session, user_id=users.require(session, username).id)


def unmute(*, ctx: CoreContext, actor: Actor, series: str) -> list[str]:
    """Resume the caller's series of that name (in every kind it is muted in); returns those kinds. Runs that
    arrived while it was muted stay muted: resuming does not flood the channel with them."""
    username = require_registered(actor)
    with ctx.db.session() as session:
        kinds = series_mutes.unmute(session, user_id=users.require(session, username).id, series=series)
        if not kinds:
            raise NotFound(f"You have no muted series named `{series}`: `/eda mute` lists them.")
        audit.record(session, actor=actor.label, action="series.unmute", target_username=username, series=series)
        return kinds


def set_series_muted(*, ctx: CoreContext, actor: Actor, kind: str, series: str, muted: bool) -> None:
    """Mute or resume one of the caller's own series (the App Home toggle). The series is looked up among the
    caller's dashboards only: naming someone else's series finds nothing and changes nothing for them."""
    username = require_registered(actor)
    with ctx.db.session() as session:
        owner = users.require(session, username)
        exists = session.scalar(
            select(Dashboard.id)
            .where(Dashboard.user_id == owner.id, Dashboard.kind == kind, Dashboard.series == series)
            .limit(1)
        )
        if exists is None:
            raise NotFound(f"You have no {kind} series named `{series}`.")
        if muted:
            series_mutes.mute(session, user_id=owner.id, kind=kind, series=series)
        else:
            series_mutes.unmute(session, user_id=owner.id, kind=kind, series=series)
        audit.record(
            session,
            actor=actor.label,
            action="series.mute" if muted else "series.unmute",
            target_username=username,
            kind=kind,
            series=series,
        )
