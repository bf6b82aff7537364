"""Benchmarks: plain scripts run as `python bench/<name>.py [options]` from the repo root."""
