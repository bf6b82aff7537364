"""Account use cases: register oneself, create for someone (admin), show, list, delete, restore, purge."""

from __future__ import annotations

from collections.abc import Callable

from core import registration, users
from core.authz import Actor, require_admin, require_target
from core.context import CoreContext
from core.db.models import RetainedName, User
from core.errors import AlreadyExists
from core.registration import Progress, Registered
from core.users import UserSummary

OnProgress = Callable[[Progress], None]


def _quiet(_progress: Progress) -> None:
    pass


def register(
    *, ctx: CoreContext, actor: Actor, slack_user_id: str, username: str | None = None, on_progress: OnProgress = _quiet
) -> Registered:
    """The Slack user `slack_user_id` creates their own account (anyone not registered yet may)."""
    return registration.register(
        ctx, username=username, slack_user_id=slack_user_id, actor=actor, on_progress=on_progress
    )


def create_for(
    *,
    ctx: CoreContext,
    actor: Actor,
    username: str,
    slack_user_id: str | None,
    make_admin: bool = False,
    on_progress: OnProgress = _quiet,
) -> Registered:
    """An admin creates (or finishes creating) an account for someone else, or one with no Slack user."""
    require_admin(actor, "create accounts for other people")
    if slack_user_id is not None:
        with ctx.db.session() as session:
            holder = users.by_slack_id(session, slack_user_id)
            if holder is not None and holder.active:
                # registration.register would say "You are already registered", which is wrong for an admin.
                raise AlreadyExists(f"Slack user {slack_user_id} already has the account `{holder.username}`.")
    return registration.register(
        ctx,
        username=username,
        slack_user_id=slack_user_id,
        actor=actor,
        make_admin=make_admin,
        on_progress=on_progress,
    )


# users.id is a PostgreSQL integer: a longer number names no user (and must not reach the query).
_MAX_USER_ID = 2**31 - 1


def resolve_reference(*, ctx: CoreContext, actor: Actor, reference: str) -> str:
    """The username a REST `{id}` names: all ASCII digits are the numeric user id (as in the original system),
    anything else the username itself. Usernames cannot be all digits (core.validation.USERNAME starts with a
    letter, and so does the users table's check), so the two never collide.

    A number resolves only to an account the caller may act on (their own, or anyone for an admin). Otherwise
    the number itself comes back and the use case answers as it does for an unknown username: the same status
    and message shape whether that id exists or not, and never the name of whoever has it."""
    if not (reference.isascii() and reference.isdigit()):
        return reference
    number = int(reference)
    if not 0 < number <= _MAX_USER_ID:
        return reference
    with ctx.db.session() as session:
        user = session.get(User, number)
        if user is None or not (actor.is_admin or user.username == actor.username):
            return reference
        return user.username


def show(*, ctx: CoreContext, actor: Actor, username: str | None = None) -> UserSummary:
    target = require_target(actor, username, "see account details")
    with ctx.db.session() as session:
        return users.summarize(session, users.require(session, target))


def list_all(*, ctx: CoreContext, actor: Actor) -> list[UserSummary]:
    require_admin(actor, "list users")
    with ctx.db.session() as session:
        return users.list_summaries(session)


def list_kept(*, ctx: CoreContext, actor: Actor) -> list[RetainedName]:
    """Names of deleted accounts whose databases were kept (restore or purge them)."""
    require_admin(actor, "list users")
    return registration.retained_names(ctx)


def check_deletable(*, ctx: CoreContext, actor: Actor, username: str) -> None:
    """Refuse early (before a confirmation is shown) what delete() would refuse."""
    require_admin(actor, "delete users")
    with ctx.db.session() as session:
        users.require(session, username)


def delete(*, ctx: CoreContext, actor: Actor, username: str, drop_data: bool, on_progress: OnProgress = _quiet) -> None:
    require_admin(actor, "delete users")
    registration.delete(ctx, username=username, drop_data=drop_data, actor=actor, on_progress=on_progress)


def restore(
    *, ctx: CoreContext, actor: Actor, username: str, slack_user_id: str, on_progress: OnProgress = _quiet
) -> Registered:
    """Give a deleted account's kept name and databases to `slack_user_id`."""
    require_admin(actor, "restore accounts")
    return registration.register(
        ctx, username=username, slack_user_id=slack_user_id, actor=actor, restore=True, on_progress=on_progress
    )


def purge(*, ctx: CoreContext, actor: Actor, username: str) -> None:
    """Drop the databases kept under a deleted account's name and free the name."""
    require_admin(actor, "purge accounts")
    registration.purge(ctx, username=username, actor=actor)
