"""Per-user Grafana setup (SPEC "Grafana"): a folder and one PostgreSQL datasource per user database.

`ensure_user_grafana` is idempotent and repairs drift, so registration can simply run it again after
any failure; `remove_user_grafana` undoes it, treating whatever is already gone as done.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from core.grafana.client import DatasourceHealth, GrafanaClient, JsonObject
from core.grafana.errors import GrafanaConflict, GrafanaNotFound
from core.grafana.kinds import DATABASE_KINDS
from core.grafana.templates.panels import POSTGRES_TYPE
from core.secret import Secret

log = logging.getLogger(__name__)

MAX_UID_LENGTH = 40
# One reader role serves all three datasources and has a connection limit of its own; keep the sum
# of the pools below it (notes/grafana.md §6).
MAX_OPEN_CONNS = 3
SEARCH_PAGE = 1000
# GRAFANA_DB_SSLMODE's default (SPEC). Grafana's PostgreSQL plugin accepts it since it moved from lib/pq
# to pgx (grafana#103961, G12); lib/pq refused `prefer` and `allow` ("unsupported sslmode"), so on older
# Grafana the datasource health check reports that and the fix is GRAFANA_DB_SSLMODE=disable or require.
DEFAULT_SSLMODE = "prefer"
# Grafana's folder permission levels (legacy folder permissions API): 1 View, 2 Edit, 4 Admin.
VIEW = 1


def folder_uid(username: str) -> str:
    return f"edabot-{username}"


def datasource_name(username: str, kind: str) -> str:
    return f"edabot-{username}-{kind}"


def datasource_uid(username: str, kind: str) -> str:
    """`edabot-<username>-<kind>`; usernames too long for Grafana's 40-char uids get a hashed tail."""
    uid = datasource_name(username, kind)
    if len(uid) <= MAX_UID_LENGTH:
        return uid
    digest = hashlib.sha256(uid.encode()).hexdigest()[:8]
    keep = MAX_UID_LENGTH - len(f"edabot--{kind}-{digest}")
    return f"edabot-{username[:keep]}-{kind}-{digest}"


def grafana_role(username: str) -> str:
    return f"{username}_grafana"


def postgres_version(server_version_num: int) -> int:
    """Grafana's `postgresVersion` from `SHOW server_version_num`: 150004 -> 1500, 180000 -> 1800,
    90624 -> 906."""
    if server_version_num >= 100000:
        return server_version_num // 10000 * 100
    return server_version_num // 100


def _url(host: str, port: int) -> str:
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"  # IPv6 literal
    return f"{host}:{port}"


def datasource_payload(
    *, username: str, kind: str, db_host: str, db_port: int, server_version_num: int, sslmode: str = DEFAULT_SSLMODE
) -> JsonObject:
    """Everything but the password, which is added only when sent. `sslmode` is GRAFANA_DB_SSLMODE."""
    return {
        "name": datasource_name(username, kind),
        "uid": datasource_uid(username, kind),
        "type": POSTGRES_TYPE,
        "access": "proxy",
        "url": _url(db_host, db_port),
        "user": grafana_role(username),
        "basicAuth": False,
        "isDefault": False,
        # The database goes in jsonData: a top-level `database` breaks Grafana's frontend (grafana#132582).
        "jsonData": {
            "database": f"{username}_{kind}",
            "sslmode": sslmode,
            "postgresVersion": postgres_version(server_version_num),
            "timescaledb": False,
            "maxOpenConns": MAX_OPEN_CONNS,
            "maxIdleConns": MAX_OPEN_CONNS,
            "maxIdleConnsAuto": False,
            "connMaxLifetime": 14400,
        },
    }


@dataclass(frozen=True)
class GrafanaSetup:
    folder_uid: str
    datasource_uids: Mapping[str, str]
    changes: tuple[str, ...] = ()
    health: Mapping[str, DatasourceHealth] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.changes)

    @property
    def healthy(self) -> bool:
        return all(check.ok for check in self.health.values())


def _drift(current: Mapping[str, Any], wanted: Mapping[str, Any]) -> list[str]:
    """Names of the settings we manage that differ in Grafana."""
    differ = [
        key for key in ("name", "type", "access", "url", "user", "basicAuth") if current.get(key) != wanted.get(key)
    ]
    current_json = current.get("jsonData") or {}
    differ += [f"jsonData.{key}" for key, value in wanted["jsonData"].items() if current_json.get(key) != value]
    if not (current.get("secureJsonFields") or {}).get("password"):
        differ.append("password")
    return differ


def _ensure_folder(client: GrafanaClient, username: str, changes: list[str]) -> str:
    uid = title = folder_uid(username)
    try:
        folder = client.get_folder(uid)
    except GrafanaNotFound:
        try:
            client.create_folder(uid, title)
            changes.append(f"created folder {uid}")
            return uid
        except GrafanaConflict:
            folder = client.get_folder(uid)  # created meanwhile by a concurrent registration
    if folder.get("title") != title:
        client.update_folder(uid, title)
        changes.append(f"renamed folder {uid} back to {title}")
    return uid


def _grants_view(entry: Mapping[str, Any]) -> bool:
    permission = entry.get("permission")
    return isinstance(permission, int) and permission >= VIEW


