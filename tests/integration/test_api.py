"""The REST API over real HTTP (uvicorn on a loopback port) against a real PostgreSQL.

One master database and a few registered users are shared by the module (registration takes most of a second
per user); tests that create, change or delete something use names of their own.
"""

from __future__ import annotations

import json
import logging
import re
import socket
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx
import psycopg
import pytest
from cryptography.fernet import Fernet
from fastapi import APIRouter
from psycopg import sql
from sqlalchemy import text

from bot.api.app import ApiLimits, build_api
from bot.api.server import ApiServer, ApiServerError
from bot.config import load_settings
from bot.work import BackgroundWork
from core import credentials, registration, users
from core.authz import Actor
from core.context import CoreContext, NoGrafana
from core.crypto import CredentialCipher
from core.db.engine import Database
from core.db.migrate import upgrade_to_head
from core.db.models import Dashboard
from core.db.provisioning import DbServer
from core.db.urls import with_database
from core.errors import DatabaseUnavailable, Invalid, NotEdabots, Refusal
from core.ingest import ReportParseError
from core.secret import Secret
from listeners.services import Services
from tests.conftest import _drop_edabot_objects, shared_path

pytestmark = pytest.mark.db

SLACK_ADMIN = "U0APIADM1"  # listed in EDABOT_ADMINS; its user has no admin flag
SAMPLE_PARTS = ("eda-samples", "opensta_report_checks", "opensta_min_max_delays.ok")

# One complete OpenSTA report_checks path: the smallest report that loads.
TINY_REPORT = """Startpoint: in1 (input port clocked by clk)
Endpoint: r1 (rising edge-triggered flip-flop clocked by clk)
Path Group: clk
Path Type: min

  Delay    Time   Description
---------------------------------------------------------
   0.00    0.00   clock clk (rise edge)
   0.00    0.00   clock network delay (ideal)
   0.00    0.00 v input external delay
   0.00    0.00 v in1 (in)
   0.00    0.00 v r1/D (DFF_X1)
           0.00   data arrival time

   0.00    0.00   clock clk (rise edge)
   0.00    0.00   clock network delay (ideal)
   0.00    0.00   clock reconvergence pessimism
           0.00 ^ r1/CK (DFF_X1)
   0.00    0.00   library hold time
           0.00   data required time
---------------------------------------------------------
           0.00   data required time
          -0.00   data arrival time
---------------------------------------------------------
           0.00   slack (VIOLATED)
"""


def new_name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


@dataclass
class Account:
    username: str
    key: str
    slack_user_id: str | None
    canary: str  # the value of its CANARY_TOKEN credential, which no response may ever contain


@dataclass
class ApiWorld:
    services: Services
    server: ApiServer
    pg_admin_url: str
    admin: Account
    user: Account
    other: Account
    slack_admin: Account
    http: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.http = httpx.Client(base_url=self.server.url, timeout=60)

    @property
    def core(self) -> CoreContext:
        return self.services.core

    def call(self, method: str, path: str, key: str | None = None, **kwargs: object) -> httpx.Response:
        headers = dict(kwargs.pop("headers", None) or {})  # type: ignore[call-overload]
        if key is not None:
            headers["Authorization"] = f"Bearer {key}"
        return self.http.request(method, path, headers=headers, **kwargs)  # type: ignore[arg-type]

    def register(self, prefix: str, *, slack_user_id: str | None = None, admin: bool = False) -> Account:
        result = registration.register(
            self.core, username=new_name(prefix), slack_user_id=slack_user_id, actor=Actor.cli(), make_admin=admin
        )
        canary = f"canary-{uuid.uuid4().hex}"
        with self.core.db.session() as session:
            user = users.require(session, result.username)
            credentials.store(session, self.core.cipher, user, "CANARY_TOKEN", canary, actor="test")
        return Account(result.username, result.api_key.reveal(), slack_user_id, canary)

    def tables(self, username: str, kind: str = "timing") -> set[str]:
        with psycopg.connect(with_database(self.pg_admin_url, f"{username}_{kind}")) as conn:
            rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
        return {r[0] for r in rows}


def start_master(pg_admin_url: str) -> tuple[str, str]:
    name = f"edabot_api_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = with_database(pg_admin_url, name)
    upgrade_to_head(url)
    return name, url


