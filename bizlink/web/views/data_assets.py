"""Business Center -> Assets -> Data sources: pixels, their events, and the sync status of every
data asset feeding an ad account (syncing / stopped and why / error, last and next sync, counts,
history). Plus the public side of a pixel: the browser collector and a demo shop page.

Views load with `access`, read with `queries`, change state only through `actions`.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from bizlink.audiences import access as audience_access
from bizlink.audiences import actions as audience_actions
from bizlink.audiences import queries as audience_queries
from bizlink.businesses import access as bc_access
from bizlink.businesses import queries as bc_queries
from bizlink.catalogs import access as catalog_access
from bizlink.catalogs import queries as catalog_queries
from bizlink.core.errors import InvalidInput, NotFound
from bizlink.links.live import active_q
from bizlink.pixels import access, actions, catalog_sync, clicks, queries
from bizlink.pixels import events as event_rules
from bizlink.policy import decide
from bizlink.web.guards import public, signed_in
from bizlink.web.views.business import _ctx
from bizlink.web.views.common import confirm_then_act, form_id, signed_in_user

MAX_BROWSER_BODY = 64 * 1024


@signed_in
def data_sources(request: HttpRequest, bc_id: int) -> HttpResponse:
    """Pixels of the Business Center, every data sync and its state; admins add pixels."""
    actor = signed_in_user(request)
    bc = bc_access.business_for(actor, bc_id)
    manage = decide(actor, "business.manage", bc)
    error = ""
    if request.method == "POST":
        try:
            account = None
            account_id = form_id(request, "account")
            if account_id:
                account = bc_access.account_link_for(actor, bc, account_id).account
            pixel = actions.create_pixel(
                actor, bc, name=request.POST.get("name", ""), account=account
            )
        except (InvalidInput, NotFound) as exc:
            error = str(exc.message if isinstance(exc, InvalidInput) else exc)
        else:
            messages.success(request, f"Pixel {pixel.name} created. Install it with its code.")
            return redirect("web:bc_pixel", bc.pk, pixel.pk)
    return render(
        request,
        "web/business/data/index.html",
        _ctx(
            request,
            bc,
            "data",
            pixels=queries.pixels_of(bc.pk),
            syncs=queries.bindings_of(bc.pk)[:200],
            manage=manage,
            accounts=bc_queries.linked_accounts(bc, actor).filter(active_q()),
            error=error,
            name=request.POST.get("name", ""),
        ),
    )


@signed_in
def pixel(request: HttpRequest, bc_id: int, pixel_id: int) -> HttpResponse:
    """A pixel: its code and snippet, events received, and its syncs to ad accounts."""
    actor = signed_in_user(request)
    bc = bc_access.business_for(actor, bc_id)
    px = access.pixel_for(actor, bc, pixel_id)
    manage = decide(actor, "business.manage", bc)
    if request.method == "POST":
        try:
            ad_account = bc_access.ad_account_for(actor, bc, form_id(request, "ad_account"))
            binding = actions.link_pixel(actor, px, ad_account)
        except NotFound as exc:
            messages.error(request, str(exc))
        except InvalidInput as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"{px.name} now syncs to {binding.ad_account.name}.")
        return redirect("web:bc_pixel", bc.pk, px.pk)
    return render(
        request,
        "web/business/data/pixel.html",
        _ctx(
            request,
            bc,
            "data",
            pixel=px,
            syncs=queries.bindings_of(bc.pk).filter(pixel=px),
            totals=queries.event_totals(px),
            events=queries.recent_events(px),
            ad_accounts=bc_queries.ad_accounts(bc, actor),
            manage=manage,
            shop_url=reverse("web:demo_shop", args=[px.code]),
        ),
    )


@signed_in
def sync_status(request: HttpRequest, bc_id: int, binding_id: int) -> HttpResponse:
    """One data asset's sync to one ad account: state and why, last/next sync, counts, history;
    *Retry now* (POST) on a sync in error."""
    actor = signed_in_user(request)
    bc = bc_access.business_for(actor, bc_id)
    binding = access.binding_for(actor, bc, binding_id)
    if request.method == "POST" and request.POST.get("action") == "retry":
        try:
            actions.retry_sync(actor, binding)
        except InvalidInput as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "Retry queued: the worker runs this sync again now.")
        return redirect("web:bc_data_sync", bc.pk, binding.pk)
    return render(
        request,
        "web/business/data/sync.html",
        _ctx(
            request,
            bc,
            "data",
            binding=binding,
            reason=queries.stop_reason(binding),
            counts=queries.counts(binding),
            history=queries.history(binding),
            resumed_by=queries.resumed_by(binding),
            manage=decide(actor, "business.manage", bc),
        ),
    )


@signed_in
def sync_stop(request: HttpRequest, bc_id: int, binding_id: int) -> HttpResponse:
    """*Stop sync* -> preview of what stops -> *Confirm*."""
    actor = signed_in_user(request)
    bc = bc_access.business_for(actor, bc_id)
    binding = access.binding_for(actor, bc, binding_id)
    return confirm_then_act(
        request,
        preview=lambda: actions.preview_stop_sync(binding),
        perform=lambda: actions.stop_sync(actor, binding),
        account=None,
        context=_ctx(
            request,
            bc,
            "data",
            title="Stop sync",
            headline=f"Stop syncing {binding.asset_name} to {binding.ad_account.name}?",
            back=reverse("web:bc_data_sync", args=[bc.pk, binding.pk]),
        ),
    )


@signed_in
@require_POST
def sync_resume(request: HttpRequest, bc_id: int, binding_id: int) -> HttpResponse:
    """*Resume sync*: only new events from now on; nothing received while stopped is added."""
    actor = signed_in_user(request)
    bc = bc_access.business_for(actor, bc_id)
    binding = access.binding_for(actor, bc, binding_id)
    try:
        resumed = actions.resume_sync(actor, binding)
    except InvalidInput as exc:
        messages.error(request, exc.message)
        return redirect("web:bc_data_sync", bc.pk, binding.pk)
    messages.success(request, "Sync resumed. Events from now on sync; nothing is back-filled.")
    return redirect("web:bc_data_sync", bc.pk, resumed.pk)


# --- the public side of a pixel ---------------------------------------------------------------


@public
@csrf_exempt
@require_POST
def collect(request: HttpRequest) -> JsonResponse:
    """What `pixel.js` posts to: events from a web page, like any pixel (no sign-in, no PII)."""
    if len(request.body) > MAX_BROWSER_BODY:
        return JsonResponse({"code": 40002, "message": "Body too large."}, status=413)
    try:
        body = json.loads(request.body or b"{}")
        px = access.pixel_by_code(str(body.get("pixel_code", "")))
        result = actions.track_events(px, body.get("data"), source="BROWSER")
    except (ValueError, AttributeError):
        return JsonResponse({"code": 40002, "message": "Send a JSON object."}, status=400)
    except NotFound as exc:
        return JsonResponse({"code": 40007, "message": str(exc)}, status=404)
    except event_rules.PiiNotHashed as exc:
        return JsonResponse({"code": 40062, "message": str(exc)}, status=400)
    except InvalidInput as exc:
        return JsonResponse({"code": 40002, "message": exc.message}, status=400)
    return JsonResponse({"code": 0 if not result.failed else 20001, "data": result.as_dict()})


@public
def demo_shop(request: HttpRequest, code: str) -> HttpResponse:
    """A tiny shop page with the pixel installed: browse, add to cart and pay fire events."""
    try:
        px = access.pixel_by_code(code)
    except NotFound:
        return render(request, "404.html", status=404)
    linked = queries.live_bindings(px)
    ads = [
        (ad_name, ttclid)
        for b in linked
        for ad_name, ttclid in clicks.recent_click_ids(b.ad_account_id, limit=3)
    ]
    account = px.account
    return render(
        request,
        "web/business/data/shop.html",
        {
            "pixel": px,
            "account": account,
            "ad_clicks": ads[:5],
            "ttclid": request.GET.get("ttclid", "")[:120],
            "products": [
                ("cake-1", "Sourdough loaf", "8.50"),
                ("cake-2", "Cinnamon buns (6)", "12.00"),
                ("cake-3", "Birthday cake", "39.00"),
            ],
        },
    )


# --- audiences --------------------------------------------------------------------------------


def _int(request: HttpRequest, name: str, default: int) -> int:
    raw = request.POST.get(name, "").strip()
    return int(raw) if raw.isdigit() and len(raw) < 6 else default


@signed_in
def audiences(request: HttpRequest, bc_id: int) -> HttpResponse:
    """The Business Center's audiences; admins create them (three kinds)."""
    actor = signed_in_user(request)
    bc = bc_access.business_for(actor, bc_id)
    manage = decide(actor, "business.manage", bc)
    error, report = "", None
    if request.method == "POST":
        kind = request.POST.get("kind", "")
        name = request.POST.get("name", "")
        days = _int(request, "lookback_days", 30)
        try:
            ad_account = bc_access.ad_account_for(actor, bc, form_id(request, "ad_account"))
            if kind == "PIXEL_EVENTS":
                px = access.pixel_for(actor, bc, form_id(request, "pixel"))
                audience = audience_actions.create_pixel_audience(
                    actor,
                    ad_account,
                    name=name,
                    pixel=px,
                    event=request.POST.get("event", ""),
                    lookback_days=days,
                )
            elif kind == "ENGAGEMENT":
                link = bc_access.account_link_for(actor, bc, form_id(request, "account"))
                assert link.account is not None
                audience = audience_actions.create_engagement_audience(
                    actor,
                    ad_account,
                    name=name,
                    account=link.account,
                    engagement=request.POST.get("engagement", ""),
                    lookback_days=days,
                )
            elif kind == "CUSTOMER_FILE":
                upload = request.FILES.get("file")
                if upload is None:
                    raise InvalidInput("Choose a file: one SHA-256 hash per line.", field="file")
                if upload.size and upload.size > 40 * 1024 * 1024:
                    raise InvalidInput("Files of at most 40 MB, please.", field="file")
                audience, file_report = audience_actions.create_customer_file_audience(
                    actor,
                    ad_account,
                    name=name,
                    kind=request.POST.get("identifier", "EMAIL"),
                    content=upload.read(),
                )
                report = file_report
            else:
                raise InvalidInput("Pick the kind of audience.", field="kind")
        except NotFound as exc:
            error = str(exc)
        except InvalidInput as exc:
            error = exc.message
        else:
            note = "Its size appears once the background worker has computed it."
            if report is not None and report.rejected:
                note += f" {len(report.rejected)} rows were not hashes and were skipped."
            messages.success(request, f"Audience {audience.name} created. {note}")
            return redirect("web:bc_audience", bc.pk, audience.pk)
    return render(
        request,
        "web/business/data/audiences.html",
        _ctx(
            request,
            bc,
            "data",
            audiences=audience_queries.audiences_of(bc.pk),
            manage=manage,
            error=error,
            pixels=queries.pixels_of(bc.pk),
            ad_accounts=bc_queries.ad_accounts(bc, actor),
            accounts=bc_queries.linked_accounts(bc, actor).filter(active_q()),
            engagements=audience_queries.ENGAGEMENTS,
        ),
    )


