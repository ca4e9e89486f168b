"""The Business Center pages for data sources: the pixel page, the sync status page (stopped,
why, by whom, when; counts; history), the unlink preview naming the sync, Stop and Resume, and
the public collector + demo shop the browser snippet uses."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from bizlink.links.models import Kind, Link, Status
from bizlink.pixels import actions, sync
from bizlink.pixels.models import EventDelivery, PixelEvent, SyncBinding, SyncState
from tests.data_assets.conftest import Shop, event, sha

pytestmark = pytest.mark.django_db


def _client(shop: Shop, persona: str) -> Client:
    client = Client()
    client.force_login(shop.demo.users[persona])
    return client


def _bakes_link(shop: Shop) -> Link:
    return Link.objects.get(
        kind=Kind.ACCOUNT_BC,
        business=shop.demo.sunrise,
        account=shop.demo.accounts["maya.bakes"],
        status=Status.ACTIVE,
    )


def test_data_sources_and_pixel_pages_list_the_sync(shop: Shop) -> None:
    ben = _client(shop, "ben")
    bc = shop.demo.sunrise.pk
    page = ben.get(f"/business/{bc}/assets/data/").content.decode()
    assert "Maya Bakes shop" in page and "Sunrise Main" in page and "Data sources" in page
    page = ben.get(f"/business/{bc}/assets/data/pixels/{shop.pixel.pk}/").content.decode()
    assert shop.pixel.code in page and "pixels/pixel.js" in page


def test_the_disconnect_preview_names_the_sync_and_the_status_page_says_why(shop: Shop) -> None:
    actions.track_events(shop.pixel, [event("p-1")])
    sync.deliver_due()
    delivered = EventDelivery.objects.filter(binding=shop.main).count()
    maya = _client(shop, "maya")
    bc = shop.demo.sunrise.pk
    account_id = shop.demo.accounts["maya.bakes"].pk
    url = f"/business/{bc}/assets/tiktok-accounts/{account_id}/disconnect/"
    preview = maya.get(url).content.decode()
    assert "Data syncs that stop" in preview
    assert "Pixel Maya Bakes shop syncing to ad account Sunrise Main" in preview
    assert maya.post(url).status_code == 302

    ben = _client(shop, "ben")
    status = ben.get(f"/business/{bc}/assets/data/syncs/{shop.main.pk}/").content.decode()
    assert "Stopped: @maya.bakes linked to Sunrise Bakery ended by Maya" in status
    assert f'data-testid="count-delivered">{delivered}<' in status  # history stays
    assert "None while stopped" in status and "Resume sync" in status


def test_stop_then_resume_from_the_status_page(shop: Shop) -> None:
    ben = _client(shop, "ben")
    bc = shop.demo.sunrise.pk
    base = f"/business/{bc}/assets/data/syncs/{shop.main.pk}/"
    assert "Data syncs that stop" in ben.get(base + "stop/").content.decode()
    assert ben.post(base + "stop/").status_code == 302
    assert SyncBinding.objects.get(pk=shop.main.pk).state == SyncState.STOPPED
    response = ben.post(base + "resume/")
    resumed = SyncBinding.objects.get(resumed_from=shop.main)
    assert response["Location"] == f"/business/{bc}/assets/data/syncs/{resumed.pk}/"
    assert resumed.state == SyncState.SYNCING


def test_a_standard_member_sees_the_status_but_no_controls(shop: Shop) -> None:
    sara = _client(shop, "sara")
    bc = shop.demo.sunrise.pk
    page = sara.get(f"/business/{bc}/assets/data/syncs/{shop.main.pk}/").content.decode()
    assert "Syncing" in page and "Stop sync</a>" not in page
    assert sara.post(f"/business/{bc}/assets/data/syncs/{shop.main.pk}/stop/").status_code == 403


def test_another_business_cannot_see_the_pixel(shop: Shop) -> None:
    alex = _client(shop, "alex")
    bc = shop.demo.sunrise.pk
    assert alex.get(f"/business/{bc}/assets/data/pixels/{shop.pixel.pk}/").status_code == 404


def test_the_browser_collector_and_the_demo_shop(shop: Shop, client: Client) -> None:
    page = client.get(f"/demo/shop/{shop.pixel.code}/").content.decode()
    assert f'data-pixel-code="{shop.pixel.code}"' in page and "data-track-event" in page
    body = {"pixel_code": shop.pixel.code, "data": [event("b-1", user={"ttclid": "x"})]}
    answer = client.post("/pixel/events/", json.dumps(body), content_type="application/json")
    assert answer.json()["code"] == 0
    assert PixelEvent.objects.get(event_id="b-1").source == "BROWSER"
    bad = {"pixel_code": "NOPE", "data": [event("b-2")]}
    answer = client.post("/pixel/events/", json.dumps(bad), content_type="application/json")
    assert answer.status_code == 404
    assert client.get("/static/pixels/pixel.js").status_code in (200, 404)  # served by staticfiles


def test_audience_pages_create_share_and_cancel(shop: Shop) -> None:
    from bizlink.audiences.models import Audience

    ben = _client(shop, "ben")
    bc = shop.demo.sunrise.pk
    main, promo = shop.demo.ad_accounts["main"], shop.demo.ad_accounts["promo"]
    page = ben.get(f"/business/{bc}/assets/data/audiences/").content.decode()
    assert "Added to cart (30 days)" in page  # the demo's audience
    plain = b"buyer@example.com\n"
    from django.core.files.uploadedfile import SimpleUploadedFile

    form = {"kind": "CUSTOMER_FILE", "name": "VIPs", "identifier": "EMAIL", "ad_account": main.pk}
    refused = ben.post(
        f"/business/{bc}/assets/data/audiences/",
        {**form, "file": SimpleUploadedFile("vip.csv", plain)},
    )
    assert "plain e-mail addresses" in refused.content.decode()
    assert not Audience.objects.filter(name="VIPs").exists()
    hashed = "\n".join(sha(f"v{n}") for n in range(3)).encode()
    created = ben.post(
        f"/business/{bc}/assets/data/audiences/",
        {**form, "file": SimpleUploadedFile("vip.csv", hashed)},
    )
    vips = Audience.objects.get(name="VIPs")
    assert created["Location"] == f"/business/{bc}/assets/data/audiences/{vips.pk}/"
    detail = ben.get(created["Location"]).content.decode()
    assert "computing in the background" in detail
    assert ben.post(created["Location"], {"ad_account": promo.pk}).status_code == 302
    share = SyncBinding.objects.get(audience_id=vips.pk, ad_account=promo)
    cancel = f"/business/{bc}/assets/data/audiences/{vips.pk}/shares/{share.pk}/cancel/"
    assert "Audience VIPs syncing to ad account" in ben.get(cancel).content.decode()
    assert ben.post(cancel).status_code == 302
    assert SyncBinding.objects.get(pk=share.pk).state == SyncState.STOPPED
