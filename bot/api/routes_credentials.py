"""/api/v1/users/{id}/credentials: list masked, add, replace, delete. Values go in and never come back out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.api.auth import CurrentActor, ServicesDep
from bot.api.errors import declare
from bot.api.routes_users import UserId
from bot.api.schemas import CredentialCreate, CredentialList, CredentialOut, CredentialValue
from bot.app import build_web_client
from bot.services import Services
from core import credentials, users, validation
from core.authz import Actor, require_self_or_admin
from core.channels import NOTIFY_CHANNEL_KEY, ChannelPolicy
from core.db.models import User
from core.errors import AlreadyExists
from listeners.channel_directory import SlackChannelDirectory

KeyName = Annotated[str, Path(description="the credential's name, e.g. SLACK_CHANNEL_ID")]

router = APIRouter(prefix="/api/v1/users/{id}/credentials", tags=["credentials"])

WHAT = "manage credentials"


def _masked(session: Session, services: Services, user: User, key_name: str) -> CredentialOut:
    session.flush()
    return next(
        CredentialOut.of(c)
        for c in credentials.list_masked(session, services.core.cipher, user)
        if c.key_name == key_name
    )


def _channel_policy(services: Services, actor: Actor) -> ChannelPolicy:
    """SLACK_CHANNEL_ID through the API: the account's owner must be in the channel (Slack says), unless an
    admin sets it; without a Slack token nothing can be checked and core refuses with a 422."""
    token = services.settings.slack_bot_token
    directory = SlackChannelDirectory(build_web_client(services.settings, token.reveal())) if token else None
    return ChannelPolicy(directory, by_admin=actor.is_admin)


def _store(
    services: Services, actor: Actor, username: str, key_name: str, value: str, *, replace: bool
) -> tuple[CredentialOut, bool]:
    require_self_or_admin(actor, username, WHAT)
    name = validation.key_name(key_name)
    policy = _channel_policy(services, actor) if name == NOTIFY_CHANNEL_KEY else None
    try:
        with services.core.db.session() as session:
            user = users.require(session, username)
            created = credentials.store(
                session, services.core.cipher, user, name, value, actor=actor.label, channel_policy=policy
            )
            if not created and not replace:
                # Raised inside the unit of work, so the overwrite just made is rolled back.
                raise AlreadyExists(
                    f"`{name}` already exists for `{username}`; replace it with "
                    f"PUT /api/v1/users/{username}/credentials/{name}."
                )
            return _masked(session, services, user, name), created
    except IntegrityError:
        # Another request created the same key between our read and our insert.
        raise AlreadyExists(f"`{name}` was just created by another request for `{username}`.") from None


@router.get(
    "", response_model=CredentialList, responses=declare(401, 403, 404, 422), summary="List credentials, masked"
)
def list_credentials(username: UserId, actor: CurrentActor, services: ServicesDep) -> CredentialList:
    require_self_or_admin(actor, username, WHAT)
    with services.core.db.session() as session:
        user = users.require(session, username)
        return CredentialList(
            credentials=[CredentialOut.of(c) for c in credentials.list_masked(session, services.core.cipher, user)]
        )


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
    require_self_or_admin(actor, username, WHAT)
    with services.core.db.session() as session:
        credentials.delete(session, users.require(session, username), key_name, actor=actor.label)
