"""/api/v1/users: create (admin, runs the whole registration), list (admin), show (self or admin), delete (admin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from bot.api.auth import CurrentActor, ServicesDep
from bot.api.errors import declare
from bot.api.schemas import UserCreate, UserCreated, UserDatabases, UserList, UserOut
from bot.config import SLACK_USER_ID
from core import registration, users
from core.authz import require_admin, require_self_or_admin
from core.errors import AlreadyExists, InvalidInput

UserId = Annotated[str, Path(alias="id", description="the username")]

router = APIRouter(prefix="/api/v1/users", tags=["users"])


@router.post(
    "",
    status_code=201,
    response_model=UserCreated,
    responses=declare(400, 401, 403, 409, 413, 422, 502),
    summary="Create a user (admin)",
    description="Runs the whole registration (account, databases and roles, Grafana folder and datasources) "
    "before answering. The API key is in this answer only. If it fails part-way, sending it again finishes it.",
)
def create_user(body: UserCreate, actor: CurrentActor, services: ServicesDep, response: Response) -> UserCreated:
    require_admin(actor, "create users")
    if body.slack_user_id is not None and not SLACK_USER_ID.match(body.slack_user_id):
        raise InvalidInput(f"`{body.slack_user_id[:40]}` is not a Slack user ID (like U012AB3CD).")
    if body.slack_user_id is not None:
        with services.core.db.session() as session:
            holder = users.by_slack_id(session, body.slack_user_id)
            if holder is not None and holder.active:
                # registration.register would say "You are already registered", which is wrong for an admin.
                raise AlreadyExists(f"Slack user {body.slack_user_id} already has the account `{holder.username}`.")
    result = registration.register(
        services.core,
        username=body.username,
        slack_user_id=body.slack_user_id,
        actor=actor,
        make_admin=body.admin,
    )
    with services.core.db.session() as session:
        summary = users.summarize(session, users.require(session, result.username))
    response.headers["Cache-Control"] = "no-store"  # the body carries the only copy of the API key
    return UserCreated(
        user=UserOut.of(summary),
        api_key=result.api_key.reveal(),
        databases=UserDatabases(**result.databases),
        db_host=result.host,
        db_port=result.port,
        resumed=result.resumed,
    )


@router.get("", response_model=UserList, responses=declare(401, 403), summary="List users (admin)")
def list_users(actor: CurrentActor, services: ServicesDep) -> UserList:
    require_admin(actor, "list users")
    with services.core.db.session() as session:
        return UserList(users=[UserOut.of(s) for s in users.list_summaries(session)])


@router.get(
    "/{id}",
    response_model=UserOut,
    responses=declare(401, 403, 404, 422),
    summary="Show a user (self or admin)",
)
def show_user(username: UserId, actor: CurrentActor, services: ServicesDep) -> UserOut:
    require_self_or_admin(actor, username, "see account details")
    with services.core.db.session() as session:
        return UserOut.of(users.summarize(session, users.require(session, username)))


@router.delete(
    "/{id}",
    status_code=204,
    responses=declare(401, 403, 404, 409, 422, 502),
    summary="Delete a user (admin)",
    description="Removes the account, its credentials, Grafana folder and datasources. The user's databases are "
    "kept (login disabled) unless `drop_data` is true. If it fails part-way, sending it again finishes it.",
)
def delete_user(
    username: UserId,
    actor: CurrentActor,
    services: ServicesDep,
    drop_data: Annotated[bool, Query(description="also drop the user's databases and roles")] = False,
) -> None:
    require_admin(actor, "delete users")
    registration.delete(services.core, username=username, drop_data=drop_data, actor=actor)
