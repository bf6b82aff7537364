"""The fast paths of the text reader and the OpenSTA row parser give exactly what the plain,
line-by-line and token-by-token readings give (those are kept here as the reference)."""

from __future__ import annotations

import io
import random
import re

import pytest

from core.ingest.errors import ReportParseError
from core.ingest.format_ids import ReportFormat
from core.ingest.formats.reports import parse_text
from core.ingest.grammar.lines import MAX_LINE_BYTES, READ_BLOCK_BYTES, Cursor, Line, decode_line, read_lines
from core.ingest.grammar.numbers import is_number, to_float
from core.ingest.grammar.sta_paths import ColumnLayout, FastRows, Row
from core.ingest.records import PathPoint, QorMetric, TimingPath

_TOKEN_RE = re.compile(r"\S+")


def reference_lines(data: bytes) -> list[Line] | tuple[list[Line], str]:
    """readline() per line with every check: the reading read_lines must match."""
    cursor = Cursor("x")
    stream = io.BytesIO(data)
    out: list[Line] = []
    no = 0
    while raw := stream.readline(MAX_LINE_BYTES + 1):
        no += 1
        try:
            if len(raw) > MAX_LINE_BYTES:
                raise cursor.error("a text line shorter than 1 MiB", "a longer line (is this a binary file?)", no)
            out.append(Line(no, decode_line(raw, no, cursor)))
        except ReportParseError as exc:
            return out, str(exc)
    return out


def fast_lines(data: bytes) -> list[Line] | tuple[list[Line], str]:
    out: list[Line] = []
    try:
        for line in read_lines(io.BytesIO(data), Cursor("x")):
            out.append(line)
    except ReportParseError as exc:
        return out, str(exc)
    return out


def _text(rng: random.Random, lines: int) -> bytes:
    words = ["a", "  0.12", "é", "\t", "ß/Q (DFF)", "-----", "x" * 300, "", "\r"]
    return b"\n".join("".join(rng.choices(words, k=rng.randint(0, 6))).encode() for _ in range(lines))


@pytest.mark.parametrize("seed", range(6))
def test_read_lines_matches_line_by_line_reading(seed: int) -> None:
    rng = random.Random(seed)
    data = _text(rng, 4000)  # several read blocks
    assert len(data) > 2 * READ_BLOCK_BYTES
    variants = [
        data,
        data + b"\n",
        b"\xef\xbb\xbf" + data,
        data.replace(b"\n", b"\r\n"),
        data[: READ_BLOCK_BYTES - 1] + "é".encode() + data[READ_BLOCK_BYTES - 1 :],
    ]
    cut = rng.randrange(len(data))
    variants += [
        data[:cut] + b"\x00" + data[cut:],
        data[:cut] + b"\xff" + data[cut:],
        data[:cut] + b"y" * MAX_LINE_BYTES + data[cut:],
        data[:cut] + b"\n" + b"z" * (MAX_LINE_BYTES - 1) + b"\n" + data[cut:],
        data + b"w" * (MAX_LINE_BYTES + 3),
    ]
    for variant in variants:
        assert fast_lines(variant) == reference_lines(variant)


def reference_row(layout: ColumnLayout, text: str) -> Row:
    """The token-by-token reading of an OpenSTA row."""
    tokens = [(m.start(), m.end(), m.group()) for m in _TOKEN_RE.finditer(text)]
    nums: list[tuple[int, float]] = []
    i = 0
    while i < len(tokens) and tokens[i][0] < layout.desc_col - 2 and is_number(tokens[i][2]):
        value = to_float(tokens[i][2])
        if value is not None:
            nums.append((tokens[i][1], value))
        i += 1
    edge = None
    if i + 1 < len(tokens) and tokens[i][2] in ("^", "v") and tokens[i][0] < layout.desc_col:
        edge = {"^": "r", "v": "f"}[tokens[i][2]]
        i += 1
    description = text[tokens[i][0] :].rstrip() if i < len(tokens) else ""
    return Row(layout._assign(nums), edge, description)


HEADERS = [
    "  Delay    Time   Description",
    "Fanout     Cap    Slew   Delay    Time   Description",
    "    Cap    Slew   Delay    Time   Description                          Src Attr",
    "Description",
]


@pytest.mark.parametrize("header", HEADERS)
def test_opensta_rows_parse_as_token_by_token(header: str) -> None:
    layout = ColumnLayout.from_header(header)
    assert layout is not None and not layout.synopsys
    rng = random.Random(header)
    pieces = [
        " ",
        "   ",
        "\t",
        "0.00",
        "-12.5",
        "1e3",
        "INF",
        "+.5",
        "1.",
        "3",
        "1e999",
        "^",
        "v",
        "x",
        "u1/Z (BUF)",
        "clock clk (rise edge)",
        "data arrival time",
        "slack (MET)",
        "7abc",
        "\u00a0",
        "vdd",
    ]
    for _ in range(3000):
        text = "".join(rng.choices(pieces, k=rng.randint(0, 12)))
        assert layout.parse(text) == reference_row(layout, text), repr(text)


def test_record_columns_are_computed_once_and_match_row() -> None:
    assert TimingPath.columns() is TimingPath.columns()
    assert "points" not in TimingPath.columns() and "line_no" not in TimingPath.columns()
    point = PathPoint(0, "p", None, "pin", "r", None, None, None, 0.1, 0.1, False)
    assert tuple(point.row()) == PathPoint.columns()
    metric = QorMetric(None, "m", {"a": "b"}, 1.0, None, None, "m")
    assert metric.row()["qualifiers"] == {"a": "b"} and tuple(metric.row()) == QorMetric.columns()


