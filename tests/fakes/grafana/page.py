"""The `/d/<uid>` page: a dashboard drawn from real query results, behaving like Grafana for capture.

Queries run server-side through each panel's datasource (its own role, against the real database);
the browser then reveals panels one by one on short timers while `window.__grafanaRunningQueryCount`
counts down to 0, as @grafana/scenes does. Failing panels carry Grafana's error test ids.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from tests.fakes.grafana.macros import MacroError, TimeRange, expand_macros
from tests.fakes.grafana.sqlrun import QueryResult

JsonObject = dict[str, Any]
# (datasource uid, statements) -> results in order; None when the datasource does not exist.
QueryRunner = Callable[[str, list[str]], list[QueryResult] | None]

COLOURS = {"red": "#e02f44", "green": "#299c46", "blue": "#3274d9", "orange": "#ff9830", "yellow": "#fade2a"}
UNIT_SUFFIX = {"ns": " ns", "s": " s", "watt": " W", "MHz": " MHz", "percent": "%"}
MAX_TABLE_ROWS = 50
MAX_BARS = 30
HISTOGRAM_BUCKETS = 20

_STYLE = """
body{font-family:Inter,Helvetica,Arial,sans-serif;margin:0;background:#111217;color:#ccccdc}
body.theme-light{background:#f4f5f5;color:#24292e}
nav.sidemenu{height:40px;background:#181b1f;padding:8px 16px;font-weight:600}
h1{font-size:18px;margin:12px 16px}
.dashboard{display:grid;grid-template-columns:repeat(24,1fr);grid-auto-rows:30px;gap:8px;padding:8px 16px}
.panel{background:#181b1f;border:1px solid #2c3235;border-radius:2px;overflow:hidden;display:flex;flex-direction:column}
.theme-light .panel{background:#fff;border-color:#dce1e6}
.panel header{font-size:13px;font-weight:500;padding:4px 8px}
.panel-content{flex:1;overflow:auto;padding:4px 8px;font-size:12px}
.stat{height:100%;display:flex;align-items:center;justify-content:center;font-size:32px;font-weight:600;color:#fff}
.bar{height:14px;background:#73bf69;margin:2px 0}.bar.neg{background:#f2495c}
.barrow{display:grid;grid-template-columns:35% 65%;gap:4px;align-items:center}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #2c3235;padding:2px 4px;text-align:left}
.error{color:#f2495c}.dashboard-row{grid-column:1/span 24;font-weight:600;font-size:15px;align-self:end}
"""

_SCRIPT = """
window.__grafanaSceneContext = {state: {uid: %(uid)s}, fake: true};
window.__grafanaRunningQueryCount = %(count)d;
document.addEventListener('DOMContentLoaded', function () {
  var pending = Array.prototype.slice.call(document.querySelectorAll('template[data-panel]'));
  pending.forEach(function (tpl, i) {
    setTimeout(function () {
      var body = document.getElementById(tpl.getAttribute('data-panel'));
      body.innerHTML = '';
      body.appendChild(tpl.content.cloneNode(true));
      window.__grafanaRunningQueryCount -= 1;
    }, %(delay)d * (i + 1));
  });
});
"""


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float, Decimal)):
        number = float(value)
        return number if math.isfinite(number) else None
    return None


def format_value(value: Any, defaults: JsonObject | None = None) -> str:
    defaults = defaults or {}
    if value is None:
        return "null"
    number = _number(value)
    if number is None:
        if isinstance(value, (datetime, date)):
            return value.isoformat()
        return str(value)
    unit = str(defaults.get("unit") or "")
    if unit == "percentunit":
        number, unit = number * 100, "percent"
    decimals = defaults.get("decimals")
    text = f"{number:.{int(decimals)}f}" if isinstance(decimals, int) else f"{number:.6g}"
    suffix = unit.removeprefix("suffix:") if unit.startswith("suffix:") else UNIT_SUFFIX.get(unit, "")
    return text + suffix


def _threshold_colour(value: float, defaults: JsonObject) -> str:
    steps = (defaults.get("thresholds") or {}).get("steps") or []
    colour = "blue"
    for step in steps:
        if step.get("value") is None or value >= float(step["value"]):
            colour = str(step.get("color", colour))
    return COLOURS.get(colour, colour)


def _numeric_columns(result: QueryResult) -> list[int]:
    """Columns whose non-null values are all numbers (and there is at least one)."""
    found = []
    for index in range(len(result.columns)):
        values = [row[index] for row in result.rows if row[index] is not None]
        if values and all(isinstance(v, (int, float, Decimal)) and not isinstance(v, bool) for v in values):
            found.append(index)
    return found


def render_stat(result: QueryResult, defaults: JsonObject) -> str:
    for index in _numeric_columns(result):
        values = [_number(row[index]) for row in result.rows]
        last = next((v for v in reversed(values) if v is not None), None)
        if last is not None:
            colour = _threshold_colour(last, defaults)
            return (
                f'<div class="stat" style="background:{_e(colour)}" data-value="{last!r}">'
                f"{_e(format_value(last, defaults))}</div>"
            )
    return '<div class="no-data">No data</div>'


def render_table(result: QueryResult, defaults: JsonObject) -> str:
    if not result.rows:
        return '<div class="no-data">No data</div>'
    head = "".join(f"<th>{_e(name)}</th>" for name in result.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{_e(format_value(v))}</td>" for v in row) + "</tr>"
        for row in result.rows[:MAX_TABLE_ROWS]
    )
    more = len(result.rows) - MAX_TABLE_ROWS
    tail = f'<div class="more">{more} more rows</div>' if more > 0 else ""
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{tail}"


def _bars(labels: list[str], values: list[float | None], defaults: JsonObject) -> str:
    finite = [abs(v) for v in values if v is not None]
    scale = max(finite) if finite and max(finite) > 0 else 1.0
    rows = []
    for label, value in list(zip(labels, values, strict=True))[:MAX_BARS]:
        width = 0.0 if value is None else abs(value) / scale * 100
        css = "bar neg" if value is not None and value < 0 else "bar"
        rows.append(
            f'<div class="barrow"><span>{_e(label)} {_e(format_value(value, defaults))}</span>'
            f'<div class="{css}" style="width:{width:.1f}%"></div></div>'
        )
    return "".join(rows)


def render_barchart(result: QueryResult, defaults: JsonObject, options: JsonObject) -> str:
    if not result.rows:
        return '<div class="no-data">No data</div>'
    x_field = options.get("xField")
    x_index = result.columns.index(x_field) if x_field in result.columns else 0
    parts = []
    for index in _numeric_columns(result):
        if index == x_index:
            continue
        labels = [str(row[x_index]) for row in result.rows]
        parts.append(f"<h4>{_e(result.columns[index])}</h4>")
        parts.append(_bars(labels, [_number(row[index]) for row in result.rows], defaults))
    return "".join(parts) or render_table(result, defaults)


def render_histogram(result: QueryResult, defaults: JsonObject, options: JsonObject) -> str:
    values = [v for row in result.rows for v in [_number(row[0])] if v is not None] if result.columns else []
    if not values:
        return '<div class="no-data">No data</div>'
    low, high = min(values), max(values)
    buckets = HISTOGRAM_BUCKETS
    # Halved so that huge values (up to float max) cannot overflow the arithmetic.
    half_width = (high / 2 - low / 2) / buckets or 1.0
    counts = [0] * buckets
    for value in values:
        counts[min(int((value / 2 - low / 2) / half_width), buckets - 1)] += 1
    labels = [format_value(low + i * 2 * half_width, defaults) for i in range(buckets)]
    return _bars(labels, [float(c) for c in counts], {})


def render_timeseries(result: QueryResult, defaults: JsonObject) -> str:
    if not result.rows or "time" not in result.columns:
        return '<div class="no-data">No data</div>'
    t_index = result.columns.index("time")
    times = [row[t_index] for row in result.rows]
    xs = [t.timestamp() if isinstance(t, datetime) else _number(t) for t in times]
    lines = []
    for index in _numeric_columns(result):
        if index == t_index:
            continue
        pairs = [(x, _number(row[index])) for x, row in zip(xs, result.rows, strict=True)]
        points = [(x, y) for x, y in pairs if x is not None and y is not None]
        if not points:
            continue
        x0, x1 = min(p[0] for p in points), max(p[0] for p in points)
        y0, y1 = min(p[1] for p in points), max(p[1] for p in points)
        coords = " ".join(
            f"{(x - x0) / ((x1 - x0) or 1) * 400:.1f},{100 - (y - y0) / ((y1 - y0) or 1) * 100:.1f}" for x, y in points
        )
        lines.append(
            f'<polyline fill="none" stroke="#73bf69" points="{coords}"><title>{_e(result.columns[index])}</title></polyline>'
        )
    if not lines:
        return '<div class="no-data">No data</div>'
    return f'<svg viewBox="0 0 400 100" preserveAspectRatio="none" width="100%" height="90%">{"".join(lines)}</svg>'


def render_panel(panel: JsonObject, result: QueryResult | None) -> str:
    defaults = (panel.get("fieldConfig") or {}).get("defaults") or {}
    options = panel.get("options") or {}
    if result is None:
        return '<div class="no-data">No data</div>'
    if result.error is not None:
        message = _e(result.error)
        return (
            f'<div class="error"><span data-testid="data-testid Panel status error" title="{message}">⚠</span> '
            f'<span data-testid="data-testid Panel data error message">{message}</span></div>'
        )
    kind = panel.get("type")
    if kind == "stat":
        return render_stat(result, defaults)
    if kind == "barchart":
        return render_barchart(result, defaults, options)
    if kind == "histogram":
        return render_histogram(result, defaults, options)
    if kind == "timeseries":
        return render_timeseries(result, defaults)
    return render_table(result, defaults)


def _panel_sql(panel: JsonObject) -> tuple[str | None, str | None]:
    targets = [t for t in panel.get("targets") or [] if isinstance(t, dict) and not t.get("hide")]
    if not targets:
        return None, None
    target = targets[0]
    datasource = target.get("datasource") or panel.get("datasource") or {}
    return str(datasource.get("uid") or ""), str(target.get("rawSql") or "")


def query_panels(panels: list[JsonObject], time_range: TimeRange, run: QueryRunner) -> dict[int, QueryResult | None]:
    """Results per panel index: each datasource's panels run over one connection."""
    by_datasource: dict[str, list[tuple[int, str]]] = {}
    results: dict[int, QueryResult | None] = {}
    for index, panel in enumerate(panels):
        if panel.get("type") == "row":
            continue
        uid, sql = _panel_sql(panel)
        if uid is None or sql is None:
            results[index] = None
            continue
        try:
            by_datasource.setdefault(uid, []).append((index, expand_macros(sql, time_range)))
        except MacroError as exc:
            results[index] = QueryResult(error=str(exc), sql=sql)
    for uid, items in by_datasource.items():
        answers = run(uid, [sql for _, sql in items])
        for position, (index, sql) in enumerate(items):
            if answers is None:
                results[index] = QueryResult(error=f"Datasource {uid} was not found", sql=sql)
            else:
                results[index] = answers[position]
    return results


def render_dashboard_page(
    model: JsonObject, time_range: TimeRange, run: QueryRunner, *, kiosk: bool, theme: str, delay_ms: int
) -> str:
    panels = [p for p in model.get("panels") or [] if isinstance(p, dict)]
    results = query_panels(panels, time_range, run)
    blocks: list[str] = []
    templates: list[str] = []
    for index, panel in enumerate(panels):
        grid = panel.get("gridPos") or {}
        x, y, w, h = (int(grid.get(k, d)) for k, d in (("x", 0), ("y", 0), ("w", 12), ("h", 8)))
        title = str(panel.get("title") or "")
        if panel.get("type") == "row":
            blocks.append(
                f'<div class="dashboard-row" data-testid="dashboard-row-container" style="grid-row:{y + 1}">'
                f"{_e(title)}</div>"
            )
            continue
        key = f"panel-{panel.get('id', index)}"
        blocks.append(
            f'<section class="panel" data-viz-panel-key="{_e(key)}" data-panelid="{_e(panel.get("id", index))}" '
            f'style="grid-column:{x + 1}/span {w};grid-row:{y + 1}/span {h}">'
            f'<header data-testid="data-testid Panel header {_e(title)}">{_e(title)}</header>'
            f'<div class="panel-content" id="body-{_e(key)}"><div aria-label="Panel loading bar">Loading…</div></div>'
            "</section>"
        )
        templates.append(f'<template data-panel="body-{_e(key)}">{render_panel(panel, results.get(index))}</template>')
    script = _SCRIPT % {"uid": json.dumps(str(model.get("uid", ""))), "count": len(templates), "delay": delay_ms}
    nav = "" if kiosk else '<nav class="sidemenu">Grafana (fake)</nav>'
    return (
        '<!doctype html><html><head><meta charset="utf-8">'
        f"<title>{_e(model.get('title', ''))} - Dashboards - Grafana</title><style>{_STYLE}</style>"
        f'<script>{script}</script></head><body class="theme-{_e(theme)}">{nav}'
        f'<h1>{_e(model.get("title", ""))}</h1><div class="dashboard">{"".join(blocks)}</div>'
        f"{''.join(templates)}</body></html>"
    )


def login_page() -> str:
    return (
        "<!doctype html><html><head><title>Grafana</title></head><body>"
        '<form data-testid="data-testid Login form"><input name="user"><input name="password" type="password">'
        "<button>Log in</button></form></body></html>"
    )


def not_found_page(uid: str) -> str:
    return (
        "<!doctype html><html><head><title>Grafana</title></head><body>"
        f'<div data-testid="data-testid Dashboard not found">Dashboard not found: {_e(uid)}</div></body></html>'
    )
