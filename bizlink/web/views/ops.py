"""Operator endpoints: health for load balancers and uptime checks."""

from __future__ import annotations

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

from bizlink.outbox import queries as outbox_queries
from bizlink.web.guards import public


@public
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers and the worker keeps up; 503 with what is wrong otherwise.

    The worker counts as behind when a due outbox message has waited longer than
    HEALTH_MAX_OUTBOX_LAG_SECONDS (default 300): it is either down or overwhelmed.
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
    worker_ok = backlog["oldest_due_seconds"] <= limit
    checks["worker"] = {
        "status": "ok" if worker_ok else f"behind: a message has waited over {limit} s",
        **backlog,
    }
    healthy = healthy and worker_ok
    return JsonResponse(
        {"status": "ok" if healthy else "unhealthy", "checks": checks},
        status=200 if healthy else 503,
    )