@signed_in
def audience(request: HttpRequest, bc_id: int, audience_id: int) -> HttpResponse:
    """An audience: its rule, size (from the worker), syncs and shares; share with another."""
    actor = signed_in_user(request)
    bc = bc_access.business_for(actor, bc_id)
    aud = audience_access.audience_for(actor, bc, audience_id)
    manage = decide(actor, "business.manage", bc)
    if request.method == "POST":
        try:
            ad_account = bc_access.ad_account_for(actor, bc, form_id(request, "ad_account"))
            audience_actions.share_audience(actor, aud, ad_account)
        except NotFound as exc:
            messages.error(request, str(exc))
        except InvalidInput as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Shared with {ad_account.name}.")
        return redirect("web:bc_audience", bc.pk, aud.pk)
    return render(
        request,
        "web/business/data/audience.html",
        _ctx(
            request,
            bc,
            "data",
            audience=aud,
            rule=audience_queries.rule(aud),
            syncs=audience_queries.syncs_of(aud),
            ad_accounts=bc_queries.ad_accounts(bc, actor).exclude(pk=aud.ad_account_id),
            manage=manage,
        ),
    )


@signed_in
def audience_share_cancel(
    request: HttpRequest, bc_id: int, audience_id: int, binding_id: int
) -> HttpResponse:
    """*Cancel share* -> preview -> *Confirm*: the ad account keeps what it received."""
    actor = signed_in_user(request)
    bc = bc_access.business_for(actor, bc_id)
    aud = audience_access.audience_for(actor, bc, audience_id)
    binding = access.binding_for(actor, bc, binding_id)
    if binding.audience_id != aud.pk:
        raise NotFound("No such share of this audience.")
    return confirm_then_act(
        request,
        preview=lambda: actions.preview_stop_sync(binding),
        perform=lambda: audience_actions.cancel_share(actor, binding),
        account=None,
        context=_ctx(
            request,
            bc,
            "data",
            title="Cancel share",
            headline=f"Stop sharing {aud.name} with {binding.ad_account.name}?",
            back=reverse("web:bc_audience", args=[bc.pk, aud.pk]),
        ),
    )


