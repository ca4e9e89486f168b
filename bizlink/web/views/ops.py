"""Operator endpoints: health for load balancers and uptime checks, metrics for Prometheus."""

from __future__ import annotations

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache

from bizlink.observability import heartbeat, metrics, scrape
from bizlink.outbox import queries as outbox_queries
from bizlink.web.guards import public


@public
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers and the worker keeps up; 503 with what is wrong otherwise.

    The worker counts as behind when a due outbox message has waited longer than
    HEALTH_MAX_OUTBOX_LAG_SECONDS (default 300): it is either down or overwhelmed; and as down
    when its heartbeat is older than HEALTH_MAX_HEARTBEAT_AGE_SECONDS (default 180).
    """
    checks: dict[str, object] = {}
    healthy = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = "ok"
    except DatabaseError as exc:
        checks["database"] = f"unreachable: {exc.__class__.__name__}"
        return JsonResponse({"status": "unhealthy", "checks": checks}, status=503)
    backlog = outbox_queries.backlog()
    limit = settings.HEALTH_MAX_OUTBOX_LAG_SECONDS
    lag_ok = backlog["oldest_due_seconds"] <= limit
    beat = heartbeat.status()
    beat_ok = bool(beat.pop("ok"))
    worker_ok = lag_ok and beat_ok
    problems = [] if lag_ok else [f"behind: a message has waited over {limit} s"]
    if not beat_ok:
        problems.append(f"down: heartbeat {beat['heartbeat']}")
    checks["worker"] = {
        "status": "ok" if worker_ok else "; ".join(problems),
        **backlog,
        **beat,
    }
    healthy = healthy and worker_ok
    return JsonResponse(
        {"status": "ok" if healthy else "unhealthy", "checks": checks},
        status=200 if healthy else 503,
    )


@public
@never_cache
def live(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers (no database, no worker). A load balancer restarts a web
    process that fails this; benchmark 3 uses it as the no-database baseline."""
    return JsonResponse({"status": "ok"})


@public
@never_cache
def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus metrics (docs/observability.md): only from this machine or with the token."""
    if not scrape.may_scrape(request):
        response = HttpResponse(
            "Metrics are available from this machine, or with Authorization: Bearer <token>"
            " (METRICS_TOKEN).\n",
            status=401 if settings.METRICS_TOKEN else 403,
            content_type="text/plain",
        )
        if settings.METRICS_TOKEN:
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    body, content_type = metrics.render()
    return HttpResponse(body, content_type=content_type)
