"""Random sequences of events, links and unlinks, checked against an independent model.

The model only knows which (pixel, ad account) syncs are live and whether @maya.bakes is linked
to the Business Center. It predicts, for every event at the moment it arrives, the ad accounts
it must be counted for. After every step:

(a) every event is counted for exactly the ad accounts whose sync was live when it arrived, so
    no event that arrives after an unlink committed is counted for the ad account that lost it;
(b) no earlier event disappears: every event ever accepted is still stored, still counted where
    it was, and once the worker delivered it, it stays delivered.
"""

from __future__ import annotations

import itertools

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from bizlink.businesses import actions as bc_actions
from bizlink.core.errors import InvalidInput
from bizlink.demo.data import Demo
from bizlink.links.models import Kind, Link, Status
from bizlink.pixels import actions, sync
from bizlink.pixels.models import EventDelivery, PixelEvent
from tests.data_assets.conftest import event

PIXELS = ["tied", "free"]  # tied to @maya.bakes, or to no account
AD_ACCOUNTS = ["main", "promo"]


class SyncMachine(RuleBasedStateMachine):
    demo: Demo

    def __init__(self) -> None:
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        demo = self.demo
        self.ben, self.maya = demo.users["ben"], demo.users["maya"]
        self.pixels = {
            "tied": actions.create_pixel(
                self.ben, demo.sunrise, name="Tied", account=demo.accounts["maya.bakes"]
            ),
            "free": actions.create_pixel(self.ben, demo.sunrise, name="Free"),
        }
        self.ad_accounts = demo.ad_accounts
        self.live: set[tuple[str, str]] = set()
        self.account_linked = True
        self.expected: dict[str, set[int]] = {}  # event_id -> ad account ids
        self.delivered: set[int] = set()
        self.ids = itertools.count()

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    def _bakes_link(self) -> Link | None:
        return Link.objects.filter(
            kind=Kind.ACCOUNT_BC,
            business=self.demo.sunrise,
            account=self.demo.accounts["maya.bakes"],
            status=Status.ACTIVE,
        ).first()

    @rule(pixel=st.sampled_from(PIXELS), n=st.integers(1, 3))
    def send_events(self, pixel: str, n: int) -> None:
        batch = [event(f"e{next(self.ids)}") for _ in range(n)]
        result = actions.track_events(self.pixels[pixel], batch)
        assert result.accepted == n
        counted = {self.ad_accounts[a].pk for (p, a) in self.live if p == pixel}
        for item in batch:
            self.expected[item["event_id"]] = counted

    @rule(pixel=st.sampled_from(PIXELS), ad=st.sampled_from(AD_ACCOUNTS))
    def link(self, pixel: str, ad: str) -> None:
        blocked = pixel == "tied" and not self.account_linked
        already = (pixel, ad) in self.live
        try:
            actions.link_pixel(self.ben, self.pixels[pixel], self.ad_accounts[ad])
        except InvalidInput:
            assert blocked or already
            return
        assert not blocked and not already
        self.live.add((pixel, ad))

    @rule(pixel=st.sampled_from(PIXELS), ad=st.sampled_from(AD_ACCOUNTS))
    def unlink(self, pixel: str, ad: str) -> None:
        actions.unlink_pixel(self.ben, self.pixels[pixel], self.ad_accounts[ad])
        self.live.discard((pixel, ad))

    @rule()
    def disconnect_account(self) -> None:
        link = self._bakes_link()
        assert (link is not None) == self.account_linked
        if link is None:
            return
        bc_actions.disconnect_account(self.maya, link)
        self.account_linked = False
        self.live = {(p, a) for (p, a) in self.live if p != "tied"}

    @rule()
    def relink_account(self) -> None:
        if self.account_linked:
            return
        request = bc_actions.request_account_link(self.ben, self.demo.sunrise, handle="maya.bakes")
        bc_actions.approve_account_link(self.maya, request)
        self.account_linked = True  # the tied pixel's syncs stay stopped until resumed

    @rule()
    def worker_runs(self) -> None:
        sync.deliver_due()
        self.delivered |= set(
            EventDelivery.objects.filter(synced_at__isnull=False).values_list("id", flat=True)
        )

    @invariant()
    def events_are_counted_exactly_where_the_sync_was_live_on_arrival(self) -> None:
        if not hasattr(self, "expected"):
            return
        counted: dict[str, set[int]] = {}
        mine = list(self.pixels.values())
        for event_id, ad_account_id in EventDelivery.objects.filter(
            event__pixel__in=mine
        ).values_list("event__event_id", "ad_account_id"):
            counted.setdefault(event_id, set()).add(ad_account_id)
        assert {k: v for k, v in self.expected.items() if v} == counted
        stored = PixelEvent.objects.filter(pixel__in=mine).values_list("event_id", flat=True)
        assert set(stored) == set(self.expected)
        still = set(
            EventDelivery.objects.filter(synced_at__isnull=False).values_list("id", flat=True)
        )
        assert self.delivered <= still


@pytest.mark.django_db
def test_no_event_after_an_unlink_is_counted_and_none_before_disappears(demo: Demo) -> None:
    SyncMachine.demo = demo
    run_state_machine_as_test(
        SyncMachine,
        settings=settings(
            max_examples=40,
            stateful_step_count=20,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