# --- catalogs: syncs to ad accounts and pixels as event sources -------------------------------


@signed_in
def catalog_bindings(request: HttpRequest, bc_id: int) -> HttpResponse:
    """The Business Center's catalogs: where their products sync and which pixels feed them."""
    actor = signed_in_user(request)
    bc = bc_access.business_for(actor, bc_id)
    manage = decide(actor, "business.manage", bc)
    if request.method == "POST":
        try:
            catalog = catalog_access.catalog_for(actor, bc, form_id(request, "catalog"))
            what = request.POST.get("action", "")
            if what == "link":
                ad_account = bc_access.ad_account_for(actor, bc, form_id(request, "ad_account"))
                catalog_sync.link_catalog(actor, catalog, ad_account)
                messages.success(request, f"{catalog.name} now syncs to {ad_account.name}.")
            elif what in ("bind", "unbind"):
                px = access.pixel_for(actor, bc, form_id(request, "pixel"))
                if what == "bind":
                    catalog_sync.bind_event_source(actor, catalog, px)
                    messages.success(request, f"{px.name} now feeds {catalog.name}.")
                else:
                    catalog_sync.unbind_event_source(actor, catalog, px)
                    messages.success(request, f"{px.name} no longer feeds {catalog.name}.")
            else:
                raise InvalidInput("Pick what to do.")
        except NotFound as exc:
            messages.error(request, str(exc))
        except InvalidInput as exc:
            messages.error(request, exc.message)
        return redirect("web:bc_data_catalogs", bc.pk)
    catalogs = list(catalog_queries.catalogs(bc))
    return render(
        request,
        "web/business/data/catalogs.html",
        _ctx(
            request,
            bc,
            "data",
            catalogs=[
                (
                    c,
                    queries.bindings_of(bc.pk).filter(catalog_id=c.pk),
                    queries.event_sources_of(c.pk),
                    catalog_sync.matched_product_events(c),
                )
                for c in catalogs
            ],
            pixels=queries.pixels_of(bc.pk),
            ad_accounts=bc_queries.ad_accounts(bc, actor),
            manage=manage,
        ),
    )
