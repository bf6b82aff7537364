"""Parsers stream (facts arrive before the file is read to the end) and run tables get valid names."""

from __future__ import annotations

import io
import itertools
import re
from datetime import UTC, datetime

from core.ingest.format_ids import ReportFormat
from core.ingest.formats.reports import parse_report
from core.ingest.load.loader import run_table_name
from core.ingest.records import RunInfo, TimingPath

from .test_bad_inputs import GOOD_PATH


class EndlessReport(io.RawIOBase):
    """A report that never ends: the same path block over and over, counting the bytes handed out."""

    def __init__(self) -> None:
        self.block = GOOD_PATH.encode() + b"\n"
        self.served = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        n = len(buffer)
        data = (self.block * (n // len(self.block) + 2))[self.served % len(self.block) :][:n]
        buffer[:n] = data
        self.served += n
        return n


def test_text_parsers_stream_instead_of_reading_the_whole_file() -> None:
    raw = EndlessReport()
    parsed = parse_report(io.BufferedReader(raw), source_name="endless.rpt")
    first = list(itertools.islice(parsed.facts, 50))
    assert len(first) == 50 and all(isinstance(f, TimingPath) for f in first)
    assert [f.path_index for f in first] == list(range(50))
    assert raw.served < 200 * len(raw.block), "only what was needed for 50 paths was read"


def test_json_timing_report_streams_path_by_path() -> None:
    path = (
        b'{"path_type": "max", "startpoint": "a/Q", "endpoint": "b/D", '
        b'"data_arrival_time": 1e-10, "required_time": 1e-9, "slack": 9e-10}'
    )

    class EndlessJson(io.RawIOBase):
        def __init__(self) -> None:
            self.served = 0
            self.pending = b'{"checks": [' + path

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
            while len(self.pending) < len(buffer):
                self.pending += b",\n" + path
            n = len(buffer)
            buffer[:n], self.pending = self.pending[:n], self.pending[n:]
            self.served += n
            return n

    raw = EndlessJson()
    parsed = parse_report(io.BufferedReader(raw), source_name="endless.json", fmt=ReportFormat.OPENSTA_JSON)
    first = list(itertools.islice(parsed.facts, 20))
    assert [f.path_index for f in first if isinstance(f, TimingPath)] == list(range(20))
    assert raw.served < 1 << 20


def _run(design: str | None, stage: str | None = None) -> RunInfo:
    return RunInfo(
        source_name="x", format=ReportFormat.ORFS_STAGE_REPORT, source_tool="orfs", design=design, stage=stage
    )


def test_run_table_names_are_valid_bounded_and_deterministic() -> None:
    when = datetime(2025, 7, 3, 16, 2, 52, tzinfo=UTC)
    name = run_table_name("timing", _run("serv", "finish"), when, 12)
    assert name == "timing_serv_finish_20250703_160252_r12"
    assert run_table_name("timing", _run("serv", "finish"), when, 12) == name
    long = run_table_name("Nightly Build/β", _run("a" * 80 + "$weird-Name", "detailed route"), when, 123456789)
    assert len(long) <= 63 and re.fullmatch(r"[a-z][a-z0-9_]*", long) and long.endswith("_r123456789")
    digits = run_table_name("42", _run(None), when, 1)
    assert digits[0].isalpha() and len(digits) <= 63
