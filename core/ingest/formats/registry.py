"""Format detection from a report's first few KB of content (never from its file name)."""

from __future__ import annotations

import re
from typing import BinaryIO

from core.ingest.errors import ReportFormatError, ReportParseError
from core.ingest.format_ids import ReportFormat
from core.ingest.grammar.sta_sections import corner_of_banner

HEAD_BYTES = 8192

# The head is at most 8 KB, but these patterns are still linear: a search restarts at every position,
# so a blank-skipping '^\s*' (which would cross newlines) is '^[^\S\n]*' here, metric keys are read
# one segment at a time, and a multi-line look-ahead starts from the first header only.
_BANNER_RE = re.compile(r"^={10,}+\s*+$")
_RULE_RE = re.compile(r"^-{10,}+\s*+$")
# '<stage>__<rest>' with the first '__' after a word of [a-z0-9_]: segments are matched possessively
# ('a', then '_b' pieces), so no split of the key is tried twice.
_METRIC_KEY = r"[a-z][a-z0-9]*+(?:_[a-z0-9]++)*+__"
_JSON_METRIC_KEY_RE = re.compile(rf'"(?:{_METRIC_KEY}[A-Za-z0-9_:.\-]++|[A-Z]{{2,4}}::[A-Za-z_:]++)"\s*+:')
_JSON_RULE_RE = re.compile(rf'"{_METRIC_KEY}[^"]*+"\s*+:\s*+\{{\s*+"value"\s*+:')
_SUMMARY_LINE_RE = re.compile(
    r"^(?:tns|wns)(?: max| min)? -?[\d.]|^worst slack(?: max| min)? |\bperiod_min = |"
    r"^[^\S\n]*+Group\s++Internal\s++Switching\s++Leakage\s++Total|^[^\S\n]*+-?[\d.]++ (?:setup|hold) skew$",
    re.MULTILINE,
)
_OL2_FIGURE_TITLES = ("Total Negative Slack", "Worst Slack", "Worst Negative Slack", "Clock Skew", "Violator List")
_YOSYS_HEADER_RE = re.compile(r"^=== .+ ===$", re.MULTILINE)
_YOSYS_AREA_RE = re.compile(r"Chip area for module")
_YOSYS_COUNT_RE = re.compile(r"- wires$|Number of wires:|Number of cells:", re.MULTILINE)
_MAGIC_BOX_RE = re.compile(
    r"^[^\S\n]*+-?[\d.]++um\s++-?[\d.]++um\s++-?[\d.]++um\s++-?[\d.]++um[^\S\n]*+$", re.MULTILINE
)
_STARTPOINT_RE = re.compile(r"^[^\S\n]*+Startpoint:", re.MULTILINE)
_ENDPOINT_RE = re.compile(r"^[^\S\n]*+(?:Endpoint|Path Group):", re.MULTILINE)
_SUPPORTED = (
    "OpenSTA/ORFS/OpenLane/Synopsys timing, METRICS2.1 JSON, rules-base.json, OpenLane metrics CSV, "
    "Yosys stat, OpenROAD DRC/congestion/antenna, KLayout lyrdb, Magic DRC, OpenLane antenna and "
    "manufacturability reports"
)


def read_head(stream: BinaryIO) -> bytes:
    return stream.read(HEAD_BYTES)


def detect_format(head: bytes, source: str = "<report>") -> ReportFormat:
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
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    fmt = _detect_text(text)
    if fmt is None:
        first = next((ln for ln in text.splitlines() if ln.strip()), "")
        raise ReportFormatError(source, first, _SUPPORTED)
    return fmt


