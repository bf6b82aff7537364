"""Who is calling: the Bearer API key, looked up by its hash, becomes an Actor labelled `api:<username>`.

Admin rights come from the user's admin flag or from their Slack ID being listed in EDABOT_ADMINS, as in Slack.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from bot.api.errors import ApiError
from bot.services import Services
from core import users
from core.authz import Actor

API_KEY_PREFIX = "eda_"
MAX_KEY_LENGTH = 256
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="edabot"'}

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ApiKey",
    description="An edabot API key (`eda_…`): `/eda apikey` in Slack, or given once at account creation.",
)

CredentialsHeader = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def actor_for_key(services: Services, plain_key: str) -> Actor | None:
    """The active user holding this key, as an Actor; None for an unknown, revoked or malformed key."""
    if not plain_key.startswith(API_KEY_PREFIX) or len(plain_key) > MAX_KEY_LENGTH:
        return None
    with services.core.db.session() as session:
        user = users.by_api_key(session, plain_key)
        if user is None:
            return None
        is_admin = user.is_admin or (user.slack_user_id is not None and user.slack_user_id in services.settings.admins)
        return Actor(label=f"api:{user.username}", is_admin=is_admin, username=user.username)


def get_services(request: Request) -> Services:
    services = request.app.state.services
    assert isinstance(services, Services), "build_api puts the Services into app.state"
    return services


def current_actor(request: Request, credentials: CredentialsHeader) -> Actor:
    """Refuse with 401, or return the caller. Sync: FastAPI runs it in its thread pool (it queries the DB)."""
    if credentials is None:
        given = "authorization" in request.headers
        raise ApiError(
            401,
            ("The Authorization header is not a Bearer key" if given else "No API key")
            + ": send it as `Authorization: Bearer eda_…` (get one with `/eda apikey` in Slack).",
            headers=CHALLENGE,
        )
    actor = actor_for_key(get_services(request), credentials.credentials.strip())
    if actor is None:
        # Never echo the key: it may be a real secret pasted into the wrong place.
        raise ApiError(
            401,
            "This API key is not valid: it was rotated, mistyped, or its account is deleted or not yet active. "
            "Get a new one with `/eda apikey` in Slack.",
            headers={"WWW-Authenticate": 'Bearer realm="edabot", error="invalid_token"'},
        )
    return actor


ServicesDep = Annotated[Services, Depends(get_services)]
CurrentActor = Annotated[Actor, Depends(current_actor)]
