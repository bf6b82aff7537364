"""/api/v1/users/{id}/series: the user's series, newest first, each with its runs, figures and trend."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from bot.api.auth import CurrentActor, ServicesDep
from bot.api.errors import declare
from bot.api.routes_users import UserId
from bot.api.schemas import SeriesList
from core.usecases import series_overview

router = APIRouter(prefix="/api/v1/users/{id}/series", tags=["series"])


@router.get(
    "",
    response_model=SeriesList,
    responses=declare(401, 403, 404, 422),
    summary="List series",
    description="Each series (the runs of one design, or of one report name, in one kind) with its runs oldest "
    "first and their key figures as numbers with units, the latest run's figures against the run before it, "
    "the setup WNS trend and whether the series is muted. The series with the newest run comes first.",
)
def list_series(
    username: UserId,
    actor: CurrentActor,
    services: ServicesDep,
    limit: Annotated[
        int, Query(ge=1, le=series_overview.MAX_SERIES, description="at most this many series, newest first")
    ] = 50,
    runs: Annotated[
        int, Query(ge=1, le=series_overview.MAX_RUNS, description="at most this many runs per series, the last ones")
    ] = 50,
) -> SeriesList:
    found = series_overview.list_series(ctx=services.core, actor=actor, username=username, limit=limit, runs=runs)
    return SeriesList.of(found)
