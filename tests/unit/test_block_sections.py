"""Long lists in Block Kit: split over sections that each fit Slack's 3000-character limit."""

from __future__ import annotations

from core.doctor import Check
from listeners.blocks.common import SECTION_MAX, line_sections
from listeners.blocks.status_builder import status_blocks


def _texts(blocks: list[dict[str, object]]) -> list[str]:
    return [b["text"]["text"] for b in blocks if b["type"] == "section"]  # type: ignore[index]


def test_a_long_list_is_split_with_every_line_kept_in_order() -> None:
    lines = [f"user{i:04d} — active · {i} dashboards" for i in range(300)]
    texts = _texts(line_sections(lines))
    assert len(texts) > 1
    assert all(0 < len(t) <= SECTION_MAX - 100 for t in texts)
    assert "\n".join(texts).split("\n") == lines


def test_a_line_longer_than_a_section_gets_one_section_and_no_empty_one_before_it() -> None:
    texts = _texts(line_sections(["short", "x" * 5000, "after"]))
    assert texts[0] == "short"
    assert all(texts), "no empty section (Slack rejects a section without text)"
    assert len(texts[1]) == SECTION_MAX and texts[1].endswith("…")
    assert texts[-1] == "after"
    assert _texts(line_sections(["x" * 5000, "after"]))[0].startswith("xxx"), "not an empty section first"


def test_no_lines_no_sections() -> None:
    assert line_sections([]) == []


def test_status_lists_every_check_across_sections() -> None:
    checks = [Check(f"database {i}", ok=i % 3 != 0, detail="d" * 200, fix="start it") for i in range(40)]
    texts = _texts(status_blocks(checks, {"posted": 2}))
    joined = "\n".join(texts)
    assert len(texts) > 1 and all(len(t) <= SECTION_MAX for t in texts)
    assert all(f"*database {i}*" in joined for i in range(40))
