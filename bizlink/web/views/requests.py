"""Removal requests: ask the admins (from a refusal), follow the status, approve or decline.

Where the policy refuses a removal, the refusal offers *Request removal*; this module shows the
request form, the requester's list, a Business Center's requests for its admins, and one
request with its impact preview, *Approve* (performs exactly that removal) and *Decline*.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from bizlink.businesses import access as bc_access
from bizlink.core.errors import InvalidInput
from bizlink.policy import decide
from bizlink.requests import access, actions, queries
from bizlink.web.guards import signed_in
from bizlink.web.views.business import _ctx
from bizlink.web.views.common import paginate, safe_next, signed_in_user


@signed_in
def new_request(request: HttpRequest) -> HttpResponse:
    """GET: the form naming what would be removed and whom we ask; POST: send it."""
    actor = signed_in_user(request)
    source = request.POST if request.method == "POST" else request.GET
    verb = source.get("verb", "")
    raw = (source.get("link") or "").strip()
    link = access.requestable_link(actor, int(raw) if raw.isdigit() and len(raw) <= 18 else 0)
    back = safe_next(request, reverse("web:removal_requests"))
    decision = decide(actor, verb, link)
    existing = queries.pending_for_link(actor, verb, link.pk)
    error = ""
    if request.method == "POST" and existing is None:
        try:
            req = actions.request_removal(actor, verb, link, note=request.POST.get("note", ""))
        except InvalidInput as exc:
            error = exc.message
        else:
            messages.success(request, f"Request sent to {req.asked}. You'll be notified.")
            return redirect("web:removal_request", request_id=req.pk)
    return render(
        request,
        "web/requests/new.html",
        {
            "verb": verb,
            "link": link,
            "decision": decision,
            "existing": existing,
            "what": actions.describe(link),
            "back": back,
            "error": error,
            "note": request.POST.get("note", ""),
        },
    )


@signed_in
def my_requests(request: HttpRequest) -> HttpResponse:
    actor = signed_in_user(request)
    return render(
        request,
        "web/requests/list.html",
        {
            "page": paginate(request, queries.mine(actor)),
            "to_answer": queries.pending_for_admin(actor)[:50],
        },
    )


@signed_in
def business_requests(request: HttpRequest, bc_id: int) -> HttpResponse:
    """*Settings* -> *Removal requests* of a Business Center (admins see all, others theirs)."""
    actor = signed_in_user(request)
    bc = bc_access.business_for(actor, bc_id)
    rows = queries.for_business(actor, bc)
    return render(
        request,
        "web/requests/business.html",
        _ctx(
            request,
            bc,
            "requests",
            pending=rows.filter(status=queries.Status.PENDING),
            page=paginate(request, rows.exclude(status=queries.Status.PENDING)),
            can_decide=decide(actor, "business.manage", bc),
        ),
    )


@signed_in
def request_detail(request: HttpRequest, request_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    req = access.request_for(actor, request_id)
    decision = decide(actor, "removal_request.decide", req)
    impact = None
    if req.is_pending and decision.allowed:
        try:
            impact = actions.preview_approval(actor, req)
        except InvalidInput:
            impact = None
    return render(
        request,
        "web/requests/detail.html",
        {
            "req": req,
            "decision": decision,
            "impact": impact,
            "outcome": queries.outcome(req),
            "is_requester": req.requester_id == actor.pk,
            "error": request.GET.get("error", ""),
        },
    )


@signed_in
@require_POST
def request_decide(request: HttpRequest, request_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    req = access.request_for(actor, request_id)
    choice = request.POST.get("decision")
    try:
        if choice == "approve":
            req = actions.approve_removal(actor, req)
            if req.change_id:
                messages.success(
                    request, f"Done: {req.what} removed. {req.requester.name} is notified."
                )
                return redirect("web:change_result", change_id=req.change_id)
            messages.info(request, "That access had already ended; the request is closed.")
        elif choice == "decline":
            actions.decline_removal(actor, req, reason=request.POST.get("reason", ""))
            messages.info(request, f"Declined. {req.requester.name} is notified with your reason.")
        elif choice == "withdraw":
            actions.withdraw_removal(actor, req)
            messages.info(request, "Request withdrawn.")
        else:
            raise InvalidInput("Choose Approve or Decline.")
    except InvalidInput as exc:
        messages.error(request, exc.message)
    return redirect("web:removal_request", request_id=req.pk)
