"""Who is calling: the Bearer API key, looked up by its hash, becomes an Actor labelled `api:<username>`.

Admin rights follow core.actors' one rule (the admin flag, or a Slack ID listed in EDABOT_ADMINS), as in Slack.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from bot.api.errors import ApiError
from core.actors import api_key_actor
from core.authz import Actor
from listeners.services import Services

CHALLENGE = {"WWW-Authenticate": 'Bearer realm="edabot"'}

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ApiKey",
    description="An edabot API key (`eda_…`): `/eda apikey` in Slack, or given once at account creation.",
)

CredentialsHeader = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


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
    services = get_services(request)
    actor = api_key_actor(services.core.db, credentials.credentials.strip(), admins=services.settings.admins)
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