# ---- whole paths: the fixed-width row match against the general row reading -----------------------------

_DESCRIPTIONS = [
    "u1/Z (BUF_X1)",
    "r2/Q (DFF_X1)",
    "n1 (net)",
    "in1 (in)",
    "out1 (out)",
    "io (inout)",
    "u3/A (sky130_fd_sc_hd__inv_1) synthesis/tests/counter.v:22.3-28.6",
    "u4/B (AND2)   ",
    "clock clk (rise edge)",
    "clock network delay (ideal)",
    "clock reconvergence pessimism",
    "library setup time",
    "input external delay",
    "odd (thing)",
    "slack (MET)",
    "v weird/name (INV)",
    "x (a b)",
]
_NUMBERS = ["0.00", "-12.50", "3", "123.456", ".5", "1e3", "1 2", "--1", "7.", "INF", "1.2.3", "12345678.1234"]


def _row(rng: random.Random, layout: ColumnLayout, description: str | None = None) -> str:
    out = ""
    start = 0
    for _, edge in layout.columns:
        width = edge - start
        r = rng.random()
        if r < 0.4:
            field = " " * width
        elif r < 0.9:
            field = rng.choice(_NUMBERS).rjust(width)  # aligned, or wider than its field
        else:
            field = (rng.choice(_NUMBERS) + " ").rjust(width)  # one left of its edge
        out += field
        start = edge
    gap = layout.desc_col - len(out)
    mark = rng.choice([" ", " ", "^", "v", "x"])
    lead = " " * max(gap - 2, 0) + mark + " " if gap >= 2 else " "
    if rng.random() < 0.05:
        lead += " "  # the description one column late
    return out + lead + (description if description is not None else rng.choice(_DESCRIPTIONS))


def _block(rng: random.Random, header: str, layout: ColumnLayout) -> str:
    def time_row(label: str) -> str:
        return _row(rng, layout, label) if rng.random() < 0.3 else " " * (layout.desc_col - 7) + "  1.00 " + label

    launch = [_row(rng, layout) for _ in range(rng.randint(1, 8))]
    capture = [_row(rng, layout) for _ in range(rng.randint(0, 4))]
    lines = [
        "Startpoint: a (input port clocked by clk)",
        "Endpoint: b (output port clocked by clk)",
        "Path Group: clk",
        f"Path Type: {rng.choice(['max', 'min'])}",
        "",
        header,
        "-" * 60,
        *launch,
        time_row("data arrival time"),
        "",
        *capture,
        time_row("data required time"),
        "-" * 60,
        time_row("data required time"),
        time_row("data arrival time"),
        "-" * 60,
        time_row(rng.choice(["slack (MET)", "slack (VIOLATED)"])),
        "",
    ]
    return "\n".join(lines)


def _paths(text: str) -> list[TimingPath] | str:
    try:
        return parse_text(text, fmt=ReportFormat.OPENSTA_CHECKS).collect().timing_paths
    except ReportParseError as exc:
        return str(exc)


@pytest.mark.parametrize("header", HEADERS[:3])
def test_paths_read_through_the_fixed_width_match_equal_the_general_reading(
    header: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    layout = ColumnLayout.from_header(header)
    assert layout is not None and layout.fast is not None
    rng = random.Random(f"paths {header}")
    reports = ["".join(_block(rng, header, layout) for _ in range(rng.randint(1, 4))) for _ in range(400)]
    fast = [_paths(text) for text in reports]
    monkeypatch.setattr(FastRows, "for_layout", classmethod(lambda cls, layout: None))
    general = [_paths(text) for text in reports]
    for text, got, expected in zip(reports, fast, general, strict=True):
        assert got == expected, text
    read = [p for paths in fast if isinstance(paths, list) for p in paths]
    # The generator is meant to reach every kind of row and most reports parse; check that it does.
    assert len(read) > 150 and sum(1 for r in fast if isinstance(r, str)) > 20
    point_rows = [m for text in reports for line in text.splitlines() if (m := layout.fast.match(line))]
    assert sum(1 for m in point_rows if m.group(len(layout.columns) + 2) is not None) > 500
    kinds = {pt.point_kind for p in read for pt in p.points}
    assert kinds == {"pin", "port", "net", "clock", "constraint"}
    assert any(pt.src_attr for p in read for pt in p.points)


def test_the_fixed_width_match_is_taken_for_an_aligned_point_row() -> None:
    layout = ColumnLayout.from_header("Fanout     Cap    Slew   Delay    Time   Description")
    assert layout is not None and layout.fast is not None
    m = layout.fast.match("     8   28.59   19.70   20.93   29.54 ^ clkbuf_0_clk/Y (BUFx16f_ASAP7_75t_R)")
    assert m is not None
    assert m.groups() == (
        "     8",
        "   28.59",
        "   19.70",
        "   20.93",
        "   29.54",
        "^",
        "clkbuf_0_clk/Y",
        "BUFx16f_ASAP7_75t_R",
        None,
    )
    assert layout.fast.match("   100000    1.00 ^ x (BUF)") is None, "a number wider than its field"
