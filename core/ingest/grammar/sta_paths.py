"""One timing path block (Startpoint … slack) as printed by OpenSTA or Synopsys report_timing.

Both tools print the same header words and closing lines; they differ in the table: OpenSTA puts the
numbers first and an edge marker (^/v) before the description, Synopsys puts the point first and an
r/f marker after the numbers. Columns are mapped by the header's positions because their set and
width change between tool versions (notes §1.1).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from core.ingest.grammar.lines import Line, Lines
from core.ingest.grammar.numbers import is_number, to_float
from core.ingest.grammar.units import TimeUnit
from core.ingest.records import PathPoint, TimingPath

# Every pattern here is linear in the line: no two adjacent quantifiers can match the same character
# unless a literal between them fixes the split, and a lazy group is never followed by optional blanks
# and an anchor (a blank run inside the text would make that quadratic). Possessive quantifiers say
# where nothing is ever given back.
STARTPOINT_RE = re.compile(r"^\s*+Startpoint:(.*)$")
_ENDPOINT_RE = re.compile(r"^\s*+Endpoint:(.*)$")
_WRAPPED_KIND_RE = re.compile(r"^\s++\((.*)\)\s*+$")
_HEADER_FIELDS = frozenset({"Path Group", "Path Type", "Mode", "Corner", "Scenario"})
_DASHES_RE = re.compile(r"^\s*+-{5,}+\s*+$")
_SECTION_BANNER_RE = re.compile(r"^\s*+={10,}+\s*+$")
_SLACK_RE = re.compile(r"^slack \((MET|VIOLATED)[^)]*\)")
_CLOCKED_BY_RE = re.compile(r"clocked by (\S+?)\)?$")
_CLOCK_ROW_RE = re.compile(r"^clock (\S++) \((rise|fall) edge\)")
_PORT_KINDS = frozenset({"in", "out", "inout"})
_PIN_RE = re.compile(r"^(\S++) \(([^()\s]++)\)(?:\s++(\S.*))?$")
_TOKEN_RE = re.compile(r"\S+")
# From a position: blanks, then a whole token that is a number (numbers.is_number's grammar).
# '\d+(?:\.\d*)?' rather than '\d+\.?\d*' (the same numbers): a long digit run splits one way only.
_NUMBER = r"[-+]?(?:\d++(?:\.\d*+)?|\.\d++)(?:[eE][-+]?\d++)?"
_LEADING_NUMBER_RE = re.compile(rf"\s*+({_NUMBER})(?!\S)")
# From a position: blanks, an edge marker as a token of its own, blanks, and the next token's start.
_EDGE_MARK_RE = re.compile(r"\s*+([\^v])\s++(\S)")

# Header words -> the PathPoint field they fill (OpenSTA and Synopsys spellings).
_COLUMN_FIELDS = {
    "Fanout": "fanout",
    "Cap": "cap",
    "Slew": "slew",
    "Trans": "slew",
    "Transition": "slew",
    "Delay": "incr",
    "Incr": "incr",
    "Time": "time",
    "Path": "time",
}
# Synopsys annotations that sit between or after the numbers (back-annotated, estimated, …).
_SYNOPSYS_MARKS = {"r", "f", "*", "&", "e", "~", "H", "^", "v", "<-", "$"}
_EDGE = {"^": "r", "v": "f", "r": "r", "f": "f"}


def _opensta_row_re(columns: int) -> re.Pattern[str]:
    """Up to ``columns`` whole-token numbers (one group each), blanks, then an optional edge marker
    followed by another token (the last group); the match ends where the description starts."""
    numbers = rf"(?:\s*+({_NUMBER})(?!\S))?" * columns
    return re.compile(numbers + r"\s*+(?:([\^v])\s++(?=\S))?")


# The widest numeric column the fast row pattern takes: narrower than any float that could overflow.
_FAST_MAX_WIDTH = 30
_POINT_FIELDS = ("fanout", "cap", "slew", "incr", "time")
_LAYOUT_CACHE_SIZE = 256


@dataclass(frozen=True, slots=True)
class FastRows:
    """One regex match for an OpenSTA table row in the layout's exact shape (nearly every row of a report).

    Each numeric column is a fixed-width field ending at its header word's right edge, holding either
    blanks or one right-aligned number; then the edge-marker column, then the description at its
    column: ``name (word)`` with an optional source attribute (a path point, in groups) or any other
    text. A row of that shape reads the same as through ``ColumnLayout.parse`` (a number ending on a
    column's edge is that column's); any other row (a number overflowing its field, a description out
    of its column, a blank or dashed line) does not match and takes the general path.
    """

    match: Callable[[str], re.Match[str] | None]
    width: int  # numeric fields; the groups after them are marker, name, word in brackets, source
    names: tuple[str, ...]  # the column of each numeric field
    # Index into [field values..., None] of each point column: ``width`` for a column the layout lacks.
    fanout: int
    cap: int
    slew: int
    incr: int
    time: int

    @classmethod
    def for_layout(cls, layout: ColumnLayout) -> FastRows | None:
        if layout.synopsys or not layout.columns:
            return None
        names = [name for name, _ in layout.columns]
        if len(set(names)) != len(names):
            return None
        parts = ["^"]
        start = 0
        for _, edge in layout.columns:
            width = edge - start
            if not 2 <= width <= _FAST_MAX_WIDTH:
                return None
            parts.append(rf"( {{{width}}}| [ \d.\-]{{{width - 2}}}\d)")
            start = edge
        gap = layout.desc_col - start
        if gap < 3:
            return None
        parts.append(rf" {{{gap - 2}}}([\^v ]) ")
        # The description: 'name (word)' with an optional source (groups), or anything else (no groups).
        # Free text is '\S(?:.*\S)?' (greedy, ending on the last visible character) rather than '\S.*?'
        # before the trailing blanks, which would retry the blanks at every character: quadratic.
        parts.append(r"(?:(\S++) \(([^()\s]++)\)(?:\s++(\S(?:.*\S)?))?|\S(?:.*\S)?)\s*+$")
        index = {name: i for i, name in enumerate(names)}
        n = len(names)
        return cls(re.compile("".join(parts)).match, n, tuple(names), *(index.get(f, n) for f in _POINT_FIELDS))


@dataclass(slots=True)
class Row:
    numbers: dict[str, float]
    edge: str | None
    description: str


@dataclass(slots=True)
class ColumnLayout:
    """Where each numeric column ends and where the description starts, read from the header line."""

    synopsys: bool
    columns: list[tuple[str, int]]  # (field, right edge)
    desc_col: int
    has_src_attr: bool
    # Right edge of a number -> the column nearest to it, filled in as edges are seen.
    _nearest: dict[int, str] = field(default_factory=dict, repr=False, compare=False)
    _row_re: re.Pattern[str] | None = field(default=None, repr=False, compare=False)
    fast: FastRows | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.fast = FastRows.for_layout(self)

    @classmethod
    def from_header(cls, text: str) -> ColumnLayout | None:
        words = [(m.group(), m.start(), m.end()) for m in _TOKEN_RE.finditer(text)]
        names = [w for w, _, _ in words]
        if "Description" in names:
            desc = next(s for w, s, _ in words if w == "Description")
            cols = [(_COLUMN_FIELDS[w], e) for w, s, e in words if s < desc and w in _COLUMN_FIELDS]
            return cls(False, cols, desc, "Src" in names)
        if names and names[0] == "Point" and ("Path" in names or "Incr" in names):
            cols = [(_COLUMN_FIELDS[w], e) for w, _, e in words[1:] if w in _COLUMN_FIELDS]
            return cls(True, cols, words[0][1], False)
        return None

    def parse(self, text: str) -> Row:
        return self._parse_synopsys(text) if self.synopsys else self._parse_opensta(text)

    def _parse_opensta(self, text: str) -> Row:
        # Numbers are right-aligned left of the edge-marker column (two left of the description): take
        # whole-token numbers starting before it, then an optional ^/v marker, then the description.
        # One match of the layout's row pattern reads a row with up to one number per column; rows it
        # cannot settle (more numbers, or one starting too far right) carry on token by token.
        row_re = self._row_re
        if row_re is None:
            # One group more than there are columns, so a row with a number in every column is settled too.
            row_re = self._row_re = _opensta_row_re(len(self.columns) + 1)
        m = row_re.match(text)
        assert m is not None  # every part of the pattern is optional
        groups = m.groups()
        limit = self.desc_col - 2
        nums: list[tuple[int, float]] = []
        pos = 0
        last = len(groups) - 1  # the edge marker's group; the numbers' come before it
        for i in range(last):
            token = groups[i]
            if token is None:
                break
            if m.start(i + 1) >= limit:
                return self._parse_opensta_rest(text, nums, pos)
            value = float(token)
            pos = m.end(i + 1)
            if value - value == 0.0:  # finite (INF and NaN are not numbers here)
                nums.append((pos, value))
        else:
            return self._parse_opensta_rest(text, nums, pos)
        edge = None
        mark = groups[last]
        if mark is None:
            description = text[m.end() :].rstrip()
        elif m.start(last + 1) < self.desc_col:
            edge = _EDGE[mark]
            description = text[m.end() :].rstrip()
        else:
            description = text[m.start(last + 1) :].rstrip()
        return Row(self._assign(nums) if nums else {}, edge, description)

    def _parse_opensta_rest(self, text: str, nums: list[tuple[int, float]], pos: int) -> Row:
        """Carry on from ``pos`` (after the numbers in ``nums``) one token at a time."""
        limit = self.desc_col - 2
        match = _LEADING_NUMBER_RE.match
        while (m := match(text, pos)) is not None and m.start(1) < limit:
            value = float(m.group(1))
            if value - value == 0.0:
                nums.append((m.end(1), value))
            pos = m.end()
        edge = None
        m = _EDGE_MARK_RE.match(text, pos)
        if m is not None and m.start(1) < self.desc_col:
            edge = _EDGE[m.group(1)]
            description = text[m.start(2) :].rstrip()
        else:
            description = text[pos:].strip()
        return Row(self._assign(nums) if nums else {}, edge, description)

    def _parse_synopsys(self, text: str) -> Row:
        tokens = [(m.start(), m.end(), m.group()) for m in _TOKEN_RE.finditer(text)]
        nums: list[tuple[int, float]] = []
        edge = None
        j = len(tokens)
        while j > 0:
            word = tokens[j - 1][2]
            if is_number(word):
                value = to_float(word)
                if value is not None:
                    nums.append((tokens[j - 1][1], value))
            elif word in _SYNOPSYS_MARKS:
                if word in ("r", "f") and edge is None and not nums:
                    edge = word
            else:
                break
            j -= 1
        nums.reverse()
        description = text[: tokens[j - 1][1]].strip() if j > 0 else ""
        return Row(self._assign(nums), edge, description)

    def _assign(self, nums: list[tuple[int, float]]) -> dict[str, float]:
        """Give each number the column whose right edge is nearest; fall back to right-to-left order."""
        if not nums:
            return {}
        out: dict[str, float] = {}
        if self.columns:
            nearest = self._nearest
            for end, value in nums:
                name = nearest.get(end)
                if name is None:
                    name = nearest[end] = min(self.columns, key=lambda c: abs(c[1] - end))[0]
                if name in out:
                    break
                out[name] = value
            else:
                return out
        order = [name for name, _ in self.columns] or ["incr", "time"]
        out = {}
        for (_, value), name in zip(reversed(nums), reversed(order), strict=False):
            out[name] = value
        return out


@dataclass(slots=True)
class PathScope:
    """Where a path sits in its report (section, stage, corner), set by the enclosing parser."""

    stage: str | None = None
    report_section: str | None = None
    corner: str | None = None


@dataclass(slots=True)
class _PathState:
    start_line: int
    startpoint: str
    startpoint_kind: str | None
    endpoint: str | None = None
    endpoint_kind: str | None = None
    path_group: str | None = None
    path_type: str | None = None
    mode: str | None = None
    corner: str | None = None
    scenario: str | None = None
    points: list[PathPoint] = field(default_factory=list)
    arrival: float | None = None
    required: float | None = None
    slack: float | None = None
    status: str | None = None
    launch_clock: tuple[str, str, float | None] | None = None
    capture_clock: tuple[str, str, float | None] | None = None
    setup_hold_time: float | None = None
    clock_uncertainty: float | None = None
    crpr: float | None = None


class PathReader:
    """Reads one path block at a time from a shared line stream, numbering paths across the report."""

    def __init__(self, lines: Lines, unit: TimeUnit) -> None:
        self.lines = lines
        self.unit = unit
        self.count = 0
        # Header line -> its layout (None: not a header). A report repeats one or two headers for
        # thousands of paths; the cap keeps a report of ever-new header-like lines from growing it.
        self._layouts: dict[str, ColumnLayout | None] = {}

    def _layout(self, text: str) -> ColumnLayout | None:
        try:
            return self._layouts[text]
        except KeyError:
            layout = ColumnLayout.from_header(text)
            if len(self._layouts) < _LAYOUT_CACHE_SIZE:
                self._layouts[text] = layout
            return layout

    def read(self, first: Line, scope: PathScope) -> TimingPath:
        """Parse the block whose ``Startpoint:`` line is ``first`` up to and including its slack line."""
        name, kind = self._endpoint_name(first, STARTPOINT_RE, "Startpoint")
        st = _PathState(first.no, name, kind)
        layout = self._read_header(st)
        self._read_body(st, layout)
        self.count += 1
        return self._build(st, scope)

    def _endpoint_name(self, line: Line, regex: re.Pattern[str], label: str) -> tuple[str, str | None]:
        m = regex.match(line.text)
        assert m is not None
        rest = m.group(1).strip()
        if not rest:
            raise self.lines.error(f"a pin or port name after '{label}:'", line)
        name, _, tail = rest.partition(" ")
        if is_number(name):
            raise self.lines.error(f"a pin or port name after '{label}:', not a number", line)
        tail = tail.strip()
        kind: str | None = None
        if tail.startswith("(") and tail.endswith(")"):
            kind = tail[1:-1]
        elif tail:
            raise self.lines.error(f"'{label}: <name> (<kind>)'", line)
        else:
            nxt = self.lines.peek()
            if nxt is not None:
                wrapped = _WRAPPED_KIND_RE.match(nxt.text)
                if wrapped is not None:
                    next(self.lines)
                    kind = wrapped.group(1)
        return name, kind

    def _read_header(self, st: _PathState) -> ColumnLayout:
        for line in self.lines:
            text = line.text
            if _ENDPOINT_RE.match(text):
                st.endpoint, st.endpoint_kind = self._endpoint_name(line, _ENDPOINT_RE, "Endpoint")
                continue
            key, colon, value = text.strip().partition(":")
            if colon and key in _HEADER_FIELDS:
                value = value.strip()
                if key == "Path Type":
                    kind = value.split()[0] if value else ""
                    if kind not in ("max", "min"):
                        raise self.lines.error("'Path Type: max' or 'Path Type: min'", line)
                    st.path_type = kind
                elif key == "Path Group":
                    st.path_group = value
                elif key == "Mode":
                    st.mode = value
                elif key == "Corner":
                    st.corner = value
                else:
                    st.scenario = value
                continue
            layout = self._layout(text)
            if layout is not None:
                if st.endpoint is None:
                    raise self.lines.error(f"an 'Endpoint:' line for the path starting at line {st.start_line}", line)
                if st.path_type is None:
                    raise self.lines.error(f"a 'Path Type:' line for the path starting at line {st.start_line}", line)
                return layout
            if STARTPOINT_RE.match(text) or "data arrival time" in text or text.lstrip().startswith("slack ("):
                raise self.lines.error(f"the column header of the path starting at line {st.start_line}", line)
        raise self.lines.error(f"the column header of the path starting at line {st.start_line}")

    def _read_body(self, st: _PathState, layout: ColumnLayout) -> None:
        phase = "launch"  # launch -> capture -> check
        pending: str | None = None  # a Synopsys point name whose numbers wrapped to the next line
        parse = layout._parse_synopsys if layout.synopsys else layout._parse_opensta  # layout.parse, one call less
        fast = layout.fast
        fast_match = fast.match if fast is not None else _no_match
        points = st.points
        to_ns = self.unit.to_ns
        for line in self.lines.rest():  # no look-ahead in here
            text = line.text
            row: Row | None = None
            if (m := fast_match(text)) is not None:
                # A row in the layout's exact shape: numbers and marker in their fields, the description at
                # its column. Path points (most rows) are made here; other rows go on with the Row read.
                assert fast is not None
                g = m.groups()
                width = fast.width
                try:
                    values = [None if f[-1] == " " else float(f) for f in g[:width]]
                except ValueError:
                    values = None  # e.g. '1 2' or '1.2.3' in one field: the general read says what it is
                if values is not None:
                    mark, name, what, src = g[width:]
                    edge = _EDGE.get(mark)
                    if name is not None and name != "slack" and phase != "check":
                        cell = None
                        if what == "net":
                            kind = "net"
                        elif what in _PORT_KINDS:
                            kind = "port"
                        elif edge is not None or values.count(None) < width:
                            kind, cell = "pin", what
                        else:
                            kind = ""  # a constraint line shaped like a pin: the Row read below
                        if kind:
                            if kind != "pin" and not layout.has_src_attr:
                                src = None
                            values.append(None)
                            fanout, slew = values[fast.fanout], values[fast.slew]
                            incr, time = values[fast.incr], values[fast.time]
                            points.append(
                                _new_point(
                                    (
                                        len(points),
                                        name,
                                        cell,
                                        kind,
                                        edge,
                                        int(fanout) if fanout is not None and fanout.is_integer() else None,
                                        values[fast.cap],
                                        None if slew is None else slew * to_ns,
                                        None if incr is None else incr * to_ns,
                                        None if time is None else time * to_ns,
                                        phase == "capture",
                                        src,
                                    )
                                )
                            )
                            continue
                    numbers = {fast.names[i]: v for i, v in enumerate(values[:width]) if v is not None}
                    row = Row(numbers, edge, text[layout.desc_col :].rstrip())
            if row is None:
                stripped = text.strip()
                if not stripped:
                    continue
                # The first visible character rules out most of the line patterns before any regex runs.
                first = stripped[0]
                if first == "-" and _DASHES_RE.match(text):
                    continue
                if (first == "S" and STARTPOINT_RE.match(text)) or (first == "=" and _SECTION_BANNER_RE.match(text)):
                    # A new path or an ORFS/OpenLane section banner: this path was cut short.
                    raise self.lines.error(
                        "a 'slack (MET)' or 'slack (VIOLATED)' line ending the path that starts at line "
                        f"{st.start_line}",
                        line,
                    )
                if first == "(" and stripped == "(Path is unconstrained)":
                    return
                row = parse(text)
                if pending is not None:
                    if not row.description:
                        row.description = pending
                    pending = None
            desc = row.description
            if desc == "data arrival time":
                value = self._closing_value(row, line, desc)
                if phase == "launch":
                    st.arrival = value
                    phase = "capture"
                continue
            if desc == "data required time":
                value = self._closing_value(row, line, desc)
                if phase == "capture":
                    st.required = value
                    phase = "check"
                continue
            if desc.startswith("slack"):
                m = _SLACK_RE.match(desc)
                if m is None:
                    raise self.lines.error("'slack (MET)' or 'slack (VIOLATED)'", line)
                if st.arrival is None:
                    raise self.lines.error(
                        f"a 'data arrival time' line before the slack of the path starting at line {st.start_line}",
                        line,
                    )
                st.slack = self._closing_value(row, line, desc)
                st.status = m.group(1)
                return
            if phase == "check":
                continue  # PT adds adjustment lines between required and slack; they are not points
            if layout.synopsys and not row.numbers and desc and not desc.endswith("(net)"):
                pending = desc  # long Synopsys names put their numbers on the next line
                continue
            self._add_point(st, row, phase == "capture", layout)
        raise self.lines.error(
            f"a 'slack (MET)' or 'slack (VIOLATED)' line ending the path that starts at line {st.start_line}"
        )

    def _closing_value(self, row: Row, line: Line, label: str) -> float:
        value = row.numbers.get("time")
        if value is None and row.numbers:
            value = list(row.numbers.values())[-1]
        if value is None:
            raise self.lines.error(f"a number on the '{label}' line", line)
        return value

    def _add_point(self, st: _PathState, row: Row, is_capture: bool, layout: ColumnLayout) -> None:
        desc = row.description
        nums = row.numbers
        incr = nums.get("incr")
        time = nums.get("time")
        src: str | None = None
        cell: str | None = None
        m = _CLOCK_ROW_RE.match(desc) if desc.startswith("clock ") else None
        if m is not None:
            kind, point = "clock", desc
            clock = (m.group(1), m.group(2), time)
            if is_capture and st.capture_clock is None:
                st.capture_clock = clock
            elif not is_capture and st.launch_clock is None:
                st.launch_clock = clock
        elif (m := _PIN_RE.match(desc)) is not None and (
            (what := m.group(2)) == "net" or what in _PORT_KINDS or row.edge is not None or nums
        ):
            # 'name (net)', 'name (in|out|inout)' and 'name (cell)' share one shape; the word in
            # brackets tells them apart (a pin needs an edge or a number, else it is a constraint).
            point, src = m.group(1), m.group(3)
            if what == "net":
                kind = "net"
            elif what in _PORT_KINDS:
                kind = "port"
            else:
                kind, cell = "pin", what
        else:
            kind, point = "constraint", desc
            if desc.startswith("library setup time") or desc.startswith("library hold time"):
                st.setup_hold_time = incr
            elif desc.startswith("clock uncertainty"):
                st.clock_uncertainty = incr
            elif desc.startswith("clock reconvergence pessimism") and incr is not None:
                st.crpr = (st.crpr or 0.0) + incr
        if not layout.has_src_attr and not layout.synopsys:
            src = None if kind != "pin" else src
        fanout = nums.get("fanout")
        fanout_count = int(fanout) if fanout is not None and fanout.is_integer() else None
        slew = nums.get("slew")
        to_ns = self.unit.to_ns
        st.points.append(
            _new_point(
                (
                    len(st.points),
                    point,
                    cell,
                    kind,
                    row.edge,
                    fanout_count,
                    nums.get("cap"),
                    None if slew is None else slew * to_ns,
                    None if incr is None else incr * to_ns,
                    None if time is None else time * to_ns,
                    is_capture,
                    src,
                )
            )
        )

    def _build(self, st: _PathState, scope: PathScope) -> TimingPath:
        unit = self.unit
        assert st.endpoint is not None and st.path_type is not None
        launch = st.launch_clock
        capture = st.capture_clock
        launch_name = launch[0] if launch else _clock_of(st.startpoint_kind)
        capture_name = capture[0] if capture else _clock_of(st.endpoint_kind)
        period = None
        if (
            st.path_type == "max"
            and launch is not None
            and capture is not None
            and launch[0] == capture[0]
            and launch[2] is not None
            and capture[2] is not None
            and capture[2] > launch[2]
        ):
            period = capture[2] - launch[2]
        return TimingPath(
            path_index=self.count - 1,
            stage=scope.stage,
            report_section=scope.report_section,
            corner=st.corner if st.corner is not None else scope.corner,
            mode=st.mode,
            scenario=st.scenario,
            path_group=st.path_group,
            path_type=st.path_type,
            startpoint=st.startpoint,
            startpoint_kind=st.startpoint_kind,
            endpoint=st.endpoint,
            endpoint_kind=st.endpoint_kind,
            launch_clock=launch_name,
            launch_edge=launch[1] if launch else None,
            capture_clock=capture_name,
            capture_edge=capture[1] if capture else None,
            arrival=unit.ns(st.arrival),
            required=unit.ns(st.required),
            slack=unit.ns(st.slack),
            status=st.status,
            clock_period=unit.ns(period),
            setup_hold_time=unit.ns(st.setup_hold_time),
            clock_uncertainty=unit.ns(st.clock_uncertainty),
            crpr=unit.ns(st.crpr),
            logic_depth=_logic_depth(st),
            time_unit=unit.label,
            points=tuple(st.points),
            line_no=st.start_line,
        )


def _no_match(text: str) -> None:
    return None


_new_point = partial(tuple.__new__, PathPoint)  # PathPoint(*row) without the namedtuple's Python-level __new__


def _clock_of(kind: str | None) -> str | None:
    if not kind:
        return None
    m = _CLOCKED_BY_RE.search(kind)
    return m.group(1) if m else None


def _instance(pin: str) -> str:
    return pin.rsplit("/", 1)[0] if "/" in pin else pin


def _logic_depth(st: _PathState) -> int | None:
    """Cells between the startpoint and the endpoint on the data path (clock tree buffers excluded)."""
    data = [p for p in st.points if not p.is_capture and p.point_kind in ("pin", "port")]
    start = next((i for i, p in enumerate(data) if _instance(p.point) == st.startpoint), None)
    if start is None:
        return None
    end_inst = st.endpoint
    cells = {_instance(p.point) for p in data[start:]} - {st.startpoint, end_inst}
    return len(cells)
