"""Grafana for edabot: HTTP client (client, errors, token), per-user setup (provisioning), table
introspection (introspect) and dashboard templates (templates)."""
