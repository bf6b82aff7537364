"""Dashboard uids: deterministic, at most 40 chars of Grafana's alphabet, distinct per table."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from core.grafana.introspect import TableInfo
from core.grafana.templates import dashboard_uid

USERNAMES = st.from_regex(r"[a-z][a-z0-9_]{2,30}", fullmatch=True)
TABLE_NAMES = st.text(st.characters(exclude_characters="\x00", exclude_categories=("Cs",)), min_size=1, max_size=63)
KINDS = st.sampled_from(["timing", "qor", "drc"])
VALID = re.compile(r"^[a-zA-Z0-9_-]{1,40}$")


@given(USERNAMES, KINDS, TABLE_NAMES)
def test_uid_is_short_valid_and_stable(username: str, kind: str, table: str) -> None:
    uid = dashboard_uid(username, kind, table)
    assert VALID.match(uid), uid
    assert uid == dashboard_uid(username, kind, table)


@given(USERNAMES, KINDS, TABLE_NAMES, TABLE_NAMES)
def test_different_tables_get_different_uids(username: str, kind: str, first: str, second: str) -> None:
    if first != second:
        assert dashboard_uid(username, kind, first) != dashboard_uid(username, kind, second)


def test_uid_distinguishes_what_its_readable_part_cannot() -> None:
    uids = {
        dashboard_uid("alice", "timing", name)
        for name in ("My Table", "my table", "my_table", "my-table", "MY TABLE", "my$table", "表")
    }
    assert len(uids) == 7
    assert dashboard_uid("alice", "timing", "t") != dashboard_uid("alice", "qor", "t")
    assert dashboard_uid("alice", "timing", "t") != dashboard_uid("alicia", "timing", "t")


def test_uid_reads_well_and_agrees_for_name_and_table_info() -> None:
    uid = dashboard_uid("alice", "timing", "timing_paths_run42")
    assert uid.startswith("alice-t-timing_paths_run42-")
    info = TableInfo("public", "timing_paths_run42", ())
    assert dashboard_uid("alice", "timing", info) == uid
    other_schema = TableInfo("staging", "timing_paths_run42", ())
    assert dashboard_uid("alice", "timing", other_schema) != uid


def test_longest_names_still_fit() -> None:
    uid = dashboard_uid("u" * 31, "timing", "t" * 63)
    assert len(uid) == 40 and VALID.match(uid)
