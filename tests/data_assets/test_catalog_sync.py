"""Catalog bindings: a catalog's products sync to ad accounts by the worker and stop when the
catalog's TikTok account leaves the Business Center; pixels feed catalogs as event sources."""

from __future__ import annotations

import datetime as dt

import pytest

from bizlink.businesses import actions as bc_actions
from bizlink.catalogs.models import Catalog, Product
from bizlink.core import clock
from bizlink.core.errors import InvalidInput
from bizlink.links.models import Kind, Link, Status
from bizlink.pixels import actions, catalog_sync, sync
from bizlink.pixels.models import SyncBinding, SyncState
from tests.data_assets.conftest import Shop, event

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(shop: Shop) -> Catalog:
    return Catalog.objects.get(business=shop.demo.sunrise, name="Sunrise Bakery shop")


def test_products_sync_by_the_worker_and_stop_with_the_account(
    shop: Shop, catalog: Catalog
) -> None:
    ben, main = shop.demo.users["ben"], shop.demo.ad_accounts["main"]
    binding = catalog_sync.link_catalog(ben, catalog, main)
    assert binding.synced_count == 0  # nothing inline
    sync.refresh_all()
    binding.refresh_from_db()
    products = Product.objects.filter(catalog=catalog)
    assert binding.synced_count == products.count() > 0
    products.filter(sku="SB-001").update(updated_at=clock.now() + dt.timedelta(seconds=1))
    with clock.frozen_at(clock.now() + dt.timedelta(seconds=2)):
        sync.refresh_all()
    latest = binding.history.filter(kind="SYNCED").first()
    assert latest is not None and latest.count == 1  # the one update

    bakery_link = Link.objects.get(
        kind=Kind.ACCOUNT_BC,
        business=shop.demo.sunrise,
        account=catalog.creator_account,
        status=Status.ACTIVE,
    )
    impact = bc_actions.preview_disconnect_account(ben, bakery_link)
    [group] = [g for g in impact.nonempty_groups if g.key == "data_syncs"]
    assert "Catalog Sunrise Bakery shop syncing to ad account Sunrise Main" in group.items
    bc_actions.disconnect_account(ben, bakery_link)
    binding.refresh_from_db()
    assert binding.state == SyncState.STOPPED
    count = binding.synced_count
    products.filter(sku="SB-002").update(updated_at=clock.now() + dt.timedelta(minutes=1))
    with clock.frozen_at(clock.now() + dt.timedelta(minutes=2)):
        sync.refresh_all()
    stopped = SyncBinding.objects.get(pk=binding.pk)
    assert stopped.synced_count == count and stopped.last_sync_at == binding.last_sync_at
    with pytest.raises(InvalidInput, match="not linked"):
        catalog_sync.link_catalog(ben, catalog, main)


def test_a_pixel_feeds_a_catalog_as_event_source(shop: Shop, catalog: Catalog) -> None:
    ben = shop.demo.users["ben"]
    catalog_sync.bind_event_source(ben, catalog, shop.pixel)
    with pytest.raises(InvalidInput, match="already feeds"):
        catalog_sync.bind_event_source(ben, catalog, shop.pixel)
    view = event("v-1", "ViewContent", properties={"contents": [{"content_id": "SB-001"}]})
    other = event("v-2", "ViewContent", properties={"contents": [{"content_id": "nope"}]})
    actions.track_events(shop.pixel, [view, other])
    assert catalog_sync.matched_product_events(catalog) == 1
    catalog_sync.unbind_event_source(ben, catalog, shop.pixel)
    assert catalog_sync.matched_product_events(catalog) == 0


def test_catalog_syncs_page_links_and_binds(shop: Shop, catalog: Catalog) -> None:
    from django.test import Client

    ben = Client()
    ben.force_login(shop.demo.users["ben"])
    url = f"/business/{shop.demo.sunrise.pk}/assets/data/catalogs/"
    assert "Sunrise Bakery shop" in ben.get(url).content.decode()
    main = shop.demo.ad_accounts["main"]
    ben.post(url, {"action": "link", "catalog": catalog.pk, "ad_account": main.pk})
    ben.post(url, {"action": "bind", "catalog": catalog.pk, "pixel": shop.pixel.pk})
    page = ben.get(url).content.decode()
    assert "Sunrise Main" in page and "<strong>Maya Bakes shop</strong>" in page
    assert SyncBinding.objects.filter(catalog_id=catalog.pk, ad_account=main).exists()
