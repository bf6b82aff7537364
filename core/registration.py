"""Registration and deletion of an engineer's account, as a sequence of idempotent steps.

Each step reports its progress through a callback so Slack (or the CLI) can show it live. A failed
or interrupted registration is finished by running it again: every step converges on the same end
state, and the user only becomes active (with a usable API key) after the last one.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import Enum

from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from core import audit, credentials, users, validation
from core.authz import Actor
from core.context import CoreContext
from core.db import provisioning
from core.db.models import RetainedName, User
from core.errors import AlreadyExists, EdabotError, InvalidInput, NotAllowed, NotFound
from core.secret import Secret

log = logging.getLogger(__name__)

# Advisory lock namespace so two registrations of one account never run at once.
REGISTRATION_LOCK_NS = 7_202_612


class StepState(Enum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@dataclass
class Step:
    key: str
    label: str
    state: StepState = StepState.PENDING
    note: str = ""


@dataclass
class Progress:
    steps: list[Step]
    on_change: Callable[[Progress], None] = field(default=lambda _p: None)

    @contextmanager
    def step(self, key: str) -> Iterator[Step]:
        current = next(s for s in self.steps if s.key == key)
        current.state = StepState.RUNNING
        self._notify()
        try:
            yield current
        except BaseException:
            current.state = StepState.FAILED
            self._notify()
            raise
        current.state = StepState.DONE
        self._notify()

    def _notify(self) -> None:
        try:
            self.on_change(self)
        except Exception:  # progress display must never break the work itself
            log.warning("progress update failed", exc_info=True)


def registration_steps() -> list[Step]:
    return [
        Step("account", "Creating your account"),
        Step("passwords", "Storing database passwords"),
        Step("roles", "Creating database roles"),
        Step("databases", "Creating databases (timing, QoR, DRC)"),
        Step("grants", "Granting Grafana read-only access"),
        Step("grafana", "Creating Grafana folder and datasources"),
        Step("activate", "Issuing your API key"),
    ]


def deletion_steps(drop_data: bool) -> list[Step]:
    return [
        Step("grafana", "Removing Grafana folder and datasources"),
        Step("databases", "Dropping databases and roles" if drop_data else "Keeping databases (login disabled)"),
        Step("account", "Removing account and credentials"),
    ]


@dataclass(frozen=True)
class Registered:
    username: str
    api_key: Secret
    databases: dict[str, str]
    host: str
    port: int
    resumed: bool


@contextmanager
def _account_lock(ctx: CoreContext, key: str) -> Iterator[None]:
    with ctx.db.engine.connect() as conn:
        got = conn.execute(
            text("SELECT pg_try_advisory_lock(:ns, hashtext(:k))"), {"ns": REGISTRATION_LOCK_NS, "k": key}
        ).scalar()
        conn.commit()
        if not got:
            raise AlreadyExists(f"A registration or deletion of `{key}` is already running; wait for it to finish.")
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:ns, hashtext(:k))"), {"ns": REGISTRATION_LOCK_NS, "k": key})
            conn.commit()


def _claim_account(
    ctx: CoreContext, *, username: str, slack_user_id: str | None, make_admin: bool, actor: Actor, restore: bool
) -> tuple[str, bool]:
    """Create the pending user row, or find the caller's unfinished one. Returns (username, resumed)."""
    with ctx.db.session() as session:
        mine = users.by_slack_id(session, slack_user_id) if slack_user_id else None
        if mine is not None:
            if mine.active:
                raise AlreadyExists(f"You are already registered as `{mine.username}`.")
            if mine.state == "deleting":
                raise InvalidInput(f"`{mine.username}` is being deleted; wait for that to finish.")
            return mine.username, True
        existing = users.by_username(session, username)
        if existing is not None:
            if existing.active or existing.slack_user_id != slack_user_id or existing.state == "deleting":
                raise AlreadyExists(f"The username `{username}` is taken; choose another.")
            return username, True
        retained = session.get(RetainedName, username)
        if restore:
            if retained is None and not provisioning.kept_data_exists(ctx.server, username):
                raise NotFound(f"There is no kept data under the username `{username}` to restore.")
            if retained is not None:
                session.delete(retained)
            audit.record(
                session,
                actor=actor.label,
                action="user.restored",
                target_username=username,
                slack_user_id=slack_user_id,
            )
        elif retained is not None or provisioning.kept_data_exists(ctx.server, username):
            # Registering it would hand the kept databases to whoever asked first.
            raise NotAllowed(
                f"The username `{username}` belongs to a deleted account whose data was kept; choose another. "
                f"Only an admin can give it back (`edabot user restore {username} --slack-id U…`) "
                f"or remove the data (`edabot user purge {username}`)."
            )
        session.add(User(username=username, slack_user_id=slack_user_id, is_admin=make_admin, state="registering"))
        audit.record(
            session,
            actor=actor.label,
            action="user.registration_started",
            target_username=username,
            slack_user_id=slack_user_id,
        )
        try:
            session.flush()
        except IntegrityError as exc:
            raise AlreadyExists(f"The username `{username}` is taken; choose another.") from exc
    return username, False


def _ensure_password(ctx: CoreContext, username: str, key: str, actor: Actor) -> Secret:
    with ctx.db.session() as session:
        user = users.require(session, username)
        value = credentials.get(session, ctx.cipher, user, key)
        if value is None:
            value = Secret(secrets.token_urlsafe(24))
            credentials.store(session, ctx.cipher, user, key, value.reveal(), actor=actor.label, allow_managed=True)
        return value