def drop_master(pg_admin_url: str, name: str, db: Database) -> None:
    """Drop every per-user database and role any test made (found through the audit log), then the master."""
    with db.session() as session:
        names = {
            r[0]
            for r in session.execute(
                text("SELECT DISTINCT target_username FROM audit_log WHERE target_username IS NOT NULL")
            )
        }
    db.dispose()
    _drop_edabot_objects(pg_admin_url, names)
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@contextmanager
def api_world(pg_admin_url: str, **env: str) -> Iterator[ApiWorld]:
    """A migrated master database, four registered accounts (admin flag, EDABOT_ADMINS, two plain users)
    each with a canary credential, and the API served on a free loopback port."""
    name, url = start_master(pg_admin_url)
    key = Fernet.generate_key().decode()
    db = Database(url, pool_size=5)
    core = CoreContext(
        db=db,
        cipher=CredentialCipher([Secret(key)]),
        server=DbServer.from_admin_url(url, grafana_host=None, grafana_port=None),
        grafana=NoGrafana(),
    )
    settings = load_settings({"CREDENTIALS_KEY": key, "EDABOT_ADMINS": SLACK_ADMIN, **env}, env_file=None)
    services = Services(settings=settings, core=core, work=BackgroundWork(max_workers=1))
    server = ApiServer(build_api(services), "127.0.0.1", 0, access_log=False)
    try:
        server.start()
        placeholder = Account("", "", None, "")
        world = ApiWorld(services, server, pg_admin_url, placeholder, placeholder, placeholder, placeholder)
        world.admin = world.register("adm", admin=True)
        world.user = world.register("usr", slack_user_id="U0APIUSR1")
        world.other = world.register("oth", slack_user_id="U0APIOTH1")
        world.slack_admin = world.register("sad", slack_user_id=SLACK_ADMIN)
        yield world
        world.http.close()
    finally:
        server.stop()
        services.work.shutdown(wait=True)
        drop_master(pg_admin_url, name, db)


@pytest.fixture(scope="module")
def world(pg_admin_url: str) -> Iterator[ApiWorld]:
    with api_world(pg_admin_url) as built:
        yield built


