"""Stored credentials: encrypted at rest, listed masked, revealed only to their owner."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit, channels, validation
from core.crypto import CredentialCipher
from core.db.models import Credential, User
from core.errors import CredentialsKeyError, InvalidInput, NotFound
from core.secret import Secret, mask

KNOWN_KEYS = {
    "SLACK_CHANNEL_ID": "channel for your dashboard notifications",
    "SLACK_BOT_TOKEN": "post your notifications with this bot token instead of the app's",
    "GRAFANA_API_KEY": "use this Grafana service-account token for your dashboards",
    "DB_PASSWORD": "password of your database role (managed by edabot)",
}
# Passwords of the user's database roles: changing them here would desynchronise the server, so
# they can be revealed but not edited or deleted from Slack.
MANAGED_KEYS = frozenset({"DB_PASSWORD", "GRAFANA_DB_PASSWORD"})


@dataclass(frozen=True)
class MaskedCredential:
    key_name: str
    masked: str
    updated_at: datetime
    managed: bool


def list_masked(session: Session, cipher: CredentialCipher, user: User) -> list[MaskedCredential]:
    rows = session.scalars(select(Credential).where(Credential.user_id == user.id).order_by(Credential.key_name))
    return [
        MaskedCredential(
            r.key_name,
            mask(cipher.decrypt(r.encrypted_value).reveal()),
            r.updated_at,
            r.key_name in MANAGED_KEYS,
        )
        for r in rows
    ]


def _row(session: Session, user: User, key_name: str) -> Credential | None:
    return session.scalars(
        select(Credential).where(Credential.user_id == user.id, Credential.key_name == key_name)
    ).one_or_none()


def get(session: Session, cipher: CredentialCipher, user: User, key_name: str) -> Secret | None:
    row = _row(session, user, key_name)
    return cipher.decrypt(row.encrypted_value) if row else None


def store(
    session: Session,
    cipher: CredentialCipher,
    user: User,
    key_name: str,
    value: str | None,
    *,
    actor: str,
    allow_managed: bool = False,
    channel_policy: channels.ChannelPolicy | None = None,
) -> bool:
    """Validate and upsert one value; returns True when it was new. Raises InvalidInput, writing nothing.

    A SLACK_CHANNEL_ID is stored only if `channel_policy` shows the owner is in that channel (or an admin sets it).
    """
    key_name = validation.key_name(key_name)
    if key_name in MANAGED_KEYS and not allow_managed:
        raise InvalidInput(
            f"`{key_name}` is managed by edabot (it is your database role's password); it can be revealed "
            "but not changed here."
        )
    clean = validation.secret_value(key_name, value)
    if key_name == channels.NOTIFY_CHANNEL_KEY:
        channels.require_member_channel(channel_policy, owner_slack_id=user.slack_user_id, channel_id=clean)
    token = cipher.encrypt(clean)
    row = _row(session, user, key_name)
    created = row is None
    if row is None:
        session.add(Credential(user_id=user.id, key_name=key_name, encrypted_value=token))
    else:
        row.encrypted_value = token
    audit.record(
        session,
        actor=actor,
        action="credential.created" if created else "credential.updated",
        target_username=user.username,
        key_name=key_name,
    )
    return created


def delete(session: Session, user: User, key_name: str, *, actor: str) -> None:
    key_name = validation.key_name(key_name)
    if key_name in MANAGED_KEYS:
        raise InvalidInput(f"`{key_name}` is managed by edabot and cannot be deleted.")
    row = _row(session, user, key_name)
    if row is None:
        raise NotFound(f"You have no credential named `{key_name}`.")
    session.delete(row)
    audit.record(session, actor=actor, action="credential.deleted", target_username=user.username, key_name=key_name)


def reveal(session: Session, cipher: CredentialCipher, user: User, key_name: str, *, actor: str) -> Secret:
    value = get(session, cipher, user, validation.key_name(key_name))
    if value is None:
        raise NotFound(f"You have no credential named `{key_name}`.")
    audit.record(session, actor=actor, action="credential.revealed", target_username=user.username, key_name=key_name)
    return value


def undecryptable_count(session: Session, cipher: CredentialCipher) -> int:
    bad = 0
    for token in session.scalars(select(Credential.encrypted_value)):
        try:
            cipher.decrypt(token)
        except CredentialsKeyError:
            bad += 1
    return bad


def rotate_all(
    session: Session, cipher: CredentialCipher, *, actor: str, progress: Callable[[int, int], None] | None = None
) -> int:
    """Re-encrypt every value under the newest key; all or nothing (one transaction). `progress(done, total)`
    follows the credentials re-encrypted."""
    rows = list(session.scalars(select(Credential).with_for_update()))
    count = 0
    for row in rows:
        row.encrypted_value = cipher.rotate(row.encrypted_value)
        count += 1
        if progress is not None:
            progress(count, len(rows))
    audit.record(session, actor=actor, action="credentials.rotated", target_username=None, count=count)
    return count
