"""Background work handed off by listeners after they ack, with errors reported to the user.

A failed job is logged and reported to the user by listeners.errors.report_failure, the Slack edge's one
policy for the error tree (core/errors.py).
"""

from __future__ import annotations

import contextvars
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from core.log_context import CURRENT, new_reference, tagged
from listeners.errors import OnError, report_failure

log = logging.getLogger(__name__)

__all__ = ["BackgroundWork", "OnError", "new_reference"]


class BackgroundWork:
    def __init__(self, max_workers: int = 8) -> None:
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="edabot-work")
        self._in_flight = 0
        self._idle = threading.Condition()

    def submit(self, what: str, job: Callable[[], None], on_error: OnError) -> Future[None]:
        with self._idle:
            self._in_flight += 1
        # The job logs under the request that started it (contextvars are copied into the worker).
        context = contextvars.copy_context()
        return self._pool.submit(context.run, self._run_counted, what, job, on_error)

    def wait_idle(self, timeout: float) -> bool:
        """True once no job is queued or running (for shutdown and for tests)."""
        with self._idle:
            return self._idle.wait_for(lambda: self._in_flight == 0, timeout=timeout)

    def _run_counted(self, what: str, job: Callable[[], None], on_error: OnError) -> None:
        try:
            # Bolt runs listeners on its own threads, which do not inherit the request's tag: give the job one.
            if CURRENT.get() == "-":
                with tagged("job"):
                    self._run(what, job, on_error)
            else:
                self._run(what, job, on_error)
        finally:
            with self._idle:
                self._in_flight -= 1
                self._idle.notify_all()

    @staticmethod
    def _run(what: str, job: Callable[[], None], on_error: OnError) -> None:
        try:
            job()
        except Exception as exc:
            report_failure(what, exc, on_error)

    def shutdown(self, wait: bool = True) -> None:
        self._pool.shutdown(wait=wait, cancel_futures=not wait)
