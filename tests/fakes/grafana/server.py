"""`GrafanaFake`: a loopback Grafana for tests, with Grafana's endpoints, status codes, auth and
conflict modes (notes/grafana.md §1), contract validation, fault injection and a `/d/<uid>` page."""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.fakes.grafana.contract import GrafanaContract, default_spec_dir, load_contract, specs_available
from tests.fakes.grafana.macros import TimeRange
from tests.fakes.grafana.page import login_page, not_found_page, render_dashboard_page
from tests.fakes.grafana.routes import POSTGRES_TYPES, ROUTES, UNLOCKED, allowed
from tests.fakes.grafana.sqlrun import QueryResult, run_queries
from tests.fakes.grafana.state import ConflictMode, GrafanaState, Token

JsonObject = dict[str, Any]


@dataclass
class Fault:
    """What the next `times` requests under `path_prefix` get (times=None: every one)."""

    path_prefix: str
    status: int | None = None
    body: Any = None
    times: int | None = 1
    delay: float = 0.0
    method: str | None = None
    drop: bool = False
    headers: dict[str, str] | None = None  # sent with `status` (e.g. Retry-After with a 429)
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        return path.startswith(self.path_prefix) and (self.method is None or self.method == method)


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # Authorization redacted
    body: Any
    status: int | None = None  # None: the connection was dropped
    token_name: str | None = None
    at: float = field(default_factory=time.time)


