"""The dashboard envelope around a template's panels (classic JSON model, schemaVersion 41)."""

from __future__ import annotations

from typing import Any

SCHEMA_VERSION = 41  # G12.0's own examples; G11-G13 migrate it on load (notes/grafana.md §0)


def dashboard_model(
    *, uid: str, title: str, tags: list[str], description: str, panels: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "id": None,
        "uid": uid,
        "title": title,
        "description": description,
        "tags": tags,
        "timezone": "utc",
        "editable": True,
        "graphTooltip": 0,
        "schemaVersion": SCHEMA_VERSION,
        "refresh": "",
        # Load every panel at once: the preview capture must not meet lazy panels below the fold.
        "preload": True,
        "time": {"from": "now-1y", "to": "now"},
        "timepicker": {},
        "annotations": {"list": []},
        "links": [],
        "templating": {"list": []},
        "panels": panels,
    }
