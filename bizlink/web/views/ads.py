"""Ads Manager surface: ad accounts, campaigns, and the seed's unlink path.

Profile photo -> *Account Settings* -> *User Management* -> *Members* or *Linked TikTok
Accounts* -> *Delete* / *Remove* -> confirm with the impact preview -> result page. Views load
with `access`, read with `queries`, ask `decide` which controls to show, and write via `actions`.
"""

from __future__ import annotations

import csv
import uuid
from collections.abc import Callable
from html import escape as _escape
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_POST

from bizlink.ads import access, actions, localtime, queries, reports
from bizlink.ads.actions import AGE_RANGES
from bizlink.ads.enums import BudgetMode, Gender, Objective, RunStatus
from bizlink.ads.media import MAX_VIDEO_BYTES
from bizlink.audit import queries as audit_queries
from bizlink.businesses import actions as bc_actions
from bizlink.businesses.actions import CURRENCIES
from bizlink.core import clock
from bizlink.core.errors import InvalidInput
from bizlink.links import queries as link_queries
from bizlink.links.actions import Ended
from bizlink.links.enums import ASSET_ROLES, Role
from bizlink.policy import ad_account_role, decide
from bizlink.web.guards import signed_in
from bizlink.web.views.common import paginate, request_by_handle, signed_in_user, untouched

if TYPE_CHECKING:
    from bizlink.accounts.models import User
    from bizlink.ads.models import Ad, AdGroup, Campaign
    from bizlink.businesses.models import AdAccount


def _ctx(request: HttpRequest, ad: AdAccount, section: str, **extra: Any) -> dict[str, Any]:
    actor = signed_in_user(request)
    return {
        "ad": ad,
        "section": section,
        "my_ad_accounts": queries.ad_accounts_of(actor),
        "my_role": ad_account_role(actor, ad),
        "can_manage": decide(actor, "ads.manage", ad),
        **extra,
    }


@signed_in
def ads_index(request: HttpRequest) -> HttpResponse:
    """Your ad accounts (your own, then those of Business Centers); with exactly one, go there."""
    actor = signed_in_user(request)
    reachable = list(queries.ad_accounts_of(actor))
    if len(reachable) == 1 and not request.GET.get("all"):
        return redirect("web:ads_home", ad_account_id=reachable[0].pk)
    return render(
        request,
        "web/ads/index.html",
        {
            "ad_accounts": reachable,
            "owned": [a for a in reachable if a.owner_id == actor.pk],
            "others": [a for a in reachable if a.owner_id != actor.pk],
        },
    )


@signed_in
def ad_account_new(request: HttpRequest) -> HttpResponse:
    """*Create an ad account* of your own, outside any Business Center."""
    actor = signed_in_user(request)
    values = {"name": "", "currency": "USD", "timezone": "UTC"}
    error, field = "", ""
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in values}
        try:
            ad = bc_actions.create_own_ad_account(actor, **values)
        except InvalidInput as exc:
            error, field = exc.message, exc.field or ""
        else:
            messages.success(request, f"Ad account {ad.name} created. You are its admin.")
            return redirect("web:ads_home", ad_account_id=ad.pk)
    return render(
        request,
        "web/ads/new_ad_account.html",
        {
            "values": values,
            "error": error,
            "error_field": field,
            "currencies": CURRENCIES,
            "create": decide(actor, "ad_account.create_own", None),
        },
        status=400 if error else 200,
    )


@signed_in
def ads_switch(request: HttpRequest) -> HttpResponse:
    """The ad account switcher (a GET form, so it works without JavaScript)."""
    value = (request.GET.get("ad_account") or "").strip()
    if not (value.isdigit() and len(value) <= 18):
        return redirect("web:ads_index")
    ad = access.ad_account_for(signed_in_user(request), int(value))
    return redirect("web:ads_home", ad_account_id=ad.pk)


