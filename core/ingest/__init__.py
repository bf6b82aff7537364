"""Report ingestion: detect an EDA report's format from its content, stream its facts, load them.

Parsing: ``open_report(path)`` / ``parse_report(stream, source_name=…)`` / ``parse_text(text)`` give a
``ParsedReport`` (run record + lazy facts). Loading: ``ingest_file(conn, path)`` or
``load_report(conn, parsed)``. Every bad file raises ``ReportParseError``.
"""

from core.ingest.errors import ReportFormatError, ReportParseError
from core.ingest.format_ids import ReportFormat, ReportKind, kind_for
from core.ingest.formats import detect_format
from core.ingest.formats.reports import open_report, parse_bytes, parse_report, parse_text
from core.ingest.load.loader import IngestError, LoadResult, ingest_file, load_report
from core.ingest.records import ParsedReport, ReportFacts, RunInfo

__all__ = [
    "IngestError",
    "LoadResult",
    "ParsedReport",
    "ReportFacts",
    "ReportFormat",
    "ReportFormatError",
    "ReportKind",
    "ReportParseError",
    "RunInfo",
    "detect_format",
    "ingest_file",
    "kind_for",
    "load_report",
    "open_report",
    "parse_bytes",
    "parse_report",
    "parse_text",
]
