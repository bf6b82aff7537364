"""Background work handed off by listeners after they ack, with errors reported to the user.

Expected errors (EdabotError) are shown as they are; anything else is logged with its traceback
and a short reference id, and the user is told that id.
"""

from __future__ import annotations

import contextvars
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from core.errors import EdabotError
from core.log_context import CURRENT, new_reference, tagged

log = logging.getLogger(__name__)

OnError = Callable[[str, str | None], None]  # (message for the user, reference id or None)
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
        except EdabotError as exc:
            log.info("%s refused: %s", what, exc)
            _report(on_error, str(exc), None)
        except Exception:
            reference = new_reference()
            log.exception("%s failed [ref %s]", what, reference)
            _report(on_error, f"Something went wrong while {what}.", reference)

    def shutdown(self, wait: bool = True) -> None:
        self._pool.shutdown(wait=wait, cancel_futures=not wait)


def _report(on_error: OnError, message: str, reference: str | None) -> None:
    try:
        on_error(message, reference)
    except Exception:
        log.exception("could not tell the user about an error [ref %s]", reference)
