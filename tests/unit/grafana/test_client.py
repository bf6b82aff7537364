"""GrafanaClient against the loopback fake: Grafana's answers become the project's exceptions, with
messages that name the path and the fix and never the token; only connection errors, 5xx and 429 retry,
with full-jitter backoff (429: its Retry-After) inside the client's budget."""

from __future__ import annotations

import logging

import pytest

from core.grafana.client import GrafanaClient
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
from tests.fakes.grafana import GrafanaFake
from tests.unit.grafana.conftest import Jitter, Sleeps

MINIMAL = {
    "uid": "dash-1",
    "title": "Dash",
    "schemaVersion": 41,
    "templating": {"list": []},
    "annotations": {"list": []},
}


def _assert_safe(error: GrafanaError, fake: GrafanaFake, path: str) -> None:
    text = str(error)
    assert "Grafana" in text and path in text
    assert fake.token not in text and fake.token not in repr(error)


def test_health(client: GrafanaClient) -> None:
    health = client.health()
    assert health.database == "ok" and health.version


def test_wrong_token_is_an_auth_error_without_retry(fake: GrafanaFake, sleeps: Sleeps) -> None:
    with GrafanaClient(fake.base_url, "glsa_wrong", sleep=sleeps) as client, pytest.raises(GrafanaAuthError) as caught:
        client.get_folder("x")
    assert caught.value.status == 401
    assert "GRAFANA_API_KEY" in str(caught.value)
    assert "glsa_wrong" not in str(caught.value)
    _assert_safe(caught.value, fake, "/api/folders/x")
    assert len(fake.requests) == 1 and sleeps == []


def test_missing_role_is_an_auth_error_naming_the_role(fake: GrafanaFake, client: GrafanaClient) -> None:
    viewer = fake.add_token(role="Viewer")
    with pytest.raises(GrafanaAuthError) as caught:
        client.create_folder("f", "F", token=GrafanaToken(viewer))
    assert caught.value.status == 403
    assert "Editor" in str(caught.value) and "service account" in str(caught.value)
    assert viewer not in str(caught.value)


def test_per_call_token_and_token_views(fake: GrafanaFake, client: GrafanaClient) -> None:
    users_token = fake.add_token(role="Editor", name="alice-own-token")
    client.create_folder("mine", "Mine", token=GrafanaToken(users_token))
    client.with_token(users_token).get_folder("mine")
    client.get_folder("mine")
    assert [r.token_name for r in fake.requests] == ["alice-own-token", "alice-own-token", "edabot-test-admin"]
    assert all(r.headers["Authorization"] == "Bearer ***" for r in fake.requests)


def test_not_found(fake: GrafanaFake, client: GrafanaClient) -> None:
    for call, path in (
        (lambda: client.get_folder("nope"), "/api/folders/nope"),
        (lambda: client.get_datasource("nope"), "/api/datasources/uid/nope"),
        (lambda: client.get_dashboard("nope"), "/api/dashboards/uid/nope"),
        (lambda: client.delete_dashboard("nope"), "/api/dashboards/uid/nope"),
        (lambda: client.datasource_health("nope"), "/api/datasources/uid/nope/health"),
    ):
        with pytest.raises(GrafanaNotFound) as caught:
            call()
        assert caught.value.status == 404
        _assert_safe(caught.value, fake, path)


def test_409_and_412_are_both_conflicts(fake: GrafanaFake, client: GrafanaClient) -> None:
    client.create_folder("f", "F")
    with pytest.raises(GrafanaConflict) as caught:
        client.create_folder("f", "F again")
    assert caught.value.status == 409
    client.save_dashboard(MINIMAL, folder_uid="f")
    with pytest.raises(GrafanaConflict) as caught:
        client.save_dashboard({**MINIMAL, "version": 0}, folder_uid="f", overwrite=False)
    assert caught.value.status == 412
    fake.conflict_mode = "newest"
    with pytest.raises(GrafanaConflict) as caught:
        client.save_dashboard({**MINIMAL, "version": 0}, folder_uid="f", overwrite=False)
    assert caught.value.status == 409
    assert client.save_dashboard(MINIMAL, folder_uid="f").version == 2  # overwrite always wins