@signed_in
def ads_home(request: HttpRequest, ad_account_id: int) -> HttpResponse:
    """Campaigns, ad groups and ads, each with why it is or isn't delivering."""
    actor = signed_in_user(request)
    ad = access.ad_account_for(actor, ad_account_id)
    balance = queries.balance(ad)
    now = clock.now()
    first, last = reports.parse_range(None, None, today=localtime.today(ad.timezone))
    week = {row.key: row for row in reports.report(ad, first, last, by="ad").rows}
    spent = queries.budget_spent(ad, now=now)
    # Three queries for the whole tree, however many campaigns, ad groups and ads there are.
    ads_by_group: dict[int, list[Ad]] = {}
    for item in queries.live_ads(ad):
        ads_by_group.setdefault(item.ad_group_id, []).append(item)
    groups_by_campaign: dict[int, list[AdGroup]] = {}
    for group in queries.ad_groups_of(ad):
        groups_by_campaign.setdefault(group.campaign_id, []).append(group)
    tree = [
        (
            campaign,
            [
                (
                    group,
                    [
                        (
                            item,
                            queries.delivery_status(item, balance=balance, now=now, spent=spent),
                            week.get(str(item.pk)),
                        )
                        for item in ads_by_group.get(group.pk, [])
                    ],
                )
                for group in groups_by_campaign.get(campaign.pk, [])
            ],
        )
        for campaign in queries.campaigns(ad)
    ]
    return render(
        request,
        "web/ads/home.html",
        _ctx(request, ad, "campaigns", tree=tree, balance=balance),
    )


# --- Account Settings -> User Management ----------------------------------------------------


@signed_in
def account_settings(request: HttpRequest, ad_account_id: int) -> HttpResponse:
    ad = access.ad_account_for(signed_in_user(request), ad_account_id)
    return render(request, "web/ads/settings.html", _ctx(request, ad, "settings"))


@signed_in
def user_management(request: HttpRequest, ad_account_id: int) -> HttpResponse:
    ad = access.ad_account_for(signed_in_user(request), ad_account_id)
    return redirect("web:ads_members", ad_account_id=ad.pk)


@signed_in
def members(request: HttpRequest, ad_account_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    ad = access.ad_account_for(actor, ad_account_id)
    can_add = decide(actor, "ad_account.add_member", ad)
    values = {"email": "", "role": "ANALYST"}
    error = ""
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in values}
        try:
            added = actions.add_ad_account_member(actor, ad, **values)
        except InvalidInput as exc:
            error = exc.message
        else:
            assert added.user is not None
            messages.success(
                request, f"{added.user.name} is now {added.get_role_display()} of {ad.name}."
            )
            return redirect("web:ads_members", ad_account_id=ad.pk)
    rows = [(m, decide(actor, "asset_permission.remove", m)) for m in queries.members(ad)]
    return render(
        request,
        "web/ads/members.html",
        _ctx(
            request,
            ad,
            "users",
            tab="members",
            rows=rows,
            admins=queries.admins_via_business(ad),
            can_add=can_add,
            values=values,
            error=error,
            asset_roles=[(r, Role(r).label) for r in ASSET_ROLES],
        ),
        status=400 if error else 200,
    )


