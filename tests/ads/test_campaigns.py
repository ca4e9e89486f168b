"""Campaigns, ad groups and ads: validation, duplicate, pause/resume, delete, switch identity."""

from __future__ import annotations

import contextlib
import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from bizlink.ads import actions, queries
from bizlink.ads.models import Ad, AdGroup, Campaign, LedgerEntry, RunStatus, StopReason
from bizlink.audit.models import AuditEvent
from bizlink.core import clock
from bizlink.core.errors import InvalidInput, Refused
from bizlink.demo.data import Demo
from tests.ads.conftest import LoginAs, identity
from tests.web.pages import page

pytestmark = pytest.mark.django_db

GOOD = {"name": "Launch", "objective": "TRAFFIC", "budget_mode": "DAILY", "budget": "25.00"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": " "}, "Give the campaign a name."),
        ({"objective": "FAME"}, "Choose an objective."),
        ({"budget_mode": "WEEKLY"}, "Choose a daily or a lifetime budget."),
        ({"budget": "abc"}, "Enter the budget as a number, e.g. 50.00."),
        ({"budget": "1.999"}, "Enter the budget with at most two decimals."),
        ({"budget": "2"}, "The budget must be at least 5.00."),
        ({"budget": "NaN"}, "Enter the budget with at most two decimals."),
        ({"budget": "99999999999"}, "The budget must be at most 10,000,000.00."),
    ],
)
def test_campaign_validation(demo: Demo, change: dict[str, str], message: str) -> None:
    before = Campaign.objects.count(), AuditEvent.objects.count()
    with pytest.raises(InvalidInput) as err:
        actions.create_campaign(demo.users["ben"], demo.ad_accounts["main"], {**GOOD, **change})
    assert err.value.message == message
    assert (Campaign.objects.count(), AuditEvent.objects.count()) == before


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"start_at": ""}, "Choose the start date and time."),
        ({"start_at": "tomorrow"}, "Enter the start date and time as YYYY-MM-DD HH:MM."),
        ({"end_at": "2020-01-01T00:00"}, "The schedule must end after it starts."),
        ({"bid": "0"}, "The bid must be at least 0.10."),
        ({"locations": "USA"}, "'USA' is not a country code; use two letters like US, GB, KE."),
        ({"age_ranges": "10-12"}, "Choose age ranges from 13-17, 18-24, 25-34, 35-44, 45-54, 55+."),
        ({"gender": "X"}, "Choose All, Female or Male."),
    ],
)
def test_ad_group_validation(demo: Demo, change: dict[str, str], message: str) -> None:
    campaign = Campaign.objects.filter(ad_account=demo.ad_accounts["main"]).get()
    good = {"name": "G", "start_at": "2026-01-01T10:00", "bid": "2.50", "locations": "us, gb"}
    with pytest.raises(InvalidInput) as err:
        actions.create_ad_group(demo.users["ben"], campaign, {**good, **change})
    assert err.value.message == message
    group = actions.create_ad_group(demo.users["ben"], campaign, {**good, "end_at": ""})
    assert group.locations == "US,GB"


def test_ad_needs_a_linked_identity_and_its_post(demo: Demo) -> None:
    group = AdGroup.objects.filter(campaign__ad_account=demo.ad_accounts["main"]).get()
    link = identity(demo)
    other_post = demo.accounts["maya.daily"].posts.first()
    assert other_post is not None
    with pytest.raises(InvalidInput, match="Choose a linked TikTok account"):
        actions.create_ad(demo.users["ben"], group, {"name": "X", "identity": "999"})
    with pytest.raises(
        InvalidInput, match=r"Choose a post of @maya\.bakes to promote, or an uploaded video\."
    ):
        actions.create_ad(
            demo.users["ben"],
            group,
            {"name": "X", "identity": str(link.pk), "post": str(other_post.pk)},
        )
    # Another ad account's identity is not offered here either.
    promo_link = identity(demo, "promo")
    with pytest.raises(InvalidInput, match="Choose a linked TikTok account"):
        actions.create_ad(demo.users["ben"], group, {"name": "X", "identity": str(promo_link.pk)})


def test_analyst_and_outsider_are_refused(demo: Demo) -> None:
    with pytest.raises(Refused):
        actions.create_campaign(demo.users["olivia"], demo.ad_accounts["main"], GOOD)
    campaign = Campaign.objects.filter(ad_account=demo.ad_accounts["main"]).get()
    with pytest.raises(Refused):
        actions.set_status(demo.users["alex"], campaign, RunStatus.PAUSED)


def test_duplicate_pause_resume_delete(demo: Demo) -> None:
    ben = demo.users["ben"]
    campaign = Campaign.objects.filter(ad_account=demo.ad_accounts["main"]).get()
    copy = actions.duplicate_campaign(ben, campaign)
    assert copy.status == RunStatus.PAUSED and copy.name == "Copy of Spring Sourdough Launch"
    assert Ad.objects.filter(ad_group__campaign=copy).count() == 2
    assert set(Ad.objects.filter(ad_group__campaign=copy).values_list("status", flat=True)) == {
        RunStatus.PAUSED
    }
    ad = Ad.objects.filter(ad_group__campaign=campaign).first()
    assert ad is not None
    actions.set_status(ben, ad, RunStatus.PAUSED)
    ad.refresh_from_db()
    assert queries.delivery_status(ad, balance=Decimal("10")).label == "Paused"
    actions.set_status(ben, ad, RunStatus.ACTIVE)
    actions.set_status(ben, campaign, RunStatus.DELETED)
    assert not queries.campaigns(demo.ad_accounts["main"]).filter(pk=campaign.pk).exists()
    with pytest.raises(InvalidInput, match="was deleted"):
        actions.set_status(ben, campaign, RunStatus.ACTIVE)


