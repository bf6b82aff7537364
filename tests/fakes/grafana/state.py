"""The fake Grafana's objects and the legacy `/api` behaviour on them (notes/grafana.md §1), without HTTP.

Each handler returns `(status, body)`. Callers hold `GrafanaState.lock`.
"""

from __future__ import annotations

import copy
import re
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

JsonObject = dict[str, Any]
Reply = tuple[int, Any]
ConflictMode = Literal["legacy", "newest"]

UID_PATTERN = re.compile(r"^[a-zA-Z0-9_-]*$")
MAX_UID = 40
ROLES = ("None", "Viewer", "Editor", "Admin")
PERMISSION_NAMES = {1: "View", 2: "Edit", 4: "Admin"}


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def slugify(title: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return slug or "dashboard"


def _error(code: int, message: str, **extra: str) -> Reply:
    return code, {"message": message, **extra}


def _uid_problem(uid: str) -> str | None:
    if len(uid) > MAX_UID:
        return f"uid too long, max {MAX_UID} characters"
    if not UID_PATTERN.match(uid):
        return "uid contains illegal characters"
    return None


@dataclass
class Token:
    name: str
    role: str
    service_account_id: int | None = None
    token_id: int | None = None
    created: str = field(default_factory=lambda: _now())


@dataclass
class ServiceAccount:
    id: int
    name: str
    role: str
    is_disabled: bool = False
    tokens: dict[int, str] = field(default_factory=dict)  # token id -> key


@dataclass
class StoredDashboard:
    model: JsonObject
    folder_uid: str
    created: str
    updated: str

    @property
    def uid(self) -> str:
        return str(self.model["uid"])

    @property
    def title(self) -> str:
        return str(self.model.get("title", ""))

    @property
    def version(self) -> int:
        return int(self.model.get("version", 0))


class GrafanaState:
    def __init__(self, *, org_id: int = 1, version: str = "12.1.0") -> None:
        self.lock = threading.RLock()
        self.org_id = org_id
        self.version = version
        self.conflict_mode: ConflictMode = "legacy"
        self.database_failing = False
        self._ids = 0
        self.folders: dict[str, JsonObject] = {}
        self.folder_permissions: dict[str, list[JsonObject]] = {}
        self.datasources: dict[str, JsonObject] = {}
        self.secrets: dict[str, dict[str, str]] = {}  # datasource uid -> secureJsonData
        self.dashboards: dict[str, StoredDashboard] = {}
        self.tokens: dict[str, Token] = {}
        self.service_accounts: dict[int, ServiceAccount] = {}

    def next_id(self) -> int:
        self._ids += 1
        return self._ids

    # --- health ---------------------------------------------------------------------------------

    def health(self) -> Reply:
        body = {"database": "failing" if self.database_failing else "ok", "version": self.version, "commit": "fake"}
        return (503 if self.database_failing else 200), body

    # --- folders --------------------------------------------------------------------------------

    def _folder_dto(self, folder: JsonObject) -> JsonObject:
        return {
            **folder,
            "orgId": self.org_id,
            "url": f"/dashboards/f/{folder['uid']}/{slugify(folder['title'])}",
            "hasAcl": False,
            "canSave": True,
            "canEdit": True,
            "canAdmin": True,
            "canDelete": True,
            "createdBy": "service-account",
            "updatedBy": "service-account",
        }

    def create_folder(self, body: JsonObject) -> Reply:
        title = str(body.get("title") or "").strip()
        if not title:
            return _error(400, "folder title cannot be empty")
        uid = str(body.get("uid") or secrets.token_hex(7))
        problem = _uid_problem(uid)
        if problem:
            return _error(400, problem)
        if uid in self.folders:
            return _error(409, "a folder with the same uid already exists")
        if self.conflict_mode == "legacy" and any(f["title"] == title for f in self.folders.values()):
            return _error(409, "a folder or dashboard in the general folder with the same name already exists")
        now = _now()
        folder = {"id": self.next_id(), "uid": uid, "title": title, "version": 1, "created": now, "updated": now}
        self.folders[uid] = folder
        # Grafana's defaults for a new top-level folder (setDefaultFolderPermissions); the creator's own
        # Admin entry is left out: the fake's tokens are not users.
        self.folder_permissions[uid] = [
            self._acl_entry(uid, {"role": "Editor", "permission": 2}),
            self._acl_entry(uid, {"role": "Viewer", "permission": 1}),
        ]
        return 200, self._folder_dto(folder)

    def list_folders(self) -> Reply:
        return 200, [{"id": f["id"], "uid": f["uid"], "title": f["title"]} for f in self.folders.values()]

    def get_folder(self, uid: str) -> Reply:
        folder = self.folders.get(uid)
        if folder is None:
            return _error(404, "folder not found", status="not-found")
        return 200, self._folder_dto(folder)

    def update_folder(self, uid: str, body: JsonObject) -> Reply:
        folder = self.folders.get(uid)
        if folder is None:
            return _error(404, "folder not found", status="not-found")
        if not body.get("overwrite") and body.get("version") != folder["version"]:
            return _error(412, "the folder has been changed by someone else", status="version-mismatch")
        if body.get("title"):
            folder["title"] = str(body["title"])
        folder["version"] += 1
        folder["updated"] = _now()
        return 200, self._folder_dto(folder)

    def delete_folder(self, uid: str) -> Reply:
        folder = self.folders.pop(uid, None)
        if folder is None:
            return _error(404, "folder not found", status="not-found")
        # Grafana deletes the dashboards inside a folder with it.
        for dashboard_uid in [d.uid for d in self.dashboards.values() if d.folder_uid == uid]:
            del self.dashboards[dashboard_uid]
        self.folder_permissions.pop(uid, None)
        return 200, {"title": folder["title"], "message": f"Folder {folder['title']} deleted", "id": folder["id"]}

    def get_folder_permissions(self, uid: str) -> Reply:
        if uid not in self.folders:
            return _error(404, "folder not found", status="not-found")
        return 200, copy.deepcopy(self.folder_permissions.get(uid, []))

    def set_folder_permissions(self, uid: str, body: JsonObject) -> Reply:
        if uid not in self.folders:
            return _error(404, "folder not found", status="not-found")
        items = body.get("items")
        if not isinstance(items, list):
            return _error(400, "bad request data")
        for item in items:
            if not isinstance(item, dict) or item.get("permission") not in PERMISSION_NAMES:
                return _error(400, "bad request data")
            if item.get("role") == "Admin":
                return _error(400, "Permissions cannot be set for Admins")
            if sum(1 for key in ("userId", "teamId", "role") if item.get(key)) != 1:
                return _error(400, "an entry names exactly one of userId, teamId, role")
        self.folder_permissions[uid] = [self._acl_entry(uid, item) for item in items]
        return 200, {"message": "Folder permissions updated"}

    def _acl_entry(self, uid: str, item: JsonObject) -> JsonObject:
        permission = int(item["permission"])
        entry: JsonObject = {
            "folderUid": uid,
            "uid": uid,
            "isFolder": True,
            "inherited": False,
            "permission": permission,
            "permissionName": PERMISSION_NAMES[permission],
        }
        for key in ("userId", "teamId", "role"):
            if item.get(key):
                entry[key] = item[key]
        return entry

    def can_view(self, token: Token, folder_uid: str) -> bool:
        """Editors and Admins see everything here; a Viewer needs a View entry on the folder (its role's
        or its own service account's). The General folder is open to every role."""
        if token.role in ("Editor", "Admin") or not folder_uid:
            return True
        if token.role != "Viewer" and token.service_account_id is None:
            return False
        for entry in self.folder_permissions.get(folder_uid, []):
            if entry["permission"] < 1:
                continue
            if entry.get("role") == token.role == "Viewer":
                return True
            if token.service_account_id is not None and entry.get("userId") == token.service_account_id:
                return True
        return False

    # --- datasources ----------------------------------------------------------------------------

    def _datasource_dto(self, stored: JsonObject) -> JsonObject:
        return copy.deepcopy(stored)

    def _find_datasource_by_name(self, name: str) -> JsonObject | None:
        return next((ds for ds in self.datasources.values() if ds["name"] == name), None)

    def create_datasource(self, body: JsonObject) -> Reply:
        name = str(body.get("name") or "").strip()
        if not name:
            return _error(400, "Data source name is required")
        if not body.get("type"):
            return _error(400, "Data source type is required")
        uid = str(body.get("uid") or secrets.token_hex(7))
        problem = _uid_problem(uid)
        if problem:
            return _error(400, f"Failed to add datasource: {problem}")
        if self._find_datasource_by_name(name) is not None:
            return _error(409, "data source with the same name already exists")
        if uid in self.datasources:
            return _error(409, "data source with the same uid already exists")
        stored = self._build_datasource(body, uid=uid, ident=self.next_id(), version=1)
        self.datasources[uid] = stored
        self.secrets[uid] = dict(body.get("secureJsonData") or {})
        stored["secureJsonFields"] = {key: True for key in self.secrets[uid]}
        dto = self._datasource_dto(stored)
        return 200, {"datasource": dto, "id": stored["id"], "message": "Datasource added", "name": name}

    def _build_datasource(self, body: JsonObject, *, uid: str, ident: int, version: int) -> JsonObject:
        return {
            "id": ident,
            "uid": uid,
            "orgId": self.org_id,
            "name": str(body.get("name")),
            "type": str(body.get("type")),
            "typeLogoUrl": "public/app/plugins/datasource/grafana-postgresql-datasource/img/postgresql_logo.svg",
            "access": str(body.get("access") or "proxy"),
            "url": str(body.get("url") or ""),
            "user": str(body.get("user") or ""),
            "database": str(body.get("database") or ""),
            "basicAuth": bool(body.get("basicAuth", False)),
            "basicAuthUser": str(body.get("basicAuthUser") or ""),
            "withCredentials": bool(body.get("withCredentials", False)),
            "isDefault": bool(body.get("isDefault", False)),
            "jsonData": copy.deepcopy(body.get("jsonData") or {}),
            "secureJsonFields": {},
            "version": version,
            "readOnly": False,
        }

    def list_datasources(self) -> Reply:
        keys = ("id", "uid", "orgId", "name", "type", "typeLogoUrl", "access", "url", "user", "database")
        items = [
            {
                **{k: ds[k] for k in keys},
                "basicAuth": ds["basicAuth"],
                "isDefault": ds["isDefault"],
                "jsonData": copy.deepcopy(ds["jsonData"]),
                "readOnly": False,
                "typeName": "PostgreSQL",
            }
            for ds in self.datasources.values()
        ]
        return 200, items

    def get_datasource(self, uid: str) -> Reply:
        stored = self.datasources.get(uid)
        if stored is None:
            return _error(404, "Data source not found")
        return 200, self._datasource_dto(stored)

    def get_datasource_by_name(self, name: str) -> Reply:
        stored = self._find_datasource_by_name(name)
        if stored is None:
            return _error(404, "Data source not found")
        return 200, self._datasource_dto(stored)

    def update_datasource(self, uid: str, body: JsonObject) -> Reply:
        stored = self.datasources.get(uid)
        if stored is None:
            return _error(404, "Data source not found")
        if body.get("version") is not None and body.get("version") != stored["version"]:
            return _error(409, "Datasource has already been updated by someone else. Please reload and try again")
        name = str(body.get("name") or "").strip()
        if not name or not body.get("type"):
            return _error(400, "Data source name and type are required")
        other = self._find_datasource_by_name(name)
        if other is not None and other["uid"] != uid:
            return _error(409, "data source with the same name already exists")
        updated = self._build_datasource(body, uid=uid, ident=stored["id"], version=stored["version"] + 1)
        # secureJsonData sent replaces those keys; keys not sent keep their stored secret.
        self.secrets[uid] = {**self.secrets.get(uid, {}), **dict(body.get("secureJsonData") or {})}
        updated["secureJsonFields"] = {key: True for key in self.secrets[uid]}
        self.datasources[uid] = updated
        dto = self._datasource_dto(updated)
        return 200, {"datasource": dto, "id": updated["id"], "message": "Datasource updated", "name": name}

    def delete_datasource(self, uid: str) -> Reply:
        stored = self.datasources.pop(uid, None)
        if stored is None:
            return _error(404, "Data source not found")
        self.secrets.pop(uid, None)
        return 200, {"message": "Data source deleted", "id": stored["id"]}

    def delete_datasource_by_name(self, name: str) -> Reply:
        stored = self._find_datasource_by_name(name)
        if stored is None:
            return _error(404, "Data source not found")
        self.datasources.pop(stored["uid"])
        self.secrets.pop(stored["uid"], None)
        return 200, {"message": "Data source deleted", "id": stored["id"]}

    # --- dashboards -----------------------------------------------------------------------------

    def save_dashboard(self, body: JsonObject) -> Reply:
        model = body.get("dashboard")
        if not isinstance(model, dict):
            return _error(400, "bad request data")
        if "elements" in model and "layout" in model:
            return _error(400, "dashboard v2 spec sent to the v1 API; use /apis/dashboard.grafana.app/v2")
        title = str(model.get("title") or "").strip()
        if not title:
            return _error(400, "Dashboard spec is missing required title property")
        uid = str(model.get("uid") or secrets.token_hex(7))
        problem = _uid_problem(uid)
        if problem:
            return _error(400, problem)
        folder_uid = str(body.get("folderUid") or "")
        if folder_uid and folder_uid not in self.folders:
            if self.conflict_mode == "legacy":
                return _error(404, "Folder not found", status="not-found")
            return _error(400, "folder not found")
        overwrite = bool(body.get("overwrite"))
        existing = self.dashboards.get(uid)
        if existing is not None and not overwrite and model.get("version") != existing.version:
            if self.conflict_mode == "legacy":
                return _error(412, "The dashboard has been changed by someone else", status="version-mismatch")
            return _error(409, "Dashboard already exists. Use overwrite flag to update.")
        if self.conflict_mode == "legacy":
            same_title = next(
                (
                    d
                    for d in self.dashboards.values()
                    if d.folder_uid == folder_uid and d.title == title and d.uid != uid
                ),
                None,
            )
            if same_title is not None:
                if not overwrite:
                    return _error(
                        412, "A dashboard with the same name in the folder already exists", status="name-exists"
                    )
                # Legacy Grafana takes the same-titled dashboard over, keeping its uid and id.
                existing = self.dashboards.pop(same_title.uid)
                uid = existing.uid
        now = _now()
        stored_model = copy.deepcopy(model)
        stored_model["uid"] = uid
        stored_model["id"] = existing.model["id"] if existing else self.next_id()
        stored_model["version"] = existing.version + 1 if existing else 1
        self.dashboards[uid] = StoredDashboard(
            model=stored_model, folder_uid=folder_uid, created=existing.created if existing else now, updated=now
        )
        slug = slugify(title)
        return 200, {
            "id": stored_model["id"],
            "uid": uid,
            "url": f"/d/{uid}/{slug}",
            "status": "success",
            "version": stored_model["version"],
            "slug": slug,
            "folderUid": folder_uid,
        }

    def get_dashboard(self, uid: str) -> Reply:
        stored = self.dashboards.get(uid)
        if stored is None:
            return _error(404, "Dashboard not found")
        folder = self.folders.get(stored.folder_uid)
        slug = slugify(stored.title)
        meta = {
            "type": "db",
            "canSave": True,
            "canEdit": True,
            "canAdmin": True,
            "canStar": True,
            "canDelete": True,
            "slug": slug,
            "url": f"/d/{uid}/{slug}",
            "expires": "0001-01-01T00:00:00Z",
            "created": stored.created,
            "updated": stored.updated,
            "updatedBy": "service-account",
            "createdBy": "service-account",
            "version": stored.version,
            "hasAcl": False,
            "isFolder": False,
            "folderUid": stored.folder_uid,
            "folderTitle": folder["title"] if folder else "Dashboards",
            "folderUrl": f"/dashboards/f/{stored.folder_uid}/" if folder else "",
            "provisioned": False,
            "provisionedExternalId": "",
        }
        return 200, {"dashboard": copy.deepcopy(stored.model), "meta": meta}

    def delete_dashboard(self, uid: str) -> Reply:
        stored = self.dashboards.pop(uid, None)
        if stored is None:
            return _error(404, "Dashboard not found")
        return 200, {"title": stored.title, "message": f"Dashboard {stored.title} deleted", "id": stored.model["id"]}

    def search(self, query: dict[str, list[str]]) -> Reply:
        text = (query.get("query") or [""])[0].lower()
        tags = query.get("tag", [])
        kind = (query.get("type") or [""])[0]
        folder_uids = set(query.get("folderUIDs", []))
        dashboard_uids = set(query.get("dashboardUIDs", []))
        limit = int((query.get("limit") or ["1000"])[0])
        page = int((query.get("page") or ["1"])[0])
        hits: list[JsonObject] = []
        if kind in ("", "dash-folder") and not dashboard_uids:
            for folder in self.folders.values():
                if text in folder["title"].lower() and not tags and not folder_uids:
                    slug = slugify(folder["title"])
                    hits.append(
                        {
                            "id": folder["id"],
                            "uid": folder["uid"],
                            "title": folder["title"],
                            "uri": f"db/{slug}",
                            "url": f"/dashboards/f/{folder['uid']}/{slug}",
                            "slug": "",
                            "type": "dash-folder",
                            "tags": [],
                            "isStarred": False,
                            "sortMeta": 0,
                        }
                    )
        if kind in ("", "dash-db"):
            for stored in self.dashboards.values():
                model_tags = [str(t) for t in stored.model.get("tags") or []]
                if text not in stored.title.lower() or not all(tag in model_tags for tag in tags):
                    continue
                if folder_uids and stored.folder_uid not in folder_uids:
                    continue
                if dashboard_uids and stored.uid not in dashboard_uids:
                    continue
                home = self.folders.get(stored.folder_uid)
                slug = slugify(stored.title)
                hit = {
                    "id": stored.model["id"],
                    "uid": stored.uid,
                    "title": stored.title,
                    "uri": f"db/{slug}",
                    "url": f"/d/{stored.uid}/{slug}",
                    "slug": "",
                    "type": "dash-db",
                    "tags": model_tags,
                    "isStarred": False,
                    "sortMeta": 0,
                }
                if home:
                    hit.update(
                        folderUid=home["uid"],
                        folderTitle=home["title"],
                        folderUrl=f"/dashboards/f/{home['uid']}/{slugify(home['title'])}",
                    )
                hits.append(hit)
        hits.sort(key=lambda hit: (hit["type"] != "dash-folder", hit["title"].lower()))
        return 200, hits[(page - 1) * limit : page * limit]

    # --- service accounts -----------------------------------------------------------------------

    def _sa_dto(self, account: ServiceAccount) -> JsonObject:
        return {
            "id": account.id,
            "name": account.name,
            "login": f"sa-{slugify(account.name)}",
            "orgId": self.org_id,
            "isDisabled": account.is_disabled,
            "role": account.role,
            "tokens": len(account.tokens),
            "avatarUrl": "/avatar/fake",
        }

    def create_service_account(self, body: JsonObject) -> Reply:
        name = str(body.get("name") or "").strip()
        role = str(body.get("role") or "Viewer")
        if not name:
            return _error(400, "service account name is required")
        if role not in ROLES:
            return _error(400, f"invalid role {role}")
        if any(sa.name == name for sa in self.service_accounts.values()):
            return _error(400, "service account already exists")
        account = ServiceAccount(id=self.next_id(), name=name, role=role, is_disabled=bool(body.get("isDisabled")))
        self.service_accounts[account.id] = account
        return 201, self._sa_dto(account)

    def search_service_accounts(self, query: dict[str, list[str]]) -> Reply:
        text = (query.get("query") or [""])[0].lower()
        per_page = int((query.get("perpage") or ["1000"])[0])
        page = int((query.get("page") or ["1"])[0])
        accounts = [self._sa_dto(sa) for sa in self.service_accounts.values() if text in sa.name.lower()]
        shown = accounts[(page - 1) * per_page : page * per_page]
        return 200, {"totalCount": len(accounts), "serviceAccounts": shown, "page": page, "perPage": per_page}

    def get_service_account(self, ident: int) -> Reply:
        account = self.service_accounts.get(ident)
        if account is None:
            return _error(404, "service account not found")
        return 200, self._sa_dto(account)

    def update_service_account(self, ident: int, body: JsonObject) -> Reply:
        account = self.service_accounts.get(ident)
        if account is None:
            return _error(404, "service account not found")
        role = body.get("role")
        if role is not None:
            if role not in ROLES:
                return _error(400, f"invalid role {role}")
            account.role = str(role)
            for key in account.tokens.values():  # a token acts with its account's current role
                self.tokens[key].role = account.role
        if body.get("name"):
            account.name = str(body["name"])
        if body.get("isDisabled") is not None:
            account.is_disabled = bool(body["isDisabled"])
        return 200, {
            "id": account.id,
            "name": account.name,
            "message": "Service account updated",
            "serviceaccount": self._sa_dto(account),
        }

    def list_tokens(self, ident: int) -> Reply:
        account = self.service_accounts.get(ident)
        if account is None:
            return _error(404, "service account not found")
        listed = [
            {
                "id": token_id,
                "name": self.tokens[key].name,
                "created": self.tokens[key].created,
                "hasExpired": False,
                "isRevoked": False,
                "secondsUntilExpiration": 0,
            }
            for token_id, key in account.tokens.items()
        ]
        return 200, listed

    def delete_service_account(self, ident: int) -> Reply:
        account = self.service_accounts.pop(ident, None)
        if account is None:
            return _error(404, "service account not found")
        for key in account.tokens.values():
            self.tokens.pop(key, None)
        return 200, {"message": "Service account deleted"}

    def create_token(self, ident: int, body: JsonObject) -> Reply:
        account = self.service_accounts.get(ident)
        if account is None:
            return _error(404, "service account not found")
        name = str(body.get("name") or "").strip()
        if not name:
            return _error(400, "token name is required")
        if any(self.tokens[key].name == name for key in account.tokens.values()):
            return _error(409, "service account token with the same name already exists")
        token_id = self.next_id()
        key = f"glsa_{secrets.token_urlsafe(24)}_{secrets.token_hex(4)}"
        account.tokens[token_id] = key
        self.tokens[key] = Token(name=name, role=account.role, service_account_id=ident, token_id=token_id)
        return 200, {"id": token_id, "name": name, "key": key}

    def delete_token(self, ident: int, token_id: int) -> Reply:
        account = self.service_accounts.get(ident)
        if account is None or token_id not in account.tokens:
            return _error(404, "token not found")
        self.tokens.pop(account.tokens.pop(token_id), None)
        return 200, {"message": "API key deleted"}
