"""Reads for sandbox mode: the shared clock offset, the request log, rate limits."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.db.models import QuerySet

from bizlink.sandbox.models import ApiRequest, ClockOffset

_table_ready = False


def clock_offset_seconds() -> int:
    """The shared offset; 0 until the sandbox table exists (e.g. during the first migrate)."""
    global _table_ready
    if not _table_ready:
        _table_ready = ClockOffset._meta.db_table in connection.introspection.table_names()
        if not _table_ready:
            return 0
    value = ClockOffset.objects.filter(pk=1).values_list("seconds", flat=True).first()
    return int(value or 0)


def logging_requests() -> bool:
    """Whether API calls go to the request log (sandbox mode only)."""
    return bool(getattr(settings, "SANDBOX_MODE", False))


def request_log(
    *, path: str = "", code: str = "", app: str = "", method: str = ""
) -> QuerySet[ApiRequest]:
    """The API request log, newest first, filtered the way the log page offers."""
    qs = ApiRequest.objects.all()
    if path:
        qs = qs.filter(path__icontains=path)
    if method:
        qs = qs.filter(method=method.upper())
    if code == "ok":
        qs = qs.filter(code=0)
    elif code == "error":
        qs = qs.exclude(code=0)
    elif code.isdigit():
        qs = qs.filter(code=int(code))
    if app:
        qs = qs.filter(app_name__icontains=app)
    return qs


def request_entry(entry_id: int) -> ApiRequest | None:
    return ApiRequest.objects.filter(pk=entry_id).first()
