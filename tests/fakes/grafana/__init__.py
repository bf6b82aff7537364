"""A loopback Grafana for tests (see server.GrafanaFake)."""

from tests.fakes.grafana.contract import default_spec_dir, specs_available
from tests.fakes.grafana.server import Fault, GrafanaFake, RecordedRequest

__all__ = ["Fault", "GrafanaFake", "RecordedRequest", "default_spec_dir", "specs_available"]
