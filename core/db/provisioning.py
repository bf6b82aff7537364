"""Per-user databases and roles on the PostgreSQL server (SPEC "Data").

Every statement is idempotent so a registration killed half-way is finished by running it again.
Roles and databases edabot creates carry a COMMENT naming their owner: on a shared server, an
existing role of the same name that edabot did not create is never taken over (its password
would otherwise be reset by us).

The privilege boundary (docs/security.md): once a user database exists, its owner controls what runs in it
(search_path, shadowing views, functions, operators, triggers). So the only sessions edabot opens there log
in as the owner's own role or as the owner's read-only role, never as the admin, and every session pins
search_path in the connection's start-up options, which outrank ALTER DATABASE/ROLE ... SET.
Admin sessions (in the maintenance database only) pin search_path to pg_catalog as well.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg
from psycopg import sql

from core.db.urls import host_port, with_login
from core.errors import DatabaseUnavailable, NotEdabots
from core.secret import Secret

KINDS = ("timing", "qor", "drc")
GRAFANA_STATEMENT_TIMEOUT = "30s"
OWNER_CONNECTION_LIMIT = 20
GRAFANA_CONNECTION_LIMIT = 10
# Start-up options beat ALTER DATABASE/ROLE ... SET (PGC_S_CLIENT outranks both), so a user who sets a hostile
# search_path on their own database or role cannot change what our catalogue queries resolve to.
CATALOG_ONLY = "-c search_path=pg_catalog"
# Owner sessions create tables in `public`; pg_catalog stays implicitly first, so built-ins cannot be shadowed.
OWNER_PATH = "-c search_path=public"


def database_names(username: str) -> dict[str, str]:
    return {kind: f"{username}_{kind}" for kind in KINDS}


def grafana_role(username: str) -> str:
    return f"{username}_grafana"


def _marker(username: str) -> str:
    return f"edabot user {username}"


@dataclass(frozen=True)
class DbServer:
    """The PostgreSQL server holding the user databases, as the bot and as Grafana reach it."""

    admin_url: Secret  # a role with CREATEDB and CREATEROLE (the master DB's own URL)
    host: str
    port: int
    grafana_host: str
    grafana_port: int

    @classmethod
    def from_admin_url(cls, url: str, *, grafana_host: str | None, grafana_port: int | None) -> DbServer:
        host, port = host_port(url)
        return cls(Secret(url), host, port, grafana_host or host, grafana_port or port)

    def url_for(self, database: str, *, user: str, password: Secret | None) -> str:
        return with_login(self.admin_url.reveal(), database, user, password.reveal() if password else None)

    @contextmanager
    def admin(self) -> Iterator[psycopg.Connection]:
        """An admin session in the master database only: never in a user database (see the module docstring)."""
        url = self.admin_url.reveal()
        try:
            conn = psycopg.connect(
                url, autocommit=True, connect_timeout=10, application_name="edabot", options=CATALOG_ONLY
            )
        except psycopg.OperationalError as exc:
            raise DatabaseUnavailable(
                f"cannot connect to the PostgreSQL server at {self.host}:{self.port}: "
                f"{_first_line(exc)}. Check that it is running and that DATABASE_URL is right."
            ) from exc
        try:
            yield conn
        finally:
            conn.close()

    def connect_as(
        self, database: str, *, user: str, password: Secret, autocommit: bool = True, catalog_only: bool = False
    ) -> psycopg.Connection:
        """A session in a user database under one of that user's own roles (never the admin's)."""
        return psycopg.connect(
            self.url_for(database, user=user, password=password),
            autocommit=autocommit,
            connect_timeout=10,
            application_name="edabot",
            options=CATALOG_ONLY if catalog_only else OWNER_PATH,
        )

    def server_version_num(self) -> int:
        with self.admin() as conn:
            row = conn.execute("SHOW server_version_num").fetchone()
        return int(row[0]) if row else 0


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _role_comment(conn: psycopg.Connection, role: str) -> tuple[bool, str | None]:
    row = conn.execute(
        "SELECT pg_catalog.shobj_description(oid, 'pg_authid') FROM pg_catalog.pg_roles "
        "WHERE rolname OPERATOR(pg_catalog.=) %s",
        (role,),
    ).fetchone()
    return (row is not None, row[0] if row else None)


def _database_marker(conn: psycopg.Connection, database: str, username: str) -> tuple[str | None] | None:
    """The database's marker, or None when it does not exist. CREATE DATABASE cannot share a transaction
    with its COMMENT, so a database left unmarked by a crash counts as ours when our own (marked) role
    owns it: that role has no CREATEDB, so only edabot can have created it."""
    row = conn.execute(
        "SELECT pg_catalog.shobj_description(d.oid, 'pg_database'), pg_catalog.shobj_description(r.oid, 'pg_authid') "
        "FROM pg_catalog.pg_database d JOIN pg_catalog.pg_roles r ON r.oid OPERATOR(pg_catalog.=) d.datdba "
        "WHERE d.datname OPERATOR(pg_catalog.=) %s",
        (database,),
    ).fetchone()
    if row is None:
        return None
    if row[0] is None and row[1] == _marker(username):
        return (_marker(username),)
    return (row[0],)


def _ensure_role(conn: psycopg.Connection, role: str, password: Secret, username: str, connection_limit: int) -> None:
    exists, comment = _role_comment(conn, role)
    if exists and comment != _marker(username):
        raise NotEdabots(
            f"a database role named {role} already exists and was not created by edabot; "
            "choose another username or ask the database admin to rename that role"
        )
    ident = sql.Identifier(role)
    if not exists:
        # Created and marked in one transaction, so a crash can never leave an unmarked role behind.
        try:
            with conn.transaction():
                conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(ident))
                conn.execute(sql.SQL("COMMENT ON ROLE {} IS {}").format(ident, sql.Literal(_marker(username))))
        except psycopg.errors.DuplicateObject as exc:
            # A concurrent registration got there first; check that it was ours, as above.
            if _role_comment(conn, role)[1] != _marker(username):
                raise NotEdabots(f"a database role named {role} already exists and was not created by edabot") from exc
    conn.execute(
        sql.SQL(
            "ALTER ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS "
            "CONNECTION LIMIT {} PASSWORD {}"
        ).format(ident, sql.Literal(connection_limit), sql.Literal(scram_verifier(conn, role, password)))
    )


def scram_verifier(conn: psycopg.Connection, role: str, password: Secret) -> str:
    """The SCRAM-SHA-256 verifier, computed here: the plaintext never reaches the server (nor its statement
    log). The server stores a verifier as it is, whatever its password_encryption says."""
    verifier = conn.pgconn.encrypt_password(password.reveal().encode(), role.encode(), b"scram-sha-256")
    return verifier.decode("ascii")


def ensure_roles(server: DbServer, username: str, *, owner_password: Secret, grafana_password: Secret) -> None:
    with server.admin() as conn:
        _ensure_role(conn, username, owner_password, username, OWNER_CONNECTION_LIMIT)
        reader = grafana_role(username)
        _ensure_role(conn, reader, grafana_password, username, GRAFANA_CONNECTION_LIMIT)
        ident = sql.Identifier(reader)
        # Grafana only reads: every transaction read-only, and no query may run away with the server.
        conn.execute(sql.SQL("ALTER ROLE {} SET default_transaction_read_only = on").format(ident))
        conn.execute(
            sql.SQL("ALTER ROLE {} SET statement_timeout = {}").format(ident, sql.Literal(GRAFANA_STATEMENT_TIMEOUT))
        )


def ensure_databases(server: DbServer, username: str) -> None:
    owner = sql.Identifier(username)
    reader = sql.Identifier(grafana_role(username))
    with server.admin() as conn:
        # CREATE DATABASE needs membership of the owner role when we are not a superuser.
        me = conn.execute(
            "SELECT current_user, rolsuper FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) current_user"
        ).fetchone()
        if me and not me[1]:
            conn.execute(sql.SQL("GRANT {} TO {}").format(owner, sql.Identifier(me[0])))
        for database in database_names(username).values():
            row = _database_marker(conn, database, username)
            if row is not None and row[0] != _marker(username):
                raise NotEdabots(
                    f"a database named {database} already exists and was not created by edabot; "
                    "choose another username or ask the database admin to rename it"
                )
            db = sql.Identifier(database)
            if row is None:
                try:
                    conn.execute(sql.SQL("CREATE DATABASE {} OWNER {} ENCODING 'UTF8'").format(db, owner))
                except psycopg.errors.DuplicateDatabase:
                    pass
            conn.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(db, sql.Literal(_marker(username))))
            conn.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(db, owner))
            # No other user may open this database; only its owner and its Grafana reader.
            conn.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(db))
            conn.execute(sql.SQL("GRANT CONNECT, TEMPORARY ON DATABASE {} TO {}").format(db, owner))
            conn.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(db, reader))


def ensure_grafana_read_access(server: DbServer, username: str, *, owner_password: Secret) -> None:
    """SELECT on every table in public, now and later; nothing else.

    Run as the owner's own role: after creation the owner controls the database, so an admin session there
    would run whatever the owner planted with the admin's rights. The owner may do all of this itself (since
    PostgreSQL 15 `public` belongs to pg_database_owner, which the database owner is a member of)."""
    reader = sql.Identifier(grafana_role(username))
    owner = sql.Identifier(username)
    for database in database_names(username).values():
        try:
            conn = server.connect_as(database, user=username, password=owner_password)
        except psycopg.OperationalError as exc:
            raise DatabaseUnavailable(
                f"cannot log in to {database} as {username}: {_first_line(exc)}. "
                "If the role's password was changed outside edabot, run the registration again to reset it."
            ) from exc
        with conn:
            conn.execute(sql.SQL("ALTER SCHEMA public OWNER TO {}").format(owner))
            conn.execute("REVOKE ALL ON SCHEMA public FROM PUBLIC")
            conn.execute(sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(reader))
            conn.execute(sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA public TO {}").format(reader))
            # Tables and schemas the owner creates later (edabot ingest's `eda` schema, the engineer's own
            # loaders) are readable too, in every schema.
            conn.execute(
                sql.SQL("ALTER DEFAULT PRIVILEGES FOR ROLE {} GRANT SELECT ON TABLES TO {}").format(owner, reader)
            )
            conn.execute(
                sql.SQL("ALTER DEFAULT PRIVILEGES FOR ROLE {} GRANT USAGE ON SCHEMAS TO {}").format(owner, reader)
            )
            for (schema,) in conn.execute(
                "SELECT nspname FROM pg_catalog.pg_namespace WHERE nspowner OPERATOR(pg_catalog.=) "
                "(SELECT oid FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) current_user)"
            ).fetchall():
                conn.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(sql.Identifier(schema), reader))
                conn.execute(
                    sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA {} TO {}").format(sql.Identifier(schema), reader)
                )


def harden_server(
    server: DbServer, *, master_database: str, maintenance: tuple[str, ...] = ("postgres", "template1")
) -> list[str]:
    """Revoke CONNECT from PUBLIC on the master and maintenance databases, so a user's login role opens
    nothing but its own databases. Returns a line per database it could not harden (a shared server where we
    are not the owner); start-up logs them as warnings."""
    problems = []
    with server.admin() as conn:
        me = sql.Identifier(str(conn.execute("SELECT current_user").fetchone()[0]))  # type: ignore[index]
        for database in (master_database, *maintenance):
            exists = conn.execute(
                "SELECT 1 FROM pg_catalog.pg_database WHERE datname OPERATOR(pg_catalog.=) %s", (database,)
            ).fetchone()
            if exists is None:
                continue
            db = sql.Identifier(database)
            try:
                # Keep our own way in before closing the public one (we may not be its owner).
                conn.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(db, me))
                conn.execute(sql.SQL("REVOKE CONNECT ON DATABASE {} FROM PUBLIC").format(db))
            except psycopg.errors.InsufficientPrivilege as exc:
                problems.append(f"{database}: CONNECT is still granted to PUBLIC ({_first_line(exc)})")
    return problems


def kept_data_exists(server: DbServer, username: str) -> bool:
    """Whether databases or roles edabot made for this name are still on the server."""
    with server.admin() as conn:
        row = conn.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_database d "
            "               WHERE pg_catalog.shobj_description(d.oid, 'pg_database') OPERATOR(pg_catalog.=) %s) "
            "    OR EXISTS (SELECT 1 FROM pg_catalog.pg_roles r "
            "               WHERE pg_catalog.shobj_description(r.oid, 'pg_authid') OPERATOR(pg_catalog.=) %s)",
            (_marker(username), _marker(username)),
        ).fetchone()
    return bool(row and row[0])


def drop_user_databases(server: DbServer, username: str) -> None:
    with server.admin() as conn:
        for database in database_names(username).values():
            row = _database_marker(conn, database, username)
            if row is None:
                continue
            if row[0] != _marker(username):
                raise NotEdabots(f"database {database} was not created by edabot; not dropping it")
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(database)))


def drop_roles(server: DbServer, username: str) -> None:
    with server.admin() as conn:
        for role in (grafana_role(username), username):
            exists, comment = _role_comment(conn, role)
            if not exists:
                continue
            if comment != _marker(username):
                raise NotEdabots(f"role {role} was not created by edabot; not dropping it")
            # Default privileges and grants elsewhere would block DROP ROLE.
            conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
            conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def disable_login(server: DbServer, username: str) -> None:
    """Keep-data deletion: the databases stay (owned by the role), but nobody can log in with it."""
    with server.admin() as conn:
        for role in (username, grafana_role(username)):
            exists, comment = _role_comment(conn, role)
            if exists and comment == _marker(username):
                conn.execute(sql.SQL("ALTER ROLE {} NOLOGIN").format(sql.Identifier(role)))
