"""GET /api/v1/users/{id}/series over real HTTP against PostgreSQL, and `{id}` as the numeric user id on every
route: the same answers as by username, and no oracle of which ids exist."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from core import users
from core.authz import Actor
from core.db.models import Dashboard
from core.pipeline.publish import Figure, Published
from core.usecases import series as series_usecase
from tests.integration.test_api import ApiWorld, api_world, assert_refusal, report_file

pytestmark = pytest.mark.db

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def world(pg_admin_url: str) -> Iterator[ApiWorld]:
    with api_world(pg_admin_url) as built:
        yield built


def user_id(world: ApiWorld, username: str) -> int:
    with world.core.db.session() as session:
        return users.require(session, username).id


def add_run(
    world: ApiWorld, username: str, table: str, kind: str, series: str, figures: list[Figure], *, posted: int | None
) -> int:
    """A built run of a series as the pipeline leaves it: its key figures in the stored format, posted or not."""
    published = Published(uid=table, url=f"https://grafana.test/d/{table}", template="t", figures=figures)
    with world.core.db.session() as session:
        row = Dashboard(
            user_id=user_id(world, username),
            kind=kind,
            database_name=f"{username}_{kind}",
            table_name=table,
            state="posted" if posted is not None else "failed",
            grafana_url=published.url,
            key_figures=published.as_json(),
            series=series,
            slack_sent_at=T0 + timedelta(hours=posted) if posted is not None else None,
        )
        session.add(row)
        session.flush()
        return row.id


def timing(wns: float, violations: int) -> list[Figure]:
    return [
        Figure("Setup WNS", f"{wns:.3f}", wns, "ns", 3),
        Figure("Setup violating paths", str(violations), float(violations), None, 0),
    ]


def qor(area: float, power_w: float) -> list[Figure]:
    return [
        Figure("Design area", f"{area}", area, "suffix:µm²", 1),
        Figure("Total power", f"{power_w}", power_w, "watt", 5),
    ]


def test_series_lists_each_series_with_its_runs_figures_change_and_trend(world: ApiWorld) -> None:
    account = world.register("ser")
    wns = [-0.100, -0.080, -0.150]
    ids = [
        add_run(world, account.username, f"cpu_{n + 1}", "timing", "cpu", timing(w, n + 1), posted=n)
        for n, w in enumerate(wns)
    ]
    add_run(world, account.username, "soc_a", "qor", "soc", qor(1200.0, 0.0021), posted=5)
    add_run(world, account.username, "soc_b", "qor", "soc", qor(1320.0, 0.0018), posted=None)
    series_usecase.set_series_muted(
        ctx=world.core, actor=Actor("test", False, account.username), kind="qor", series="soc", muted=True
    )

    response = world.call("GET", f"/api/v1/users/{account.username}/series", account.key)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == user_id(world, account.username) and body["username"] == account.username
    soc, cpu = body["series"]  # the series with the newest run (soc_b) first
    assert (cpu["kind"], cpu["series"], cpu["muted"], cpu["run_count"]) == ("timing", "cpu", False, 3)
    assert (soc["kind"], soc["series"], soc["muted"], soc["run_count"]) == ("qor", "soc", True, 2)

    assert [r["table"] for r in cpu["runs"]] == ["cpu_1", "cpu_2", "cpu_3"]
    assert [r["dashboard_id"] for r in cpu["runs"]] == ids
    assert [datetime.fromisoformat(r["posted_at"]) for r in cpu["runs"]] == [T0 + timedelta(hours=n) for n in range(3)]
    assert cpu["runs"][0]["url"] == "https://grafana.test/d/cpu_1"
    for run, w, count in zip(cpu["runs"], wns, (1, 2, 3), strict=True):
        figures = {f["title"]: f for f in run["figures"]}
        assert figures["Setup WNS"]["value"] == pytest.approx(w) and figures["Setup WNS"]["unit"] == "ns"
        assert figures["Setup violating paths"]["value"] == count
        assert figures["Setup violating paths"]["unit"] == "count"
    latest = {f["title"]: f for f in cpu["latest"]}
    # -0.080 -> -0.150 ns: 70 ps worse; 2 -> 3 violating paths: worse, by one.
    assert latest["Setup WNS"]["value"] == pytest.approx(-0.150)
    assert latest["Setup WNS"]["previous"] == pytest.approx(-0.080)
    assert latest["Setup WNS"]["verdict"] == "worse" and latest["Setup WNS"]["change"] == "▼ 70.0 ps"
    assert latest["Setup WNS"]["first_regression"] and not latest["Setup WNS"]["best_so_far"]
    assert latest["Setup violating paths"]["verdict"] == "worse"
    assert latest["Setup violating paths"]["change"] == "▲ 1"
    assert cpu["wns_trend"] == pytest.approx(wns)
    # Scaled between the lowest (-0.150, the lowest block) and the highest (-0.080, the highest).
    assert len(cpu["sparkline"]) == 3 and cpu["sparkline"][1] == "█" and cpu["sparkline"][2] == "▁"

    # QoR: area in µm² as stored, power shown in mW (stored in W); the unposted run still counts.
    assert soc["runs"][1]["posted_at"] is None and soc["runs"][1]["state"] == "failed"
    power = {f["title"]: f for f in soc["runs"][0]["figures"]}["Total power"]
    assert power["unit"] == "mW" and power["value"] == pytest.approx(2.1)
    latest = {f["title"]: f for f in soc["latest"]}
    assert latest["Design area"]["unit"] == "µm²" and latest["Design area"]["value"] == pytest.approx(1320.0)
    assert latest["Design area"]["verdict"] == "worse", "more area is worse"
    assert latest["Total power"]["verdict"] == "better" and latest["Total power"]["previous"] == pytest.approx(2.1)
    assert soc["wns_trend"] == [] and soc["sparkline"] == ""

    # At most `runs` runs per series (the last ones), and at most `limit` series.
    short = world.call("GET", f"/api/v1/users/{account.username}/series?runs=1&limit=1", account.key).json()
    assert [(s["series"], [r["table"] for r in s["runs"]], s["run_count"]) for s in short["series"]] == [
        ("soc", ["soc_b"], 2)
    ]
    # Nobody else's series show up.
    theirs = world.call("GET", f"/api/v1/users/{world.other.username}/series", world.other.key).json()
    assert theirs["series"] == [] and theirs["username"] == world.other.username


# --- `{id}` is the numeric id or the username ------------------------------------------------------------------

READS = [
    "/api/v1/users/{id}",
    "/api/v1/users/{id}/credentials",
    "/api/v1/users/{id}/dashboards",
    "/api/v1/users/{id}/series",
]


@pytest.mark.parametrize("path", READS)
@pytest.mark.parametrize("caller", ["self", "admin"])
def test_reads_answer_the_same_by_numeric_id_and_by_username(world: ApiWorld, path: str, caller: str) -> None:
    target = world.user
    add_run(world, target.username, f"read_{uuid.uuid4().hex[:6]}", "timing", "read", timing(-0.1, 1), posted=1)
    key = target.key if caller == "self" else world.admin.key
    by_name = world.call("GET", path.format(id=target.username), key)
    by_number = world.call("GET", path.format(id=user_id(world, target.username)), key)
    assert by_name.status_code == by_number.status_code == 200, by_number.text
    assert by_number.json() == by_name.json()
    if path == "/api/v1/users/{id}":
        assert by_number.json()["id"] == user_id(world, target.username)


@pytest.mark.parametrize("caller", ["self", "admin"])
def test_writes_do_the_same_by_numeric_id_and_by_username(world: ApiWorld, caller: str) -> None:
    account = world.register("wrt")
    key = account.key if caller == "self" else world.admin.key
    number = str(user_id(world, account.username))
    answers = {}
    for form, named in (("name", account.username), ("number", number)):
        base = f"/api/v1/users/{named}/credentials"
        created = world.call("POST", base, key, json={"key_name": "SAME_KEY", "value": f"value-{form}-123456"})
        replaced = world.call("PUT", f"{base}/SAME_KEY", key, json={"value": f"other-{form}-123456"})
        deleted = world.call("DELETE", f"{base}/SAME_KEY", key)
        gone = world.call("DELETE", f"{base}/SAME_KEY", key)
        uploaded = world.call("POST", f"/api/v1/users/{named}/reports", key, files=report_file())
        answers[form] = [
            (
                r.status_code,
                {k: v for k, v in r.json().items() if k not in ("updated_at", "tables")} if r.text else None,
            )
            for r in (created, replaced, deleted, gone, uploaded)
        ]
        assert uploaded.status_code == 201, uploaded.text
        assert [t["kind"] for t in uploaded.json()["tables"]] == ["timing"]
    assert answers["number"] == answers["name"]
    assert [status for status, _ in answers["number"]] == [201, 200, 204, 404, 201]
    assert len(world.tables(account.username)) == 2, "both uploads landed in the account's own database"


def test_an_admin_deletes_by_numeric_id(world: ApiWorld) -> None:
    victim = world.register("vic")
    number = user_id(world, victim.username)
    assert world.call("DELETE", f"/api/v1/users/{number}", world.admin.key).status_code == 204
    assert_refusal(world.call("GET", f"/api/v1/users/{victim.username}", world.admin.key), 404, "not_found")
    assert_refusal(world.call("GET", f"/api/v1/users/{number}", world.admin.key), 404, "not_found")


@pytest.mark.parametrize("path", [*READS, "/api/v1/users/{id}/credentials/NOPE"])
def test_an_id_nobody_has_answers_like_an_unknown_username(world: ApiWorld, path: str) -> None:
    method = "DELETE" if path.endswith("NOPE") else "GET"
    for missing in ("2147483647", "99999999999999999999999", "0"):
        unknown = assert_refusal(world.call(method, path.format(id=missing), world.admin.key), 404, "not_found")
        assert missing in unknown["message"]
    # A user key: the same 403 for another user's number, a number nobody has, and another user's name, and
    # never the name of whoever has that number.
    theirs = str(user_id(world, world.other.username))
    refusals = {
        named: assert_refusal(world.call(method, path.format(id=named), world.user.key), 403, "forbidden")
        for named in (theirs, "2147483647", world.other.username, "nobody_here")
    }
    for named, body in refusals.items():
        assert body["message"] == refusals["nobody_here"]["message"].replace("nobody_here", named)
    assert world.other.username not in refusals[theirs]["message"]
