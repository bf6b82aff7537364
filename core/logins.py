"""The database logins edabot uses inside a user's databases: the owner's role (ingest, grants) and the
owner's read-only role (scan, figures). Both passwords are the user's managed credentials."""

from __future__ import annotations

from sqlalchemy import select

from core.context import CoreContext
from core.db.models import Credential, User
from core.errors import NotFound
from core.secret import Secret

OWNER_PASSWORD = "DB_PASSWORD"  # noqa: S105 - a credential's key name, not a password
READER_PASSWORD = "GRAFANA_DB_PASSWORD"  # noqa: S105 - a credential's key name, not a password


def role_passwords(ctx: CoreContext, key_name: str, usernames: list[str]) -> dict[str, Secret | None]:
    """One query for many users; None where the credential is missing (an unfinished registration)."""
    if not usernames:
        return {}
    query = (
        select(User.username, Credential.encrypted_value)
        .outerjoin(Credential, (Credential.user_id == User.id) & (Credential.key_name == key_name))
        .where(User.username.in_(usernames))
    )
    with ctx.db.session() as session:
        rows = session.execute(query).all()
    return {name: ctx.cipher.decrypt(token) if token else None for name, token in rows}


def require_password(ctx: CoreContext, key_name: str, username: str) -> Secret:
    found = role_passwords(ctx, key_name, [username]).get(username)
    if found is None:
        raise NotFound(
            f"{username} has no {key_name} credential: run the registration again (`/eda register`) to repair it"
        )
    return found
