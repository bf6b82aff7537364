"""Parsing takes time linear in the input, whatever its lines look like: a 1 MB file of long hostile lines
parses in under 2 s of CPU for every format, real sample lines grown to 20 kB stay as fast, and a line
over the 64 KiB cap is refused with the file and line named, before the line is read whole.

Times are process CPU time (time.process_time), so other work on the machine does not count; every
bound is several times what a linear parse needs and far below what a quadratic one takes (the Yosys
case at the bottom took 44 s before the patterns were fixed).
"""

from __future__ import annotations

import io
import re
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.ingest.errors import ReportParseError
from core.ingest.format_ids import ReportFormat
from core.ingest.formats.reports import parse_bytes, parse_report
from core.ingest.grammar.head import HEAD_BYTES
from core.ingest.grammar.lines import READ_BLOCK_BYTES, REPORT_LINE_BYTES
from tests.conftest import shared_path

from .samples import all_samples
from .test_fuzz import SEEDS

MB = 1 << 20
SECONDS_PER_MB = 2.0
LONG_LINE = 60_000  # just under the cap, which counts the line ending too
GROWN_LINE = 20_000
# Formats read by a C parser (JSON, XML) rather than line by line: the line cap does not apply.
NOT_LINE_BASED = frozenset(
    {ReportFormat.OPENSTA_JSON, ReportFormat.ORFS_METRICS, ReportFormat.ORFS_RULES, ReportFormat.KLAYOUT_RDB}
)
LINE_FORMATS = [f for f in ReportFormat if f not in NOT_LINE_BASED]
# Pieces of hostile lines: blank runs, words, separators and the characters the patterns anchor on.
PIECES = [" ", " ", "\t", "a", "x", "-", "=", "1", "7", ".", ":", "(", ")", "'", ",", "_", "e", "um", "/", "%"]
PIECES += ['"', "{", "[", "^", "v", "│", "┃", "#", "\\", "ns", "Corner", "slack", "VIOLATED", "Layer"]


def cpu_seconds(data: bytes, fmt: ReportFormat | None, source: str = "hostile.rpt") -> float:
    """CPU time to detect (when ``fmt`` is None) and fully parse ``data``; a rejection is fine, a crash is not."""
    start = time.process_time()
    try:
        for _ in parse_bytes(data, source_name=source, fmt=fmt).facts:
            pass
    except ReportParseError as err:
        assert not err.internal, str(err)
    return time.process_time() - start


def linear_bound(size: int) -> float:
    """The CPU time a linear parse must stay under for ``size`` bytes: 2 s a MB, plus slack for small inputs."""
    return 0.25 + SECONDS_PER_MB * size / MB


