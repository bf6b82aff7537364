"""The fast paths of the text reader and the OpenSTA row parser give exactly what the plain,
line-by-line and token-by-token readings give (those are kept here as the reference)."""

from __future__ import annotations

import io
import random
import re

import pytest

from core.ingest.errors import ReportParseError
from core.ingest.lines import MAX_LINE_BYTES, READ_BLOCK_BYTES, Cursor, Line, decode_line, read_lines
from core.ingest.numbers import is_number, to_float
from core.ingest.records import PathPoint, QorMetric, TimingPath
from core.ingest.sta_paths import ColumnLayout, Row

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
