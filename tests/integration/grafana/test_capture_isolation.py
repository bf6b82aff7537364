"""Capture least privilege with a real Chromium against the Grafana fake: the browser carries the Viewer
capture token and nothing else, whatever token the pipeline holds; the token lives encrypted in the master
database and is shared by every process."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core.capture.browser import find_chromium
from core.capture.capture import CaptureService, CaptureSettings
from core.capture.capture_errors import BrowserUnavailable
from core.capture.preview import CapturePreviewer
from core.crypto import CredentialCipher
from core.grafana.capture_store import DbCaptureTokenStore, grafana_key
from core.grafana.capture_token import CAPTURE_ACCOUNT, CaptureTokens
from core.grafana.client import GrafanaClient
from core.grafana.introspect import describe_table
from core.grafana.provisioning import ensure_user_grafana
from core.grafana.templates import build_dashboard
from core.secret import Secret
from tests.fakes.grafana import GrafanaFake, RecordedRequest
from tests.integration.grafana import sample_tables
from tests.integration.grafana.conftest import ScratchUser

pytestmark = pytest.mark.db

TABLE = "isolation_paths"
ADMIN_TOKEN_NAME = "edabot-test-admin"  # the name GrafanaFake gives its admin token


@pytest.fixture(scope="module")
def chromium() -> str:
    try:
        return find_chromium(os.environ.get("CHROMIUM_PATH") or None)
    except BrowserUnavailable as exc:
        pytest.skip(f"no Chromium to capture with: {exc}")


@pytest.fixture
def capture(chromium: str, tmp_path: Path) -> Iterator[CaptureService]:
    settings = CaptureSettings(
        width=800,
        height=600,
        frames=2,
        frame_delay_ms=100,
        timeout_ms=30_000,
        gif_width=400,
        chromium_path=chromium,
        output_dir=tmp_path,
    )
    with CaptureService(settings) as service:
        yield service


@pytest.fixture
def admin(grafana_fake: GrafanaFake) -> Iterator[GrafanaClient]:
    with GrafanaClient(grafana_fake.base_url, grafana_fake.token, max_attempts=1) as client:
        yield client


@pytest.fixture(scope="module")
def table(scratch_user: ScratchUser) -> Iterator[str]:
    with scratch_user.owner_conn("timing") as conn:
        sample_tables.load_timing_paths(conn, TABLE)
    yield TABLE
    with scratch_user.owner_conn("timing") as conn:
        conn.execute(f'DROP TABLE IF EXISTS "{TABLE}"')


def _store(core_ctx: Any, fake: GrafanaFake, cipher: CredentialCipher | None = None) -> DbCaptureTokenStore:
    return DbCaptureTokenStore(core_ctx.db, cipher or core_ctx.cipher, grafana=grafana_key(fake.base_url, None))


def _publish(admin: GrafanaClient, user: ScratchUser, table: str, capture_account_id: int | None) -> str:
    setup = ensure_user_grafana(
        admin,
        username=user.username,
        db_host=user.host,
        db_port=user.port,
        grafana_db_password=user.reader_password,
        server_version_num=user.server_version_num,
        capture_account_id=capture_account_id,
    )
    with user.reader_conn("timing") as conn:
        info = describe_table(conn, table)
    dashboard = build_dashboard("timing", info, username=user.username, datasource_uid=setup.datasource_uids["timing"])
    return admin.save_dashboard(dashboard, folder_uid=setup.folder_uid).uid


def _from_browser(fake: GrafanaFake) -> list[RecordedRequest]:
    # Everything else in this test talks to the fake through httpx (the admin client).
    return [r for r in fake.requests if not r.headers.get("User-Agent", "").startswith("python-httpx")]


def _previewer(capture: CaptureService, fake: GrafanaFake, tokens: CaptureTokens) -> CapturePreviewer:
    return CapturePreviewer(capture, grafana_url=fake.base_url, org_id=None, timeout_s=30, tokens=tokens)


def test_the_browser_never_carries_the_admin_token_only_the_viewer_one(
    grafana_fake: GrafanaFake,
    admin: GrafanaClient,
    core_ctx: Any,
    scratch_user: ScratchUser,
    table: str,
    capture: CaptureService,
) -> None:
    tokens = CaptureTokens(configured=None, admin=admin, store=_store(core_ctx, grafana_fake))
    uid = _publish(admin, scratch_user, table, tokens.account_id())
    grafana_fake.clear_requests()

    # The pipeline hands the previewer the token it holds (here the admin's); the browser must not get it.
    result = _previewer(capture, grafana_fake, tokens).preview(uid=uid, token=Secret(grafana_fake.token))

    assert result.ok, result.problems
    browser = _from_browser(grafana_fake)
    assert any(r.path == f"/d/{uid}" for r in browser), [r.path for r in browser]
    viewer_token = tokens.token()
    assert viewer_token is not None
    with grafana_fake.state.lock:
        viewer = grafana_fake.state.tokens[viewer_token.reveal()]
    assert viewer.role == "Viewer"
    assert {r.token_name for r in browser} == {viewer.name}, "every page request carried the Viewer token"
    assert ADMIN_TOKEN_NAME not in {r.token_name for r in browser}
    (account,) = [a for a in admin.search_service_accounts(CAPTURE_ACCOUNT) if a["name"] == CAPTURE_ACCOUNT]
    assert account["role"] == "Viewer" and account["id"] == viewer.service_account_id

    # Another process (or a restart) on the same master database uses the same token: none is created.
    grafana_fake.clear_requests()
    again = CaptureTokens(configured=None, admin=admin, store=_store(core_ctx, grafana_fake))
    assert _previewer(capture, grafana_fake, again).preview(uid=uid, token=None).ok
    assert {r.token_name for r in _from_browser(grafana_fake)} == {viewer.name}
    assert grafana_fake.requests_to("POST", "/api/serviceaccounts") == []
    assert admin.get_service_account(account["id"])["tokens"] == 1


def test_a_configured_capture_token_is_used_and_no_service_account_is_created(
    grafana_fake: GrafanaFake,
    admin: GrafanaClient,
    core_ctx: Any,
    scratch_user: ScratchUser,
    table: str,
    capture: CaptureService,
) -> None:
    given = grafana_fake.add_token(role="Viewer", name="operator-viewer")
    tokens = CaptureTokens(configured=Secret(given), admin=admin, store=_store(core_ctx, grafana_fake))
    uid = _publish(admin, scratch_user, table, tokens.account_id())
    grafana_fake.clear_requests()

    result = _previewer(capture, grafana_fake, tokens).preview(uid=uid, token=Secret(grafana_fake.token))

    assert result.ok, result.problems
    browser = _from_browser(grafana_fake)
    assert browser and {r.token_name for r in browser} == {"operator-viewer"}
    assert not any(r.path.startswith("/api/serviceaccounts") for r in grafana_fake.requests)
    assert admin.search_service_accounts("") == []


def test_processes_starting_together_share_one_token(
    grafana_fake: GrafanaFake, admin: GrafanaClient, core_ctx: Any
) -> None:
    got: list[str | None] = []
    start = threading.Barrier(4)

    def process() -> None:
        # Each "process" has its own client, store and cache; only the master database is shared.
        with GrafanaClient(grafana_fake.base_url, grafana_fake.token, max_attempts=1) as own:
            start.wait()
            token = CaptureTokens(configured=None, admin=own, store=_store(core_ctx, grafana_fake)).token()
            got.append(token.reveal() if token else None)

    threads = [threading.Thread(target=process) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert len(got) == 4 and len(set(got)) == 1 and got[0] is not None
    (account,) = admin.search_service_accounts(CAPTURE_ACCOUNT)
    assert account["tokens"] == 1


def test_a_token_stored_under_a_lost_key_is_replaced_and_deleted_in_grafana(
    grafana_fake: GrafanaFake, admin: GrafanaClient, core_ctx: Any
) -> None:
    from cryptography.fernet import Fernet

    first = CaptureTokens(configured=None, admin=admin, store=_store(core_ctx, grafana_fake)).token()
    new_key = CredentialCipher([Secret(Fernet.generate_key().decode())])  # CREDENTIALS_KEY replaced

    second = CaptureTokens(configured=None, admin=admin, store=_store(core_ctx, grafana_fake, new_key)).token()

    assert first is not None and second is not None and second != first
    (account,) = admin.search_service_accounts(CAPTURE_ACCOUNT)
    assert account["tokens"] == 1, "the unreadable token was deleted in Grafana, not left behind"
    with grafana_fake.state.lock:
        assert first.reveal() not in grafana_fake.state.tokens
    # The replacement is stored under the new key: a restart with it reuses the token.
    third = CaptureTokens(configured=None, admin=admin, store=_store(core_ctx, grafana_fake, new_key)).token()
    assert third == second
