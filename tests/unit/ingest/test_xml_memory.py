"""KLayout report databases stay within the same memory budget as JSON reports: a document that keeps a
million elements open (inside one item, or in a section that is never dropped) is refused early, and
the child process parsing it grows by at most 10x the file's size."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.ingest.errors import ReportParseError
from core.ingest.format_ids import ReportFormat
from core.ingest.formats.reports import parse_bytes
from core.ingest.grammar.json_input import JSON_MEMORY_FACTOR
from tests.conftest import REPO

from .test_json_memory import _CHILD

HEAD = '<?xml version="1.0"?>\n<report-database>\n <top-cell>TOP</top-cell>\n'
MILLION = "<v/>" * 1_000_000
DOCUMENTS = {
    "one item": HEAD
    + f" <items>\n  <item><category>'M1.a'</category>{MILLION}</item>\n </items>\n</report-database>\n",
    "unknown section": HEAD + f" <extra>{MILLION}</extra>\n</report-database>\n",
}


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads the RSS from /proc")
@pytest.mark.parametrize("name", list(DOCUMENTS))
def test_a_million_open_elements_stay_within_the_memory_budget(name: str, tmp_path: Path) -> None:
    path = tmp_path / "huge.lyrdb"
    path.write_text(DOCUMENTS[name], encoding="utf-8")
    size = path.stat().st_size
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    run = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path), "klayout_rdb"], capture_output=True, text=True, env=env, timeout=120
    )
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["growth"] <= JSON_MEMORY_FACTOR * size, f"grew {result['growth'] / 1e6:.0f} MB"
    assert "elements open at once" in result["outcome"], result["outcome"]


def test_the_error_names_the_limit() -> None:
    with pytest.raises(ReportParseError) as caught:
        parse_bytes(DOCUMENTS["one item"].encode(), source_name="drc.lyrdb", fmt=ReportFormat.KLAYOUT_RDB).collect()
    message = str(caught.value)
    assert message.startswith("drc.lyrdb: expected a report database with at most "), message
    assert "elements open at once" in message and "10x the bytes read so far" in message, message
    assert not caught.value.internal


def test_many_items_are_not_limited() -> None:
    # Items are dropped as they close, so a long report never counts against the budget (these 10,000
    # items hold more elements than the budget allows open at once for their size).
    item = "  <item><category>'M1.a'</category><cell>TOP</cell><values><value>box: (0,0;1,1)</value></values></item>\n"
    doc = HEAD + " <items>\n" + item * 10_000 + " </items>\n</report-database>\n"
    facts = parse_bytes(doc.encode(), source_name="big.lyrdb").collect()
    assert len(facts.drc_violations) == 10_000
