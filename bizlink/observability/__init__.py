"""Observability: structured logs, Prometheus metrics and the worker's heartbeat.

`logs` configures structlog (JSON lines in production, readable in development) and redacts
secrets; `middleware.RequestLogMiddleware` logs and measures every request; `metrics` defines
the Prometheus metrics and renders /metrics (multi-process aware); `heartbeat` records that the
background worker runs. docs/observability.md describes what operators get.
"""
