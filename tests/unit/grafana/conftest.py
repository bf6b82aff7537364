"""A started GrafanaFake and a client on it; both cost a few milliseconds."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from core.grafana.client import GrafanaClient
from tests.fakes.grafana import GrafanaFake, default_spec_dir, specs_available

needs_specs = pytest.mark.skipif(
    not specs_available(), reason=f"Grafana specs not found at {default_spec_dir()} (../shared/specs/grafana)"
)


class Sleeps(list[float]):
    """Records the backoff delays instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def fake() -> Iterator[GrafanaFake]:
    with GrafanaFake() as grafana:
        yield grafana


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def client(fake: GrafanaFake, sleeps: Sleeps) -> Iterator[GrafanaClient]:
    with GrafanaClient(fake.base_url, fake.token, timeout=2.0, sleep=sleeps) as grafana:
        yield grafana
