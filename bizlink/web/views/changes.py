"""The result page after any unlink: what actually ended, read back from the audit log."""

from __future__ import annotations

import uuid

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from bizlink.access_review import verification
from bizlink.accounts import queries as account_queries
from bizlink.ads import queries as ads_queries
from bizlink.audit import queries as audit_queries
from bizlink.links import queries as link_queries
from bizlink.web.guards import signed_in
from bizlink.web.views.common import untouched


@signed_in
def change_result(request: HttpRequest, change_id: uuid.UUID) -> HttpResponse:
    events = audit_queries.change_events(request.user, change_id)  # type: ignore[arg-type]
    root = events.filter(is_cascade=False).select_related("link", "link__business").first()
    impact = link_queries.summarize(link_queries.ended_in_change(change_id), past=True)
    account = None
    if root is not None and root.account_id:
        account = account_queries.account_by_id(root.account_id)
    return render(
        request,
        "web/change_result.html",
        {
            "impact": impact,
            # Ads whose identity this change disconnected (the Ads Manager's result page lists
            # the same), for those who may see the change at all.
            "ads_impact": ads_queries.ads_stopped_in(change_id)
            if root
            else ads_queries.AdsImpact(),
            "root": root,
            "account": account,
            "untouched": untouched(account),
            "when": events.values_list("occurred_at", flat=True).first(),
            # Re-run the policy for everyone who lost access: "No access remains", or what does.
            "verification": verification.verify_change(change_id),
        },
    )
