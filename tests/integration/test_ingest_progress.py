"""A report loading in the child process reports how far it has read, so the CLI and Slack can show progress."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.authz import Actor
from core.ingest.load.for_user import ingest_for_user
from core.registration import register
from tests.conftest import owner_login
from tests.e2e.test_ack_during_ingest import write_big_timing_report

pytestmark = pytest.mark.db


def test_progress_climbs_through_the_file_and_ends_at_its_size(core_ctx, unique_username, tmp_path: Path) -> None:
    name = unique_username("progress")
    register(core_ctx, username=name, slack_user_id=None, actor=Actor.cli())
    report = tmp_path / "big.rpt"
    paths = write_big_timing_report(report, 12 * 1024 * 1024)
    size = report.stat().st_size
    seen: list[tuple[int, int]] = []
    ingest_for_user(core_ctx, name, report, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (size, size)
    assert {total for _, total in seen} == {size}
    read = [done for done, _ in seen]
    assert read == sorted(read), "progress never goes back"
    assert any(0 < done < size for done in read), f"no progress reported while loading: {seen}"
    with owner_login(core_ctx, name, "timing") as conn:
        assert conn.execute("SELECT count(*) FROM eda.timing_paths").fetchone() == (paths,)
