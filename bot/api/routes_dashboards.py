"""/api/v1/users/{id}/dashboards: the user's dashboards, newest first, with state and Grafana link."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from bot.api.auth import CurrentActor, ServicesDep
from bot.api.errors import declare
from bot.api.routes_users import UserId
from bot.api.schemas import DashboardList, DashboardOut
from core import dashboards
from core.authz import require_self_or_admin

router = APIRouter(prefix="/api/v1/users/{id}/dashboards", tags=["dashboards"])


@router.get("", response_model=DashboardList, responses=declare(401, 403, 404, 422), summary="List dashboards")
def list_dashboards(
    username: UserId,
    actor: CurrentActor,
    services: ServicesDep,
    limit: Annotated[int, Query(ge=1, le=500, description="at most this many, newest first")] = 50,
) -> DashboardList:
    require_self_or_admin(actor, username, "list dashboards")
    with services.core.db.session() as session:
        return DashboardList(dashboards=[DashboardOut.of(d) for d in dashboards.latest(session, username, limit)])
