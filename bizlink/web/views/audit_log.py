"""The audit log pages: a Business Center's (for its admins) and an account's (for its owner).

Filters: who (actor name or e-mail), what (action family), when (from/to, UTC days); the same
filtered rows export as CSV. Bad filter input is named and ignored, never an error page.
"""

from __future__ import annotations

import csv
import datetime as dt
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse

from bizlink.audit import queries as audit_queries
from bizlink.businesses import access as bc_access
from bizlink.policy import require
from bizlink.web.guards import signed_in
from bizlink.web.views.business import _ctx
from bizlink.web.views.common import paginate, signed_in_user

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from bizlink.audit.models import AuditEvent


def _day(value: str, label: str, errors: list[str]) -> dt.date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        errors.append(f"“{value[:20]}” is not a date for {label} (use YYYY-MM-DD); ignored.")
        return None


def _filters(request: HttpRequest) -> tuple[audit_queries.AuditFilter, list[str]]:
    errors: list[str] = []
    what = request.GET.get("what", "")
    if what not in audit_queries.WHAT:
        errors.append("Unknown kind of event; showing everything.")
        what = ""
    return (
        audit_queries.AuditFilter(
            who=request.GET.get("who", "").strip()[:100],
            what=what,
            since=_day(request.GET.get("from", ""), "From", errors),
            until=_day(request.GET.get("to", ""), "To", errors),
        ),
        errors,
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv(events: QuerySet[AuditEvent], name: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in audit_queries.csv_rows(events)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


def _rows(events: Any) -> list[tuple[Any, str]]:
    return [(e, audit_queries.target(e)) for e in events]


@signed_in
def business_audit(request: HttpRequest, bc_id: int) -> HttpResponse | StreamingHttpResponse:
    actor = signed_in_user(request)
    bc = bc_access.business_for(actor, bc_id)
    require(actor, "audit.view_business", bc)
    filters, errors = _filters(request)
    events = audit_queries.events_for_business(bc.pk, filters)
    if request.GET.get("format") == "csv":
        return _csv(events, f"audit-business-{bc.pk}")
    page = paginate(request, events, size=50)
    return render(
        request,
        "web/audit/business.html",
        _ctx(
            request,
            bc,
            "audit",
            page=page,
            rows=_rows(page.object_list),
            filters=filters,
            errors=errors,
            what_choices=audit_queries.WHAT.items(),
            query=request.GET.urlencode(),
            base=reverse("web:bc_audit", args=[bc.pk]),
        ),
    )


@signed_in
def account_audit(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    actor = signed_in_user(request)
    account = request.active_account  # type: ignore[attr-defined]
    if account is None:
        return render(
            request,
            "web/app/no_account.html",
            {"title": "Activity log", "back": reverse("web:app_security"), "account": None},
        )
    require(actor, "audit.view_account", account)
    filters, errors = _filters(request)
    events = audit_queries.events_for_account(account.pk, filters)
    if request.GET.get("format") == "csv":
        return _csv(events, f"audit-{account.handle}")
    page = paginate(request, events, size=50)
    return render(
        request,
        "web/audit/account.html",
        {
            "title": "Activity log",
            "back": reverse("web:app_security"),
            "account": account,
            "page": page,
            "rows": _rows(page.object_list),
            "filters": filters,
            "errors": errors,
            "what_choices": audit_queries.WHAT.items(),
            "query": request.GET.urlencode(),
            "base": reverse("web:app_audit"),
        },
    )
