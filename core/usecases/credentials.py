"""Credential use cases: list masked, set, delete and reveal one user's stored secrets."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from core import credentials, users, validation
from core.authz import Actor, require_target
from core.channels import ChannelDirectory, ChannelPolicy
from core.context import CoreContext
from core.credentials import MaskedCredential
from core.errors import AlreadyExists
from core.secret import Secret

WHAT = "manage credentials"


class CredentialExists(AlreadyExists):
    """Adding (not replacing) a key that is already set; nothing was changed."""


@dataclass(frozen=True)
class StoredCredential:
    credential: MaskedCredential
    created: bool  # False: an existing value was replaced


def list_masked(*, ctx: CoreContext, actor: Actor, username: str | None = None) -> list[MaskedCredential]:
    target = require_target(actor, username, WHAT)
    with ctx.db.session() as session:
        return credentials.list_masked(session, ctx.cipher, users.require(session, target))


def set_value(
    *,
    ctx: CoreContext,
    actor: Actor,
    key_name: str,
    value: str | None,
    username: str | None = None,
    channel_directory: ChannelDirectory | None = None,
    replace: bool = True,
) -> StoredCredential:
    """Store `key_name` encrypted. With `replace=False` an existing key is refused (CredentialExists).

    A SLACK_CHANNEL_ID must be a channel the account's owner is in, asked of `channel_directory` (None where
    the edge has no Slack connection: refused then), unless an admin sets it.
    """
    policy = ChannelPolicy(channel_directory, by_admin=actor.is_admin)
    target = require_target(actor, username, WHAT)
    name = validation.key_name(key_name)
    try:
        with ctx.db.session() as session:
            user = users.require(session, target)
            created = credentials.store(
                session, ctx.cipher, user, name, value, actor=actor.label, channel_policy=policy
            )
            if not created and not replace:
                # Raised inside the unit of work, so the overwrite just made is rolled back.
                raise CredentialExists(f"`{name}` already exists for `{target}`.")
            session.flush()
            stored = next(c for c in credentials.list_masked(session, ctx.cipher, user) if c.key_name == name)
            return StoredCredential(credential=stored, created=created)
    except IntegrityError:
        # Another request created the same key between our read and our insert.
        raise AlreadyExists(f"`{name}` was just created by another request for `{target}`.") from None


def delete(*, ctx: CoreContext, actor: Actor, key_name: str, username: str | None = None) -> None:
    target = require_target(actor, username, WHAT)
    with ctx.db.session() as session:
        credentials.delete(session, users.require(session, target), key_name, actor=actor.label)


def reveal(*, ctx: CoreContext, actor: Actor, key_name: str, username: str | None = None) -> Secret:
    """One stored value in clear, for its owner (or an admin) to be shown privately; audited by core."""
    target = require_target(actor, username, WHAT)
    with ctx.db.session() as session:
        return credentials.reveal(session, ctx.cipher, users.require(session, target), key_name, actor=actor.label)
