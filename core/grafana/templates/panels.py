"""Panel JSON for the classic dashboard model, with complete plugin options.

Options are written out in full (every field the foundation-sdk panel schemas list) rather than left
to Grafana's defaults, so the saved JSON validates strictly and renders the same on G11-G13.
"""

from __future__ import annotations

from typing import Any

JsonObject = dict[str, Any]

POSTGRES_TYPE = "grafana-postgresql-datasource"
GRID_COLUMNS = 24

RED_BELOW_ZERO: JsonObject = {
    "mode": "absolute",
    "steps": [{"color": "red", "value": None}, {"color": "green", "value": 0}],
}
RED_FROM_ONE: JsonObject = {
    "mode": "absolute",
    "steps": [{"color": "green", "value": None}, {"color": "red", "value": 1}],
}
NEUTRAL: JsonObject = {"mode": "absolute", "steps": [{"color": "blue", "value": None}]}

_LEGEND: JsonObject = {"displayMode": "list", "placement": "bottom", "showLegend": True, "calcs": []}
_TOOLTIP: JsonObject = {"mode": "single", "sort": "none"}


def display_text(text: str) -> str:
    """Text for titles: Grafana interpolates `$name` in panel titles, so show a look-alike dollar."""
    return text.replace("$", "\uff04")


def datasource_ref(uid: str) -> JsonObject:
    return {"type": POSTGRES_TYPE, "uid": uid}


def _target(sql: str, datasource_uid: str, fmt: str) -> JsonObject:
    return {
        "refId": "A",
        "datasource": datasource_ref(datasource_uid),
        "editorMode": "code",
        "format": fmt,
        "rawQuery": True,
        "rawSql": sql,
    }


def _panel(
    kind: str,
    title: str,
    sql: str,
    datasource_uid: str,
    *,
    fmt: str = "table",
    defaults: JsonObject | None = None,
    options: JsonObject,
    description: str | None = None,
) -> JsonObject:
    panel: JsonObject = {
        "type": kind,
        "title": display_text(title),
        "datasource": datasource_ref(datasource_uid),
        "targets": [_target(sql, datasource_uid, fmt)],
        "fieldConfig": {"defaults": defaults or {}, "overrides": []},
        "options": options,
    }
    if description:
        panel["description"] = description
    return panel


def _defaults(unit: str | None, decimals: int | None, thresholds: JsonObject | None, color_mode: str) -> JsonObject:
    defaults: JsonObject = {"color": {"mode": color_mode}}
    if unit:
        defaults["unit"] = unit
    if decimals is not None:
        defaults["decimals"] = decimals
    if thresholds is not None:
        defaults["thresholds"] = thresholds
    return defaults


def stat(
    title: str,
    sql: str,
    datasource_uid: str,
    *,
    unit: str | None = None,
    decimals: int | None = None,
    thresholds: JsonObject | None = None,
    description: str | None = None,
) -> JsonObject:
    """One number (the last non-null value of the first numeric column), coloured by thresholds."""
    return _panel(
        "stat",
        title,
        sql,
        datasource_uid,
        defaults=_defaults(unit, decimals, thresholds or NEUTRAL, "thresholds"),
        description=description,
        options={
            "graphMode": "none",
            "colorMode": "background" if thresholds else "value",
            "justifyMode": "auto",
            "textMode": "value",
            "wideLayout": True,
            "showPercentChange": False,
            "percentChangeColorMode": "standard",
            "orientation": "auto",
            "reduceOptions": {"values": False, "calcs": ["lastNotNull"], "fields": ""},
        },
    )


def table(title: str, sql: str, datasource_uid: str, *, description: str | None = None) -> JsonObject:
    defaults = {"custom": {"align": "auto", "inspect": False}}
    return _panel(
        "table",
        title,
        sql,
        datasource_uid,
        defaults=defaults,
        description=description,
        options={
            "frameIndex": 0,
            "showHeader": True,
            "showTypeIcons": False,
            "cellHeight": "sm",
            "footer": {"show": False, "reducer": ["sum"], "countRows": False},
        },
    )


