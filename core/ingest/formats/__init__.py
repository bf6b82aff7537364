"""One module per tool report. Each module declares its formats in ``FORMATS`` (``FormatSpec``: id, kind,
tool, how its content is recognised, its parser); importing this package registers every one of them, so a
new format is one new module here. The entry points (``parse_report``, ``open_report`` …) are in reports.py.
"""

from core.ingest.format_ids import AnyFormat, FormatId, ReportFormat, ReportKind, kind_for
from core.ingest.formats.registry import (
    FormatSpec,
    detect_format,
    discover_formats,
    register_format,
    registered_formats,
    spec_for,
    tool_for,
    unregister_format,
)

discover_formats(__name__, __path__)

__all__ = [
    "AnyFormat",
    "FormatId",
    "FormatSpec",
    "ReportFormat",
    "ReportKind",
    "detect_format",
    "kind_for",
    "register_format",
    "registered_formats",
    "spec_for",
    "tool_for",
    "unregister_format",
]
