"""What every parser is handed besides its input: the run record to fill in and the report's time unit."""

from __future__ import annotations

from dataclasses import dataclass

from core.ingest.grammar.lines import Cursor
from core.ingest.grammar.units import TimeUnit
from core.ingest.records import RunInfo


@dataclass(slots=True)
class ParseContext:
    run: RunInfo
    unit: TimeUnit  # the report's own time unit (values are converted to ns with it)
    cursor: Cursor
    unit_is_explicit: bool = False  # the caller named the unit, so in-file hints must not override it

    @property
    def source(self) -> str:
        return self.cursor.source
