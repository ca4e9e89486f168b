"""Audiences: from pixel events, from engagement with a linked account's posts, from a customer
file of hashed identifiers; sizes from the worker; sharing and cancelling; unlink stops them."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from bizlink.accounts.models import Follower
from bizlink.audiences import actions, queries, refresh
from bizlink.audiences.models import Audience, CustomerIdentifier
from bizlink.businesses import actions as bc_actions
from bizlink.core import clock
from bizlink.core.errors import InvalidInput, Refused
from bizlink.links.models import Kind, Link, Status
from bizlink.pixels import actions as pixel_actions
from bizlink.pixels import sync
from bizlink.pixels.models import SyncBinding, SyncState
from tests.data_assets.conftest import Shop, event, sha

pytestmark = pytest.mark.django_db


def _work() -> None:
    """What the worker task does (tests/data_assets/test_worker.py runs the real one)."""
    sync.deliver_due()
    sync.refresh_all()


def test_pixel_audience_counts_people_who_did_the_event_in_the_window(shop: Shop) -> None:
    ben, main = shop.demo.users["ben"], shop.demo.ad_accounts["main"]
    carts = [
        event(f"c{n}", "AddToCart", user={"email": sha(f"p{n % 3}@example.com")}) for n in range(5)
    ]
    pixel_actions.track_events(shop.pixel, [*carts, event("pay", "CompletePayment")])
    audience = actions.create_pixel_audience(
        ben, main, name="Carts 30d", pixel=shop.pixel, event="AddToCart", lookback_days=30
    )
    assert audience.size is None  # computed by the worker, not in the request
    _work()
    audience.refresh_from_db()
    assert (audience.size, audience.status) == (3, Audience.Status.READY)
    [binding] = queries.syncs_of(audience)
    assert binding.synced_count == 3 and binding.ad_account == main
    assert queries.rule(audience) == "AddToCart on pixel Maya Bakes shop in the last 30 days"


def test_share_then_cancel_keeps_the_last_size_and_stops_refreshing(shop: Shop) -> None:
    ben, main, promo = (
        shop.demo.users["ben"],
        shop.demo.ad_accounts["main"],
        shop.demo.ad_accounts["promo"],
    )
    audience, _report = actions.create_customer_file_audience(
        ben,
        main,
        name="Buyers",
        kind="EMAIL",
        content="\n".join(sha(f"b{n}") for n in range(4)).encode(),
    )
    shared = actions.share_audience(ben, audience, promo)
    _work()
    assert SyncBinding.objects.get(pk=shared.pk).synced_count == 4
    with pytest.raises(InvalidInput, match="already"):
        actions.share_audience(ben, audience, promo)
    actions.cancel_share(ben, shared)
    CustomerIdentifier.objects.create(audience=audience, kind="EMAIL", sha256=sha("late"))
    Audience.objects.filter(pk=audience.pk).update(refresh_due_at=clock.now())
    _work()
    stopped = SyncBinding.objects.get(pk=shared.pk)
    assert stopped.state == SyncState.STOPPED and stopped.synced_count == 4  # not 5
    owner = SyncBinding.objects.get(audience_id=audience.pk, ad_account=main)
    assert owner.synced_count == 5
    with pytest.raises(InvalidInput):
        actions.cancel_share(ben, owner)


def test_sharing_outside_the_business_center_is_refused(shop: Shop) -> None:
    ben, main = shop.demo.users["ben"], shop.demo.ad_accounts["main"]
    other = bc_actions.create_ad_account(
        shop.demo.users["alex"],
        shop.demo.northwind,
        name="Elsewhere",
        currency="USD",
        timezone="UTC",
    )
    audience, _ = actions.create_customer_file_audience(
        ben, main, name="Buyers", kind="EMAIL", content=sha("x").encode()
    )
    with pytest.raises(InvalidInput, match="not in Sunrise Bakery"):
        actions.share_audience(ben, audience, other)
    with pytest.raises(Refused):
        actions.share_audience(shop.demo.users["sara"], audience, shop.demo.ad_accounts["promo"])


def test_customer_files_take_hashes_only(shop: Shop) -> None:
    ben, main = shop.demo.users["ben"], shop.demo.ad_accounts["main"]
    before = Audience.objects.count()
    plain = f"email_sha256\n{sha('a')}\nbuyer@example.com\n".encode()
    with pytest.raises(actions.PlainIdentifiers, match="Lines 3 hold plain"):
        actions.create_customer_file_audience(ben, main, name="X", kind="EMAIL", content=plain)
    assert Audience.objects.count() == before and not CustomerIdentifier.objects.exists()
    mixed = f"{sha('a')}\n{sha('a')}\nnot-a-hash\n\n{sha('b').upper()}\n".encode()
    audience, report = actions.create_customer_file_audience(
        ben, main, name="Mixed", kind="EMAIL", content=mixed
    )
    assert report.as_dict() == {
        "rows": 4,
        "accepted": 2,
        "duplicates": 1,
        "rejected": [{"line": 3, "reason": "not a SHA-256 hash (64 hexadecimal characters)"}],
    }
    assert audience.identifiers.count() == 2
    with pytest.raises(InvalidInput, match="no SHA-256"):
        actions.create_customer_file_audience(ben, main, name="E", kind="EMAIL", content=b"\n")


def test_engagement_audience_stops_when_its_account_is_unlinked(shop: Shop) -> None:
    ben, maya, main = shop.demo.users["ben"], shop.demo.users["maya"], shop.demo.ad_accounts["main"]
    bakes = shop.demo.accounts["maya.bakes"]
    for n in range(3):
        Follower.objects.create(account=bakes, follower_handle=f"fan{n}", followed_at=clock.now())
    recent = bakes.followers.filter(followed_at__gte=clock.now() - dt.timedelta(days=7)).count()
    audience = actions.create_engagement_audience(
        ben, main, name="New fans", account=bakes, engagement="FOLLOWED", lookback_days=7
    )
    _work()
    [binding] = queries.syncs_of(audience)
    assert binding.synced_count == recent >= 3
    link = Link.objects.get(
        kind=Kind.ACCOUNT_BC, business=shop.demo.sunrise, account=bakes, status=Status.ACTIVE
    )
    impact = bc_actions.preview_disconnect_account(maya, link)
    [group] = [g for g in impact.nonempty_groups if g.key == "data_syncs"]
    assert "Audience New fans syncing to ad account Sunrise Main" in group.items
    bc_actions.disconnect_account(maya, link)
    Follower.objects.create(account=bakes, follower_handle="late", followed_at=clock.now())
    Audience.objects.filter(pk=audience.pk).update(refresh_due_at=clock.now())
    _work()
    binding.refresh_from_db()
    assert binding.state == SyncState.STOPPED and binding.synced_count == recent
    with pytest.raises(InvalidInput, match="not linked"):
        pixel_actions.resume_sync(ben, binding)


def test_refresh_is_due_daily(shop: Shop) -> None:
    ben, main = shop.demo.users["ben"], shop.demo.ad_accounts["main"]
    actions.create_customer_file_audience(
        ben, main, name="Buyers", kind="EMAIL", content=hashlib.sha256(b"x").hexdigest().encode()
    )
    assert refresh.refresh_due()["audiences_refreshed"] >= 1  # (the demo's is due too)
    assert refresh.refresh_due() == {"audiences_refreshed": 0}
    wakeup = sync.next_wakeup()
    assert wakeup is not None and wakeup > clock.now() + dt.timedelta(hours=23)
