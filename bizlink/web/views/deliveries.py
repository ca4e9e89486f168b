"""Webhook delivery log for an app's developer: every message, its tries, and *Replay*.

Only the developer who registered the app sees it (anyone else gets "not found"); replay goes
through `outbox.actions.replay_message`, which checks the policy ("app.manage").
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from bizlink.core import clock
from bizlink.core.errors import InvalidInput
from bizlink.outbox import access, actions, delivery, queries
from bizlink.web.guards import signed_in
from bizlink.web.views.common import paginate, safe_next, signed_in_user


@signed_in
def delivery_log(request: HttpRequest, app_id: int) -> HttpResponse:
    app = access.developer_app(signed_in_user(request), app_id)
    page = paginate(request, queries.messages_of_app(app))
    now = clock.now()
    return render(
        request,
        "web/developers/deliveries.html",
        {
            "app": app,
            "profile": app.profile,
            "page": page,
            "rows": [queries.row(m, now) for m in page],
            "counts": queries.counts(app),
        },
    )


@signed_in
def delivery_detail(request: HttpRequest, app_id: int, message_id: int) -> HttpResponse:
    app = access.developer_app(signed_in_user(request), app_id)
    message = access.message_of_app(app, message_id)
    payload = message.payload if message.payload is not None else delivery.render_payload(message)
    return render(
        request,
        "web/developers/delivery.html",
        {
            "app": app,
            "row": queries.row(message),
            "message": message,
            "body": delivery.body_of(payload),
            "tries": queries.attempts_of(message),
        },
    )


@signed_in
@require_POST
def delivery_replay(request: HttpRequest, app_id: int, message_id: int) -> HttpResponse:
    app = access.developer_app(signed_in_user(request), app_id)
    message = access.message_of_app(app, message_id)
    try:
        actions.replay_message(signed_in_user(request), message)
    except InvalidInput as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            f"Queued {message.webhook_id} again, with the same webhook-id so your endpoint can "
            "recognise a duplicate.",
        )
    return redirect(safe_next(request, reverse("web:app_deliveries", args=[app.pk])))
