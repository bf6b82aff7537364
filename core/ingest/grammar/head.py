"""The first bytes of a report as the format detectors see them: its text, its lines and the content family
(XML, JSON, box-drawn table or plain text) that says which detectors are worth asking."""

from __future__ import annotations

import re
from functools import cached_property
from typing import Literal

HEAD_BYTES = 8192

Family = Literal["xml", "json", "box", "text"]

_JSON_ARRAY_RE = re.compile(r"\[\s*[\[{\"\]\d-]")


class Head:
    """A report's head decoded once; each view is computed the first time a detector asks for it.

    The head is at most 8 KB, but detectors still keep their patterns linear: a search restarts at every
    position, so a blank-skipping '^\\s*' (which would cross newlines) is '^[^\\S\\n]*' instead.
    """

    def __init__(self, text: str) -> None:
        self.text = text

    @cached_property
    def stripped(self) -> str:
        return self.text.lstrip()

    @cached_property
    def nonblank(self) -> list[str]:
        return [ln for ln in self.text.splitlines() if ln.strip()]

    @cached_property
    def first(self) -> str:
        """The first non-blank line, stripped ('' for a blank head)."""
        return self.nonblank[0].strip() if self.nonblank else ""

    @cached_property
    def family(self) -> Family:
        """XML and JSON by their first character, box-drawn tables by a '┏' first line, anything else text."""
        if self.stripped.startswith("<"):
            return "xml"
        if self.stripped.startswith("{") or _JSON_ARRAY_RE.match(self.stripped):
            return "json"
        if self.first.startswith("┏"):
            return "box"
        return "text"
