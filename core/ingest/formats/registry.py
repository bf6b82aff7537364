"""The format registry: each format module declares its formats (``FORMATS``), the registry detects a
report's format from its first bytes (never its file name) and tells the entry point how to parse it.

A ``FormatSpec`` says what a format is (id, kind, producing tool), how to recognise it (content family,
a detector over the head, an order among the family's detectors) and how to read it (a line parser or a
stream parser). ``discover_formats`` registers every module of a package that declares ``FORMATS``, so a
new format is a new module in ``core/ingest/formats/`` and nothing else.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from core.ingest.errors import ReportFormatError, ReportParseError
from core.ingest.format_ids import AnyFormat, ReportKind, declare_kind, forget_kind
from core.ingest.grammar.context import ParseContext
from core.ingest.grammar.head import Family, Head
from core.ingest.grammar.lines import Lines
from core.ingest.records import Fact

LineParser = Callable[[Lines, ParseContext], Iterator[Fact]]
StreamParser = Callable[[BinaryIO, ParseContext], Iterator[Fact]]
Detector = Callable[[Head], bool]

_SUPPORTED = (
    "OpenSTA/ORFS/OpenLane/Synopsys timing, METRICS2.1 JSON, rules-base.json, OpenLane metrics CSV, "
    "Yosys stat, OpenROAD DRC/congestion/antenna, KLayout lyrdb, Magic DRC, OpenLane antenna and "
    "manufacturability reports"
)


@dataclass(frozen=True, slots=True)
class FormatSpec:
    """One report format: what it is, how its content is recognised and which parser reads it.

    Detection asks only the formats of the head's ``family`` (see ``Head.family``), lowest ``order``
    first; the first whose ``detect`` says yes wins, and a head no detector of its family claims is
    unknown (the other families are not asked). ``detect=None`` makes a format that is only ever
    named explicitly. Exactly one of ``lines`` (handed the report a line at a time, each at most
    64 KiB) and ``stream`` (handed the binary stream) is given.
    """

    id: AnyFormat
    kind: ReportKind
    tool: str  # the producer recorded in eda_runs.source_tool (notes §4 vocabulary where it has a word)
    family: Family
    order: int
    detect: Detector | None
    lines: LineParser | None = None
    stream: StreamParser | None = None
    empty_ok: bool = False  # an empty file is a valid (clean) report of this format

    def __post_init__(self) -> None:
        if (self.lines is None) == (self.stream is None):
            raise ValueError(f"format {self.id!r}: give exactly one of lines= and stream=")


_REGISTRY: dict[str, FormatSpec] = {}


def register_format(spec: FormatSpec) -> None:
    """Make a format detectable and parseable; an id registered twice is a mistake, so it raises."""
    if spec.id in _REGISTRY:
        raise ValueError(f"format {spec.id!r} is already registered")
    _REGISTRY[spec.id] = spec
    declare_kind(spec.id, spec.kind)


def unregister_format(fmt: AnyFormat) -> None:
    _REGISTRY.pop(fmt, None)
    forget_kind(fmt)


def spec_for(fmt: AnyFormat) -> FormatSpec:
    return _REGISTRY[fmt]


def registered_formats() -> list[FormatSpec]:
    return list(_REGISTRY.values())


def tool_for(fmt: AnyFormat) -> str:
    return _REGISTRY[fmt].tool


def discover_formats(package: str, path: Iterable[str]) -> None:
    """Register the ``FORMATS`` of every module of a package (modules without one are skipped)."""
    for module in pkgutil.iter_modules(path):
        if module.name.startswith("_"):
            continue
        for spec in getattr(importlib.import_module(f"{package}.{module.name}"), "FORMATS", ()):
            register_format(spec)


def detect_format(head: bytes, source: str = "<report>") -> AnyFormat:
    """Identify a report from its first bytes; raises ReportParseError (empty/binary) or ReportFormatError."""
    if not head.strip():
        raise ReportParseError(
            source,
            0,
            "report content",
            "an empty file (a clean TritonRoute DRC report is empty: name its format explicitly)",
        )
    if b"\x00" in head:
        raise ReportParseError(source, 1, "a text report", "binary data (a NUL byte)")
    view = Head(head.decode("utf-8", errors="replace").lstrip("\ufeff"))
    candidates = sorted(
        (s for s in _REGISTRY.values() if s.family == view.family and s.detect is not None), key=lambda s: s.order
    )
    for spec in candidates:
        assert spec.detect is not None
        if spec.detect(view):
            return spec.id
    raise ReportFormatError(source, view.nonblank[0] if view.nonblank else "", _SUPPORTED)
