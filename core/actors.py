"""Who is asking: a Slack user or an API key resolved to a core.authz.Actor, with the one admin rule.

An admin is a user with the admin flag, or one whose Slack user ID is listed in EDABOT_ADMINS (`admins`).
Slack and the REST API both resolve their callers here, so the rule cannot drift between them.
"""

from __future__ import annotations

from collections.abc import Collection

from core import users
from core.authz import Actor
from core.db.engine import Database
from core.db.models import User

API_KEY_PREFIX = "eda_"
MAX_KEY_LENGTH = 256


def is_admin(user: User | None, slack_user_id: str | None, admins: Collection[str]) -> bool:
    return bool(user is not None and user.is_admin) or (slack_user_id is not None and slack_user_id in admins)


def slack_actor(db: Database, slack_user_id: str, *, admins: Collection[str]) -> Actor:
    """A Slack user; `username` is None until they have an active account (admins may still be unregistered)."""
    with db.session() as session:
        user = users.by_slack_id(session, slack_user_id)
        username = user.username if user is not None and user.active else None
        return Actor(label=slack_user_id, is_admin=is_admin(user, slack_user_id, admins), username=username)


def api_key_actor(db: Database, plain_key: str, *, admins: Collection[str]) -> Actor | None:
    """The active user holding this key, labelled `api:<username>`; None for an unknown, revoked or malformed key."""
    if not plain_key.startswith(API_KEY_PREFIX) or len(plain_key) > MAX_KEY_LENGTH:
        return None
    with db.session() as session:
        user = users.by_api_key(session, plain_key)
        if user is None:
            return None
        return Actor(
            label=f"api:{user.username}",
            is_admin=is_admin(user, user.slack_user_id, admins),
            username=user.username,
        )
