"""The capture token: edabot's own Viewer service account, created once and reused, never an admin token;
and the fake's service-account endpoints and role checks it relies on."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest

from core.grafana.capture_token import CAPTURE_ACCOUNT, CaptureTokens, MemoryCaptureTokenStore
from core.grafana.client import GrafanaClient
from core.grafana.errors import GrafanaAuthError
from core.secret import Secret
from tests.fakes.grafana import GrafanaFake
from tests.unit.grafana.conftest import needs_specs

DASHBOARD = {"uid": "d1", "title": "D1", "schemaVersion": 41, "templating": {"list": []}, "annotations": {"list": []}}


def call(fake: GrafanaFake, method: str, path: str, body: Any = None, *, token: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token or fake.token}"}
    return httpx.request(method, fake.base_url + path, json=body, headers=headers, timeout=5)


def accounts(fake: GrafanaFake) -> list[Any]:
    with fake.state.lock:
        return list(fake.state.service_accounts.values())


@needs_specs
def test_fake_service_account_endpoints_answer_as_the_spec_says(fake: GrafanaFake) -> None:
    created = call(fake, "POST", "/api/serviceaccounts", {"name": "edabot-capture", "role": "Viewer"})
    assert created.status_code == 201
    account = created.json()
    assert account["role"] == "Viewer" and account["login"] == "sa-edabot-capture" and account["tokens"] == 0
    ident = account["id"]
    assert call(fake, "POST", "/api/serviceaccounts", {"name": "edabot-capture-old"}).status_code == 201

    found = call(fake, "GET", "/api/serviceaccounts/search?query=edabot-capture&perpage=1&page=2").json()
    assert found["totalCount"] == 2 and found["perPage"] == 1 and len(found["serviceAccounts"]) == 1
    assert call(fake, "GET", f"/api/serviceaccounts/{ident}").json()["name"] == "edabot-capture"
    assert call(fake, "GET", "/api/serviceaccounts/999").status_code == 404

    patched = call(fake, "PATCH", f"/api/serviceaccounts/{ident}", {"role": "Editor"})
    assert patched.status_code == 200 and patched.json()["serviceaccount"]["role"] == "Editor"

    token = call(fake, "POST", f"/api/serviceaccounts/{ident}/tokens", {"name": "t", "secondsToLive": 0})
    assert token.status_code == 200 and token.json()["key"].startswith("glsa_")
    duplicate = call(fake, "POST", f"/api/serviceaccounts/{ident}/tokens", {"name": "t"})
    assert duplicate.status_code == 409 and duplicate.json()["message"]
    listed = call(fake, "GET", f"/api/serviceaccounts/{ident}/tokens").json()
    assert [t["name"] for t in listed] == ["t"] and "key" not in listed[0]
    assert call(fake, "DELETE", f"/api/serviceaccounts/{ident}/tokens/{listed[0]['id']}").json() == {
        "message": "API key deleted"
    }
    assert fake.violations == []


def test_fake_viewer_reads_but_cannot_write(fake: GrafanaFake, client: GrafanaClient) -> None:
    client.create_folder("f", "F")
    client.save_dashboard(DASHBOARD, folder_uid="f")
    viewer = fake.add_token(role="Viewer", name="viewer")

    assert call(fake, "GET", "/api/dashboards/uid/d1", token=viewer).status_code == 200
    assert call(fake, "GET", "/api/search", token=viewer).status_code == 200
    page = httpx.get(f"{fake.base_url}/d/d1?kiosk", headers={"Authorization": f"Bearer {viewer}"}, timeout=5)
    assert page.status_code == 200
    save = {"dashboard": DASHBOARD, "folderUid": "f", "overwrite": True}
    for method, path, body in (
        ("POST", "/api/dashboards/db", save),
        ("POST", "/api/folders", {"uid": "g", "title": "G"}),
        ("DELETE", "/api/dashboards/uid/d1", None),
        ("POST", "/api/serviceaccounts", {"name": "x", "role": "Admin"}),
        ("POST", "/api/folders/f/permissions", {"items": [{"role": "Viewer", "permission": 4}]}),
    ):
        assert call(fake, method, path, body, token=viewer).status_code == 403, (method, path)
    assert fake.dashboard("d1") is not None
    # The page request is recorded with the name of the token it carried.
    assert [r.token_name for r in fake.requests_to("GET", "/d/d1")] == ["viewer"]


def test_capture_account_is_created_once_as_viewer_and_its_token_reused(
    fake: GrafanaFake, client: GrafanaClient
) -> None:
    store = MemoryCaptureTokenStore()
    first = CaptureTokens(configured=None, admin=client, store=store)
    token = first.token()
    assert token is not None and token.reveal() != fake.token

    # A restart, or a second process sharing the store: same account, same token, nothing new in Grafana.
    second = CaptureTokens(configured=None, admin=client, store=store)
    assert second.token() == token and second.account_id() == first.account_id()
    (account,) = accounts(fake)
    assert (account.name, account.role, len(account.tokens)) == (CAPTURE_ACCOUNT, "Viewer", 1)
    assert len(fake.requests_to("POST", "/api/serviceaccounts")) == 2  # the account, then its one token
    assert fake.state.tokens[token.reveal()].role == "Viewer"


def test_a_raised_role_is_put_back_to_viewer(fake: GrafanaFake, client: GrafanaClient) -> None:
    made = client.create_service_account(CAPTURE_ACCOUNT, role="Admin")

    token = CaptureTokens(configured=None, admin=client).token()

    assert client.get_service_account(made["id"])["role"] == "Viewer"
    assert token is not None and fake.state.tokens[token.reveal()].role == "Viewer"


def test_a_revoked_token_is_replaced_and_the_old_one_deleted(fake: GrafanaFake, client: GrafanaClient) -> None:
    store = MemoryCaptureTokenStore()
    tokens = CaptureTokens(configured=None, admin=client, store=store)
    old = tokens.token()
    assert old is not None and store.stored is not None
    client.delete_service_account_token(store.stored.service_account_id, store.stored.token_id)  # revoked by a human

    tokens.invalidate(old)
    new = tokens.token()

    assert new is not None and new != old
    (account,) = accounts(fake)
    assert list(account.tokens.values()) == [new.reveal()], "one token left: the new one"
    assert store.stored is not None and store.stored.token == new


def test_a_lost_race_for_the_account_uses_the_winners(fake: GrafanaFake, client: GrafanaClient) -> None:
    # Another process created the account between our search and our create.
    client.create_service_account(CAPTURE_ACCOUNT, role="Viewer")
    empty = {"totalCount": 0, "serviceAccounts": [], "page": 1, "perPage": 100}
    fake.inject("/api/serviceaccounts/search", status=200, body=empty, times=1)

    assert CaptureTokens(configured=None, admin=client).token() is not None

    assert len(accounts(fake)) == 1


def test_a_disabled_account_is_reported_with_the_fix(fake: GrafanaFake, client: GrafanaClient) -> None:
    made = client.create_service_account(CAPTURE_ACCOUNT, role="Viewer")
    client.update_service_account(made["id"], disabled=True)

    with pytest.raises(GrafanaAuthError, match="is disabled") as caught:
        CaptureTokens(configured=None, admin=client).token()

    assert "GRAFANA_CAPTURE_TOKEN" in str(caught.value)


def test_configured_token_is_used_and_no_account_is_created(
    fake: GrafanaFake, client: GrafanaClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    given = fake.add_token(role="Viewer", name="operator-viewer")

    tokens = CaptureTokens(configured=Secret(given), admin=client)

    assert tokens.token() is not None and tokens.token().reveal() == given  # type: ignore[union-attr]
    assert tokens.account_id() is None
    assert fake.requests == [] and accounts(fake) == []
    assert given not in caplog.text and given not in repr(tokens.token())


def test_without_any_grafana_token_the_browser_gets_none(fake: GrafanaFake) -> None:
    assert CaptureTokens(configured=None, admin=None).token() is None
