"""Reading and changing user records in the master database (no side effects outside it)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import apikeys, audit
from core.db.models import Credential, Dashboard, User
from core.errors import NotFound
from core.secret import Secret


@dataclass(frozen=True)
class UserSummary:
    id: int  # the numeric user id, which REST paths accept as well as the username
    username: str
    slack_user_id: str | None
    state: str
    active: bool
    is_admin: bool
    api_key_prefix: str | None
    dashboards: int
    credentials: int


def by_slack_id(session: Session, slack_user_id: str) -> User | None:
    return session.scalars(select(User).where(User.slack_user_id == slack_user_id)).one_or_none()


def by_username(session: Session, username: str) -> User | None:
    return session.scalars(select(User).where(User.username == username)).one_or_none()


def by_api_key(session: Session, plain_key: str) -> User | None:
    user = session.scalars(select(User).where(User.api_key_hash == apikeys.digest(plain_key))).one_or_none()
    return user if user is not None and user.active else None


def require(session: Session, username: str) -> User:
    user = by_username(session, username)
    if user is None:
        raise NotFound(f"There is no edabot user `{username}`.")
    return user


def summarize(session: Session, user: User) -> UserSummary:
    dashboards = session.scalar(select(func.count()).select_from(Dashboard).where(Dashboard.user_id == user.id))
    credentials = session.scalar(select(func.count()).select_from(Credential).where(Credential.user_id == user.id))
    return UserSummary(
        id=user.id,
        username=user.username,
        slack_user_id=user.slack_user_id,
        state=user.state,
        active=user.active,
        is_admin=user.is_admin,
        api_key_prefix=user.api_key_prefix,
        dashboards=int(dashboards or 0),
        credentials=int(credentials or 0),
    )


def list_summaries(session: Session) -> list[UserSummary]:
    return [summarize(session, u) for u in session.scalars(select(User).order_by(User.username))]


def rotate_api_key(session: Session, user: User, *, actor: str) -> Secret:
    """Issue a new key; the old one stops working as soon as this commits."""
    key = apikeys.issue()
    user.api_key_hash = key.digest
    user.api_key_prefix = key.display_prefix
    audit.record(
        session,
        actor=actor,
        action="apikey.rotated",
        target_username=user.username,
        prefix=key.display_prefix,
    )
    return key.plain
