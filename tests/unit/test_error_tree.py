"""The error tree (core/errors.py): every exception class the project defines sits in exactly one branch, so
each edge (Slack, REST, CLI) knows how to show and log it from its branch alone."""

from __future__ import annotations

import importlib
import inspect
import logging
import pkgutil
import threading

import pytest

from bot.work import BackgroundWork
from core.errors import DatabaseUnavailable, EdabotError, Invalid, NotFound, Refusal, Unavailable
from core.ingest.errors import ReportParseError

BRANCHES = (Refusal, Unavailable, Invalid)
# Only the root and the branches themselves stand outside (or for) a branch.
ROOTS = {EdabotError, Refusal, Unavailable, Invalid}


def _project_exceptions() -> dict[str, type[BaseException]]:
    """Every exception class defined in a module of core/, bot/ or listeners/, found by importing them all."""
    found: dict[str, type[BaseException]] = {}
    for root in ("core", "bot", "listeners"):
        package = importlib.import_module(root)
        for info in pkgutil.walk_packages(package.__path__, f"{root}."):
            module = importlib.import_module(info.name)
            for obj in vars(module).values():
                if inspect.isclass(obj) and issubclass(obj, BaseException) and obj.__module__ == module.__name__:
                    found[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return found


EXCEPTIONS = _project_exceptions()


def test_the_walk_finds_the_project_exceptions() -> None:
    # A walk that imported nothing would pass the test below vacuously.
    names = set(EXCEPTIONS)
    assert {
        "core.errors.NotFound",
        "core.ingest.errors.ReportParseError",
        "core.ingest.load.loader.IngestError",
    } <= names
    assert len(EXCEPTIONS) >= 25, sorted(names)


@pytest.mark.parametrize("name", sorted(set(EXCEPTIONS) - {f"core.errors.{c.__name__}" for c in ROOTS}))
def test_every_exception_class_is_in_exactly_one_branch(name: str) -> None:
    cls = EXCEPTIONS[name]
    branches = [b.__name__ for b in BRANCHES if issubclass(cls, b)]
    assert len(branches) == 1, f"{name} is in {branches or 'no branch'} of Refusal, Unavailable, Invalid"


def test_report_errors_keep_their_constructor_and_attributes() -> None:
    error = ReportParseError("run.rpt", 12, "a slack line", "'garbage'")
    assert isinstance(error, Invalid)
    assert (error.source, error.line_no, error.expected, error.found) == ("run.rpt", 12, "a slack line", "'garbage'")
    assert str(error) == "run.rpt, line 12: expected a slack line, found 'garbage'"


def _run_failing(error: Exception, caplog: pytest.LogCaptureFixture) -> tuple[str, str | None]:
    told: list[tuple[str, str | None]] = []
    done = threading.Event()

    def on_error(message: str, reference: str | None) -> None:
        told.append((message, reference))
        done.set()

    def job() -> None:
        raise error

    work = BackgroundWork(max_workers=1)
    try:
        with caplog.at_level(logging.INFO):
            work.submit("registering you", job, on_error)
            assert done.wait(10) and work.wait_idle(10)
    finally:
        work.shutdown()
    return told[0]


def test_an_outage_in_a_background_job_is_a_warning_whose_reference_the_user_gets(
    caplog: pytest.LogCaptureFixture,
) -> None:
    try:
        raise ConnectionRefusedError("connection refused")
    except ConnectionRefusedError as cause:
        outage = DatabaseUnavailable("cannot connect to the PostgreSQL server at db:5432: connection refused")
        outage.__cause__ = cause
    message, reference = _run_failing(outage, caplog)
    assert reference is not None and "cannot connect to the PostgreSQL server" in message
    logged = [r for r in caplog.records if reference in r.getMessage()]
    assert len(logged) == 1 and logged[0].levelno == logging.WARNING
    assert logged[0].exc_info is not None and isinstance(logged[0].exc_info[1].__cause__, ConnectionRefusedError)


@pytest.mark.parametrize(
    "error",
    [NotFound("there is no edabot user alice"), ReportParseError("run.rpt", 3, "a header", "'x'")],
    ids=["refusal", "invalid"],
)
def test_a_refusal_or_bad_report_in_a_background_job_is_shown_as_is_at_info(
    error: Exception, caplog: pytest.LogCaptureFixture
) -> None:
    message, reference = _run_failing(error, caplog)
    assert (message, reference) == (str(error), None)
    mine = [r for r in caplog.records if str(error) in r.getMessage()]
    assert mine and all(r.levelno == logging.INFO and r.exc_info is None for r in mine)


def test_a_bug_in_a_background_job_hides_its_text_behind_a_reference(caplog: pytest.LogCaptureFixture) -> None:
    message, reference = _run_failing(RuntimeError("password=hunter2"), caplog)
    assert reference is not None and "hunter2" not in message
    logged = [r for r in caplog.records if reference in r.getMessage()]
    assert logged and logged[0].levelno == logging.ERROR and logged[0].exc_info is not None
