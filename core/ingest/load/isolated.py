"""Parse and load one report in a child process, logged in as the report owner's own role.

Two boundaries meet here (docs/security.md): a hostile report must not stall or bloat the bot's own
interpreter (the parse holds the GIL and can take memory), and whatever the owner planted in their database
(triggers on the tables ingest writes) must run with the owner's rights only. So the child gets a login URL
for the owner's role and nothing else: no admin URL, no credentials key, no other user's secrets.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import tempfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, TimeoutError
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

import psycopg

from core.db.provisioning import OWNER_PATH
from core.errors import DatabaseUnavailable
from core.ingest.errors import ReportParseError
from core.ingest.load.loader import IngestError, LoadResult, ingest_file

# Address space of the child: a report that makes a parser balloon fails with MemoryError in the child
# instead of pushing the bot out of memory. Generous next to the measured peak (about 55 MB for 100 MB).
CHILD_MEMORY_LIMIT = 2 * 1024**3
PROGRESS_POLL_S = 0.25


def _read_position(progress_file: str) -> int:
    with open(progress_file, "rb") as fh:
        text = fh.read(20)
    return int(text) if text.strip() else 0


@dataclass(frozen=True)
class _ParseFailure:
    """ReportParseError's fields: its constructor takes them apart, so it does not survive pickling as is."""

    source: str
    line_no: int
    expected: str
    found: str
    internal: bool


def _limit_memory() -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = CHILD_MEMORY_LIMIT if hard == resource.RLIM_INFINITY else min(hard, CHILD_MEMORY_LIMIT)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _progress_writer(progress_file: str | None) -> Callable[[int], None] | None:
    """The child tells the parent how far it has read through a small file: a pool's arguments are pickled,
    so a queue or pipe of the parent's cannot be handed over, and a file costs nothing to poll."""
    if progress_file is None:
        return None
    fd = os.open(progress_file, os.O_WRONLY)

    def report(position: int) -> None:
        os.pwrite(fd, f"{position:020d}".encode(), 0)

    return report


def _load_as_owner(
    login_url: str, path: str, kind: str, table: str | None, progress_file: str | None = None
) -> LoadResult | _ParseFailure:
    try:
        with psycopg.connect(
            login_url, autocommit=True, connect_timeout=10, application_name="edabot-ingest", options=OWNER_PATH
        ) as conn:
            return ingest_file(conn, path, kind=kind, table=table, progress=_progress_writer(progress_file))
    except ReportParseError as exc:
        return _ParseFailure(exc.source, exc.line_no, exc.expected, exc.found, exc.internal)
    except MemoryError:
        raise IngestError(
            f"{Path(path).name} needs more than {CHILD_MEMORY_LIMIT // 2**30} GB of memory to read; "
            "split the report or ask an admin"
        ) from None
    except psycopg.OperationalError as exc:
        raise DatabaseUnavailable(f"cannot reach your database: {_first_line(exc)}") from None
    except psycopg.Error as exc:
        raise IngestError(f"your database refused the report: {_first_line(exc)}") from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


Progress = Callable[[int, int], None]  # (bytes read, file size)


def load_in_child(
    login_url: str, path: Path, *, kind: str, table: str | None, progress: Progress | None = None
) -> LoadResult:
    """Run the load in a fresh child (forkserver: the bot has threads, which fork would copy mid-flight).
    Raises ReportParseError or IngestError like the in-process load, DatabaseUnavailable when the
    user's database cannot be reached. `progress` is called from this thread about every PROGRESS_POLL_S."""
    context = multiprocessing.get_context("forkserver")
    size = path.stat().st_size if progress is not None else 0
    with tempfile.NamedTemporaryFile(prefix="edabot-ingest-progress-") as progress_file:
        try:
            with ProcessPoolExecutor(max_workers=1, mp_context=context, initializer=_limit_memory) as pool:
                future = pool.submit(
                    _load_as_owner, login_url, str(path), kind, table, progress_file.name if progress else None
                )
                while progress is not None:
                    try:
                        outcome = future.result(timeout=PROGRESS_POLL_S)
                        break
                    except TimeoutError:
                        progress(_read_position(progress_file.name), size)
                else:
                    outcome = future.result()
        except BrokenProcessPool:
            raise IngestError(
                f"the ingest of {path.name} stopped unexpectedly (out of memory?); nothing was stored"
            ) from None
    if isinstance(outcome, _ParseFailure):
        raise ReportParseError(
            outcome.source, outcome.line_no, outcome.expected, outcome.found, internal=outcome.internal
        )
    if progress is not None:
        progress(size, size)
    return outcome