class GrafanaFake:
    """Start with `with GrafanaFake() as fake:`; point clients at `fake.base_url` with `fake.token`."""

    def __init__(
        self,
        *,
        token: str | None = None,
        org_id: int = 1,
        conflict_mode: ConflictMode = "legacy",
        spec_dir: Path | None = None,
        validate: bool = True,
        render_delay_ms: int = 40,
        max_schema_version: int = 42,
        host: str = "127.0.0.1",
    ) -> None:
        self.state = GrafanaState(org_id=org_id)
        self.state.conflict_mode = conflict_mode
        self.token = token or f"glsa_{secrets.token_urlsafe(24)}_{secrets.token_hex(4)}"
        self.state.tokens[self.token] = Token(name="edabot-test-admin", role="Admin")
        spec_dir = spec_dir or default_spec_dir()
        self.contract: GrafanaContract | None = (
            load_contract(spec_dir) if validate and specs_available(spec_dir) else None
        )
        self.render_delay_ms = render_delay_ms
        self.max_schema_version = max_schema_version
        self.violations: list[str] = []
        self._requests: list[RecordedRequest] = []
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._down = False
        self._host = host
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ------------------------------------------------------------------------------

    def start(self) -> GrafanaFake:
        handler = _make_handler(self)
        server = ThreadingHTTPServer((self._host, 0), handler)
        server.daemon_threads = True
        server.block_on_close = False
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="grafana-fake", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> GrafanaFake:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start() the fake first"
        return f"http://{self._host}:{self._server.server_port}"

    @property
    def validating(self) -> bool:
        return self.contract is not None

    # --- test controls --------------------------------------------------------------------------

    @property
    def down(self) -> bool:
        return self._down

    @down.setter
    def down(self, value: bool) -> None:
        """While down, every connection is closed without an answer (Grafana unreachable)."""
        self._down = value

    @property
    def conflict_mode(self) -> ConflictMode:
        return self.state.conflict_mode

    @conflict_mode.setter
    def conflict_mode(self, mode: ConflictMode) -> None:
        """'legacy' (<= G12 code path: 412 version-mismatch/name-exists) or 'newest' (409)."""
        self.state.conflict_mode = mode

    def inject(
        self,
        path_prefix: str,
        *,
        status: int | None = None,
        body: Any = None,
        times: int | None = 1,
        delay: float = 0.0,
        method: str | None = None,
        drop: bool = False,
        headers: dict[str, str] | None = None,
    ) -> Fault:
        """Make matching requests wait `delay` s, then answer `status`/`body` (dict: JSON; str/bytes: raw)
        with `headers`, or drop the connection; with neither, they proceed normally after the delay.
        Faults for the same requests apply in the order they were injected."""
        fault = Fault(path_prefix, status, body, times, delay, method, drop, headers)
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def add_token(self, value: str | None = None, *, role: str = "Admin", name: str | None = None) -> str:
        value = value or f"glsa_{secrets.token_urlsafe(24)}_{secrets.token_hex(4)}"
        with self.state.lock:
            self.state.tokens[value] = Token(name=name or f"token-{role.lower()}", role=role)
        return value

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def requests_to(self, method: str, path_prefix: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == method and r.path.startswith(path_prefix)]

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    def dashboard(self, uid: str) -> JsonObject | None:
        with self.state.lock:
            stored = self.state.dashboards.get(uid)
            return json.loads(json.dumps(stored.model)) if stored else None

    def datasource(self, uid: str) -> JsonObject | None:
        with self.state.lock:
            stored = self.state.datasources.get(uid)
            return json.loads(json.dumps(stored)) if stored else None

    def datasource_password(self, uid: str) -> str | None:
        with self.state.lock:
            return self.state.secrets.get(uid, {}).get("password")

    # --- internals used by the handler ----------------------------------------------------------

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def _fault_for(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    fault.hits += 1
                    return fault
        return None

    def _violation(self, problems: list[str]) -> None:
        with self._lock:
            self.violations.extend(problems)

    def run_on_datasource(self, uid: str, statements: list[str]) -> list[QueryResult] | None:
        with self.state.lock:
            stored = self.state.datasources.get(uid)
            if stored is None:
                return None
            datasource = json.loads(json.dumps(stored))
            password = self.state.secrets.get(uid, {}).get("password")
        return run_queries(datasource, password, statements)


def _json_or_none(raw: bytes) -> tuple[Any, bool]:
    if not raw:
        return None, True
    try:
        return json.loads(raw), True
    except ValueError:
        return None, False


def _make_handler(fake: GrafanaFake) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "Grafana"
        # Headers and body go out in separate writes: without this, Nagle + delayed ACK add 40 ms each.
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet: requests are recorded instead

        def do_GET(self) -> None:
            self._handle("GET")

        def do_POST(self) -> None:
            self._handle("POST")

        def do_PUT(self) -> None:
            self._handle("PUT")

        def do_DELETE(self) -> None:
            self._handle("DELETE")

        def do_PATCH(self) -> None:
            self._handle("PATCH")

        # --- plumbing ---------------------------------------------------------------------------

        def _send(self, status: int, body: bytes, content_type: str, extra: dict[str, str] | None = None) -> None:
            # Recorded before the answer leaves, so a client that has it also sees it in fake.requests.
            self._record.status = status
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for key, value in (extra or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

        def _send_json(
            self, status: int, payload: Any, *, pretty: bool = False, extra: dict[str, str] | None = None
        ) -> None:
            text = json.dumps(payload, indent=2 if pretty else None)
            self._send(status, text.encode(), "application/json", extra)

        def _drop(self) -> None:
            self.close_connection = True
            try:
                self.connection.shutdown(2)
            except OSError:
                pass

        def _handle(self, method: str) -> None:
            split = urlsplit(self.path)
            path = unquote(split.path)
            query = parse_qs(split.query, keep_blank_values=True)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            headers = {k: ("Bearer ***" if k.lower() == "authorization" else v) for k, v in self.headers.items()}
            body, body_ok = _json_or_none(raw)
            record = RecordedRequest(method, path, query, headers, body if body_ok else raw.decode("utf-8", "replace"))
            self._record = record
            fake._record(record)
            try:
                self._dispatch(method, path, query, raw, body, body_ok, record)
            except Exception as exc:
                # A bug in the fake must fail the test loudly, not look like a flaky Grafana.
                fake._violation([f"fake crashed on {method} {path}: {type(exc).__name__}: {exc}"])
                self._send_json(500, {"message": f"fake crashed: {exc}"})

        def _token(self) -> Token | bool | None:
            auth = self.headers.get("Authorization")
            if not auth:
                return None
            scheme, _, value = auth.partition(" ")
            with fake.state.lock:
                token = fake.state.tokens.get(value.strip()) if scheme.lower() == "bearer" else None
                account = fake.state.service_accounts.get(token.service_account_id or -1) if token else None
                if account is not None and account.is_disabled:
                    token = None  # a disabled service account's tokens stop working
            return token if token is not None else False

        def _dispatch(
            self,
            method: str,
            path: str,
            query: dict[str, list[str]],
            raw: bytes,
            body: Any,
            body_ok: bool,
            record: RecordedRequest,
        ) -> int | None:
            if fake.down:
                self._drop()
                return None
            fault = fake._fault_for(method, path)
            if fault is not None:
                if fault.delay:
                    time.sleep(fault.delay)
                if fault.drop:
                    self._drop()
                    return None
                if fault.status is not None:
                    payload = fault.body if fault.body is not None else {"message": "injected failure"}
                    if isinstance(payload, (dict, list)):
                        self._send_json(fault.status, payload, extra=fault.headers)
                    else:
                        data = payload.encode() if isinstance(payload, str) else payload
                        self._send(fault.status, data, "text/html; charset=utf-8", fault.headers)
                    return fault.status
            if path == "/api/health":
                return self._api(method, path, query, fake.state.health, pretty=True)
            if path == "/healthz":
                self._send(200, b"Ok", "text/plain")
                return 200
            if path == "/login":
                self._send(200, login_page().encode(), "text/html; charset=utf-8")
                return 200
            token = self._token()
            if isinstance(token, Token):
                # Which token each request carried (by name: values are never recorded), pages included,
                # so tests can tell what reached the browser.
                record.token_name = token.name
            if path.startswith("/d/"):
                return self._page(path, query, token)
            if not path.startswith("/api/"):
                self._send(404, b"Not found", "text/plain")
                return 404
            if not isinstance(token, Token):
                message = "Unauthorized" if token is None else "Invalid API key"
                self._send_json(401, {"message": message})
                return 401
            org = self.headers.get("X-Grafana-Org-Id")
            if org is not None and org != str(fake.state.org_id):
                self._send_json(401, {"message": f"Unauthorized: the token does not belong to org {org}"})
                return 401
            if not body_ok:
                self._send_json(400, {"message": "bad request data"})
                return 400
            return self._api_route(method, path, query, body, token)

        def _api_route(self, method: str, path: str, query: dict[str, list[str]], body: Any, token: Token) -> int:
            found = ROUTES.find(method, path)
            if found is None:
                self._send_json(404, {"message": "Not found"})
                return 404
            if found is True:
                self._send_json(405, {"message": "Method not allowed"})
                return 405
            assert isinstance(found, tuple)
            handler, match = found
            permitted, permission = allowed(token.role, method, path)
            if not permitted:
                self._send_json(
                    403,
                    {
                        "message": "You'll need additional permissions to perform this action. "
                        f"Permissions needed: {permission}"
                    },
                )
                return 403
            if method == "GET" and path.startswith("/api/dashboards/uid/"):
                with fake.state.lock:
                    stored = fake.state.dashboards.get(path.removeprefix("/api/dashboards/uid/"))
                    hidden = stored is not None and not fake.state.can_view(token, stored.folder_uid)
                if hidden:
                    self._send_json(403, {"message": "Access denied to this dashboard"})
                    return 403
            problems = self._request_problems(method, path, query, body)
            if problems:
                return self._reject(problems)
            return self._api(method, path, query, lambda: handler(fake, match, query, body))

        def _request_problems(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> list[str]:
            problems: list[str] = []
            if fake.contract is not None:
                problems += fake.contract.check_request(method, path, query, body)
                if method == "POST" and path == "/api/dashboards/db" and isinstance(body, dict):
                    problems += fake.contract.check_dashboard(body.get("dashboard"))
            if method == "POST" and path == "/api/dashboards/db" and isinstance(body, dict):
                version = (body.get("dashboard") or {}).get("schemaVersion")
                if isinstance(version, int) and version > fake.max_schema_version:
                    problems.append(f"dashboard schemaVersion {version} is newer than this Grafana's")
            writes_datasource = path.startswith("/api/datasources") and method in ("POST", "PUT")
            postgres = isinstance(body, dict) and body.get("type") in POSTGRES_TYPES
            if writes_datasource and postgres and body.get("database"):
                problems.append("datasource sets top-level `database`: put it in jsonData.database (grafana#132582)")
            return problems

        def _reject(self, problems: list[str]) -> int:
            fake._violation(problems)
            self._send_json(400, {"message": "contract violation: " + "; ".join(problems)[:2000]})
            return 400

        def _api(self, method: str, path: str, query: dict[str, list[str]], call: Any, *, pretty: bool = False) -> int:
            if path.endswith(UNLOCKED):
                status, payload = call()
            else:
                with fake.state.lock:
                    status, payload = call()
            if fake.contract is not None:
                problems = fake.contract.check_response(method, path, status, payload)
                if problems:
                    return self._reject(problems)
            self._send_json(status, payload, pretty=pretty)
            return int(status)

        def _page(self, path: str, query: dict[str, list[str]], token: Token | bool | None) -> int:
            if not isinstance(token, Token):
                # What a browser without a session meets on a real Grafana.
                self._send(302, b"", "text/html", {"Location": f"/login?redirect={path}"})
                return 302
            uid = path.split("/")[2] if len(path.split("/")) > 2 else ""
            with fake.state.lock:
                stored = fake.state.dashboards.get(uid)
                model = json.loads(json.dumps(stored.model)) if stored else None
                visible = stored is None or fake.state.can_view(token, stored.folder_uid)
            if not visible:
                # Real Grafana serves its app and the dashboard API call fails; a status is plainer.
                self._send(403, b"Access denied to this dashboard", "text/plain")
                return 403
            if model is None:
                self._send(404, not_found_page(uid).encode(), "text/html; charset=utf-8")
                return 404
            time_conf = model.get("time") or {}
            start = (query.get("from") or [str(time_conf.get("from", "now-6h"))])[0]
            end = (query.get("to") or [str(time_conf.get("to", "now"))])[0]
            page = render_dashboard_page(
                model,
                TimeRange.parse(start, end),
                fake.run_on_datasource,
                kiosk="kiosk" in query,
                theme=(query.get("theme") or ["dark"])[0],
                delay_ms=fake.render_delay_ms,
            )
            self._send(200, page.encode(), "text/html; charset=utf-8")
            return 200

    return Handler