def register(
    ctx: CoreContext,
    *,
    username: str | None,
    slack_user_id: str | None,
    actor: Actor,
    make_admin: bool = False,
    restore: bool = False,
    on_progress: Callable[[Progress], None] = lambda _p: None,
) -> Registered:
    """Create (or finish creating) an account. Raises EdabotError subclasses with user-facing text.

    `restore` (admins only, checked by the caller) gives a retained name and its kept databases to
    `slack_user_id`; without it a retained name is refused."""
    if username is not None:
        username = validation.username(username)
    lock_key = slack_user_id or username
    if lock_key is None:
        raise InvalidInput("A username is required.")
    progress = Progress(registration_steps(), on_progress)
    with _account_lock(ctx, lock_key):
        with progress.step("account") as step:
            if username is None and slack_user_id is not None:
                with ctx.db.session() as session:
                    mine = users.by_slack_id(session, slack_user_id)
                if mine is None:
                    raise InvalidInput("Choose a username: `/eda register <username>`.")
                username = mine.username
            assert username is not None
            username, resumed = _claim_account(
                ctx,
                username=username,
                slack_user_id=slack_user_id,
                make_admin=make_admin,
                actor=actor,
                restore=restore,
            )
            step.note = f"`{username}`" + (" (continuing an unfinished registration)" if resumed else "")
        with progress.step("passwords"):
            owner_pw = _ensure_password(ctx, username, "DB_PASSWORD", actor)
            reader_pw = _ensure_password(ctx, username, "GRAFANA_DB_PASSWORD", actor)
        with progress.step("roles"):
            provisioning.ensure_roles(ctx.server, username, owner_password=owner_pw, grafana_password=reader_pw)
        with progress.step("databases"):
            provisioning.ensure_databases(ctx.server, username)
        with progress.step("grants"):
            provisioning.ensure_grafana_read_access(ctx.server, username, owner_password=owner_pw)
        with progress.step("grafana") as step:
            step.note = ctx.grafana.ensure_user(username=username, grafana_db_password=reader_pw)
        with progress.step("activate"), ctx.db.session() as session:
            user = users.require(session, username)
            key = users.rotate_api_key(session, user, actor=actor.label)
            user.active = True
            user.state = "active"
            audit.record(
                session,
                actor=actor.label,
                action="user.registered",
                target_username=username,
                resumed=resumed,
            )
    return Registered(
        username=username,
        api_key=key,
        databases=provisioning.database_names(username),
        host=ctx.server.host,
        port=ctx.server.port,
        resumed=resumed,
    )


def delete(
    ctx: CoreContext,
    *,
    username: str,
    drop_data: bool,
    actor: Actor,
    on_progress: Callable[[Progress], None] = lambda _p: None,
) -> None:
    """Remove a user; with drop_data also their databases and roles. Re-running finishes a failed run."""
    progress = Progress(deletion_steps(drop_data), on_progress)
    with ctx.db.session() as session:
        user = users.by_username(session, username)
        if user is None:
            raise NotFound(f"There is no edabot user `{username}`.")
        lock_key = user.slack_user_id or username
    with _account_lock(ctx, lock_key):
        with ctx.db.session() as session:
            user = users.require(session, username)
            user.state = "deleting"
            user.active = False
            audit.record(
                session,
                actor=actor.label,
                action="user.deletion_started",
                target_username=username,
                drop_data=drop_data,
            )
        with progress.step("grafana") as step:
            step.note = ctx.grafana.remove_user(username=username)
        with progress.step("databases"):
            if drop_data:
                provisioning.drop_user_databases(ctx.server, username)
                provisioning.drop_roles(ctx.server, username)
            else:
                provisioning.disable_login(ctx.server, username)
        with progress.step("account"), ctx.db.session() as session:
            user = users.require(session, username)
            if not drop_data:
                # The kept databases must not go to the next person who registers this name.
                retained = session.get(RetainedName, username) or RetainedName(username=username)
                retained.slack_user_id = user.slack_user_id
                retained.deleted_by = actor.label
                session.add(retained)
            session.delete(user)  # credentials and dashboards rows go with it (ON DELETE CASCADE)
            audit.record(
                session,
                actor=actor.label,
                action="user.deleted",
                target_username=username,
                drop_data=drop_data,
            )


def purge(ctx: CoreContext, *, username: str, actor: Actor) -> None:
    """Drop the databases and roles kept under a deleted account's name, and free the name (admins only,
    checked by the caller)."""
    with ctx.db.session() as session:
        if users.by_username(session, username) is not None:
            raise InvalidInput(f"`{username}` is a live account: delete it with its data instead.")
        retained = session.get(RetainedName, username)
    if retained is None and not provisioning.kept_data_exists(ctx.server, username):
        raise NotFound(f"There is no kept data under the username `{username}`.")
    with _account_lock(ctx, username):
        provisioning.drop_user_databases(ctx.server, username)
        provisioning.drop_roles(ctx.server, username)
        with ctx.db.session() as session:
            found = session.get(RetainedName, username)
            if found is not None:
                session.delete(found)
            audit.record(session, actor=actor.label, action="user.purged", target_username=username)


def retained_names(ctx: CoreContext) -> list[RetainedName]:
    with ctx.db.session() as session:
        rows = list(session.scalars(select(RetainedName).order_by(RetainedName.username)))
        session.expunge_all()
    return rows


__all__ = ["EdabotError", "Registered", "delete", "purge", "register", "retained_names"]
