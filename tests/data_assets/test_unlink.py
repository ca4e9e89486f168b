"""What an unlink does to data syncs: stopped with who/what/when, previewed by name, history
kept, and no resume (or back-fill) until someone presses Resume sync."""

from __future__ import annotations

import pytest

from bizlink.businesses import actions as bc_actions
from bizlink.core.errors import InvalidInput
from bizlink.links.models import Kind, Link, Status
from bizlink.pixels import actions, queries, sync
from bizlink.pixels.models import EventDelivery, SyncBinding, SyncState
from tests.data_assets.conftest import Shop, event

pytestmark = pytest.mark.django_db


def _bakes_link(shop: Shop) -> Link:
    return Link.objects.get(
        kind=Kind.ACCOUNT_BC,
        business=shop.demo.sunrise,
        account=shop.demo.accounts["maya.bakes"],
        status=Status.ACTIVE,
    )


def test_the_unlink_preview_lists_the_syncs_that_stop_by_name(shop: Shop) -> None:
    impact = bc_actions.preview_disconnect_account(shop.demo.users["maya"], _bakes_link(shop))
    [group] = [g for g in impact.nonempty_groups if g.key == "data_syncs"]
    assert group.items == ["Pixel Maya Bakes shop syncing to ad account Sunrise Main"]


def test_unlinking_the_account_stops_its_syncs_and_keeps_history(shop: Shop) -> None:
    maya, ben = shop.demo.users["maya"], shop.demo.users["ben"]
    actions.track_events(shop.pixel, [event("before-1"), event("before-2")])
    ended = bc_actions.disconnect_account(maya, _bakes_link(shop))
    actions.track_events(shop.pixel, [event("after-1")])

    binding = SyncBinding.objects.get(pk=shop.main.pk)
    assert binding.state == SyncState.STOPPED
    assert binding.stopped_by == maya and binding.stopped_by_change == ended.change_id
    reason = queries.stop_reason(binding)
    assert reason.startswith("Stopped: @maya.bakes linked to Sunrise Bakery ended by Maya")
    assert "data_syncs" in {g.key for g in ended.impact().nonempty_groups}
    # Earlier events stay counted (and the worker still delivers them); the later one is not.
    counted = set(
        EventDelivery.objects.filter(binding=binding)
        .exclude(event__event_id__startswith="demo-")
        .values_list("event__event_id", flat=True)
    )
    assert counted == {"before-1", "before-2"}
    assert sync.deliver_due().delivered == 2
    assert [h.kind for h in queries.history(binding)][:2] == ["SYNCED", "STOPPED"]
    # A direct unlink by Ben says so too.
    assert ben.name not in reason


def test_relinking_the_account_does_not_resume_until_resume_sync_and_never_back_fills(
    shop: Shop,
) -> None:
    maya, ben = shop.demo.users["maya"], shop.demo.users["ben"]
    bc_actions.disconnect_account(maya, _bakes_link(shop))
    with pytest.raises(InvalidInput, match="not linked"):
        actions.resume_sync(ben, SyncBinding.objects.get(pk=shop.main.pk))
    request = bc_actions.request_account_link(ben, shop.demo.sunrise, handle="maya.bakes")
    bc_actions.approve_account_link(maya, request)
    actions.track_events(shop.pixel, [event("while-relinked")])
    ours = EventDelivery.objects.exclude(event__event_id__startswith="demo-")
    assert not ours.exists()  # relinking alone resumed nothing

    resumed = actions.resume_sync(ben, SyncBinding.objects.get(pk=shop.main.pk))
    actions.track_events(shop.pixel, [event("after-resume")])
    assert resumed.resumed_from_id == shop.main.pk and resumed.state == SyncState.SYNCING
    assert list(ours.values_list("event__event_id", flat=True)) == ["after-resume"]
    with pytest.raises(InvalidInput, match="already resumed"):
        actions.resume_sync(ben, SyncBinding.objects.get(pk=shop.main.pk))
    # The resumed sync depends on the new account link, so the next unlink stops it again.
    bc_actions.disconnect_account(maya, _bakes_link(shop))
    assert SyncBinding.objects.get(pk=resumed.pk).state == SyncState.STOPPED


def test_stopping_one_sync_directly_names_it_and_who(shop: Shop) -> None:
    ben = shop.demo.users["ben"]
    assert [g.items for g in actions.preview_stop_sync(shop.main).nonempty_groups] == [
        ["Pixel Maya Bakes shop syncing to ad account Sunrise Main"]
    ]
    actions.stop_sync(ben, shop.main)
    binding = SyncBinding.objects.get(pk=shop.main.pk)
    assert queries.stop_reason(binding).startswith(
        "Stopped: Pixel Maya Bakes shop syncing to ad account Sunrise Main ended by Ben Ortiz"
    )
    with pytest.raises(InvalidInput):
        actions.stop_sync(ben, binding)


def test_a_standard_member_cannot_link_or_stop(shop: Shop) -> None:
    from bizlink.core.errors import Refused

    sara = shop.demo.users["sara"]
    with pytest.raises(Refused):
        actions.stop_sync(sara, shop.main)
    with pytest.raises(Refused):
        actions.link_pixel(sara, shop.pixel, shop.demo.ad_accounts["promo"])
