"""Which request or job a log line belongs to, and the reference ids users quote to an admin.

Every edge (Slack listeners, REST API, scheduler) tags its work the same way, so this lives below them.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

# The request or job a log line belongs to: `req:ab12cd34` (a Slack request), `job:…`, `tick:…`.
CURRENT = ContextVar("edabot_log_context", default="-")


@contextmanager
def tagged(kind: str, ident: str | None = None) -> Iterator[str]:
    tag = f"{kind}:{ident or secrets.token_hex(4)}"
    token = CURRENT.set(tag)
    try:
        yield tag
    finally:
        CURRENT.reset(token)


def new_reference() -> str:
    """A short id shown to the user next to an unexpected error and written to the log with its traceback."""
    return secrets.token_hex(4).upper()
