"""The notification centre: every notification, unread first in the top bar; mark read;
choose which kinds also come by e-mail."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from bizlink.accounts import actions as account_actions
from bizlink.accounts import notifications as notification_kinds
from bizlink.accounts import queries as account_queries
from bizlink.web.guards import signed_in
from bizlink.web.views.common import form_id, paginate, signed_in_user


@signed_in
def notification_list(request: HttpRequest) -> HttpResponse:
    """GET lists; POST marks all read, or opens one (marks it read and follows its link)."""
    actor = signed_in_user(request)
    if request.method == "POST":
        if request.POST.get("all"):
            count = account_actions.mark_notifications_read(actor)
            messages.info(request, f"Marked {count} notification{'s' if count != 1 else ''} read.")
            return redirect("web:notifications")
        note_id = form_id(request, "notification")
        note = account_queries.notifications(actor).filter(pk=note_id).first()
        if note is None:
            messages.error(request, "That notification is not among yours.")
            return redirect("web:notifications")
        account_actions.mark_notifications_read(actor, [note.pk])
        if note.url and url_has_allowed_host_and_scheme(note.url, allowed_hosts=None):
            return redirect(note.url)
        return redirect("web:notifications")
    page = paginate(request, account_queries.notifications(actor))
    labels = notification_kinds.KIND_LABELS
    return render(
        request,
        "web/notifications/list.html",
        {
            "page": page,
            "rows": [(n, labels.get(n.kind, "Notification")) for n in page.object_list],
            "unread": account_queries.unread_count(actor),
        },
    )


@signed_in
def notification_settings(request: HttpRequest) -> HttpResponse:
    actor = signed_in_user(request)
    if request.method == "POST":
        valid = {kind for kind, _label in notification_kinds.KINDS}
        chosen = {k for k in request.POST.getlist("email") if k in valid}
        notification_kinds.set_email_choices(actor, chosen)
        messages.success(request, "Saved. You still see every notification here in the app.")
        return redirect("web:notification_settings")
    return render(
        request,
        "web/notifications/settings.html",
        {"choices": notification_kinds.email_choices(actor), "email": actor.email},
    )
