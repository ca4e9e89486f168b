"""Delivery simulation: budgets, balance, determinism, and no spend after an unlink."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Sum
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from bizlink.ads import actions, localtime, queries, simulation
from bizlink.ads.models import Ad, Campaign, DailyStat, HourlyStat, LedgerEntry, StopReason
from bizlink.core import clock
from bizlink.demo.data import Demo
from tests.ads.conftest import identity

pytestmark = pytest.mark.django_db


def _hours_after_demo_start(demo: Demo, n: int) -> dt.datetime:
    start = Ad.objects.order_by("created_at").first().ad_group.start_at  # type: ignore[union-attr]
    return simulation.floor_hour(start) + dt.timedelta(hours=n + 1)


def _quiet(report: simulation.TickReport) -> None:
    pass


def _spend(**filters: object) -> Decimal:
    total = HourlyStat.objects.filter(**filters).aggregate(s=Sum("spend"))["s"] or Decimal("0")
    return total.quantize(Decimal("0.01"))  # SQLite sums decimals as floats


def test_a_tick_spends_charges_and_rolls_up(demo: Demo) -> None:
    main = demo.ad_accounts["main"]
    before = queries.balance(main)
    reports = simulation.run_hours(6, until=_hours_after_demo_start(demo, 6), progress=_quiet)
    spent = sum((r.by_account.get(main.pk, Decimal("0")) for r in reports), Decimal("0"))
    assert spent > 0
    assert queries.balance(main) == before - spent
    charges = LedgerEntry.objects.filter(ad_account=main, kind="CHARGE")
    assert -(charges.aggregate(s=Sum("amount"))["s"]).quantize(Decimal("0.01")) == spent
    assert _spend(ad__ad_group__campaign__ad_account=main) == spent
    rollup = DailyStat.objects.filter(ad_account=main).aggregate(s=Sum("spend"))["s"]
    assert rollup.quantize(Decimal("0.01")) == spent
    impressions = HourlyStat.objects.aggregate(s=Sum("impressions"))["s"]
    assert DailyStat.objects.aggregate(s=Sum("impressions"))["s"] == impressions


def test_ticks_are_idempotent_and_deterministic(demo: Demo) -> None:
    until = _hours_after_demo_start(demo, 4)
    simulation.run_hours(4, until=until, progress=_quiet)
    first = list(HourlyStat.objects.order_by("ad_id", "hour").values_list("impressions", "spend"))
    simulation.run_hours(4, until=until, progress=_quiet)  # again: nothing new
    assert HourlyStat.objects.count() == len(first)
    assert LedgerEntry.objects.filter(kind="CHARGE").count() <= len(first)
    # Same inputs, same numbers: rerun from scratch on a copy of the rows' keys.
    HourlyStat.objects.all().delete()
    DailyStat.objects.all().delete()
    LedgerEntry.objects.filter(kind="CHARGE").delete()
    simulation.run_hours(4, until=until, progress=_quiet)
    again = list(HourlyStat.objects.order_by("ad_id", "hour").values_list("impressions", "spend"))
    assert again == first


def test_no_delivery_after_the_identity_is_unlinked(demo: Demo) -> None:
    main = demo.ad_accounts["main"]
    simulation.run_hours(3, until=_hours_after_demo_start(demo, 3), progress=_quiet)
    link = identity(demo)
    at = _hours_after_demo_start(demo, 3)
    with clock.frozen_at(at + dt.timedelta(minutes=30)):
        actions.remove_linked_account(demo.users["ben"], link)
    stopped = Ad.objects.filter(identity=link)
    assert set(stopped.values_list("stop_reason", flat=True)) == {StopReason.IDENTITY_DISCONNECTED}
    simulation.run_hours(24, until=at + dt.timedelta(hours=25), progress=_quiet)
    assert not HourlyStat.objects.filter(ad__in=stopped, hour__gte=at).exists()
    assert not LedgerEntry.objects.filter(ad__in=stopped, hour__gte=at).exists()
    # The other ad account keeps delivering.
    assert HourlyStat.objects.filter(hour__gte=at, spend__gt=0).exists()
    # Relinking does not resume them: a new link is a new identity.
    assert all(
        queries.delivery_status(ad, balance=queries.balance(main)).code == "identity_disconnected"
        for ad in stopped.select_related("ad_group__campaign", "identity__account")
    )


def test_insufficient_balance_stops_spend(demo: Demo) -> None:
    promo = demo.ad_accounts["promo"]
    LedgerEntry.objects.create(
        ad_account=promo, kind="CHARGE", amount=-(queries.balance(promo) - Decimal("0.05"))
    )
    simulation.run_hours(48, until=_hours_after_demo_start(demo, 48), progress=_quiet)
    assert queries.balance(promo) >= 0
    ad = Ad.objects.select_related("ad_group__campaign", "identity").get(name="Honey cake story")
    assert queries.delivery_status(ad, balance=queries.balance(promo)).code in (
        "insufficient_balance",
        "active",
    )


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # no slow shrinking on the DB
)
@given(
    budget=st.decimals(min_value=Decimal("5"), max_value=Decimal("300"), places=2),
    lifetime=st.booleans(),
    bid=st.decimals(min_value=Decimal("0.10"), max_value=Decimal("40"), places=2),
    funds=st.decimals(min_value=Decimal("0"), max_value=Decimal("200"), places=2),
    hours=st.integers(min_value=1, max_value=60),
    interests=st.integers(min_value=0, max_value=4),
    zone=st.sampled_from(["UTC", "America/New_York", "Asia/Kolkata", "Pacific/Chatham"]),
)
def test_spend_never_exceeds_budget_or_balance(
    django_db_blocker: object,
    budget: Decimal,
    lifetime: bool,
    bid: Decimal,
    funds: Decimal,
    hours: int,
    interests: int,
    zone: str,
) -> None:
    from django.db import transaction

    from tests import demo_snapshot

    with transaction.atomic():
        demo = demo_snapshot.demo()
        ben = demo.users["ben"]
        main = demo.ad_accounts["main"]
        main.timezone = zone  # days (and daily budgets) are this zone's days
        main.save(update_fields=["timezone"])
        # Only our campaign runs on Main; the balance is exactly `funds` (no opening top-up).
        Campaign.objects.filter(ad_account=main).update(status="PAUSED")
        LedgerEntry.objects.filter(ad_account=main).delete()
        if funds > 0:
            LedgerEntry.objects.create(ad_account=main, kind="TOP_UP", amount=funds)
        start = simulation.floor_hour(clock.now()) - dt.timedelta(hours=hours)
        # Built an hour before delivery starts, so the ads' review is done by then.
        with clock.frozen_at(start - dt.timedelta(hours=1)):
            campaign = actions.create_campaign(
                ben,
                main,
                {
                    "name": "Property",
                    "objective": "REACH",
                    "budget_mode": "LIFETIME" if lifetime else "DAILY",
                    "budget": str(budget),
                },
            )
            group = actions.update_ad_group(
                ben,
                actions.create_ad_group(
                    ben, campaign, {"name": "G", "start_at": clock.now().isoformat(), "bid": "1"}
                ),
                {
                    "name": "G",
                    "start_at": start.isoformat(),
                    "bid": str(bid),
                    "interests": ",".join(f"i{i}" for i in range(interests)),
                },
            )
            link = identity(demo)
            post = demo.accounts["maya.bakes"].posts.first()
            assert post is not None
            for name in ("A", "B"):
                actions.create_ad(
                    ben, group, {"name": name, "identity": str(link.pk), "post": str(post.pk)}
                )
        simulation.run_hours(hours, progress=_quiet)
        total = _spend(ad__ad_group__campaign=campaign)
        assert total <= funds
        assert queries.balance(main) >= 0
        assert queries.balance(main) == funds - total
        if lifetime:
            assert total <= budget
        else:
            # Daily budgets hold per day of the ad account's time zone, not per UTC day.
            per_day: dict[dt.date, Decimal] = {}
            for hour, spend in HourlyStat.objects.filter(
                ad__ad_group__campaign=campaign
            ).values_list("hour", "spend"):
                day = localtime.local_day(hour, main.timezone)
                per_day[day] = per_day.get(day, Decimal("0")) + spend
            assert all(total <= budget for total in per_day.values()), per_day
        # "Budget reached" is said exactly when the budget that counts now (this local day's, or
        # the lifetime one) is spent; the next tick then spends nothing on the campaign.
        at = simulation.floor_hour(clock.now())
        spent = queries.budget_spent(main, now=at).get(campaign.pk, Decimal("0"))
        balance = queries.balance(main)
        if balance > 0:
            for ad in Ad.objects.filter(ad_group__campaign=campaign).select_related(
                "ad_group__campaign__ad_account", "identity__account"
            ):
                status = queries.delivery_status(ad, balance=balance, now=at)
                reached = (budget - spent) * 100 < budget  # under 1% left
                assert (status.code == "budget_reached") == reached, (status, spent)
        if (budget - spent) * 100 < budget:
            simulation.run_tick(at)
            assert _spend(ad__ad_group__campaign=campaign, hour=at) == 0
        transaction.set_rollback(True)


def test_command_prints_progress(demo: Demo, capsys: pytest.CaptureFixture[str]) -> None:
    with clock.frozen_at(_hours_after_demo_start(demo, 3)):
        call_command("simulate_delivery", "--hours", "3")
    out = capsys.readouterr().out
    assert out.count(" UTC  ads ") == 3 and "Done: 3 hours" in out
    assert HourlyStat.objects.exists()


def test_worker_task_runs_due_hours_and_schedules_the_next(demo: Demo) -> None:
    from django_tasks_db.models import DBTaskResult

    from bizlink.ads import tasks

    with clock.frozen_at(_hours_after_demo_start(demo, 2)):
        result = tasks.simulate_delivery.call()
    assert result == {"hours": 1}
    assert DBTaskResult.objects.filter(task_path=tasks.simulate_delivery.module_path).exists()
    with clock.frozen_at(_hours_after_demo_start(demo, 6)):
        assert tasks.simulate_delivery.call() == {"hours": 4}


def test_a_new_ad_is_under_review_before_it_delivers(demo: Demo) -> None:
    ben = demo.users["ben"]
    group = Ad.objects.get(name="Crumb shot").ad_group
    link = identity(demo)
    post = demo.accounts["maya.bakes"].posts.last()
    assert post is not None
    hour = _hours_after_demo_start(demo, 10)
    with clock.frozen_at(hour + dt.timedelta(minutes=55)):
        ad = actions.create_ad(
            ben, group, {"name": "Fresh", "identity": str(link.pk), "post": str(post.pk)}
        )
        status = queries.delivery_status(ad, balance=Decimal("100"))
    assert (status.code, status.label) == ("under_review", "Under review")
    simulation.run_tick(hour)  # the hour it was made in: under review
    simulation.run_tick(hour + dt.timedelta(hours=1))  # review done at :05, after the hour began
    assert not HourlyStat.objects.filter(ad=ad).exists()
    simulation.run_tick(hour + dt.timedelta(hours=2))
    assert HourlyStat.objects.filter(ad=ad, impressions__gt=0).exists()
