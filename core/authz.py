"""Who may do what: admins act on anyone; everyone else on themselves only. Refusals say why."""

from __future__ import annotations

from dataclasses import dataclass

from core.errors import NotAllowed


@dataclass(frozen=True)
class Actor:
    """The person (or CLI/API caller) behind a request."""

    label: str  # for the audit log: a Slack user ID, "cli", or "api:<username>"
    is_admin: bool
    username: str | None  # None when not registered

    @classmethod
    def cli(cls) -> Actor:
        # Whoever can run the CLI on the bot's host can read its key file and database anyway.
        return cls(label="cli", is_admin=True, username=None)


def require_admin(actor: Actor, what: str) -> None:
    if not actor.is_admin:
        raise NotAllowed(f"Only an edabot admin can {what}. Admins are listed in EDABOT_ADMINS.")


def require_self_or_admin(actor: Actor, target_username: str, what: str) -> None:
    if actor.is_admin or actor.username == target_username:
        return
    raise NotAllowed(f"You can {what} only for your own account (`{actor.username}`), not `{target_username}`.")


def require_registered(actor: Actor) -> str:
    if actor.username is None:
        raise NotAllowed("You are not registered yet. Run `/eda register` to create your account.")
    return actor.username


def require_target(actor: Actor, username: str | None, what: str) -> str:
    """The account a request acts on: the actor's own when none is named, else one the actor may act on."""
    if username is None:
        return require_registered(actor)
    require_self_or_admin(actor, username, what)
    return username
