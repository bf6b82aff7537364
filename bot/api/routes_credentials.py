"""/api/v1/users/{id}/credentials: list masked, add, replace, delete. Values go in and never come back out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from bot.api.auth import CurrentActor, ServicesDep
from bot.api.errors import declare
from bot.api.routes_users import UserId
from bot.api.schemas import CredentialCreate, CredentialList, CredentialOut, CredentialValue
from bot.app import build_web_client
from core import validation
from core.authz import Actor
from core.usecases import credentials
from listeners.channel_directory import SlackChannelDirectory
from listeners.services import Services

KeyName = Annotated[str, Path(description="the credential's name, e.g. SLACK_CHANNEL_ID")]

router = APIRouter(prefix="/api/v1/users/{id}/credentials", tags=["credentials"])


def _channel_directory(services: Services) -> SlackChannelDirectory | None:
    """Asked only for SLACK_CHANNEL_ID; without a Slack token nothing can be checked (the use case's 422)."""
    token = services.settings.slack_bot_token
    return SlackChannelDirectory(build_web_client(services.settings, token.reveal())) if token else None


def _store(
    services: Services, actor: Actor, username: str, key_name: str, value: str, *, replace: bool
) -> tuple[CredentialOut, bool]:
    try:
        stored = credentials.set_value(
            ctx=services.core,
            actor=actor,
            username=username,
            key_name=key_name,
            value=value,
            channel_directory=_channel_directory(services),
            replace=replace,
        )
    except credentials.CredentialExists:
        name = validation.key_name(key_name)  # valid: the use case got this far
        raise credentials.CredentialExists(
            f"`{name}` already exists for `{username}`; replace it with PUT /api/v1/users/{username}/credentials/{name}."
        ) from None
    return CredentialOut.of(stored.credential), stored.created


@router.get(
    "", response_model=CredentialList, responses=declare(401, 403, 404, 422), summary="List credentials, masked"
)
def list_credentials(username: UserId, actor: CurrentActor, services: ServicesDep) -> CredentialList:
    found = credentials.list_masked(ctx=services.core, actor=actor, username=username)
    return CredentialList(credentials=[CredentialOut.of(c) for c in found])


@router.post(
    "",
    status_code=201,
    response_model=CredentialOut,
    responses=declare(400, 401, 403, 404, 409, 413, 422),
    summary="Add a credential",
    description="409 if it exists already (use PUT to replace it). DB_PASSWORD and GRAFANA_DB_PASSWORD are "
    "managed by edabot and refused. SLACK_CHANNEL_ID must be a channel the account's owner is a member of "
    "(checked with Slack; 422 otherwise), unless an admin sets it.",
)
def add_credential(
    username: UserId, body: CredentialCreate, actor: CurrentActor, services: ServicesDep
) -> CredentialOut:
    stored, _created = _store(services, actor, username, body.key_name, body.value.get_secret_value(), replace=False)
    return stored


@router.put(
    "/{key_name}",
    response_model=CredentialOut,
    responses={
        201: {"model": CredentialOut, "description": "Created (it did not exist)"},
        **declare(400, 401, 403, 404, 413, 422),
    },
    summary="Set a credential (create or replace)",
)
def set_credential(
    username: UserId,
    key_name: KeyName,
    body: CredentialValue,
    actor: CurrentActor,
    services: ServicesDep,
    response: Response,
) -> CredentialOut:
    stored, created = _store(services, actor, username, key_name, body.value.get_secret_value(), replace=True)
    response.status_code = 201 if created else 200
    return stored


@router.delete(
    "/{key_name}",
    status_code=204,
    responses=declare(401, 403, 404, 422),
    summary="Delete a credential",
)
def delete_credential(username: UserId, key_name: KeyName, actor: CurrentActor, services: ServicesDep) -> None:
    credentials.delete(ctx=services.core, actor=actor, username=username, key_name=key_name)