def assert_refusal(response: httpx.Response, status: int, error: str | None = None) -> dict:
    """A refusal: the status, and a JSON body with a code word and a sentence saying why."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error", "message"}, body
    assert body["error"] and len(body["message"]) > 15, body
    if error is not None:
        assert body["error"] == error, body
    assert "Traceback" not in response.text
    return body


def report_file(name: str = "tiny.rpt", content: str = TINY_REPORT) -> dict:
    return {"file": (name, content.encode(), "text/plain")}


# --- authentication -------------------------------------------------------------------------------------------


def test_openapi_describes_every_endpoint_with_bearer_auth(world: ApiWorld) -> None:
    spec = world.call("GET", "/openapi.json").json()
    assert {
        "/api/v1/users",
        "/api/v1/users/{id}",
        "/api/v1/users/{id}/credentials",
        "/api/v1/users/{id}/credentials/{key_name}",
        "/api/v1/users/{id}/reports",
        "/api/v1/users/{id}/dashboards",
        "/api/v1/users/{id}/series",
    } <= set(spec["paths"])
    assert spec["components"]["securitySchemes"]["ApiKey"]["scheme"] == "bearer"
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            assert operation["security"] == [{"ApiKey": []}], (method, path)
            assert "401" in operation["responses"] and "500" in operation["responses"], (method, path)


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer", "Bearer not-an-edabot-key", "Bearer eda_" + "x" * 43, "Basic dXNlcjpwYXNz", "eda_abc"],
)
def test_a_missing_or_invalid_key_is_401_with_a_reason(world: ApiWorld, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization is not None else {}
    response = world.call("GET", f"/api/v1/users/{world.user.username}", headers=headers)
    body = assert_refusal(response, 401, "unauthorized")
    assert "Bearer" in response.headers["www-authenticate"]
    assert "/eda apikey" in body["message"]
    if authorization and " " in authorization:
        assert authorization.split()[-1] not in response.text, "the key is never echoed"


def test_a_rotated_key_stops_working_at_once(world: ApiWorld) -> None:
    account = world.register("rot")
    assert world.call("GET", f"/api/v1/users/{account.username}", account.key).status_code == 200
    with world.core.db.session() as session:
        new_key = users.rotate_api_key(session, users.require(session, account.username), actor="test").reveal()
    assert_refusal(world.call("GET", f"/api/v1/users/{account.username}", account.key), 401)
    assert world.call("GET", f"/api/v1/users/{account.username}", new_key).status_code == 200


def test_edabot_admins_listed_by_slack_id_have_admin_keys(world: ApiWorld) -> None:
    listed = world.call("GET", "/api/v1/users", world.slack_admin.key)
    assert listed.status_code == 200
    assert world.user.username in {u["username"] for u in listed.json()["users"]}
    assert world.call("GET", f"/api/v1/users/{world.other.username}", world.slack_admin.key).status_code == 200


# --- the authorization matrix ---------------------------------------------------------------------------------

NONE, SELF, OTHER, ADMIN = "no key", "user key on self", "user key on other", "admin key"


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # {id} is the target account
    expected: dict[str, int]
    request: Callable[[ApiWorld, str], dict] = lambda _w, _t: {}


def _new_credential(world: ApiWorld, target: str) -> dict:
    return {"json": {"key_name": f"MATRIX_{uuid.uuid4().hex[:6].upper()}", "value": "matrix-value-123456"}}


def _existing_credential(world: ApiWorld, target: str) -> dict:
    """Make sure the credential the DELETE names exists, so an allowed call is a 204 and not a 404."""
    with world.core.db.session() as session:
        user = users.require(session, target)
        credentials.store(session, world.core.cipher, user, "MATRIX_DEL", "to-be-deleted", actor="test")
    return {}


ENDPOINTS = [
    Endpoint(
        "POST",
        "/api/v1/users",
        {NONE: 401, SELF: 403, OTHER: 403, ADMIN: 201},
        lambda _w, _t: {"json": {"username": new_name("mtx")}},
    ),
    Endpoint("GET", "/api/v1/users", {NONE: 401, SELF: 403, OTHER: 403, ADMIN: 200}),
    Endpoint("GET", "/api/v1/users/{id}", {NONE: 401, SELF: 200, OTHER: 403, ADMIN: 200}),
    Endpoint("DELETE", "/api/v1/users/{id}", {NONE: 401, SELF: 403, OTHER: 403, ADMIN: 204}),
    Endpoint("GET", "/api/v1/users/{id}/credentials", {NONE: 401, SELF: 200, OTHER: 403, ADMIN: 200}),
    Endpoint("POST", "/api/v1/users/{id}/credentials", {NONE: 401, SELF: 201, OTHER: 403, ADMIN: 201}, _new_credential),
    Endpoint(
        "PUT",
        "/api/v1/users/{id}/credentials/MATRIX_PUT",
        {NONE: 401, SELF: 200, OTHER: 403, ADMIN: 200},
        lambda _w, _t: {"json": {"value": "matrix-put-value"}},
    ),
    Endpoint(
        "DELETE",
        "/api/v1/users/{id}/credentials/MATRIX_DEL",
        {NONE: 401, SELF: 204, OTHER: 403, ADMIN: 204},
        _existing_credential,
    ),
    Endpoint(
        "POST",
        "/api/v1/users/{id}/reports",
        {NONE: 401, SELF: 201, OTHER: 403, ADMIN: 201},
        lambda _w, _t: {"files": report_file()},
    ),
    Endpoint("GET", "/api/v1/users/{id}/dashboards", {NONE: 401, SELF: 200, OTHER: 403, ADMIN: 200}),
    Endpoint("GET", "/api/v1/users/{id}/series", {NONE: 401, SELF: 200, OTHER: 403, ADMIN: 200}),
]


def numeric_id(world: ApiWorld, username: str) -> str:
    with world.core.db.session() as session:
        return str(users.require(session, username).id)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: f"{e.method} {e.path}")
@pytest.mark.parametrize("who", [NONE, SELF, OTHER, ADMIN])
@pytest.mark.parametrize("by", ["username", "numeric id"])
def test_authorization_matrix(world: ApiWorld, endpoint: Endpoint, who: str, by: str) -> None:
    # The admin deletes a throwaway account; everyone else aims at the plain users.
    if endpoint.method == "DELETE" and endpoint.path == "/api/v1/users/{id}" and who == ADMIN:
        target = world.register("victim").username
    else:
        target = world.other.username if who == OTHER else world.user.username
    # `{id}` names the account by its username or by its numeric id: the same rights either way.
    named = target if by == "username" else numeric_id(world, target)
    key = {NONE: None, SELF: world.user.key, OTHER: world.user.key, ADMIN: world.admin.key}[who]
    kwargs = endpoint.request(world, target)
    if endpoint.method == "PUT" and who in (SELF, ADMIN):
        world.call("PUT", endpoint.path.format(id=target), world.admin.key, **kwargs)  # exists: a replace is 200
    response = world.call(endpoint.method, endpoint.path.format(id=named), key, **kwargs)
    expected = endpoint.expected[who]
    if expected >= 400:
        body = assert_refusal(response, expected, {401: "unauthorized", 403: "forbidden"}[expected])
        if expected == 403:
            assert "admin" in body["message"] or "your own account" in body["message"]
    else:
        assert response.status_code == expected, response.text


# --- users ----------------------------------------------------------------------------------------------------


def test_admin_creates_a_user_whose_key_is_shown_once_and_works(world: ApiWorld) -> None:
    name = new_name("new")
    created = world.call(
        "POST", "/api/v1/users", world.admin.key, json={"username": name, "slack_user_id": "U0APINEW1"}
    )
    assert created.status_code == 201, created.text
    assert created.headers["cache-control"] == "no-store"
    body = created.json()
    assert body["user"]["username"] == name and body["user"]["active"] and not body["user"]["is_admin"]
    assert body["user"]["slack_user_id"] == "U0APINEW1"
    assert body["databases"] == {"timing": f"{name}_timing", "qor": f"{name}_qor", "drc": f"{name}_drc"}
    key = body["api_key"]
    assert key.startswith("eda_") and body["user"]["api_key_prefix"] and key.startswith(body["user"]["api_key_prefix"])

    shown = world.call("GET", f"/api/v1/users/{name}", key)
    assert shown.status_code == 200 and shown.json()["username"] == name
    assert key not in shown.text, "the key is shown once only"
    assert key not in world.call("GET", "/api/v1/users", world.admin.key).text
    masked = world.call("GET", f"/api/v1/users/{name}/credentials", key).json()["credentials"]
    assert {c["key_name"] for c in masked} >= {"DB_PASSWORD"} and all(c["managed"] for c in masked)

    again = world.call("POST", "/api/v1/users", world.admin.key, json={"username": name})
    assert "taken" in assert_refusal(again, 409, "already_exists")["message"]
    same_slack = world.call(
        "POST", "/api/v1/users", world.admin.key, json={"username": new_name("dup"), "slack_user_id": "U0APINEW1"}
    )
    assert name in assert_refusal(same_slack, 409, "already_exists")["message"]


def test_admin_can_create_an_admin(world: ApiWorld) -> None:
    created = world.call("POST", "/api/v1/users", world.admin.key, json={"username": new_name("boss"), "admin": True})
    assert created.status_code == 201 and created.json()["user"]["is_admin"]
    assert world.call("GET", "/api/v1/users", created.json()["api_key"]).status_code == 200


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"username": "Alice_1"}, "lower case"),
        ({"username": "ab"}, "too short"),
        ({"username": "x" * 40}, "too long"),
        ({"username": "pg_data"}, "reserved"),
        ({"username": "postgres"}, "reserved"),
        ({"username": "bob-smith"}, "'-'"),
        ({"username": "bob_ok", "slack_user_id": "not-a-slack-id"}, "Slack user ID"),
        ({}, "`username` is required"),
        ({"username": 5}, "`username`"),
        ({"username": "bob_ok", "is_admin": True}, "`is_admin` is not a known field"),
    ],
)
def test_creating_a_user_with_bad_input_is_422_naming_the_rule(world: ApiWorld, body: dict, says: str) -> None:
    response = world.call("POST", "/api/v1/users", world.admin.key, json=body)
    assert says in assert_refusal(response, 422, "invalid_input")["message"]


@pytest.mark.parametrize("content", [b'{"username": ', b'{"username": "\xff\xfe"}'])
def test_an_unreadable_json_body_is_400(world: ApiWorld, content: bytes) -> None:
    response = world.call(
        "POST", "/api/v1/users", world.admin.key, content=content, headers={"Content-Type": "application/json"}
    )
    assert "JSON" in assert_refusal(response, 400, "bad_request")["message"]


def test_list_and_show_users(world: ApiWorld) -> None:
    listed = world.call("GET", "/api/v1/users", world.admin.key).json()["users"]
    mine = next(u for u in listed if u["username"] == world.user.username)
    assert mine["slack_user_id"] == "U0APIUSR1" and mine["active"] and mine["credentials"] >= 2
    shown = world.call("GET", f"/api/v1/users/{world.user.username}", world.user.key).json()
    assert shown["username"] == world.user.username and shown["state"] == "active"
    assert_refusal(world.call("GET", "/api/v1/users/nobody_here", world.admin.key), 404, "not_found")


def test_admin_deletes_a_user_keeping_or_dropping_data(world: ApiWorld) -> None:
    kept, dropped = world.register("keep"), world.register("drop")
    assert world.call("DELETE", f"/api/v1/users/{kept.username}", world.admin.key).status_code == 204
    response = world.call("DELETE", f"/api/v1/users/{dropped.username}?drop_data=true", world.admin.key)
    assert response.status_code == 204 and response.content == b""
    with psycopg.connect(world.pg_admin_url) as conn:
        databases = {r[0] for r in conn.execute("SELECT datname FROM pg_database").fetchall()}
    assert f"{kept.username}_timing" in databases and f"{dropped.username}_timing" not in databases
    for gone in (kept, dropped):
        assert_refusal(world.call("GET", f"/api/v1/users/{gone.username}", world.admin.key), 404, "not_found")
        assert_refusal(world.call("GET", f"/api/v1/users/{gone.username}", gone.key), 401, "unauthorized")
        assert_refusal(world.call("DELETE", f"/api/v1/users/{gone.username}", world.admin.key), 404, "not_found")
    bad_flag = world.call("DELETE", f"/api/v1/users/{world.user.username}?drop_data=maybe", world.admin.key)
    assert "drop_data" in assert_refusal(bad_flag, 422, "invalid_input")["message"]
    assert world.call("GET", f"/api/v1/users/{world.user.username}", world.user.key).status_code == 200


# --- credentials ----------------------------------------------------------------------------------------------


def test_credentials_lifecycle_on_ones_own_account(world: ApiWorld) -> None:
    me, key = world.user.username, world.user.key
    base = f"/api/v1/users/{me}/credentials"
    value = "xoxb-1234-5678-abcdefgh"
    added = world.call("POST", base, key, json={"key_name": "SLACK_BOT_TOKEN", "value": value})
    assert added.status_code == 201, added.text
    assert added.json()["masked"] == "••••efgh" and not added.json()["managed"]
    assert value not in added.text

    duplicate = world.call("POST", base, key, json={"key_name": "SLACK_BOT_TOKEN", "value": "xoxb-other-value-0000"})
    assert "PUT" in assert_refusal(duplicate, 409, "already_exists")["message"]
    with world.core.db.session() as session:
        stored = credentials.get(session, world.core.cipher, users.require(session, me), "SLACK_BOT_TOKEN")
    assert stored is not None and stored.reveal() == value, "a refused POST changes nothing"

    replaced = world.call("PUT", f"{base}/SLACK_BOT_TOKEN", key, json={"value": "xoxb-9999-newvalue-wxyz"})
    assert replaced.status_code == 200 and replaced.json()["masked"] == "••••wxyz"
    # (SLACK_CHANNEL_ID needs a Slack membership check: tests/integration/test_api_channel.py)
    created = world.call("PUT", f"{base}/BUILD_QUEUE", key, json={"value": "C0ABC"})
    assert created.status_code == 201 and created.json()["masked"] == "••••"

    listed = world.call("GET", base, key)
    names = {c["key_name"]: c for c in listed.json()["credentials"]}
    assert {"SLACK_BOT_TOKEN", "BUILD_QUEUE", "CANARY_TOKEN", "DB_PASSWORD"} <= set(names)
    assert names["DB_PASSWORD"]["managed"] and "xoxb-9999" not in listed.text and world.user.canary not in listed.text

    assert world.call("DELETE", f"{base}/BUILD_QUEUE", key).status_code == 204
    assert_refusal(world.call("DELETE", f"{base}/BUILD_QUEUE", key), 404, "not_found")
    assert "BUILD_QUEUE" not in {c["key_name"] for c in world.call("GET", base, key).json()["credentials"]}


def test_admin_manages_another_users_credentials(world: ApiWorld) -> None:
    base = f"/api/v1/users/{world.other.username}/credentials"
    response = world.call(
        "POST", base, world.admin.key, json={"key_name": "GRAFANA_API_KEY", "value": "glsa_admin_set_1"}
    )
    assert response.status_code == 201
    assert world.call("DELETE", f"{base}/GRAFANA_API_KEY", world.admin.key).status_code == 204
    assert_refusal(world.call("GET", "/api/v1/users/nobody_here/credentials", world.admin.key), 404, "not_found")


@pytest.mark.parametrize(
    ("method", "path", "body", "says"),
    [
        ("POST", "", {"key_name": "slack_bot_token", "value": "v" * 20}, "upper case"),
        ("POST", "", {"key_name": "9LIVES", "value": "v" * 20}, "not allowed"),
        ("POST", "", {"key_name": "K" * 65, "value": "v" * 20}, "not allowed"),
        ("POST", "", {"key_name": "EMPTY", "value": "   "}, "empty"),
        ("POST", "", {"key_name": "BINARY", "value": "abc\u0000def"}, "control characters"),
        ("POST", "", {"key_name": "HUGE", "value": "v" * 11_000}, "limit"),
        ("POST", "", {"key_name": "DB_PASSWORD", "value": "v" * 20}, "managed"),
        ("POST", "", {"key_name": "NOVALUE"}, "`value` is required"),
        ("PUT", "/GRAFANA_DB_PASSWORD", {"value": "v" * 20}, "managed"),
        ("PUT", "/lower", {"value": "v" * 20}, "upper case"),
        ("PUT", "/SLACK_CHANNEL_ID", {"value": 12345}, "`value`"),
        ("DELETE", "/DB_PASSWORD", None, "managed"),
        ("DELETE", "/bad-name", None, "not allowed"),
    ],
)
def test_bad_credential_input_is_422_and_never_echoes_the_value(
    world: ApiWorld, method: str, path: str, body: dict | None, says: str
) -> None:
    response = world.call(method, f"/api/v1/users/{world.user.username}/credentials{path}", world.user.key, json=body)
    assert says in assert_refusal(response, 422, "invalid_input")["message"]
    if body and isinstance(body.get("value"), str) and body["value"].strip():
        assert body["value"] not in response.text


# --- reports --------------------------------------------------------------------------------------------------


@pytest.mark.samples
def test_uploading_a_real_sample_creates_a_timing_table(world: ApiWorld) -> None:
    sample = shared_path(*SAMPLE_PARTS)
    me = world.user.username
    before = world.tables(me)
    with sample.open("rb") as fh:
        response = world.call("POST", f"/api/v1/users/{me}/reports", world.user.key, files={"file": (sample.name, fh)})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["file"] == sample.name and len(body["tables"]) == 1
    table = body["tables"][0]
    assert table["kind"] == "timing" and table["database"] == f"{me}_timing" and table["format"] == "opensta_checks"
    assert table["rows"]["timing_paths"] >= 2
    assert world.tables(me) - before == {table["table"]}


@pytest.mark.samples
def test_a_truncated_report_is_422_naming_the_file_and_line_and_loads_nothing(world: ApiWorld) -> None:
    sample = shared_path(*SAMPLE_PARTS)
    me = world.user.username
    before = world.tables(me)
    cut = "\n".join(sample.read_text().splitlines()[:40]) + "\n"
    response = world.call("POST", f"/api/v1/users/{me}/reports", world.user.key, files=report_file("cut_run.rpt", cut))
    message = assert_refusal(response, 422, "bad_report")["message"]
    assert "cut_run.rpt, line 40" in message and "slack" in message
    assert world.tables(me) == before, "a bad report leaves nothing behind"


def test_upload_with_kind_and_table_name(world: ApiWorld) -> None:
    me = world.user.username
    url = f"/api/v1/users/{me}/reports"
    first = world.call("POST", url, world.user.key, files=report_file(), data={"kind": "timing", "table": "my_run_1"})
    assert first.status_code == 201, first.text
    assert first.json()["tables"][0]["table"] == "my_run_1" and "my_run_1" in world.tables(me)
    again = world.call("POST", url, world.user.key, files=report_file(), data={"table": "my_run_1"})
    assert "already exists" in assert_refusal(again, 422, "cannot_store")["message"]
    bad_kind = world.call("POST", url, world.user.key, files=report_file(), data={"kind": "power"})
    assert "timing, qor, drc" in assert_refusal(bad_kind, 422, "invalid_input")["message"]
    bad_table = world.call("POST", url, world.user.key, files=report_file(), data={"table": "Robert'); DROP"})
    assert "not usable" in assert_refusal(bad_table, 422)["message"]


@pytest.mark.parametrize(
    ("kwargs", "status", "says"),
    [
        ({"json": {"file": "x"}}, 415, "multipart/form-data"),
        ({"data": {"kind": "timing"}, "files": {"other": ("a.rpt", b"x")}}, 422, "Unknown form field `other`"),
        ({"files": {"kind": (None, b"timing")}}, 422, "field `file`"),
        ({"files": report_file("empty.rpt", "")}, 422, "empty.rpt"),
        ({"files": report_file("../../etc/passwd", "garbage\n")}, 422, "passwd"),
        (
            {
                "content": b'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\nabc',
                "headers": {"Content-Type": "multipart/form-data; boundary=XyZ"},
            },
            400,
            "closing multipart boundary",
        ),
    ],
)
def test_bad_uploads_are_refused_with_a_reason(world: ApiWorld, kwargs: dict, status: int, says: str) -> None:
    response = world.call("POST", f"/api/v1/users/{world.user.username}/reports", world.user.key, **kwargs)
    assert says in assert_refusal(response, status)["message"]


def test_upload_for_an_unknown_user_is_404(world: ApiWorld) -> None:
    response = world.call("POST", "/api/v1/users/nobody_here/reports", world.admin.key, files=report_file())
    assert_refusal(response, 404, "not_found")


# --- limits ---------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_limits_api(world: ApiWorld) -> Iterator[str]:
    server = ApiServer(
        build_api(world.services, limits=ApiLimits(json_bytes=2048, upload_bytes=64 * 1024)),
        "127.0.0.1",
        0,
        access_log=False,
    ).start()
    yield server.url
    server.stop()


def test_a_json_body_over_the_limit_is_413(world: ApiWorld) -> None:
    response = world.call(
        "POST", "/api/v1/users", world.admin.key, json={"username": "big_one", "pad": "x" * (70 * 1024)}
    )
    assert "64 KiB" in assert_refusal(response, 413, "too_large")["message"]


def test_an_upload_over_the_limit_is_413_whether_declared_or_streamed(world: ApiWorld, small_limits_api: str) -> None:
    url = f"{small_limits_api}/api/v1/users/{world.user.username}/reports"
    auth = {"Authorization": f"Bearer {world.user.key}"}
    big = TINY_REPORT * 200  # about 180 kB
    declared = httpx.post(url, headers=auth, files=report_file("big.rpt", big), timeout=30)
    assert "64 KiB" in assert_refusal(declared, 413, "too_large")["message"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit must hold while streaming
        yield b'--B\r\nContent-Disposition: form-data; name="file"; filename="big.rpt"\r\n\r\n'
        for _ in range(12):
            yield b"x" * 16 * 1024
        yield b"\r\n--B--\r\n"

    streamed = httpx.post(
        url, headers={**auth, "Content-Type": "multipart/form-data; boundary=B"}, content=chunks(), timeout=30
    )
    assert_refusal(streamed, 413, "too_large")
    small = httpx.post(url, headers=auth, files=report_file(), timeout=30)
    assert small.status_code == 201, small.text


# --- dashboards -----------------------------------------------------------------------------------------------


def test_dashboards_are_listed_newest_first(world: ApiWorld) -> None:
    account = world.register("dash")
    with world.core.db.session() as session:
        owner = users.require(session, account.username)
        session.add(
            Dashboard(
                user_id=owner.id,
                kind="timing",
                database_name=f"{account.username}_timing",
                table_name="timing_run_1",
                grafana_url="http://grafana.example/d/abc",
                state="posted",
            )
        )
    response = world.call("GET", f"/api/v1/users/{account.username}/dashboards", account.key)
    assert response.status_code == 200
    assert response.json()["dashboards"] == [
        {
            "table": "timing_run_1",
            "kind": "timing",
            "state": "posted",
            "url": "http://grafana.example/d/abc",
            "last_error": None,
        }
    ]
    assert world.call("GET", f"/api/v1/users/{world.user.username}/dashboards", world.user.key).status_code == 200
    assert_refusal(world.call("GET", "/api/v1/users/nobody_here/dashboards", world.admin.key), 404, "not_found")
    too_many = world.call("GET", f"/api/v1/users/{account.username}/dashboards?limit=0", account.key)
    assert "limit" in assert_refusal(too_many, 422, "invalid_input")["message"]


# --- no leaks -------------------------------------------------------------------------------------------------


def test_no_response_ever_carries_a_secret_or_another_users_data(world: ApiWorld) -> None:
    """Every endpoint, allowed or refused, good input or bad, with the user's key: no canary value anywhere, and
    nothing of the other user's (their Slack ID, key prefix, credential masks) or their name unless it was asked."""
    me, them = world.user, world.other
    with world.core.db.session() as session:
        their_prefix = users.require(session, them.username).api_key_prefix
    assert their_prefix
    canaries = [world.user.canary, world.other.canary, world.admin.canary]
    calls: list[tuple[str, str, dict]] = []
    # Their numeric id too: an answer naming whoever has that id would be an oracle of the user table.
    for target in (me.username, them.username, "nobody_here", numeric_id(world, them.username), "2147483647"):
        u = f"/api/v1/users/{target}"
        calls += [
            ("GET", u, {}),
            ("DELETE", u, {}),
            ("GET", f"{u}/credentials", {}),
            ("POST", f"{u}/credentials", {"json": {"key_name": "CANARY_TOKEN", "value": me.canary}}),
            ("POST", f"{u}/credentials", {"json": {"key_name": "bad name", "value": them.canary}}),
            ("PUT", f"{u}/credentials/CANARY_TOKEN", {"json": {"value": me.canary + "\u0000"}}),
            ("PUT", f"{u}/credentials/CANARY_TOKEN", {"json": {"value": me.canary, "extra": them.canary}}),
            ("DELETE", f"{u}/credentials/NOPE", {}),
            ("POST", f"{u}/reports", {"files": report_file("leak.rpt", "garbage\n")}),
            ("GET", f"{u}/dashboards", {}),
            ("GET", f"{u}/series", {}),
        ]
    calls += [("GET", "/api/v1/users", {}), ("POST", "/api/v1/users", {"json": {"username": them.username}})]
    for method, path, kwargs in calls:
        response = world.call(method, path, me.key, **kwargs)
        assert response.status_code < 500, (method, path, response.text)
        for canary in canaries:
            assert canary not in response.text, (method, path)
        for mask in ("••••" + them.canary[-4:], "••••" + world.admin.canary[-4:]):
            assert mask not in response.text, (method, path)
        for secret in (them.key, me.key, world.admin.key, them.slack_user_id or "", their_prefix):
            assert secret not in response.text, (method, path, response.text)
        if them.username not in path and "json" not in kwargs:
            assert them.username not in response.text, (method, path, response.text)
    # Even the owner, listing their own credentials, sees the canary masked only.
    listed = world.call("GET", f"/api/v1/users/{me.username}/credentials", me.key).text
    assert me.canary not in listed and "••••" + me.canary[-4:] in listed