def barchart(
    title: str,
    sql: str,
    datasource_uid: str,
    *,
    x_field: str,
    unit: str | None = None,
    horizontal: bool = False,
    description: str | None = None,
) -> JsonObject:
    """Bars per category: the query returns the category column `x_field` then numeric columns."""
    return _panel(
        "barchart",
        title,
        sql,
        datasource_uid,
        defaults=_defaults(unit, None, None, "palette-classic"),
        description=description,
        options={
            "xField": x_field,
            "orientation": "horizontal" if horizontal else "auto",
            "xTickLabelRotation": 0,
            "xTickLabelMaxLength": 24,
            "xTickLabelSpacing": 0,
            "stacking": "none",
            "showValue": "auto",
            "barWidth": 0.9,
            "groupWidth": 0.7,
            "barRadius": 0,
            "fullHighlight": False,
            "legend": dict(_LEGEND),
            "tooltip": dict(_TOOLTIP),
        },
    )


def histogram(
    title: str,
    sql: str,
    datasource_uid: str,
    *,
    unit: str | None = None,
    bucket_count: int = 30,
    description: str | None = None,
) -> JsonObject:
    """Grafana buckets the values of the single numeric column the query returns."""
    return _panel(
        "histogram",
        title,
        sql,
        datasource_uid,
        defaults=_defaults(unit, None, None, "palette-classic"),
        description=description,
        options={
            "bucketCount": bucket_count,
            "bucketOffset": 0,
            "combine": False,
            "legend": dict(_LEGEND),
            "tooltip": dict(_TOOLTIP),
        },
    )


def timeseries(
    title: str, sql: str, datasource_uid: str, *, unit: str | None = None, description: str | None = None
) -> JsonObject:
    """Lines over time: the query returns a `time` column first, ordered by it."""
    return _panel(
        "timeseries",
        title,
        sql,
        datasource_uid,
        fmt="time_series",
        defaults=_defaults(unit, None, None, "palette-classic"),
        description=description,
        options={"legend": dict(_LEGEND), "tooltip": {"mode": "multi", "sort": "none"}},
    )


class PanelGrid:
    """Places panels left to right on Grafana's 24-column grid and numbers them."""

    def __init__(self) -> None:
        self.panels: list[JsonObject] = []
        self._x = 0
        self._y = 0
        self._line_height = 0

    def _next_id(self) -> int:
        return len(self.panels) + 1

    def _new_line(self) -> None:
        self._y += self._line_height
        self._x = 0
        self._line_height = 0

    def row(self, title: str) -> None:
        """A section header spanning the width (an expanded row holds no panels of its own)."""
        if self._x:
            self._new_line()
        self.panels.append(
            {
                "type": "row",
                "id": self._next_id(),
                "title": display_text(title),
                "collapsed": False,
                "panels": [],
                "gridPos": {"x": 0, "y": self._y, "w": GRID_COLUMNS, "h": 1},
            }
        )
        self._y += 1

    def add(self, panel: JsonObject, *, w: int, h: int) -> None:
        w = max(1, min(w, GRID_COLUMNS))
        if self._x + w > GRID_COLUMNS:
            self._new_line()
        panel = {"id": self._next_id(), **panel, "gridPos": {"x": self._x, "y": self._y, "w": w, "h": h}}
        self.panels.append(panel)
        self._x += w
        self._line_height = max(self._line_height, h)
        if self._x >= GRID_COLUMNS:
            self._new_line()

    def add_row_of(self, panels: list[JsonObject], *, h: int) -> None:
        """Panels sharing one line evenly (up to 6 per line)."""
        if not panels:
            return
        if self._x:
            self._new_line()
        per_line = min(len(panels), 6)
        w = GRID_COLUMNS // per_line
        for panel in panels:
            self.add(panel, w=w, h=h)
        if self._x:
            self._new_line()
