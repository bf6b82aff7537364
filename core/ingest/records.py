"""Typed fact records (one class per canonical table of notes §4) and the ParsedReport that carries them."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, ClassVar, NamedTuple

from core.ingest.format_ids import AnyFormat, ReportKind, kind_for


@dataclass(slots=True)
class RunInfo:
    """What is known about the run that produced a report.

    Parsers fill fields in as they stream (a Synopsys header names the design, ORFS sections name the
    stage), so the record is final only once ``ParsedReport.facts`` has been exhausted.
    """

    source_name: str
    format: AnyFormat
    source_tool: str
    design: str | None = None
    platform: str | None = None
    flow_variant: str | None = None
    stage: str | None = None
    corner: str | None = None
    run_tag: str | None = None
    started_at: datetime | None = None
    tool_version: str | None = None
    scripts_commit: str | None = None
    run_uuid: str | None = None
    time_unit: str | None = None  # the report's own unit; every stored time is in ns
    power_unit: str = "W"
    schema_version: str | None = None


# Per record class: the fields that are columns of its table, computed once (see Fact.columns).
_COLUMNS: dict[type, tuple[str, ...]] = {}


class Fact:
    """Base of every fact record; ``TABLE`` is the canonical table (notes §4) it is loaded into."""

    __slots__ = ()
    TABLE: ClassVar[str]
    # Fields that are not columns of ``TABLE`` (nested records, parser bookkeeping).
    NOT_COLUMNS: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def columns(cls) -> tuple[str, ...]:
        """The fields stored as columns of ``TABLE``, in field order (computed once per class)."""
        cols = _COLUMNS.get(cls)
        if cols is None:
            cols = tuple(f.name for f in fields(cls) if f.name not in cls.NOT_COLUMNS)  # type: ignore[arg-type]
            _COLUMNS[cls] = cols
        return cols

    def row(self) -> dict[str, Any]:
        """Column name -> value, as the loader writes it."""
        return {name: getattr(self, name) for name in self.columns()}


POINTS_TABLE = "timing_path_points"


class PathPoint(NamedTuple):
    """One row of a path's table (a pin, port, net, clock or constraint line), for ``POINTS_TABLE``.

    A tuple rather than a Fact dataclass: a large timing report has over a million of them, and a
    tuple is made in a fraction of the time, and is already the row the loader copies (fields in
    column order).
    """

    seq: int
    point: str
    cell: str | None
    point_kind: str  # pin | port | net | clock | constraint
    edge: str | None  # 'r' | 'f'
    fanout: int | None
    cap: float | None  # library capacitance unit as printed (pF for JSON reports)
    slew: float | None  # ns
    incr: float | None  # ns
    path_time: float | None  # ns
    is_capture: bool
    src_attr: str | None = None

    @classmethod
    def columns(cls) -> tuple[str, ...]:
        return cls._fields

    def row(self) -> dict[str, Any]:
        return self._asdict()


# Not frozen, unlike the other records: a frozen dataclass sets each of its 30 fields through
# object.__setattr__, which made building one path cost as much as reading several of its lines.
@dataclass(slots=True)
class TimingPath(Fact):
    TABLE: ClassVar[str] = "timing_paths"
    NOT_COLUMNS: ClassVar[frozenset[str]] = frozenset({"points", "line_no"})
    path_index: int
    stage: str | None
    report_section: str | None
    corner: str | None
    mode: str | None
    scenario: str | None
    path_group: str | None
    path_type: str  # max (setup) | min (hold)
    startpoint: str
    startpoint_kind: str | None
    endpoint: str
    endpoint_kind: str | None
    launch_clock: str | None
    launch_edge: str | None
    capture_clock: str | None
    capture_edge: str | None
    arrival: float | None  # ns
    required: float | None  # ns
    slack: float | None  # ns
    status: str | None  # MET | VIOLATED (the report's word); None when unconstrained
    clock_period: float | None
    setup_hold_time: float | None
    clock_uncertainty: float | None
    crpr: float | None
    logic_depth: int | None
    time_unit: str | None
    points: tuple[PathPoint, ...] = ()
    line_no: int = 0  # where the path starts in the report, for messages


@dataclass(frozen=True, slots=True)
class TimingSummary(Fact):
    TABLE: ClassVar[str] = "timing_summary"
    stage: str | None
    corner: str | None
    path_group: str  # '*' for design level
    setup_wns: float | None = None
    setup_tns: float | None = None
    setup_ws: float | None = None
    hold_wns: float | None = None
    hold_tns: float | None = None
    hold_ws: float | None = None
    setup_vio_count: int | None = None
    hold_vio_count: int | None = None
    fmax_mhz: float | None = None
    clock_period: float | None = None
    clock_skew_setup: float | None = None
    clock_skew_hold: float | None = None
    max_slew_vio: int | None = None
    max_cap_vio: int | None = None
    max_fanout_vio: int | None = None


@dataclass(frozen=True, slots=True)
class QorMetric(Fact):
    TABLE: ClassVar[str] = "qor_metrics"
    stage: str | None
    metric: str
    qualifiers: Mapping[str, str]
    value_num: float | None
    value_text: str | None
    unit: str | None
    raw_key: str

    def row(self) -> dict[str, Any]:
        out = Fact.row(self)
        out["qualifiers"] = dict(self.qualifiers)
        return out


@dataclass(frozen=True, slots=True)
class QorRule(Fact):
    TABLE: ClassVar[str] = "qor_rules"
    design: str | None
    platform: str | None
    flow_variant: str | None
    metric_key: str
    threshold: float | None
    threshold_text: str | None
    compare: str
    level: str | None
    source_commit: str | None


@dataclass(frozen=True, slots=True)
class CellUsage(Fact):
    TABLE: ClassVar[str] = "cell_usage"
    stage: str | None
    module: str
    cell_type: str
    count: int
    area: float | None


@dataclass(frozen=True, slots=True)
class PowerRow(Fact):
    TABLE: ClassVar[str] = "power_summary"
    stage: str | None
    corner: str | None
    grp: str  # Sequential | Combinational | Clock | Macro | Pad | Total
    internal_w: float | None
    switching_w: float | None
    leakage_w: float | None
    total_w: float | None
    pct: float | None


@dataclass(frozen=True, slots=True)
class DrcViolation(Fact):
    TABLE: ClassVar[str] = "drc_violations"
    checker: str  # tritonroute | grt_congestion | klayout | magic
    rule: str
    rule_description: str | None
    category: str
    layer: str | None
    cell: str | None
    x_min: float | None
    y_min: float | None
    x_max: float | None
    y_max: float | None
    geometry: str | None
    sources: tuple[str, ...] = ()
    comment: str | None = None
    waived: bool = False
    multiplicity: int = 1

    def row(self) -> dict[str, Any]:
        out = Fact.row(self)
        out["sources"] = list(self.sources)
        return out


@dataclass(frozen=True, slots=True)
class DrcSummary(Fact):
    TABLE: ClassVar[str] = "drc_summary"
    checker: str
    rule: str
    count: int
    count_flat: int | None = None
    description: str | None = None


@dataclass(frozen=True, slots=True)
class AntennaViolation(Fact):
    TABLE: ClassVar[str] = "antenna_violations"
    net: str
    pin: str | None
    layer: str | None
    partial_ratio: float | None
    required_ratio: float | None
    ratio: float | None
    check_kind: str | None = None  # e.g. "Side area" for OpenROAD, None where the tool does not say


FACT_TYPES: tuple[type[Fact], ...] = (
    TimingPath,
    TimingSummary,
    PowerRow,
    QorMetric,
    QorRule,
    CellUsage,
    DrcViolation,
    DrcSummary,
    AntennaViolation,
)


@dataclass(slots=True)
class ReportFacts:
    """Every fact of a report, drained into one list per canonical table (for small files and tests)."""

    timing_paths: list[TimingPath] = field(default_factory=list)
    timing_summary: list[TimingSummary] = field(default_factory=list)
    power_summary: list[PowerRow] = field(default_factory=list)
    qor_metrics: list[QorMetric] = field(default_factory=list)
    qor_rules: list[QorRule] = field(default_factory=list)
    cell_usage: list[CellUsage] = field(default_factory=list)
    drc_violations: list[DrcViolation] = field(default_factory=list)
    drc_summary: list[DrcSummary] = field(default_factory=list)
    antenna_violations: list[AntennaViolation] = field(default_factory=list)

    @property
    def timing_path_points(self) -> list[PathPoint]:
        return [p for path in self.timing_paths for p in path.points]

    def add(self, fact: Fact) -> None:
        bucket: list[Any] = getattr(self, fact.TABLE)
        bucket.append(fact)


@dataclass(slots=True)
class ParsedReport:
    """A report being parsed: the run record plus a single-pass stream of facts in file order.

    ``facts`` is lazy: the file is read as it is consumed, so memory does not grow with report size.
    Iterate it once (the loader does), or call ``collect()`` to drain it into per-table lists.
    """

    run: RunInfo
    facts: Iterator[Fact]

    @property
    def format(self) -> AnyFormat:
        return self.run.format

    @property
    def kind(self) -> ReportKind:
        return kind_for(self.run.format)

    def collect(self) -> ReportFacts:
        out = ReportFacts()
        for fact in self.facts:
            out.add(fact)
        return out
