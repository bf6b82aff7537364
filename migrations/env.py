"""Alembic environment: the URL comes from edabot's settings (config attribute), never from alembic.ini."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from core.db.engine import make_engine
from core.db.models import Base

# Any lock id works as long as it is fixed; it stops two processes migrating at once.
MIGRATION_LOCK = 7_202_611


def run_migrations_online() -> None:
    url = context.config.attributes["url"]
    engine = make_engine(url, pool_size=1)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK})
            connection.commit()
            try:
                context.configure(connection=connection, target_metadata=Base.metadata)
                with context.begin_transaction():
                    context.run_migrations()
                connection.commit()
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK})
                connection.commit()
    finally:
        engine.dispose()


run_migrations_online()
