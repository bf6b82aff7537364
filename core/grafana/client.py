"""A small httpx client for the legacy Grafana HTTP API (`/api/...`) calls edabot needs.

Everything Grafana-specific about transport lives here: the Bearer token, the org header, timeouts,
retries (connection errors, 5xx, and 429 after its Retry-After), and translation of Grafana's answers into
`core.grafana.errors`. A `/apis` (k8s-style) backend could later sit behind the same methods.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote

import httpx

from core.grafana.errors import (
    GrafanaAuthError,
    GrafanaBadResponse,
    GrafanaConflict,
    GrafanaError,
    GrafanaNotFound,
    GrafanaRejected,
    GrafanaUnavailable,
)
from core.grafana.token import GrafanaToken
from core.secret import Secret

log = logging.getLogger(__name__)

JsonObject = dict[str, Any]


@dataclass(frozen=True)
class GrafanaHealth:
    database: str
    version: str | None
    commit: str | None


@dataclass(frozen=True)
class DatasourceHealth:
    ok: bool
    message: str


@dataclass(frozen=True)
class ServiceAccountToken:
    """A token just created for a service account; Grafana shows `key` this once and never again."""

    id: int
    name: str
    key: GrafanaToken

    def __repr__(self) -> str:
        return f"ServiceAccountToken(id={self.id}, name={self.name!r}, key=••••)"


@dataclass(frozen=True)
class SavedDashboard:
    uid: str
    url: str
    version: int
    id: int | None
    slug: str | None
    folder_uid: str | None


def _segment(value: str) -> str:
    # uids are user-derived; never let one add path segments or a query string.
    return quote(value, safe="")


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """Retry-After as seconds from now: delta-seconds or an HTTP date (RFC 9110 §10.2.3); None when absent
    or unreadable (the caller then backs off as for any other failure)."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)  # HTTP dates are GMT
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _as_token(token: Secret | str) -> Secret:
    return token if isinstance(token, Secret) else GrafanaToken(token)


