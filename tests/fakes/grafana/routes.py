"""The fake's `/api` routes: which handler answers which path, role checks, and the two handlers that
talk to PostgreSQL (datasource health and `/api/ds/query`)."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from tests.fakes.grafana.macros import MacroError, TimeRange, expand_macros
from tests.fakes.grafana.sqlrun import QueryResult, check_connection
from tests.fakes.grafana.state import Reply

if TYPE_CHECKING:
    from tests.fakes.grafana.server import GrafanaFake

JsonObject = dict[str, Any]
POSTGRES_TYPES = ("grafana-postgresql-datasource", "postgres")
ROLE_RANK = {"None": 0, "Viewer": 1, "Editor": 2, "Admin": 3}
_SEGMENT = "([^/]+)"


def allowed(role: str, method: str, path: str) -> tuple[bool, str]:
    """Grafana OSS basic roles: datasources and service accounts need Admin, writes need Editor."""
    rank = ROLE_RANK.get(role, 0)
    if path.endswith("/health") or path == "/api/ds/query":
        return rank >= 1, "datasources:query"
    if path.startswith(("/api/datasources", "/api/serviceaccounts")):
        return rank >= 3, "datasources:write" if method != "GET" else "datasources:read"
    if method == "GET":
        return rank >= 1, "dashboards:read"
    return rank >= 2, "dashboards:write"


def _frames(ref_id: str, result: QueryResult, sql: str) -> JsonObject:
    def plain(value: Any) -> Any:
        if value is None or isinstance(value, (bool, int, str)):
            return value
        if isinstance(value, float):
            return value if value == value and abs(value) != float("inf") else None
        if hasattr(value, "timestamp"):
            return int(value.timestamp() * 1000)
        try:
            return float(value)
        except (TypeError, ValueError):
            return str(value)

    columns = [[plain(row[i]) for row in result.rows] for i in range(len(result.columns))]
    fields = [{"name": name} for name in result.columns]
    schema = {"refId": ref_id, "meta": {"executedQueryString": sql}, "fields": fields}
    return {"schema": schema, "data": {"values": columns}}


class _Routes:
    """`/api` routes: (method, regex) -> callable(fake, match, query, body, token) -> Reply."""

    def __init__(self) -> None:
        self.table: list[tuple[str, re.Pattern[str], Any]] = []

    def add(self, method: str, pattern: str, handler: Any) -> None:
        self.table.append((method, re.compile(f"^{pattern}$"), handler))

    def find(self, method: str, path: str) -> tuple[Any, re.Match[str]] | bool | None:
        path_known = False
        for route_method, pattern, handler in self.table:
            match = pattern.match(path)
            if match:
                path_known = True
                if route_method == method:
                    return handler, match
        return path_known or None


def _datasource_health(fake: GrafanaFake, uid: str) -> Reply:
    with fake.state.lock:
        stored = fake.state.datasources.get(uid)
        if stored is None:
            return 404, {"message": "Data source not found"}
        datasource = json.loads(json.dumps(stored))
        password = fake.state.secrets.get(uid, {}).get("password")
    if datasource["type"] not in POSTGRES_TYPES:
        return 400, {"status": "ERROR", "message": "Plugin health check not implemented"}
    problem = check_connection(datasource, password)
    if problem is not None:
        return 400, {"status": "ERROR", "message": problem}
    return 200, {"status": "OK", "message": "Database Connection OK"}


def _ds_query(fake: GrafanaFake, body: JsonObject) -> Reply:
    queries = body.get("queries") or []
    time_range = TimeRange.parse(str(body.get("from", "now-6h")), str(body.get("to", "now")))
    results: JsonObject = {}
    failed = False
    for query in queries:
        ref_id = str(query.get("refId") or "A")
        uid = str((query.get("datasource") or {}).get("uid") or "")
        try:
            sql = expand_macros(str(query.get("rawSql") or ""), time_range)
        except MacroError as exc:
            results[ref_id] = {"status": 400, "error": str(exc), "frames": []}
            failed = True
            continue
        answers = fake.run_on_datasource(uid, [sql])
        if answers is None:
            return 404, {"message": f"Data source {uid} not found"}
        answer = answers[0]
        if answer.error is not None:
            results[ref_id] = {"status": 400, "error": answer.error, "errorSource": "downstream", "frames": []}
            failed = True
        else:
            results[ref_id] = {"status": 200, "frames": [_frames(ref_id, answer, sql)]}
    return (400 if failed else 200), {"results": results}


def _routes() -> _Routes:
    r = _Routes()
    r.add("GET", "/api/org", lambda fake, m, q, b: (200, {"id": fake.state.org_id, "name": "Main Org.", "address": {}}))
    r.add("GET", "/api/folders", lambda fake, m, q, b: fake.state.list_folders())
    r.add("POST", "/api/folders", lambda fake, m, q, b: fake.state.create_folder(b or {}))
    r.add("GET", f"/api/folders/{_SEGMENT}", lambda fake, m, q, b: fake.state.get_folder(m[1]))
    r.add("PUT", f"/api/folders/{_SEGMENT}", lambda fake, m, q, b: fake.state.update_folder(m[1], b or {}))
    r.add("DELETE", f"/api/folders/{_SEGMENT}", lambda fake, m, q, b: fake.state.delete_folder(m[1]))
    r.add("GET", f"/api/folders/{_SEGMENT}/permissions", lambda fake, m, q, b: fake.state.get_folder_permissions(m[1]))
    r.add(
        "POST",
        f"/api/folders/{_SEGMENT}/permissions",
        lambda fake, m, q, b: fake.state.set_folder_permissions(m[1], b or {}),
    )
    r.add("GET", "/api/datasources", lambda fake, m, q, b: fake.state.list_datasources())
    r.add("POST", "/api/datasources", lambda fake, m, q, b: fake.state.create_datasource(b or {}))
    r.add("GET", f"/api/datasources/uid/{_SEGMENT}", lambda fake, m, q, b: fake.state.get_datasource(m[1]))
    r.add("PUT", f"/api/datasources/uid/{_SEGMENT}", lambda fake, m, q, b: fake.state.update_datasource(m[1], b or {}))
    r.add("DELETE", f"/api/datasources/uid/{_SEGMENT}", lambda fake, m, q, b: fake.state.delete_datasource(m[1]))
    r.add("GET", f"/api/datasources/uid/{_SEGMENT}/health", lambda fake, m, q, b: _datasource_health(fake, m[1]))
    r.add("GET", f"/api/datasources/name/{_SEGMENT}", lambda fake, m, q, b: fake.state.get_datasource_by_name(m[1]))
    r.add(
        "DELETE",
        f"/api/datasources/name/{_SEGMENT}",
        lambda fake, m, q, b: fake.state.delete_datasource_by_name(m[1]),
    )
    r.add("POST", "/api/ds/query", lambda fake, m, q, b: _ds_query(fake, b or {}))
    r.add("POST", "/api/dashboards/db", lambda fake, m, q, b: fake.state.save_dashboard(b or {}))
    r.add("GET", f"/api/dashboards/uid/{_SEGMENT}", lambda fake, m, q, b: fake.state.get_dashboard(m[1]))
    r.add("DELETE", f"/api/dashboards/uid/{_SEGMENT}", lambda fake, m, q, b: fake.state.delete_dashboard(m[1]))
    r.add("GET", "/api/search", lambda fake, m, q, b: fake.state.search(q))
    r.add("POST", "/api/serviceaccounts", lambda fake, m, q, b: fake.state.create_service_account(b or {}))
    r.add("GET", "/api/serviceaccounts/search", lambda fake, m, q, b: fake.state.search_service_accounts(q))
    r.add("GET", r"/api/serviceaccounts/(\d+)", lambda fake, m, q, b: fake.state.get_service_account(int(m[1])))
    r.add(
        "PATCH",
        r"/api/serviceaccounts/(\d+)",
        lambda fake, m, q, b: fake.state.update_service_account(int(m[1]), b or {}),
    )
    r.add(
        "DELETE",
        r"/api/serviceaccounts/(\d+)",
        lambda fake, m, q, b: fake.state.delete_service_account(int(m[1])),
    )
    r.add("GET", r"/api/serviceaccounts/(\d+)/tokens", lambda fake, m, q, b: fake.state.list_tokens(int(m[1])))
    r.add(
        "POST",
        r"/api/serviceaccounts/(\d+)/tokens",
        lambda fake, m, q, b: fake.state.create_token(int(m[1]), b or {}),
    )
    r.add(
        "DELETE",
        r"/api/serviceaccounts/(\d+)/tokens/(\d+)",
        lambda fake, m, q, b: fake.state.delete_token(int(m[1]), int(m[2])),
    )
    removed = (
        410,
        {
            "message": "this endpoint has been removed, please use POST /api/serviceaccounts and "
            "POST /api/serviceaccounts/{id}/tokens instead"
        },
    )
    r.add("GET", "/api/auth/keys", lambda fake, m, q, b: removed)
    r.add("POST", "/api/auth/keys", lambda fake, m, q, b: removed)
    return r


ROUTES = _routes()
# Handlers that talk to PostgreSQL run outside the state lock (they take it briefly themselves).
UNLOCKED = ("/health", "/api/ds/query")
