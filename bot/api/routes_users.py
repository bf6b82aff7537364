"""/api/v1/users: create (admin, runs the whole registration), list (admin), show (self or admin), delete (admin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response

from bot.api.auth import CurrentActor, ServicesDep
from bot.api.errors import declare
from bot.api.schemas import UserCreate, UserCreated, UserDatabases, UserList, UserOut
from bot.config import SLACK_USER_ID
from core.errors import InvalidInput
from core.usecases import accounts


def target_username(
    reference: Annotated[
        str, Path(alias="id", description="the numeric user id (as in the original system) or the username")
    ],
    actor: CurrentActor,
    services: ServicesDep,
) -> str:
    """The username `{id}` names. A number someone may not see stays a number, so the route then answers
    exactly as for an unknown username (see accounts.resolve_reference)."""
    return accounts.resolve_reference(ctx=services.core, actor=actor, reference=reference)


UserId = Annotated[str, Depends(target_username)]

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
    # Input checked after the caller's rights (a non-admin gets the use case's 403, not this 422).
    if actor.is_admin and body.slack_user_id is not None and not SLACK_USER_ID.match(body.slack_user_id):
        raise InvalidInput(f"`{body.slack_user_id[:40]}` is not a Slack user ID (like U012AB3CD).")
    result = accounts.create_for(
        ctx=services.core,
        actor=actor,
        username=body.username,
        slack_user_id=body.slack_user_id,
        make_admin=body.admin,
    )
    summary = accounts.show(ctx=services.core, actor=actor, username=result.username)
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
    return UserList(users=[UserOut.of(s) for s in accounts.list_all(ctx=services.core, actor=actor)])


@router.get(
    "/{id}",
    response_model=UserOut,
    responses=declare(401, 403, 404, 422),
    summary="Show a user (self or admin)",
)
def show_user(username: UserId, actor: CurrentActor, services: ServicesDep) -> UserOut:
    return UserOut.of(accounts.show(ctx=services.core, actor=actor, username=username))


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
    accounts.delete(ctx=services.core, actor=actor, username=username, drop_data=drop_data)