@signed_in
def member_delete(request: HttpRequest, ad_account_id: int, member_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    ad = access.ad_account_for(actor, ad_account_id)
    member = access.member_for(actor, ad, member_id)
    assert member.user is not None
    name = "yourself" if member.user_id == actor.pk else member.user.name
    return _confirm(
        request,
        ad,
        preview=lambda: actions.preview_remove_member(actor, member),
        perform=lambda: actions.remove_member(actor, member),
        headline=f"Delete {name} from {ad.name}?",
        back=reverse("web:ads_members", args=[ad.pk]),
    )


@signed_in
def linked_accounts(request: HttpRequest, ad_account_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    ad = access.ad_account_for(actor, ad_account_id)
    can_link = decide(actor, "ad_identity.request", ad)
    sent, handle, error = request_by_handle(
        request,
        lambda typed: actions.request_linked_account(actor, ad, handle=typed),
        reverse("web:ads_linked_accounts", args=[ad.pk]),
    )
    if sent is not None:
        return sent
    rows = [
        (link, decide(actor, "ad_identity.remove", link)) for link in queries.linked_accounts(ad)
    ]
    ads_by_identity = queries.live_ads_per_identity(ad)
    return render(
        request,
        "web/ads/linked_accounts.html",
        _ctx(
            request,
            ad,
            "users",
            tab="linked",
            rows=[(link, d, ads_by_identity.get(link.pk, 0)) for link, d in rows],
            can_link=can_link,
            error=error,
            handle=handle,
        ),
    )


@signed_in
def linked_account_remove(request: HttpRequest, ad_account_id: int, link_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    ad = access.ad_account_for(actor, ad_account_id)
    link = access.linked_account_for(actor, ad, link_id)
    assert link.account is not None
    return _confirm(
        request,
        ad,
        preview=lambda: actions.preview_remove_linked_account(actor, link),
        perform=lambda: actions.remove_linked_account(actor, link),
        headline=f"Remove @{link.account.handle} from {ad.name}?",
        back=reverse("web:ads_linked_accounts", args=[ad.pk]),
        account=link.account,
    )


def _confirm(
    request: HttpRequest,
    ad: AdAccount,
    *,
    preview: Callable[[], tuple[link_queries.Impact, queries.AdsImpact]],
    perform: Callable[[], Ended],
    headline: str,
    back: str,
    account: Any = None,
) -> HttpResponse:
    """GET: the impact preview (links + ads, same walk as the action). POST: act, show result."""
    if request.method == "POST":
        try:
            ended = perform()
        except InvalidInput as exc:
            messages.error(request, exc.message)
            return redirect(request.path)
        return redirect("web:ads_change", change_id=ended.change_id)
    impact, ads_impact = preview()
    return render(
        request,
        "web/ads/confirm.html",
        _ctx(
            request,
            ad,
            "users",
            impact=impact,
            ads_impact=ads_impact,
            headline=headline,
            back=back,
            account=account,
            untouched=untouched(account),
        ),
    )


@signed_in
def change_result(request: HttpRequest, change_id: uuid.UUID) -> HttpResponse:
    """What the unlink ended, and which ads stopped, read back from what was written."""
    events = audit_queries.change_events(signed_in_user(request), change_id)
    root = events.filter(is_cascade=False).select_related("link").first()
    return render(
        request,
        "web/ads/result.html",
        {
            "impact": link_queries.summarize(link_queries.ended_in_change(change_id), past=True),
            "ads_impact": queries.ads_stopped_in(change_id),
            "root": root,
            "when": events.values_list("occurred_at", flat=True).first(),
            "back_id": root.ad_account_id if root else None,
        },
    )


# --- identity requests (the account owner's side) ---------------------------------------------


@signed_in
def identity_requests(request: HttpRequest) -> HttpResponse:
    """The owner's side: open requests, and ad accounts already using their accounts."""
    actor = signed_in_user(request)
    return render(
        request,
        "web/ads/requests.html",
        {
            "requests": paginate(request, queries.pending_identity_requests(actor)),
            "linked": queries.identity_links_of_owner(actor),
        },
    )


@signed_in
def owned_identity_remove(request: HttpRequest, link_id: int) -> HttpResponse:
    """The owner removes their account from an ad account they are no member of."""
    actor = signed_in_user(request)
    link = access.owned_identity_for(actor, link_id)
    assert link.account is not None and link.ad_account is not None
    if request.method == "POST":
        try:
            ended = actions.remove_linked_account(actor, link)
        except InvalidInput as exc:
            messages.error(request, exc.message)
            return redirect("web:ads_requests")
        return redirect("web:ads_change", change_id=ended.change_id)
    impact, ads_impact = actions.preview_remove_linked_account(actor, link)
    return render(
        request,
        "web/ads/confirm_owner.html",
        {
            "impact": impact,
            "ads_impact": ads_impact,
            "headline": f"Remove @{link.account.handle} from {link.ad_account.name}?",
            "back": reverse("web:ads_requests"),
            "account": link.account,
            "ad": link.ad_account,
            "untouched": untouched(link.account),
        },
    )


@signed_in
@require_POST
def identity_request_respond(request: HttpRequest, link_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    link = access.identity_request_for(actor, link_id)
    assert link.account is not None and link.ad_account is not None
    try:
        if request.POST.get("decision") == "approve":
            actions.approve_linked_account(actor, link)
            messages.success(
                request, f"@{link.account.handle} can now be used in ads by {link.ad_account.name}."
            )
        else:
            actions.reject_linked_account(actor, link)
            messages.success(request, f"Request from {link.ad_account.name} rejected.")
    except InvalidInput as exc:
        messages.error(request, exc.message)
    return redirect("web:ads_requests")


# --- campaigns, ad groups, ads ----------------------------------------------------------------


def _form_page(
    request: HttpRequest,
    ad: AdAccount,
    template: str,
    save: Callable[[dict[str, str]], Any],
    done: Callable[[Any], str],
    initial: dict[str, Any],
    **extra: Any,
) -> HttpResponse:
    """Shared create/edit flow: bad input re-renders the form with the message, changing nothing."""
    values, error, field = initial, "", ""
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in request.POST if k != "csrfmiddlewaretoken"}
        if "age_ranges" in request.POST:
            values["age_ranges"] = ",".join(request.POST.getlist("age_ranges"))
        try:
            obj = save(values)
        except InvalidInput as exc:
            error, field = exc.message, exc.field or ""
        else:
            messages.success(request, f"Saved {obj.name}.")
            return redirect(done(obj))
    return render(
        request,
        template,
        _ctx(
            request,
            ad,
            "campaigns",
            values=values,
            error=error,
            error_field=field,
            objectives=Objective.choices,
            budget_modes=BudgetMode.choices,
            genders=Gender.choices,
            age_choices=AGE_RANGES,
            **extra,
        ),
    )


@signed_in
def campaign_new(request: HttpRequest, ad_account_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    ad = access.ad_account_for(actor, ad_account_id)
    return _form_page(
        request,
        ad,
        "web/ads/campaign_form.html",
        lambda data: actions.create_campaign(actor, ad, data),
        lambda c: reverse("web:ads_ad_group_new", args=[ad.pk, c.pk]),
        {"budget_mode": BudgetMode.DAILY, "objective": Objective.TRAFFIC, "budget": "50.00"},
    )


@signed_in
def campaign_edit(request: HttpRequest, ad_account_id: int, campaign_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    ad = access.ad_account_for(actor, ad_account_id)
    campaign = access.campaign_for(actor, ad, campaign_id)
    return _form_page(
        request,
        ad,
        "web/ads/campaign_form.html",
        lambda data: actions.update_campaign(actor, campaign, data),
        lambda c: reverse("web:ads_home", args=[ad.pk]),
        {
            "name": campaign.name,
            "objective": campaign.objective,
            "budget_mode": campaign.budget_mode,
            "budget": str(campaign.budget),
        },
        campaign=campaign,
    )


def _dt(value: Any) -> str:
    return value.strftime("%Y-%m-%dT%H:%M") if value else ""


@signed_in
def ad_group_new(request: HttpRequest, ad_account_id: int, campaign_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    ad = access.ad_account_for(actor, ad_account_id)
    campaign = access.campaign_for(actor, ad, campaign_id)
    return _form_page(
        request,
        ad,
        "web/ads/ad_group_form.html",
        lambda data: actions.create_ad_group(actor, campaign, data),
        lambda g: reverse("web:ads_ad_new", args=[ad.pk, g.pk]),
        {"start_at": _dt(clock.now()), "bid": "2.00", "gender": Gender.ALL, "locations": "US"},
        campaign=campaign,
    )


@signed_in
def ad_group_edit(request: HttpRequest, ad_account_id: int, ad_group_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    ad = access.ad_account_for(actor, ad_account_id)
    group = access.ad_group_for(actor, ad, ad_group_id)
    return _form_page(
        request,
        ad,
        "web/ads/ad_group_form.html",
        lambda data: actions.update_ad_group(actor, group, data),
        lambda g: reverse("web:ads_home", args=[ad.pk]),
        {
            "name": group.name,
            "start_at": _dt(group.start_at),
            "end_at": _dt(group.end_at),
            "bid": str(group.bid),
            "locations": group.locations,
            "age_ranges": group.age_ranges,
            "gender": group.gender,
            "interests": group.interests,
        },
        campaign=group.campaign,
        group=group,
    )


@signed_in
def ad_new(request: HttpRequest, ad_account_id: int, ad_group_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    ad = access.ad_account_for(actor, ad_account_id)
    group = access.ad_group_for(actor, ad, ad_group_id)
    return _form_page(
        request,
        ad,
        "web/ads/ad_form.html",
        lambda data: actions.create_ad(actor, group, data),
        lambda a: reverse("web:ads_home", args=[ad.pk]),
        {"call_to_action": "Learn more"},
        group=group,
        identities=queries.identities(ad),
        posts=queries.identity_posts(ad),
        videos=queries.videos(ad),
    )


@signed_in
def ad_edit(request: HttpRequest, ad_account_id: int, ad_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    ad_account = access.ad_account_for(actor, ad_account_id)
    item = access.ad_for(actor, ad_account, ad_id)
    return _form_page(
        request,
        ad_account,
        "web/ads/ad_form.html",
        lambda data: actions.update_ad(actor, item, data),
        lambda a: reverse("web:ads_home", args=[ad_account.pk]),
        {
            "name": item.name,
            "identity": str(item.identity_id),
            "post": str(item.post_id or ""),
            "video": str(item.video_id or ""),
            "call_to_action": item.call_to_action,
        },
        group=item.ad_group,
        item=item,
        delivery=queries.delivery_status(item, balance=queries.balance(ad_account)),
        identities=queries.identities(ad_account),
        posts=queries.identity_posts(ad_account),
        videos=queries.videos(ad_account),
    )


# --- the creative library -------------------------------------------------------------------


@signed_in
def videos(request: HttpRequest, ad_account_id: int) -> HttpResponse:
    """Uploaded videos an ad may use as its creative; upload one (checked before it is kept)."""
    actor = signed_in_user(request)
    ad = access.ad_account_for(actor, ad_account_id)
    error, field, title = "", "", ""
    if request.method == "POST":
        title = request.POST.get("title", "")
        try:
            video = actions.upload_video(actor, ad, title=title, upload=request.FILES.get("file"))
        except InvalidInput as exc:
            error, field = exc.message, exc.field or ""
        else:
            messages.success(request, f"Uploaded {video.title} ({video.duration:.1f} s).")
            return redirect("web:ads_videos", ad_account_id=ad.pk)
    return render(
        request,
        "web/ads/videos.html",
        _ctx(
            request,
            ad,
            "creatives",
            videos=paginate(request, queries.videos(ad)),
            error=error,
            field=field,
            title=title,
            max_mb=MAX_VIDEO_BYTES // 1024 // 1024,
        ),
        status=400 if error else 200,
    )


@signed_in
def video_file(request: HttpRequest, ad_account_id: int, video_id: int) -> FileResponse:
    """The stored file, only to people who reach the ad account (no public media URL)."""
    actor = signed_in_user(request)
    ad = access.ad_account_for(actor, ad_account_id)
    video = access.video_for(actor, ad, video_id)
    response = FileResponse(video.file.open("rb"), content_type=video.content_type)
    response["Content-Disposition"] = f'inline; filename="video-{video.pk}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


_STATUS = {"pause": RunStatus.PAUSED, "resume": RunStatus.ACTIVE, "delete": RunStatus.DELETED}


@signed_in
@require_POST
def set_status(request: HttpRequest, ad_account_id: int, level: str, obj_id: int) -> HttpResponse:
    """Pause, resume, delete or duplicate a campaign, ad group or ad (POST only)."""
    actor = signed_in_user(request)
    ad = access.ad_account_for(actor, ad_account_id)
    loaders: dict[str, Callable[[User, AdAccount, int], Campaign | AdGroup | Ad]] = {
        "campaign": access.campaign_for,
        "ad-group": access.ad_group_for,
        "ad": access.ad_for,
    }
    if level not in loaders:
        return redirect("web:ads_home", ad_account_id=ad.pk)
    obj = loaders[level](actor, ad, obj_id)
    verb = request.POST.get("do", "")
    try:
        if verb == "duplicate":
            dup = {
                "campaign": actions.duplicate_campaign,
                "ad-group": actions.duplicate_ad_group,
                "ad": actions.duplicate_ad,
            }[level]
            copy = dup(actor, obj)  # type: ignore[operator]
            messages.success(request, f"Created {copy.name} (paused until you resume it).")
        elif verb in _STATUS:
            actions.set_status(actor, obj, _STATUS[verb])
            done = {"pause": "paused", "resume": "resumed", "delete": "deleted"}[verb]
            messages.success(request, f"{obj.name} {done}.")
        else:
            messages.error(request, "Choose pause, resume, duplicate or delete.")
    except InvalidInput as exc:
        messages.error(request, exc.message)
    return redirect("web:ads_home", ad_account_id=ad.pk)


# --- billing ----------------------------------------------------------------------------------


@signed_in
def billing(request: HttpRequest, ad_account_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    ad = access.ad_account_for(actor, ad_account_id)
    view = decide(actor, "billing.view", ad)
    top_up = decide(actor, "billing.top_up", ad)
    error, amount = "", ""
    if request.method == "POST":
        amount = request.POST.get("amount", "")
        try:
            entry = actions.top_up(actor, ad, amount=amount, note=request.POST.get("note", ""))
        except InvalidInput as exc:
            error = exc.message
        else:
            messages.success(request, f"Added {entry.amount} {ad.currency}.")
            return redirect("web:ads_billing", ad_account_id=ad.pk)
    return render(
        request,
        "web/ads/billing.html",
        _ctx(
            request,
            ad,
            "billing",
            view=view,
            top_up=top_up,
            balance=queries.balance(ad) if view else None,
            entries=paginate(request, queries.ledger(ad)) if view else None,
            error=error,
            amount=amount,
        ),
    )


# --- reports ------------------------------------------------------------------------------------


CHART_W, CHART_H = 720, 220


def _chart(rep: reports.Report, metric: str) -> dict[str, Any]:
    """Bar geometry for an inline SVG chart (server-side: no script, nothing fetched).

    The bars are built here rather than in the template, as one string: a year by day is 365
    bars and a year by ad 1,000, and the template engine's per-variable cost (localizing every
    number), then `format_html`'s per-call cost (lazy wrappers, `conditional_escape`), were most
    of the page's time. Every text is escaped with `html.escape`, as `format_html` does.
    """
    values = [float(row.value(metric)) for row in rep.rows]
    top = max(values, default=0.0) or 1.0
    n = max(len(values), 1)
    slot = CHART_W / n
    bars = []
    for i, (row, value) in enumerate(zip(rep.rows, values, strict=True)):
        height = round(value / top * (CHART_H - 30), 1)
        tick = rep.by != "day" or n <= 14 or i % max(1, n // 10) == 0
        label = row.label if len(row.label) <= 14 else row.label[:13] + "…"
        text = (
            f'<text x="{round(i * slot + slot / 2, 1)}" y="{CHART_H - 5}" font-size="10" '
            f'text-anchor="middle" fill="#5e6170">{_escape(label)}</text>'
            if tick
            else ""
        )
        bars.append(
            f"<g><title>{_escape(row.label)}: {_escape(str(row.value(metric)))}</title>"
            f'<rect x="{round(i * slot + slot * 0.15, 1)}" y="{round(CHART_H - 20 - height, 1)}" '
            f'width="{round(slot * 0.7, 1)}" height="{height}" fill="#fe2c55" rx="2"/>{text}</g>'
        )
    bars_html = mark_safe("".join(bars))  # every text above is escaped
    return {"bars_html": bars_html, "top": top, "w": CHART_W, "h": CHART_H, "base": CHART_H - 20}


def _table_rows(rep: reports.Report) -> SafeString:
    """The table body from the CSV's own cells, so the page and the export cannot differ (one
    string, escaped cell by cell: a year by ad is 1,000 rows of 8 cells)."""
    lines = []
    for cells in list(rep.csv_lines())[1:-1]:  # without the header and the total
        label = _escape(cells[0])
        numbers = "".join(f"<td>{_escape(c)}</td>" for c in cells[1:])
        lines.append(f'<tr data-row="{label}"><td>{label}</td>{numbers}</tr>')
    return mark_safe("\n".join(lines))  # every cell above is escaped


def _report_for(request: HttpRequest, ad: AdAccount) -> tuple[reports.Report | None, str]:
    by = request.GET.get("by") or "day"
    try:
        start, end = reports.parse_range(
            request.GET.get("start"), request.GET.get("end"), today=localtime.today(ad.timezone)
        )
        return reports.report(ad, start, end, by=by), ""
    except InvalidInput as exc:
        return None, exc.message


@signed_in
def reports_page(request: HttpRequest, ad_account_id: int) -> HttpResponse:
    """The dashboard: a chart of one metric, and the table of all of them, for a date range."""
    ad = access.ad_account_for(signed_in_user(request), ad_account_id)
    rep, error = _report_for(request, ad)
    metric = request.GET.get("metric") or "spend"
    if metric not in reports.METRICS:
        metric = "spend"
    if rep is None:
        start, end = reports.parse_range(None, None, today=localtime.today(ad.timezone))
        rep = reports.report(ad, start, end)
    return render(
        request,
        "web/ads/reports.html",
        _ctx(
            request,
            ad,
            "reports",
            report=rep,
            total=rep.total,
            error=error,
            metric=metric,
            metric_label=reports.METRIC_LABELS[metric],
            metrics=[(m, reports.METRIC_LABELS[m]) for m in reports.METRICS],
            groupings=[(k, v[1]) for k, v in reports.GROUPINGS.items()],
            chart=_chart(rep, metric),
            table_rows=_table_rows(rep),
            query=request.GET.urlencode(),
        ),
    )


@signed_in
def reports_csv(request: HttpRequest, ad_account_id: int) -> HttpResponse:
    """The same rows as the dashboard table, as CSV."""
    ad = access.ad_account_for(signed_in_user(request), ad_account_id)
    rep, error = _report_for(request, ad)
    if rep is None:
        messages.error(request, error)
        return redirect("web:ads_reports", ad_account_id=ad.pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"ads-report-{ad.pk}-{rep.by}-{rep.start}-{rep.end}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.writer(response)
    for line in rep.csv_lines():
        writer.writerow(line)
    return response