def test_stopped_ad_resumes_only_after_switching_identity(demo: Demo) -> None:
    ben, maya = demo.users["ben"], demo.users["maya"]
    main = demo.ad_accounts["main"]
    link = identity(demo)
    actions.remove_linked_account(ben, link)
    ad = Ad.objects.filter(identity=link).order_by("id").first()
    assert ad is not None and ad.stop_reason == StopReason.IDENTITY_DISCONNECTED
    with pytest.raises(InvalidInput, match="choose another linked TikTok account"):
        actions.set_status(ben, ad, RunStatus.ACTIVE)
    # Relinking the same account: a new link, the old ads stay stopped.
    request = actions.request_linked_account(ben, main, handle="maya.bakes")
    actions.approve_linked_account(maya, request)
    ad.refresh_from_db()
    assert ad.stop_reason == StopReason.IDENTITY_DISCONNECTED
    # Switch the ad to the (new) linked account: it is paused until someone resumes it.
    post = demo.accounts["maya.bakes"].posts.first()
    assert post is not None
    ad = actions.update_ad(
        ben, ad, {"name": ad.name, "identity": str(request.pk), "post": str(post.pk)}
    )
    assert ad.stop_reason == StopReason.NONE and ad.status == RunStatus.PAUSED
    actions.set_status(ben, ad, RunStatus.ACTIVE)
    ad.refresh_from_db()
    # The new creative is reviewed first, then it delivers.
    assert queries.delivery_status(ad, balance=Decimal("10")).label == "Under review"
    later = clock.now() + actions.REVIEW_TIME
    assert queries.delivery_status(ad, balance=Decimal("10"), now=later).code == "active"


def test_campaign_form_shows_errors_and_changes_nothing(demo: Demo, login_as: LoginAs) -> None:
    ben = login_as("ben")
    main = demo.ad_accounts["main"]
    url = reverse("web:ads_campaign_new", args=[main.pk])
    before = Campaign.objects.count()
    shown = page(ben.post(url, {**GOOD, "budget": "-3"}))
    assert shown.by_testid("form-error").text == "The budget must be at least 5.00."
    assert Campaign.objects.count() == before
    made = ben.post(url, GOOD)
    assert made.status_code == 302
    created = Campaign.objects.get(name="Launch")
    group_url = made["Location"]
    assert group_url == reverse("web:ads_ad_group_new", args=[main.pk, created.pk])
    made = ben.post(
        group_url,
        {"name": "G", "start_at": "2026-01-01T10:00", "bid": "2", "age_ranges": ["18-24"]},
    )
    assert made.status_code == 302
    group = AdGroup.objects.get(campaign=created)
    assert group.age_ranges == "18-24"
    post = demo.accounts["maya.bakes"].posts.first()
    assert post is not None
    made = ben.post(
        made["Location"], {"name": "A", "identity": str(identity(demo).pk), "post": str(post.pk)}
    )
    assert made.status_code == 302
    home = page(ben.get(reverse("web:ads_home", args=[main.pk])))
    assert "Launch" in home.text
    paused = ben.post(
        reverse("web:ads_set_status", args=[main.pk, "campaign", created.pk]), {"do": "pause"}
    )
    assert paused.status_code == 302
    created.refresh_from_db()
    assert created.status == RunStatus.PAUSED


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
@given(
    ops=st.lists(
        st.one_of(
            st.tuples(st.just("top_up"), st.sampled_from(["1", "0", "12.34", "x", "999999.99"])),
            st.tuples(st.just("tick"), st.integers(min_value=1, max_value=6)),
            st.tuples(st.just("pause"), st.booleans()),
        ),
        max_size=8,
    )
)
def test_balance_is_always_the_ledger_sum(django_db_blocker: object, ops: list[tuple]) -> None:
    from django.db import transaction
    from django.db.models import Sum

    from bizlink.ads import simulation
    from tests import demo_snapshot

    with transaction.atomic():
        demo = demo_snapshot.demo()
        ben = demo.users["ben"]
        main = demo.ad_accounts["main"]
        campaign = Campaign.objects.filter(ad_account=main).get()
        now = simulation.floor_hour(clock.now()) - dt.timedelta(days=4)
        for op, arg in ops:
            if op == "top_up":
                with contextlib.suppress(InvalidInput):  # bad amounts change nothing
                    actions.top_up(ben, main, amount=str(arg))
            elif op == "tick":
                now += dt.timedelta(hours=int(arg))
                simulation.run_hours(int(arg), until=now, progress=lambda r: None)
            else:
                actions.set_status(ben, campaign, RunStatus.PAUSED if arg else RunStatus.ACTIVE)
            total = LedgerEntry.objects.filter(ad_account=main).aggregate(s=Sum("amount"))["s"]
            assert queries.balance(main) == Decimal(str(total)).quantize(Decimal("0.01"))
            assert queries.balance(main) >= 0
        transaction.set_rollback(True)
