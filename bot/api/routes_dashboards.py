"""/api/v1/users/{id}/dashboards: the user's dashboards, newest first, with state and Grafana link."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from bot.api.auth import CurrentActor, ServicesDep
from bot.api.errors import declare
from bot.api.routes_users import UserId
from bot.api.schemas import DashboardList, DashboardOut
from core.usecases import dashboards

router = APIRouter(prefix="/api/v1/users/{id}/dashboards", tags=["dashboards"])


@router.get("", response_model=DashboardList, responses=declare(401, 403, 404, 422), summary="List dashboards")
def list_dashboards(
    username: UserId,
    actor: CurrentActor,
    services: ServicesDep,
    limit: Annotated[int, Query(ge=1, le=500, description="at most this many, newest first")] = 50,
) -> DashboardList:
    lines = dashboards.list_latest(ctx=services.core, actor=actor, username=username, limit=limit)
    return DashboardList(dashboards=[DashboardOut.of(d) for d in lines])