def _ensure_viewable(client: GrafanaClient, uid: str, account_id: int, changes: list[str]) -> None:
    """Let the capture service account view the folder.

    Grafana gives a new top-level folder the entries "Viewer role: View" and "Editor role: Edit" (and
    Admin to its creator; `setDefaultFolderPermissions` in Grafana's folder service), so the Viewer
    account sees it by default. An administrator may have removed the Viewer entry to hide users'
    folders from other viewers; then the account gets a View entry of its own. Grafana's API replaces
    the whole list, so every other entry is sent back unchanged.
    """
    entries = client.get_folder_permissions(uid)
    if any(_grants_view(e) and (e.get("role") == "Viewer" or e.get("userId") == account_id) for e in entries):
        return
    keep: list[dict[str, Any]] = []
    for entry in entries:
        # Inherited entries belong to a parent folder; Admins always have access and cannot be set.
        if entry.get("inherited") or entry.get("role") == "Admin" or not isinstance(entry.get("permission"), int):
            continue
        for key in ("userId", "teamId", "role"):
            if entry.get(key):
                keep.append({key: entry[key], "permission": entry["permission"]})
                break
    client.set_folder_permissions(uid, [*keep, {"userId": account_id, "permission": VIEW}])
    changes.append(f"let the capture service account view folder {uid}")


def _ensure_datasource(client: GrafanaClient, wanted: JsonObject, password: Secret, changes: list[str]) -> None:
    uid = wanted["uid"]
    with_password = {**wanted, "secureJsonData": {"password": password.reveal()}}
    try:
        current = client.get_datasource(uid)
    except GrafanaNotFound:
        try:
            client.create_datasource(with_password)
            changes.append(f"created datasource {uid}")
            return
        except GrafanaConflict:
            try:
                current = client.get_datasource(uid)
            except GrafanaNotFound as exc:
                raise GrafanaConflict(
                    f"Grafana already has a datasource named {wanted['name']!r} with another uid "
                    f"(POST /api/datasources); delete or rename it in Grafana, then register again",
                    path="/api/datasources",
                    status=409,
                ) from exc
    differ = _drift(current, wanted)
    if differ:
        # Keep settings a human added in jsonData; ours win where both set a key.
        merged = {**with_password, "jsonData": {**(current.get("jsonData") or {}), **wanted["jsonData"]}}
        client.update_datasource(uid, merged)
        changes.append(f"updated datasource {uid} ({', '.join(differ)})")


def ensure_user_grafana(
    client: GrafanaClient,
    *,
    username: str,
    db_host: str,
    db_port: int,
    grafana_db_password: Secret | str,
    server_version_num: int,
    verify: bool = True,
    sslmode: str = DEFAULT_SSLMODE,
    capture_account_id: int | None = None,
) -> GrafanaSetup:
    """Create what is missing, repair what drifted; a second run changes nothing.

    `capture_account_id`: edabot's Viewer service account for captures, which must be able to view
    the folder (see `_ensure_viewable`).

    With `verify`, Grafana is asked to connect with each datasource; a failing one gets its password
    re-sent once (the reader's password may have been rotated), and the outcome is in `health`.
    """
    password = grafana_db_password if isinstance(grafana_db_password, Secret) else Secret(grafana_db_password)
    changes: list[str] = []
    folder = _ensure_folder(client, username, changes)
    if capture_account_id is not None:
        _ensure_viewable(client, folder, capture_account_id, changes)
    uids: dict[str, str] = {}
    payloads: dict[str, JsonObject] = {}
    for kind in DATABASE_KINDS:
        wanted = datasource_payload(
            username=username,
            kind=kind,
            db_host=db_host,
            db_port=db_port,
            server_version_num=server_version_num,
            sslmode=sslmode,
        )
        _ensure_datasource(client, wanted, password, changes)
        uids[kind] = wanted["uid"]
        payloads[kind] = wanted
    health: dict[str, DatasourceHealth] = {}
    if verify:
        for name, uid in uids.items():
            check = client.datasource_health(uid)
            if not check.ok:
                client.update_datasource(uid, {**payloads[name], "secureJsonData": {"password": password.reveal()}})
                changes.append(f"re-sent password of datasource {uid} after: {check.message}")
                check = client.datasource_health(uid)
            health[name] = check
    if changes:
        log.info("grafana setup for %s: %s", username, "; ".join(changes))
    return GrafanaSetup(folder_uid=folder, datasource_uids=uids, changes=tuple(changes), health=health)


def remove_user_grafana(client: GrafanaClient, username: str) -> tuple[str, ...]:
    """Delete the user's datasources, the dashboards in their folder and the folder."""
    removed: list[str] = []
    for kind in DATABASE_KINDS:
        uid = datasource_uid(username, kind)
        try:
            client.delete_datasource(uid)
            removed.append(f"deleted datasource {uid}")
        except GrafanaNotFound:
            pass
    folder = folder_uid(username)
    seen: set[str] = set()
    while True:
        # Always page 1: deleting shifts later pages. Stop once a page brings nothing new.
        hits = client.search(type_="dash-db", folder_uids=[folder], limit=SEARCH_PAGE)
        fresh = [hit["uid"] for hit in hits if isinstance(hit.get("uid"), str) and hit["uid"] not in seen]
        if not fresh:
            break
        for dashboard in fresh:
            seen.add(dashboard)
            try:
                client.delete_dashboard(dashboard)
                removed.append(f"deleted dashboard {dashboard}")
            except GrafanaNotFound:
                pass
    try:
        client.delete_folder(folder)
        removed.append(f"deleted folder {folder}")
    except GrafanaNotFound:
        pass
    return tuple(removed)