class GrafanaClient:
    """Synchronous client; one instance per Grafana, shared by threads (httpx.Client is thread-safe).

    `token=` on every call overrides the default token for that call only, so a user's own
    GRAFANA_API_KEY credential can be used for that user's dashboards.

    Retries stay within one budget: at most `max_attempts` tries, and no wait longer than
    `max_backoff_seconds`. Between tries the wait is drawn from [0, min(max_backoff_seconds,
    backoff_seconds * 2**retry)] ("full jitter": several processes failing together do not come back in
    step), or is exactly the Retry-After of a 429; a Retry-After beyond the budget ends the call at once.
    `sleep` and `uniform` (random.uniform's signature) are there for tests to record and fix the waits.
    """

    def __init__(
        self,
        base_url: str,
        token: Secret | str,
        *,
        org_id: int | None = None,
        timeout: float = 10.0,
        max_attempts: int = 4,
        backoff_seconds: float = 0.5,
        max_backoff_seconds: float = 8.0,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        uniform: Callable[[float, float], float] = random.uniform,
        _http: httpx.Client | None = None,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.base_url = base_url.rstrip("/")
        self._token = _as_token(token)
        self._org_id = org_id
        self._max_attempts = max_attempts
        self._backoff = backoff_seconds
        self._max_backoff = max_backoff_seconds
        self._sleep = sleep
        self._uniform = uniform
        self._owns_http = _http is None
        self._http = _http or httpx.Client(base_url=self.base_url, timeout=httpx.Timeout(timeout), transport=transport)

    def __repr__(self) -> str:
        return f"GrafanaClient({self.base_url!r}, org_id={self._org_id!r})"

    def with_token(self, token: Secret | str) -> GrafanaClient:
        """A view of this client that uses `token` by default; it shares the connection pool."""
        view = GrafanaClient.__new__(GrafanaClient)
        view.__dict__.update(self.__dict__)
        view._token = _as_token(token)
        view._owns_http = False
        return view

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> GrafanaClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- health -------------------------------------------------------------------------------

    def health(self) -> GrafanaHealth:
        body = self._object("GET", "/api/health")
        database = body.get("database")
        if not isinstance(database, str):
            raise self._bad_body("GET", "/api/health", "it has no 'database' field")
        version, commit = body.get("version"), body.get("commit")
        return GrafanaHealth(
            database=database,
            version=version if isinstance(version, str) else None,
            commit=commit if isinstance(commit, str) else None,
        )

    # --- folders ------------------------------------------------------------------------------

    def create_folder(self, uid: str, title: str, *, token: Secret | None = None) -> JsonObject:
        return self._object("POST", "/api/folders", json={"uid": uid, "title": title}, token=token)

    def get_folder(self, uid: str, *, token: Secret | None = None) -> JsonObject:
        return self._object("GET", f"/api/folders/{_segment(uid)}", token=token)

    def update_folder(self, uid: str, title: str, *, token: Secret | None = None) -> JsonObject:
        # overwrite: edabot owns its folders, so a concurrent rename by a human loses.
        body = {"title": title, "overwrite": True}
        return self._object("PUT", f"/api/folders/{_segment(uid)}", json=body, token=token)

    def delete_folder(self, uid: str, *, token: Secret | None = None) -> None:
        self._object("DELETE", f"/api/folders/{_segment(uid)}", token=token)

    # --- datasources --------------------------------------------------------------------------

    def create_datasource(self, payload: Mapping[str, Any], *, token: Secret | None = None) -> JsonObject:
        body = self._object("POST", "/api/datasources", json=dict(payload), token=token)
        return self._datasource_of(body, "POST", "/api/datasources")

    def get_datasource(self, uid: str, *, token: Secret | None = None) -> JsonObject:
        return self._object("GET", f"/api/datasources/uid/{_segment(uid)}", token=token)

    def update_datasource(self, uid: str, payload: Mapping[str, Any], *, token: Secret | None = None) -> JsonObject:
        path = f"/api/datasources/uid/{_segment(uid)}"
        body = self._object("PUT", path, json=dict(payload), token=token)
        return self._datasource_of(body, "PUT", path)

    def delete_datasource(self, uid: str, *, token: Secret | None = None) -> None:
        self._object("DELETE", f"/api/datasources/uid/{_segment(uid)}", token=token)

    def datasource_health(self, uid: str, *, token: Secret | None = None) -> DatasourceHealth:
        """Grafana asks the plugin to connect; 400 with status ERROR is an answer, not a failure."""
        path = f"/api/datasources/uid/{_segment(uid)}/health"
        response = self._send("GET", path, token=token)
        body = self._json(response, "GET", path) if response.status_code in (200, 400) else None
        if response.status_code == 400 and isinstance(body, dict) and body.get("status") == "ERROR":
            return DatasourceHealth(ok=False, message=str(body.get("message", "")))
        self._raise_for_status(response, "GET", path)
        if not isinstance(body, dict):
            raise self._bad_body("GET", path, "it is not a JSON object")
        ok = str(body.get("status", "OK")).upper() == "OK"
        return DatasourceHealth(ok=ok, message=str(body.get("message", "")))

    # --- dashboards ---------------------------------------------------------------------------

    def save_dashboard(
        self,
        dashboard: Mapping[str, Any],
        *,
        folder_uid: str,
        message: str = "",
        overwrite: bool = True,
        token: Secret | None = None,
    ) -> SavedDashboard:
        path = "/api/dashboards/db"
        payload = {
            "dashboard": dict(dashboard),
            "folderUid": folder_uid,
            "message": message,
            "overwrite": overwrite,
        }
        body = self._object("POST", path, json=payload, token=token)
        uid, url, version = body.get("uid"), body.get("url"), body.get("version")
        if not isinstance(uid, str) or not isinstance(url, str) or not isinstance(version, int):
            raise self._bad_body("POST", path, "it lacks uid/url/version")
        wanted = dashboard.get("uid")
        if isinstance(wanted, str) and wanted and uid != wanted:
            # Older Grafana, given overwrite and a same-titled dashboard in the folder, takes that
            # one over and keeps its uid: our deterministic uid would then point nowhere.
            raise GrafanaConflict(
                f"Grafana saved dashboard {wanted!r} under another uid {uid!r} (POST {path}): a dashboard "
                f"with the same title exists in folder {folder_uid!r}; rename or delete it in Grafana",
                path=path,
                status=200,
            )
        ident, slug, folder = body.get("id"), body.get("slug"), body.get("folderUid")
        return SavedDashboard(
            uid=uid,
            url=url,
            version=version,
            id=ident if isinstance(ident, int) else None,
            slug=slug if isinstance(slug, str) else None,
            folder_uid=folder if isinstance(folder, str) else None,
        )

    def get_dashboard(self, uid: str, *, token: Secret | None = None) -> JsonObject:
        """`{"dashboard": {...}, "meta": {...}}` as Grafana returns it."""
        return self._object("GET", f"/api/dashboards/uid/{_segment(uid)}", token=token)

    def delete_dashboard(self, uid: str, *, token: Secret | None = None) -> None:
        self._object("DELETE", f"/api/dashboards/uid/{_segment(uid)}", token=token)

    def search(
        self,
        *,
        query: str | None = None,
        tags: Iterable[str] = (),
        type_: str | None = None,
        folder_uids: Iterable[str] = (),
        dashboard_uids: Iterable[str] = (),
        limit: int | None = None,
        page: int | None = None,
        token: Secret | None = None,
    ) -> list[JsonObject]:
        params: list[tuple[str, str]] = []
        if query is not None:
            params.append(("query", query))
        params += [("tag", tag) for tag in tags]
        if type_ is not None:
            params.append(("type", type_))
        params += [("folderUIDs", uid) for uid in folder_uids]
        params += [("dashboardUIDs", uid) for uid in dashboard_uids]
        if limit is not None:
            params.append(("limit", str(limit)))
        if page is not None:
            params.append(("page", str(page)))
        path = "/api/search"
        response = self._send("GET", path, params=params, token=token)
        self._raise_for_status(response, "GET", path)
        body = self._json(response, "GET", path)
        if not isinstance(body, list) or not all(isinstance(hit, dict) for hit in body):
            raise self._bad_body("GET", path, "it is not a JSON list of hits")
        return body

    # --- service accounts ---------------------------------------------------------------------

    def search_service_accounts(self, query: str, *, per_page: int = 100) -> list[JsonObject]:
        """Service accounts whose name contains `query` (Grafana matches substrings, not names)."""
        path = "/api/serviceaccounts/search"
        params = [("query", query), ("perpage", str(per_page)), ("page", "1")]
        response = self._send("GET", path, params=params)
        self._raise_for_status(response, "GET", path)
        body = self._json(response, "GET", path)
        accounts = body.get("serviceAccounts") if isinstance(body, dict) else None
        if not isinstance(accounts, list) or not all(isinstance(a, dict) for a in accounts):
            raise self._bad_body("GET", path, "it has no 'serviceAccounts' list")
        return accounts

    def create_service_account(self, name: str, *, role: str) -> JsonObject:
        body = {"name": name, "role": role, "isDisabled": False}
        return self._object("POST", "/api/serviceaccounts", json=body)

    def get_service_account(self, ident: int) -> JsonObject:
        return self._object("GET", f"/api/serviceaccounts/{int(ident)}")

    def update_service_account(
        self, ident: int, *, role: str | None = None, disabled: bool | None = None
    ) -> JsonObject:
        body: JsonObject = {}
        if role is not None:
            body["role"] = role
        if disabled is not None:
            body["isDisabled"] = disabled
        return self._object("PATCH", f"/api/serviceaccounts/{int(ident)}", json=body)

    def create_service_account_token(self, ident: int, name: str, *, seconds_to_live: int = 0) -> ServiceAccountToken:
        path = f"/api/serviceaccounts/{int(ident)}/tokens"
        body = self._object("POST", path, json={"name": name, "secondsToLive": seconds_to_live})
        token_id, key = body.get("id"), body.get("key")
        if not isinstance(token_id, int) or not isinstance(key, str) or not key:
            raise self._bad_body("POST", path, "it lacks the token's id or key")
        return ServiceAccountToken(id=token_id, name=str(body.get("name") or name), key=GrafanaToken(key))

    def delete_service_account_token(self, ident: int, token_id: int) -> None:
        self._object("DELETE", f"/api/serviceaccounts/{int(ident)}/tokens/{int(token_id)}")

    # --- folder permissions -------------------------------------------------------------------

    def get_folder_permissions(self, uid: str) -> list[JsonObject]:
        path = f"/api/folders/{_segment(uid)}/permissions"
        response = self._send("GET", path)
        self._raise_for_status(response, "GET", path)
        body = self._json(response, "GET", path)
        if not isinstance(body, list) or not all(isinstance(item, dict) for item in body):
            raise self._bad_body("GET", path, "it is not a JSON list of permissions")
        return body

    def set_folder_permissions(self, uid: str, items: Iterable[Mapping[str, Any]]) -> None:
        """Replaces every permission of the folder (Grafana's semantics): send the ones to keep too."""
        self._object("POST", f"/api/folders/{_segment(uid)}/permissions", json={"items": [dict(i) for i in items]})

    # --- transport ----------------------------------------------------------------------------

    def _object(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        token: Secret | None = None,
    ) -> JsonObject:
        response = self._send(method, path, json=json, token=token)
        self._raise_for_status(response, method, path)
        body = self._json(response, method, path)
        if not isinstance(body, dict):
            raise self._bad_body(method, path, "it is not a JSON object")
        return body

    def _headers(self, token: Secret | None) -> dict[str, str]:
        secret = token or self._token
        value = secret.authorization() if isinstance(secret, GrafanaToken) else f"Bearer {secret.reveal()}"
        headers = {"Authorization": value, "Accept": "application/json"}
        if self._org_id is not None:
            headers["X-Grafana-Org-Id"] = str(self._org_id)
        return headers

    def _send(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: list[tuple[str, str]] | None = None,
        token: Secret | None = None,
    ) -> httpx.Response:
        headers = self._headers(token)
        for attempt in range(1, self._max_attempts + 1):
            try:
                response = self._http.request(method, path, json=json, params=tuple(params or ()), headers=headers)
            except httpx.UnsupportedProtocol as exc:
                raise GrafanaUnavailable(
                    f"Grafana URL {self.base_url!r} is not http(s) ({method} {path}); fix GRAFANA_BASE_URL",
                    path=path,
                ) from exc
            except httpx.TransportError as exc:
                if attempt < self._max_attempts:
                    self._pause(self._backoff_delay(attempt), attempt, method, path, type(exc).__name__)
                    continue
                raise GrafanaUnavailable(
                    f"Grafana at {self.base_url} did not answer {method} {path} after {attempt} attempts "
                    f"({type(exc).__name__}); check GRAFANA_BASE_URL and that Grafana is running",
                    path=path,
                ) from exc
            if response.status_code == 429 and attempt < self._max_attempts:
                wait = retry_after_seconds(response.headers.get("Retry-After"))
                if wait is not None and wait > self._max_backoff:
                    # Asking again sooner would only be refused again; the caller's own retry comes later.
                    raise GrafanaUnavailable(
                        f"Grafana is rate limiting {method} {path} and asked to wait {wait:.0f} s (Retry-After), "
                        f"longer than edabot waits within one call ({self._max_backoff:.0f} s); it is tried "
                        "again later. If this persists, raise Grafana's rate limits for edabot's service account",
                        path=path,
                        status=429,
                    )
                delay = wait if wait is not None else self._backoff_delay(attempt)
                self._pause(delay, attempt, method, path, "HTTP 429")
                continue
            if response.status_code >= 500 and attempt < self._max_attempts:
                self._pause(self._backoff_delay(attempt), attempt, method, path, f"HTTP {response.status_code}")
                continue
            log.debug("grafana %s %s -> %s", method, path, response.status_code)
            return response
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover

    def _backoff_delay(self, attempt: int) -> float:
        """Full jitter over the capped exponential step for the `attempt`-th try that failed (1-based)."""
        return self._uniform(0.0, min(self._max_backoff, self._backoff * 2 ** (attempt - 1)))

    def _pause(self, delay: float, attempt: int, method: str, path: str, why: str) -> None:
        log.warning("grafana %s %s failed (%s); retry %d in %.2fs", method, path, why, attempt, delay)
        self._sleep(delay)

    def _json(self, response: httpx.Response, method: str, path: str) -> Any:
        try:
            return response.json()
        except ValueError as exc:
            raise self._bad_body(
                method, path, f"HTTP {response.status_code} with a body that is not JSON", status=response.status_code
            ) from exc

    def _bad_body(self, method: str, path: str, why: str, *, status: int | None = None) -> GrafanaBadResponse:
        return GrafanaBadResponse(
            f"Grafana answered {method} {path} with an unexpected body ({why}); check that "
            f"GRAFANA_BASE_URL ({self.base_url}) points at Grafana itself, not a proxy or login page",
            path=path,
            status=status,
        )

    def _grafana_message(self, response: httpx.Response) -> str:
        try:
            body = response.json()
        except ValueError:
            return ""
        message = body.get("message") if isinstance(body, dict) else None
        if not isinstance(message, str):
            return ""
        # Grafana's own messages never echo a token, but be certain before it reaches a user.
        sent = response.request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        for secret in (self._token.reveal(), sent):
            if secret:
                message = message.replace(secret, "••••")
        return message[:300]

    def _raise_for_status(self, response: httpx.Response, method: str, path: str) -> None:
        status = response.status_code
        if status < 400:
            return
        said = self._grafana_message(response)
        detail = f"HTTP {status}: {said}" if said else f"HTTP {status}"
        where = f"{method} {path}"
        error: GrafanaError
        if status == 401:
            error = GrafanaAuthError(
                f"Grafana refused the token for {where} ({detail}); check GRAFANA_API_KEY is a valid, "
                "unexpired service-account token for this Grafana (and GRAFANA_ORG_ID, if set)",
                path=path,
                status=status,
            )
        elif status == 403:
            error = GrafanaAuthError(
                f"Grafana denied {where} ({detail}); give the service account behind GRAFANA_API_KEY a role "
                "that allows it (Editor for folders and dashboards, Admin for datasources)",
                path=path,
                status=status,
            )
        elif status == 404:
            error = GrafanaNotFound(
                f"Grafana has no such object for {where} ({detail}); it may have been deleted in Grafana "
                "(or GRAFANA_ORG_ID names another organisation): run the step that creates it again",
                path=path,
                status=status,
            )
        elif status == 429:
            error = GrafanaUnavailable(
                f"Grafana is rate limiting {where} ({detail}) after {self._max_attempts} attempts; it is tried "
                "again later. If this persists, raise Grafana's rate limits for edabot's service account",
                path=path,
                status=status,
            )
        elif status in (409, 412):
            error = GrafanaConflict(
                f"Grafana reported a conflict for {where} ({detail}); the object exists already or was "
                "changed meanwhile: reload it and try again",
                path=path,
                status=status,
            )
        elif status >= 500:
            error = GrafanaUnavailable(
                f"Grafana failed {where} ({detail}) after {self._max_attempts} attempts; check Grafana's "
                "logs and that its database is up",
                path=path,
                status=status,
            )
        else:
            error = GrafanaRejected(
                f"Grafana rejected {where} as invalid ({detail}); this is an edabot bug or an unsupported "
                "Grafana version: report it with this message",
                path=path,
                status=status,
            )
        raise error

    def _datasource_of(self, body: JsonObject, method: str, path: str) -> JsonObject:
        datasource = body.get("datasource")
        if not isinstance(datasource, dict):
            raise self._bad_body(method, path, "it has no 'datasource' object")
        return datasource