def _detect_text(text: str) -> ReportFormat | None:
    stripped = text.lstrip()
    lines = text.splitlines()
    nonblank = [ln for ln in lines if ln.strip()]
    first = nonblank[0].strip() if nonblank else ""

    if stripped.startswith("<"):
        return ReportFormat.KLAYOUT_RDB if "<report-database" in text else None
    if stripped.startswith("{") or re.match(r"\[\s*[\[{\"\]\d-]", stripped):
        return _detect_json(text)
    if first.startswith("Metric,Value"):
        return ReportFormat.OPENLANE2_METRICS
    if first.startswith("design,") and "flow_status" in first:
        return ReportFormat.OPENLANE1_METRICS
    if first.startswith("┏"):
        header = " ".join(nonblank[1:4])
        if "Corner" in header and ("Slack" in header or "TNS" in header):
            return ReportFormat.OPENLANE2_TIMING_SUMMARY
        if "P / R" in header and "Partial" in header:
            return ReportFormat.OPENLANE2_ANTENNA
        return None
    if re.search(r"^Report\s*:\s*timing", text, re.MULTILINE):
        return ReportFormat.SYNOPSYS_TIMING
    if re.search(r"^Report\s*:\s*qor", text, re.MULTILINE):
        return ReportFormat.SYNOPSYS_QOR
    m = re.search(r"^violation type:\s*(.*)$", text, re.MULTILINE)
    if m is not None:
        return ReportFormat.OPENROAD_CONGESTION if "congestion" in m.group(1).lower() else ReportFormat.OPENROAD_DRC
    banner = _banner_style(nonblank)
    if banner == "orfs":
        return ReportFormat.ORFS_STAGE_REPORT
    if banner == "openlane":
        corners = [c for ln in text.split("\n") if (c := corner_of_banner(ln.rstrip("\r"))) is not None]
        titles_ol2 = any(ln.strip().startswith(_OL2_FIGURE_TITLES) for ln in nonblank[:3])
        if titles_ol2 or any(c != "Typical" for c in corners):
            return ReportFormat.OPENLANE2_STA
        return ReportFormat.OPENLANE1_STA
    if "Partial/Required:" in text:
        return ReportFormat.OPENLANE1_ANTENNA
    if "Magic DRC Summary:" in text or (
        "Design Name:" in text and re.search(r"LVS Summary|LVS clean|Total Magic DRC violations|Pin violations:", text)
    ):
        return ReportFormat.OPENLANE_MANUFACTURABILITY
    if re.search(r"^Net: \S+", text, re.MULTILINE) and "area ratio" in text:
        return ReportFormat.OPENROAD_ANTENNA
    if _looks_like_magic(text, nonblank):
        return ReportFormat.MAGIC_DRC
    if _STARTPOINT_RE.search(text) and _ENDPOINT_RE.search(text):
        return ReportFormat.OPENSTA_CHECKS
    if _looks_like_yosys(text):
        return ReportFormat.YOSYS_STAT
    if _SUMMARY_LINE_RE.search(text):
        return ReportFormat.OPENSTA_SUMMARY
    return None


def _looks_like_magic(text: str, nonblank: list[str]) -> bool:
    """A single-word cell name, a 40-dash line, then boxes, rule titles or the COUNT line."""
    if len(nonblank) < 2 or not re.fullmatch(r"-{40}", nonblank[1].strip()) or len(nonblank[0].split()) != 1:
        return False
    return bool(_MAGIC_BOX_RE.search(text) or "COUNT:" in text or re.search(r"\([^()]*\)\s*$", text, re.MULTILINE))


def _looks_like_yosys(text: str) -> bool:
    """'Chip area for module', or a '=== <module> ===' line followed (anywhere later) by a count line."""
    if _YOSYS_AREA_RE.search(text):
        return True
    header = _YOSYS_HEADER_RE.search(text)
    # Only the first header needs looking past: a count after a later header is also after the first.
    return header is not None and _YOSYS_COUNT_RE.search(text, header.end()) is not None


def _banner_style(nonblank: list[str]) -> str | None:
    """'orfs' for '====' / title / '----', 'openlane' for '====' / title / '====', else None."""
    if len(nonblank) < 3 or not _BANNER_RE.match(nonblank[0]):
        return None
    for ln in nonblank[2:6]:
        if _RULE_RE.match(ln):
            return "orfs"
        if _BANNER_RE.match(ln):
            return "openlane"
    return None


def _detect_json(text: str) -> ReportFormat | None:
    if re.search(r'"checks"\s*:', text) and re.search(r'"(path_group|startpoint|slack)"\s*:', text):
        return ReportFormat.OPENSTA_JSON
    if _JSON_RULE_RE.search(text) and '"compare"' in text:
        return ReportFormat.ORFS_RULES
    if _JSON_METRIC_KEY_RE.search(text):
        return ReportFormat.ORFS_METRICS
    return None
