"""The Events API: validation per event and field, partial batches, event_id deduplication,
the hashing rule (40062) and attribution of clicks issued by the delivery simulation."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from bizlink.ads import simulation
from bizlink.ads.models import Ad, DailyStat, HourlyStat
from bizlink.core import clock
from bizlink.pixels import actions, clicks, sync
from bizlink.pixels.events import PiiNotHashed
from bizlink.pixels.models import Conversion, EventDelivery, PixelEvent
from bizlink.sandbox import actions as sandbox_actions
from tests.data_assets.conftest import Shop, api_get, api_post, event

pytestmark = pytest.mark.django_db


def new_events() -> Any:  # the events this test sent (the demo has its own)
    return PixelEvent.objects.exclude(event_id__startswith="demo-")


@pytest.fixture
def token(shop: Shop) -> str:
    return str(sandbox_actions.issue_token(email="ben@example.com")["access_token"])


def track(client: Client, token: str, shop: Shop, data: list) -> dict:
    return api_post(
        client,
        token,
        "event/track/",
        {"event_source": "web", "event_source_id": shop.pixel.code, "data": data},
    )


def test_a_good_batch_is_stored_and_counted_for_the_linked_ad_account(
    client: Client, token: str, shop: Shop
) -> None:
    body = track(client, token, shop, [event("o-1"), event("o-2", "AddToCart")])
    assert body["code"] == 0, body
    assert body["data"]["accepted"] == 2 and body["data"]["failed"] == []
    assert body["data"]["counted_for_advertiser_ids"] == [str(shop.demo.ad_accounts["main"].pk)]
    assert EventDelivery.objects.filter(synced_at__isnull=True).count() == 2


def test_validation_names_the_event_and_the_field_and_keeps_the_good_ones(
    client: Client, token: str, shop: Shop
) -> None:
    too_old = int((clock.now() - dt.timedelta(days=8)).timestamp())
    bad = [
        event("ok-1"),
        event("bad-time", event_time=too_old),
        event("bad-money", properties={"value": "lots", "currency": "usd"}),
        {"event_id": "no-name", "event_time": int(clock.now().timestamp())},
        "not an object",
    ]
    body = track(client, token, shop, bad)
    assert body["code"] == 20001, body
    failed = {(p["index"], p["field"]) for p in body["data"]["failed"]}
    assert failed == {
        (1, "data[1].event_time"),
        (2, "data[2].properties.value"),
        (2, "data[2].properties.currency"),
        (3, "data[3].event"),
        (4, ""),
    }
    assert "7 days" in body["message"]
    assert list(new_events().values_list("event_id", flat=True)) == ["ok-1"]


def test_a_batch_where_nothing_passes_is_a_param_error(
    client: Client, token: str, shop: Shop
) -> None:
    body = track(client, token, shop, [{"event": "Purchase"}])
    assert body["code"] == 40002
    assert body["data"]["failed"][0]["field"] == "data[0].event_time"
    assert new_events().count() == 0


def test_event_id_deduplicates_across_and_within_batches(
    client: Client, token: str, shop: Shop
) -> None:
    assert track(client, token, shop, [event("dup"), event("dup")])["data"] == {
        "received": 2,
        "accepted": 1,
        "duplicates": 1,
        "failed": [],
        "counted_for_advertiser_ids": [str(shop.demo.ad_accounts["main"].pk)],
    }
    again = track(client, token, shop, [event("dup"), event("new")])["data"]
    assert (again["accepted"], again["duplicates"]) == (1, 1)
    assert new_events().count() == 2
    assert EventDelivery.objects.filter(event__in=new_events()).count() == 2  # never twice


def test_unhashed_personal_data_is_refused_with_40062_and_nothing_is_stored(
    client: Client, token: str, shop: Shop
) -> None:
    plain = event("pii-1", user={"email": "buyer@example.com", "phone": "+15550100"})
    body = track(client, token, shop, [event("fine"), plain])
    assert body["code"] == 40062
    assert "data[1].user.email" in body["message"] and "data[1].user.phone" in body["message"]
    assert "buyer@example.com" not in body["message"]
    assert new_events().count() == 0
    with pytest.raises(PiiNotHashed):
        actions.track_events(shop.pixel, [plain])


def test_link_update_and_link_get(client: Client, token: str, shop: Shop) -> None:
    promo = shop.demo.ad_accounts["promo"]
    body = {
        "bc_id": str(shop.demo.sunrise.pk),
        "pixel_code": shop.pixel.code,
        "advertiser_ids": [str(promo.pk)],
        "relation_status": "LINK",
    }
    assert api_post(client, token, "bc/pixel/link/update/", body)["code"] == 0
    linked = api_get(
        client, token, "bc/pixel/link/get/", bc_id=shop.demo.sunrise.pk, pixel_code=shop.pixel.code
    )
    assert {row["name"] for row in linked["data"]["list"]} == {"Sunrise Main", promo.name}
    listed = api_get(client, token, "pixel/list/", advertiser_id=promo.pk)
    assert [p["pixel_code"] for p in listed["data"]["pixels"]] == [shop.pixel.code]
    body["relation_status"] = "UNLINK"
    assert api_post(client, token, "bc/pixel/link/update/", body)["code"] == 0
    assert api_post(client, token, "bc/pixel/link/update/", body)["code"] == 0  # idempotent
    linked = api_get(
        client, token, "bc/pixel/link/get/", bc_id=shop.demo.sunrise.pk, pixel_code=shop.pixel.code
    )
    assert [row["name"] for row in linked["data"]["list"]] == ["Sunrise Main"]


def test_another_business_cannot_send_events_to_this_pixel(client: Client, shop: Shop) -> None:
    alex = str(sandbox_actions.issue_token(email="alex@example.com")["access_token"])
    body = track(client, alex, shop, [event("x")])
    assert body["code"] == 40007


def test_a_click_issued_by_the_simulation_is_attributed_to_its_ad_in_reports(shop: Shop) -> None:
    ad = Ad.objects.filter(ad_group__campaign__ad_account=shop.demo.ad_accounts["main"]).first()
    assert ad is not None
    start = simulation.floor_hour(clock.now() - dt.timedelta(hours=30))
    with clock.frozen_at(start + dt.timedelta(hours=24)):
        simulation.run_hours(24, progress=lambda r: None)
    ids = clicks.recent_click_ids(shop.demo.ad_accounts["main"].pk, limit=50)
    assert ids, "the simulation recorded no clicks"
    ad_name, ttclid = ids[0]
    click = clicks.resolve(ttclid)
    assert click is not None and click.ad.name == ad_name
    day_before = _reported_conversions(click.ad)
    hour_before = HourlyStat.objects.get(ad=click.ad, hour=click.hour).conversions

    with clock.frozen_at(click.hour + dt.timedelta(minutes=90)):
        actions.track_events(
            shop.pixel, [event("paid-1", user={"ttclid": ttclid}), event("paid-2")]
        )
        forged = ttclid[:-1] + ("0" if ttclid[-1] != "0" else "1")
        actions.track_events(shop.pixel, [event("paid-3", user={"ttclid": forged})])
        report = sync.deliver_due()
        assert report.as_dict() == {"delivered": 3, "conversions": 1}
        assert sync.deliver_due().as_dict() == {"delivered": 0, "conversions": 0}

    conversion = Conversion.objects.get()
    assert conversion.event.event_id == "paid-1" and conversion.ad == click.ad
    assert _reported_conversions(click.ad) == day_before + 1
    assert HourlyStat.objects.get(ad=click.ad, hour=click.hour).conversions == hour_before + 1


def _reported_conversions(ad: Ad) -> int:
    return sum(DailyStat.objects.filter(ad=ad).values_list("conversions", flat=True))


def test_the_sandbox_request_log_keeps_no_personal_data(
    client: Client, token: str, shop: Shop, settings: Any
) -> None:
    from bizlink.sandbox.models import ApiRequest

    settings.SANDBOX_MODE = True
    plain = event("pii-log", user={"email": "buyer@example.com", "ttclid": "t-1"})
    assert track(client, token, shop, [plain])["code"] == 40062
    logged = ApiRequest.objects.filter(path="/open_api/v1.3/event/track/").latest("id")
    assert "buyer@example.com" not in str(logged.params)
    assert logged.params["data"][0]["user"] == {"email": "***", "ttclid": "t-1"}