def test_the_audit_log_names_the_api_caller(world: ApiWorld) -> None:
    key_name = f"AUDIT_{uuid.uuid4().hex[:6].upper()}"
    world.call(
        "POST",
        f"/api/v1/users/{world.user.username}/credentials",
        world.user.key,
        json={"key_name": key_name, "value": "audited-value-1"},
    )
    with world.core.db.session() as session:
        rows = session.execute(
            text(
                "SELECT actor, details::text FROM audit_log WHERE action = 'credential.created' AND details->>'key_name' = :k"
            ),
            {"k": key_name},
        ).all()
    assert rows == [(f"api:{world.user.username}", json.dumps({"key_name": key_name}))]


# --- errors and the server ------------------------------------------------------------------------------------


def test_unknown_routes_and_methods_are_json_errors(world: ApiWorld) -> None:
    assert "/openapi.json" in assert_refusal(world.call("GET", "/api/v2/nothing"), 404, "not_found")["message"]
    trailing = world.call("GET", "/api/v1/users/", world.admin.key)
    assert "trailing /" in assert_refusal(trailing, 404, "not_found")["message"]
    wrong = world.call("PATCH", f"/api/v1/users/{world.user.username}", world.admin.key)
    assert "PATCH" in assert_refusal(wrong, 405, "method_not_allowed")["message"]