def test_same_title_takeover_is_reported(fake: GrafanaFake, client: GrafanaClient) -> None:
    client.create_folder("f", "F")
    client.save_dashboard({**MINIMAL, "uid": "someone-elses"}, folder_uid="f")
    with pytest.raises(GrafanaConflict, match="same title"):
        client.save_dashboard(MINIMAL, folder_uid="f")


def _within(sleeps: list[float], ceilings: list[float]) -> bool:
    return len(sleeps) == len(ceilings) and all(0 <= s <= c for s, c in zip(sleeps, ceilings, strict=True))


def test_5xx_is_retried_with_backoff(fake: GrafanaFake, client: GrafanaClient, sleeps: Sleeps, jitter: Jitter) -> None:
    fake.inject("/api/folders", status=502, times=2)
    client.create_folder("f", "F")
    assert jitter.ceilings == [0.5, 1.0] and _within(sleeps, jitter.ceilings)
    assert [r.status for r in fake.requests_to("POST", "/api/folders")] == [502, 502, 200]


def test_persistent_5xx_gives_up(fake: GrafanaFake, client: GrafanaClient, sleeps: Sleeps, jitter: Jitter) -> None:
    fake.inject("/api/search", status=500, times=None, body={"message": "database is locked"})
    with pytest.raises(GrafanaUnavailable) as caught:
        client.search()
    assert caught.value.status == 500
    assert "database is locked" in str(caught.value)
    _assert_safe(caught.value, fake, "/api/search")
    assert len(fake.requests) == 4 and jitter.ceilings == [0.5, 1.0, 2.0] and _within(sleeps, jitter.ceilings)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 412, 422])
def test_4xx_is_never_retried(fake: GrafanaFake, client: GrafanaClient, sleeps: Sleeps, status: int) -> None:
    fake.inject("/api/folders", status=status, times=None)
    with pytest.raises(GrafanaError) as caught:
        client.create_folder("f", "F")
    assert caught.value.status == status
    assert not isinstance(caught.value, GrafanaUnavailable)
    assert len(fake.requests) == 1 and sleeps == []


def test_bad_request_is_rejected(fake: GrafanaFake, client: GrafanaClient) -> None:
    with pytest.raises(GrafanaRejected) as caught:
        client.create_folder("f", "")
    assert caught.value.status == 400
    assert "folder title cannot be empty" in str(caught.value)


def test_garbage_answer(fake: GrafanaFake, client: GrafanaClient, sleeps: Sleeps) -> None:
    fake.inject("/api/folders/f", status=200, body="<html>Please log in</html>")
    with pytest.raises(GrafanaBadResponse) as caught:
        client.get_folder("f")
    assert "GRAFANA_BASE_URL" in str(caught.value)
    _assert_safe(caught.value, fake, "/api/folders/f")
    fake.inject("/api/search", status=200, body={"not": "a list"})
    with pytest.raises(GrafanaBadResponse):
        client.search()
    assert sleeps == []


def test_html_error_page_from_a_proxy_is_retried_then_unavailable(fake: GrafanaFake, client: GrafanaClient) -> None:
    fake.inject("/api/folders", status=502, body="<html>Bad Gateway</html>", times=None)
    with pytest.raises(GrafanaUnavailable) as caught:
        client.get_folder("f")
    assert caught.value.status == 502


def test_no_answer_at_all(fake: GrafanaFake, client: GrafanaClient, sleeps: Sleeps) -> None:
    fake.down = True
    with pytest.raises(GrafanaUnavailable) as caught:
        client.get_folder("f")
    assert caught.value.status is None
    assert "did not answer" in str(caught.value) and "GRAFANA_BASE_URL" in str(caught.value)
    assert len(sleeps) == 3
    fake.down = False
    fake.inject("/api/folders", drop=True)  # one dropped connection, then Grafana answers
    client.create_folder("f", "F")
    assert client.get_folder("f")["title"] == "F"


