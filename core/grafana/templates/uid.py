"""Deterministic dashboard uids: the same user, database kind and table always give the same uid,
so re-saving updates the dashboard instead of duplicating it."""

from __future__ import annotations

import hashlib
import re

from core.grafana.introspect import TableInfo

MAX_UID_LENGTH = 40  # Grafana rejects longer uids
_HASH_LENGTH = 10  # 40 bits: collisions among one user's tables are out of reach
_UNSAFE = re.compile(r"[^a-z0-9_-]+")


def _table_key(table: str | TableInfo) -> str:
    return table.display_name if isinstance(table, TableInfo) else table


def dashboard_uid(username: str, kind: str, table: str | TableInfo) -> str:
    """`<username>-<kind initial>-<table, shortened>-<hash>`, at most 40 chars of [a-z0-9_-].

    The readable part may be cut short or lose characters Grafana does not allow; the hash of the
    exact (username, kind, table) keeps uids apart all the same (`My Table` vs `my_table`).
    """
    key = _table_key(table)
    digest = hashlib.sha256("\x00".join((username, kind, key)).encode()).hexdigest()[:_HASH_LENGTH]
    # One letter for the kind leaves room for the table name, the part people look for in a URL.
    readable = _UNSAFE.sub("-", f"{username}-{kind[:1]}-{key}".lower()).strip("-_")
    readable = readable[: MAX_UID_LENGTH - _HASH_LENGTH - 1].rstrip("-_")
    return f"{readable}-{digest}" if readable else digest
