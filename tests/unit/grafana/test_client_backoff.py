"""How long GrafanaClient waits between tries: a 429's Retry-After exactly, otherwise a full-jitter draw from
the capped exponential step, and never beyond the client's budget (max_attempts tries, no single wait over
max_backoff_seconds). Sleeps and draws are recorded, not slept."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.grafana.client import GrafanaClient, retry_after_seconds
from core.grafana.errors import GrafanaUnavailable
from tests.fakes.grafana import GrafanaFake
from tests.unit.grafana.conftest import Jitter, Sleeps


def test_a_429_waits_its_retry_after_then_a_5xx_waits_a_jittered_backoff(
    fake: GrafanaFake, client: GrafanaClient, sleeps: Sleeps, jitter: Jitter
) -> None:
    fake.inject("/api/folders", method="POST", status=429, headers={"Retry-After": "3"}, body={"message": "slow down"})
    fake.inject("/api/folders", method="POST", status=503)
    client.create_folder("f", "F")
    assert [r.status for r in fake.requests_to("POST", "/api/folders")] == [429, 503, 200]
    assert sleeps[0] == 3.0, "the 429 waits exactly what Grafana asked"
    # The 503 was the second failed try: its wait is drawn from [0, min(8, 0.5 * 2**1)].
    assert jitter.ceilings == [1.0] and 0 <= sleeps[1] <= 1.0 and len(sleeps) == 2


def test_a_429_without_retry_after_backs_off_like_a_5xx(
    fake: GrafanaFake, client: GrafanaClient, sleeps: Sleeps, jitter: Jitter
) -> None:
    fake.inject("/api/search", status=429)
    client.search()
    assert jitter.ceilings == [0.5] and len(sleeps) == 1 and 0 <= sleeps[0] <= 0.5


def test_a_retry_after_beyond_the_budget_ends_the_call_without_waiting(fake: GrafanaFake, sleeps: Sleeps) -> None:
    fake.inject("/api/folders", status=429, headers={"Retry-After": "30"}, times=None)
    client = GrafanaClient(fake.base_url, fake.token, sleep=sleeps, max_backoff_seconds=8)
    with client, pytest.raises(GrafanaUnavailable) as caught:
        client.create_folder("f", "F")
    assert caught.value.status == 429 and "Retry-After" in str(caught.value) and "30 s" in str(caught.value)
    assert sleeps == [] and len(fake.requests) == 1, "waiting less than asked would only be refused again"


def test_persistent_429_gives_up_after_max_attempts(fake: GrafanaFake, client: GrafanaClient, sleeps: Sleeps) -> None:
    fake.inject("/api/folders", status=429, headers={"Retry-After": "1"}, times=None)
    with pytest.raises(GrafanaUnavailable) as caught:
        client.create_folder("f", "F")
    assert caught.value.status == 429 and "rate limiting" in str(caught.value)
    assert len(fake.requests) == 4 and sleeps == [1.0, 1.0, 1.0]


def test_the_budget_caps_every_wait_and_the_number_of_tries(fake: GrafanaFake, sleeps: Sleeps) -> None:
    fake.inject("/api/search", status=500, times=None)
    jitter = Jitter()
    client = GrafanaClient(
        fake.base_url,
        fake.token,
        sleep=sleeps,
        uniform=jitter,
        max_attempts=6,
        backoff_seconds=1,
        max_backoff_seconds=2,
    )
    with client, pytest.raises(GrafanaUnavailable):
        client.search()
    assert len(fake.requests) == 6, "max_attempts tries, no more"
    assert jitter.ceilings == [1, 2, 2, 2, 2], "the exponential step stops growing at max_backoff_seconds"
    assert all(0 <= s <= 2 for s in sleeps) and len(sleeps) == 5


def test_the_default_random_source_spreads_the_waits(fake: GrafanaFake, sleeps: Sleeps) -> None:
    # Full jitter: processes that failed together come back at different moments, not on the ceilings.
    fake.inject("/api/search", status=502, times=None)
    client = GrafanaClient(fake.base_url, fake.token, sleep=sleeps, max_attempts=4)
    with client, pytest.raises(GrafanaUnavailable):
        client.search()
    ceilings = [0.5, 1.0, 2.0]
    assert all(0 <= s <= c for s, c in zip(sleeps, ceilings, strict=True))
    assert sleeps != ceilings and len(set(sleeps)) == 3


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("3", 3.0),
        (" 0 ", 0.0),
        ("Wed, 09 Dec 2026 10:00:05 GMT", 5.0),
        ("Wed, 09 Dec 2026 09:59:00 GMT", 0.0),  # already past
        ("soon", None),
        ("-1", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_is_read_as_seconds_or_an_http_date(header: str | None, seconds: float | None) -> None:
    now = datetime(2026, 12, 9, 10, 0, 0, tzinfo=UTC)
    assert retry_after_seconds(header, now=now) == seconds
