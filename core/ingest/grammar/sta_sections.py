"""Banner-delimited sections, as ORFS (``====`` / title / ``----``) and OpenLane (``====`` / title /
``====`` [/ ``=== <corner> Corner ===``]) wrap each OpenSTA command's output."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from core.ingest.grammar.lines import Line, Lines

BANNER_RE = re.compile(r"^={10,}+\s*+$")
_RULE_RE = re.compile(r"^-{10,}+\s*+$")


def banner_style(nonblank: list[str]) -> str | None:
    """'orfs' for '====' / title / '----', 'openlane' for '====' / title / '====', else None (of a report's
    first non-blank lines)."""
    if len(nonblank) < 3 or not BANNER_RE.match(nonblank[0]):
        return None
    for ln in nonblank[2:6]:
        if _RULE_RE.match(ln):
            return "orfs"
        if BANNER_RE.match(ln):
            return "openlane"
    return None


def corner_of_banner(text: str) -> str | None:
    """'=== <corner> Corner ===' -> the corner, else None.

    str methods rather than '^=+[ \\t]*(\\S.*?)[ \\t]+Corner[ \\t]*=+[ \\t]*$': on a long run of '=' that
    pattern retries the lazy name at every split of the run, which is quadratic.
    """
    if not text.startswith("="):
        return None
    tail = text.rstrip(" \t")
    body = tail.rstrip("=")
    if len(body) == len(tail):
        return None  # no closing '='
    body = body.rstrip(" \t")
    if not body.endswith("Corner"):
        return None
    head = body[: -len("Corner")]
    name = head.rstrip(" \t")
    if len(name) == len(head):
        return None  # 'Corner' must follow a blank
    name = name.lstrip("=").lstrip(" \t")
    return name or None


@dataclass(slots=True)
class Section:
    title_lines: list[Line]
    corner: str | None
    start_no: int
    body: Iterator[Line]

    @property
    def title(self) -> str:
        return self.title_lines[0].text.strip() if self.title_lines else ""


def _body(lines: Lines) -> Iterator[Line]:
    while (nxt := lines.peek()) is not None and not BANNER_RE.match(nxt.text):
        yield next(lines)


def split_sections(lines: Lines) -> Iterator[Section]:
    """Yield sections in order; a section's body must be consumed (or is skipped) before the next."""
    for line in lines:
        if not BANNER_RE.match(line.text):
            continue  # text before the first banner (blank lines) carries nothing
        titles: list[Line] = []
        for head in lines:
            if BANNER_RE.match(head.text) or _RULE_RE.match(head.text):
                break
            if head.text.strip():
                titles.append(head)
            if len(titles) > 20:
                raise lines.error("a line of '=' or '-' closing the section title", head)
        else:
            raise lines.error(f"the end of the section title opened at line {line.no}")
        corner = None
        nxt = lines.peek()
        while nxt is not None and not nxt.text.strip():
            next(lines)
            nxt = lines.peek()
        if nxt is not None:
            name = corner_of_banner(nxt.text)
            if name is not None:
                next(lines)
                corner = name
        section = Section(titles, corner, line.no, _body(lines))
        yield section
        for _ in section.body:
            pass