def grow(line: str, unit: str, cut: int, width: int) -> str:
    """``line`` with ``unit`` repeated at ``cut`` until the line is about ``width`` characters long."""
    run = unit * max(1, (width - len(line)) // len(unit))
    return line[:cut] + run + line[cut:]


@pytest.mark.parametrize("fmt", list(ReportFormat), ids=lambda f: f.value)
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_megabyte_of_hostile_lines_parses_in_linear_time(fmt: ReportFormat, data: st.DataObject) -> None:
    # A line of the format's seed, with a long run of hostile pieces put inside it, repeated to 1 MB:
    # the parser sees its own grammar up to the run, so each of its patterns gets to work on it.
    lines = SEEDS[fmt].splitlines()
    i = data.draw(st.integers(0, len(lines) - 1), label="line")
    unit = "".join(data.draw(st.lists(st.sampled_from(PIECES), min_size=1, max_size=4), label="unit"))
    cut = data.draw(st.integers(0, len(lines[i])), label="cut")
    grown = grow(lines[i], unit, cut, LONG_LINE)
    copies = MB // len(grown.encode()) + 1
    text = "\n".join([*lines[:i], *([grown] * copies), *lines[i + 1 :]]) + "\n"
    detected = data.draw(st.booleans(), label="detect the format")
    payload = text.encode()
    assert len(payload) >= MB
    elapsed = cpu_seconds(payload, None if detected else fmt)
    assert elapsed < linear_bound(len(payload)), f"{elapsed:.2f} s of CPU for {len(payload)} bytes"


SHAPES = {
    "blank run": " " * LONG_LINE,
    "word and blank": "a " * (LONG_LINE // 2),
    "word and tab": "a\t" * (LONG_LINE // 2),
    "dashes": "-" * LONG_LINE,
    "equals": "=" * LONG_LINE,
    "digits and dots": "1." * (LONG_LINE // 2),
    "digits": "7" * LONG_LINE,
    "colons": ":" * LONG_LINE,
    "blank run between words": "x" + " " * LONG_LINE + "x",
}


@pytest.mark.parametrize("fmt", list(ReportFormat), ids=lambda f: f.value)
@pytest.mark.parametrize("shape", list(SHAPES), ids=lambda s: s.replace(" ", "_"))
def test_named_shapes_after_the_header_parse_in_linear_time(fmt: ReportFormat, shape: str) -> None:
    # The shapes as whole lines after the format's first line, repeated to 1 MB.
    lines = SEEDS[fmt].splitlines()
    copies = MB // len(SHAPES[shape]) + 1
    payload = ("\n".join([lines[0], *([SHAPES[shape]] * copies), *lines[1:]]) + "\n").encode()
    elapsed = cpu_seconds(payload, fmt)
    assert elapsed < linear_bound(len(payload)), f"{elapsed:.2f} s of CPU for {len(payload)} bytes"


def _line_shape(line: str) -> str:
    """Lines that differ only in names and numbers take the same path through a parser."""
    return re.sub(r"\d+", "0", re.sub(r"[A-Za-z_]+", "a", line))


def _grown_variants(line: str) -> list[str]:
    """The real line grown to 20 kB three ways: a blank run inside, blanks then a word at the end,
    and its own text repeated."""
    mid = len(line) // 2
    return [
        grow(line, " ", mid, GROWN_LINE),
        line + " " * GROWN_LINE + "x",
        grow(line, line + " " if line.strip() else "a ", len(line), GROWN_LINE),
    ]


@pytest.mark.samples
@pytest.mark.parametrize("relative", all_samples())
def test_each_sample_line_grown_to_20_kb_parses_in_linear_time(relative: str) -> None:
    path = shared_path("eda-samples", relative)
    lines = path.read_text(encoding="utf-8").splitlines()
    seen: set[str] = set()
    checked = 0
    for i, line in enumerate(lines):
        key = _line_shape(line)
        if key in seen:
            continue
        seen.add(key)
        for grown in _grown_variants(line):
            # Lines up to the grown one give the parser its context; the ones after it do not matter.
            payload = ("\n".join([*lines[:i], grown, *lines[i + 1 : i + 4]]) + "\n").encode()
            elapsed = cpu_seconds(payload, None, path.name)
            assert elapsed < linear_bound(len(payload)), f"line {i + 1}: {elapsed:.2f} s for {len(payload)} bytes"
            checked += 1
    assert checked > 0


def test_the_reported_yosys_case_takes_well_under_a_second() -> None:
    # ~30 lines of 20 kB in a Yosys stat report took 44 s in one regex call before the fix.
    row = "      272   23.795   AND2x2_ASAP7_75t_R" + " " * GROWN_LINE + "x"
    payload = (SEEDS[ReportFormat.YOSYS_STAT] + "\n".join([row] * 30) + "\n").encode()
    assert cpu_seconds(payload, None) < 1.0


def test_the_reported_openroad_drc_case_takes_well_under_a_second() -> None:
    violation = "violation type: Short " + " " * GROWN_LINE + "x\n\tsrcs: net:a " + " " * GROWN_LINE + "b\n"
    bbox = "\tbbox = (1.0, 2.0) - (3.0, 4.0) on Layer metal1 " + " " * GROWN_LINE + "x\n"
    payload = ((violation + "\tbbox = (1.0, 2.0) - (3.0, 4.0) on Layer metal1\n") * 15 + violation + bbox).encode()
    assert cpu_seconds(payload, ReportFormat.OPENROAD_DRC) < 1.0


@pytest.mark.parametrize("fmt", LINE_FORMATS, ids=lambda f: f.value)
def test_a_line_over_the_cap_is_refused_naming_file_and_line(fmt: ReportFormat) -> None:
    lines = SEEDS[fmt].splitlines()
    long_line = "a " * (REPORT_LINE_BYTES // 2)  # with its newline, one byte over the cap
    payload = ("\n".join([*lines[:1], long_line, *lines[1:]]) + "\n").encode()
    with pytest.raises(ReportParseError) as caught:
        parse_bytes(payload, source_name="wide.rpt", fmt=fmt).collect()
    message = str(caught.value)
    assert message.startswith("wide.rpt, line 2:"), message
    assert "at most 64 KiB" in message and "longer than 64 KiB" in message, message
    assert not caught.value.internal


def test_a_line_at_the_cap_is_read() -> None:
    seed = SEEDS[ReportFormat.OPENSTA_SUMMARY]
    at_cap = "x" * (REPORT_LINE_BYTES - 1)  # plus its newline: exactly the cap
    facts = parse_bytes((seed + at_cap + "\n" + seed).encode(), source_name="ok.rpt").collect()
    assert facts.timing_summary


def test_a_multibyte_line_is_capped_by_its_bytes() -> None:
    seed = SEEDS[ReportFormat.OPENSTA_SUMMARY]
    wide = "é" * (REPORT_LINE_BYTES // 2)  # 32 Ki characters, 64 KiB of UTF-8, over the cap with its newline
    with pytest.raises(ReportParseError, match=r"line 11: expected a text line of at most 64 KiB"):
        parse_bytes((seed + wide + "\n").encode(), source_name="wide.rpt").collect()


class _Endless(io.RawIOBase):
    """A stream of one line that never ends, counting what was read from it."""

    def __init__(self, head: bytes) -> None:
        self.head = head
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        n = len(buffer)
        data = (self.head + b"x" * n)[:n]
        self.head = self.head[n:]
        buffer[:n] = data
        self.read_bytes += n
        return n


def test_an_endless_line_is_refused_before_it_is_read_whole() -> None:
    stream = _Endless(b"tns max -1.0\n")
    with pytest.raises(ReportParseError, match=r"endless\.rpt, line 2: expected a text line of at most 64 KiB"):
        parse_report(io.BufferedReader(stream), source_name="endless.rpt", fmt=ReportFormat.OPENSTA_SUMMARY).collect()
    # What the line reader holds at most: the cap plus one read block (and the detection head).
    assert stream.read_bytes <= REPORT_LINE_BYTES + 2 * READ_BLOCK_BYTES + HEAD_BYTES + io.DEFAULT_BUFFER_SIZE
