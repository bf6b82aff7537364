"""Dashboard templates: one module per report kind plus generic, and the dispatcher."""

from core.grafana.templates.build import build_dashboard
from core.grafana.templates.uid import dashboard_uid

__all__ = ["build_dashboard", "dashboard_uid"]