def test_an_unexpected_failure_is_500_with_a_reference_that_is_in_the_log(
    world: ApiWorld, caplog: pytest.LogCaptureFixture
) -> None:
    broken = APIRouter()

    @broken.get("/boom")
    def boom() -> None:
        raise RuntimeError("password=hunter2 leaked by a bug")

    api = ApiServer(build_api(world.services, [broken]), "127.0.0.1", 0, access_log=False)
    with api as server, caplog.at_level(logging.ERROR, logger="bot.api"):
        response = httpx.get(f"{server.url}/boom", timeout=10)
    body = assert_refusal(response, 500, "internal")
    reference = re.search(r"reference ([0-9A-F]{8})", body["message"])
    assert reference and "hunter2" not in response.text
    logged = [r for r in caplog.records if reference.group(1) in r.getMessage()]
    assert logged and logged[0].exc_info is not None, "the traceback is logged with the reference"


def test_an_unavailable_dependency_is_503_with_a_reference_logged_at_warning_with_its_cause(
    world: ApiWorld, caplog: pytest.LogCaptureFixture
) -> None:
    down = APIRouter()

    @down.get("/down")
    def database_down() -> None:
        try:
            raise psycopg.OperationalError("connection refused")
        except psycopg.OperationalError as exc:
            raise DatabaseUnavailable("cannot connect to the PostgreSQL server at db:5432: connection refused") from exc

    api = ApiServer(build_api(world.services, [down]), "127.0.0.1", 0, access_log=False)
    with api as server, caplog.at_level(logging.INFO, logger="bot.api"):
        response = httpx.get(f"{server.url}/down", timeout=10)
    body = assert_refusal(response, 503, "unavailable")
    assert "cannot connect to the PostgreSQL server" in body["message"]
    reference = re.search(r"reference ([0-9A-F]{8})", body["message"])
    assert reference, body
    logged = [r for r in caplog.records if reference.group(1) in r.getMessage()]
    assert logged and logged[0].levelno == logging.WARNING, "an outage is a warning, not a refusal"
    assert logged[0].exc_info is not None and isinstance(logged[0].exc_info[1].__cause__, psycopg.OperationalError)


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (ReportParseError("run.rpt", 12, "a slack line", "'garbage'"), 422, "bad_report"),
        (Invalid("the table's rows disagree on their columns"), 422, "invalid_data"),
        (NotEdabots("a database role named alice already exists and was not created by edabot"), 409, None),
        (Refusal("that channel has too many members to check"), 422, "invalid_input"),
    ],
    ids=["report", "invalid", "foreign-role", "refusal"],
)
def test_refusals_and_invalid_data_are_4xx_without_a_reference(
    world: ApiWorld, error: Exception, status: int, code: str | None
) -> None:
    refusing = APIRouter()

    @refusing.get("/refuse")
    def refuse() -> None:
        raise error

    api = ApiServer(build_api(world.services, [refusing]), "127.0.0.1", 0, access_log=False)
    with api as server:
        body = assert_refusal(httpx.get(f"{server.url}/refuse", timeout=10), status, code)
    assert body["message"] == str(error) and "reference" not in body["message"]


def test_the_server_binds_port_zero_and_refuses_a_busy_port(world: ApiWorld) -> None:
    assert world.server.port and world.server.port > 0
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        with pytest.raises(ApiServerError, match="cannot listen"):
            ApiServer(build_api(world.services), "127.0.0.1", busy.getsockname()[1]).start()
    server = ApiServer(build_api(world.services), "127.0.0.1", 0, access_log=False).start()
    url = server.url
    assert httpx.get(f"{url}/openapi.json", timeout=10).status_code == 200
    server.stop()
    server.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/openapi.json", timeout=2)
