"""Engines and sessions for the master database; a unit of work that rolls back unless committed."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from sqlalchemy import Engine, create_engine
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from core.errors import DatabaseUnavailable


def sqlalchemy_url(url: str) -> str:
    """Use the psycopg 3 driver whatever spelling of the PostgreSQL URL the user gave."""
    parsed = make_url(url)
    return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def libpq_url(url: str) -> str:
    """The same URL as psycopg.connect() wants it (no SQLAlchemy driver suffix)."""
    parsed = make_url(url)
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    return create_engine(
        sqlalchemy_url(url),
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,  # a restarted server must not surface as errors on old pooled connections
        pool_timeout=10,
        connect_args={"connect_timeout": 5, "application_name": "edabot"},
    )


def is_outage(error: BaseException) -> bool:
    """Whether a database error means the server cannot be reached (down, refused, dropped the connection,
    no pooled connection in time), as opposed to a statement that failed (a lock timeout, a serialization
    failure, a bug), which callers handle or which is a bug."""
    if isinstance(error, sa_exc.TimeoutError):
        return True
    if isinstance(error, sa_exc.DBAPIError):
        if error.connection_invalidated:
            return True
        error = error.orig if error.orig is not None else error
    if not isinstance(error, psycopg.OperationalError):
        return False
    state = getattr(error, "sqlstate", None)
    # No SQLSTATE: libpq could not connect; class 08 is a connection exception, 57P an admin shutdown.
    return state is None or state.startswith(("08", "57P"))


def outage(what: str, error: BaseException) -> DatabaseUnavailable:
    text = str(getattr(error, "orig", None) or error).strip()
    first = text.splitlines()[0] if text else type(error).__name__
    return DatabaseUnavailable(f"{what} cannot be reached: {first}. Check that PostgreSQL is running.")


class Database:
    """The master database: one engine, sessions on demand."""

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = url
        self.engine = make_engine(url, pool_size=pool_size)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """Commit on success, roll back on any error; a server that cannot be reached is DatabaseUnavailable."""
        try:
            with self._sessions() as session:
                try:
                    yield session
                    session.commit()
                except BaseException:
                    session.rollback()
                    raise
        except (sa_exc.OperationalError, sa_exc.TimeoutError) as exc:
            if not is_outage(exc):
                raise
            raise outage("the master database", exc) from exc

    def dispose(self) -> None:
        self.engine.dispose()
