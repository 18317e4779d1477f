"""Prometheus metrics: the app's own counters, the database's totals, and `GET /metrics`."""