def test_timeout_is_retried(fake: GrafanaFake, sleeps: Sleeps) -> None:
    # A timeout well above a loaded machine's answer time, so only the delayed request runs out of it.
    fake.inject("/api/folders/f", delay=1.5)
    with GrafanaClient(fake.base_url, fake.token, timeout=0.5, sleep=sleeps) as client:
        client.create_folder("f", "F")
        assert client.get_folder("f")["uid"] == "f"
    assert len(sleeps) == 1


def test_closed_port(sleeps: Sleeps) -> None:
    stopped = GrafanaFake().start()
    url = stopped.base_url
    stopped.stop()
    with GrafanaClient(url, "t", sleep=sleeps, max_attempts=2) as client, pytest.raises(GrafanaUnavailable):
        client.health()
    assert len(sleeps) == 1 and 0 <= sleeps[0] <= 0.5


def test_org_header(fake: GrafanaFake, sleeps: Sleeps) -> None:
    with GrafanaClient(fake.base_url, fake.token, org_id=1, sleep=sleeps) as client:
        client.search()
    assert fake.requests[-1].headers["X-Grafana-Org-Id"] == "1"
    with GrafanaClient(fake.base_url, fake.token, org_id=7, sleep=sleeps) as client, pytest.raises(GrafanaAuthError):
        client.search()


def test_token_never_shows(fake: GrafanaFake, client: GrafanaClient, caplog: pytest.LogCaptureFixture) -> None:
    token = GrafanaToken(fake.token)
    assert fake.token not in repr(token) and fake.token not in str(token) and fake.token not in f"{token}"
    assert fake.token not in repr(client)
    caplog.set_level(logging.DEBUG)
    fake.inject("/api/search", status=503, times=1)
    client.search()
    assert caplog.records and fake.token not in caplog.text
    with pytest.raises(ValueError, match="GRAFANA_API_KEY"):
        GrafanaToken("two words")


def test_search_parameters(fake: GrafanaFake, client: GrafanaClient) -> None:
    client.create_folder("f", "F")
    client.save_dashboard({**MINIMAL, "tags": ["edabot", "qor"]}, folder_uid="f")
    client.save_dashboard({**MINIMAL, "uid": "dash-2", "title": "Other", "tags": ["edabot"]}, folder_uid="f")
    hits = client.search(tags=["edabot", "qor"], type_="dash-db", folder_uids=["f"], limit=10)
    assert [hit["uid"] for hit in hits] == ["dash-1"]
    assert fake.requests[-1].query == {
        "tag": ["edabot", "qor"],
        "type": ["dash-db"],
        "folderUIDs": ["f"],
        "limit": ["10"],
    }
    assert {hit["uid"] for hit in client.search(query="", type_="dash-db")} == {"dash-1", "dash-2"}


def test_datasource_round_trip(fake: GrafanaFake, client: GrafanaClient) -> None:
    payload = {
        "name": "ds",
        "uid": "ds",
        "type": "grafana-postgresql-datasource",
        "access": "proxy",
        "url": "127.0.0.1:1",
        "user": "u",
        "jsonData": {"database": "db", "sslmode": "disable"},
        "secureJsonData": {"password": "s3cret"},
    }
    created = client.create_datasource(payload)
    assert created["secureJsonFields"] == {"password": True} and "s3cret" not in str(created)
    updated = client.update_datasource("ds", {**payload, "url": "127.0.0.1:2", "secureJsonData": {}})
    assert updated["version"] == 2 and updated["url"] == "127.0.0.1:2"
    assert fake.datasource_password("ds") == "s3cret"  # not re-sent, so kept
    health = client.datasource_health("ds")
    assert not health.ok and health.message
    client.delete_datasource("ds")
    with pytest.raises(GrafanaNotFound):
        client.delete_datasource("ds")
