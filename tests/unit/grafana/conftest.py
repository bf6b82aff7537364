"""A started GrafanaFake and a client on it; both cost a few milliseconds."""

from __future__ import annotations

import random
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


class Jitter:
    """The client's random source: records each range it draws a backoff from, draws from a seeded
    generator so a failing test fails the same way again."""

    def __init__(self, seed: int = 14) -> None:
        self.ceilings: list[float] = []
        self._random = random.Random(seed)

    def __call__(self, low: float, high: float) -> float:
        assert low == 0.0, "full jitter draws from zero"
        self.ceilings.append(high)
        return self._random.uniform(low, high)


@pytest.fixture
def fake() -> Iterator[GrafanaFake]:
    with GrafanaFake() as grafana:
        yield grafana


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def jitter() -> Jitter:
    return Jitter()


@pytest.fixture
def client(fake: GrafanaFake, sleeps: Sleeps, jitter: Jitter) -> Iterator[GrafanaClient]:
    with GrafanaClient(fake.base_url, fake.token, timeout=2.0, sleep=sleeps, uniform=jitter) as grafana:
        yield grafana
