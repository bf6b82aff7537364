"""PostgreSQL URLs: swap the database or the login of a server URL, keeping everything else."""

from __future__ import annotations

from sqlalchemy.engine import make_url


def with_database(url: str, database: str) -> str:
    return make_url(url).set(database=database).render_as_string(hide_password=False)


def with_login(url: str, database: str, user: str, password: str | None) -> str:
    return make_url(url).set(database=database, username=user, password=password).render_as_string(hide_password=False)


def host_port(url: str) -> tuple[str, int]:
    parsed = make_url(url)
    return parsed.host or "127.0.0.1", parsed.port or 5432
