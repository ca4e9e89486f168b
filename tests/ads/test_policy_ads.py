"""The Ads Manager verbs of the policy: allowed, or why not and whom to ask."""

from __future__ import annotations

import pytest

from bizlink.demo.data import Demo
from bizlink.links.models import Kind, Link, Status
from bizlink.policy import decide
from tests.ads.conftest import identity

pytestmark = pytest.mark.django_db

ADMINS = ("Ana Ruiz", "Ben Ortiz")


def test_ads_view_and_manage(demo: Demo) -> None:
    main, promo = demo.ad_accounts["main"], demo.ad_accounts["promo"]
    u = demo.users
    assert decide(u["ben"], "ads.view", main) and decide(u["ben"], "ads.manage", main)
    assert decide(u["sara"], "ads.view", main) and decide(u["sara"], "ads.manage", main)
    no = decide(u["sara"], "ads.view", promo)
    assert not no and no.ask == ADMINS
    assert not decide(u["olivia"], "ads.view", main)
    assert not decide(u["alex"], "ads.manage", main)
    # An Analyst may look but not change.
    Link.objects.filter(user=u["sara"], ad_account=main).update(role="ANALYST")
    analyst = decide(u["sara"], "ads.manage", main)
    assert not analyst
    assert analyst.reason == "Analysts can look at campaigns and reports but not change them."
    assert decide(u["sara"], "ads.view", main)


def test_identity_request_respond_remove(demo: Demo) -> None:
    main = demo.ad_accounts["main"]
    u = demo.users
    assert decide(u["ben"], "ad_identity.request", main)
    assert not decide(u["sara"], "ad_identity.request", main)
    link = identity(demo)
    assert decide(u["maya"], "ad_identity.remove", link)  # the owner, always
    assert decide(u["ana"], "ad_identity.remove", link)  # a BC admin
    refused = decide(u["sara"], "ad_identity.remove", link)
    assert not refused and refused.ask == ADMINS
    assert "Active apps" not in refused.remedy and "TikTok app's settings" in refused.remedy
    # Only the owner answers a pending request, and only while it is pending.
    assert not decide(u["maya"], "ad_identity.respond", link)
    pending = Link(
        kind=Kind.ACCOUNT_AD_ACCOUNT,
        status=Status.PENDING,
        account=demo.accounts["maya.daily"],
        ad_account=main,
        business=demo.sunrise,
    )
    assert decide(u["maya"], "ad_identity.respond", pending)
    assert not decide(u["ben"], "ad_identity.respond", pending)
    assert not decide(u["maya"], "ad_identity.respond", Link(kind=Kind.ACCOUNT_BC))
    ended = Link(kind=Kind.ACCOUNT_AD_ACCOUNT, status=Status.REVOKED, account=link.account)
    assert not decide(u["maya"], "ad_identity.remove", ended)


def test_billing_follows_finance_roles(demo: Demo) -> None:
    main = demo.ad_accounts["main"]
    u = demo.users
    # ben: Admin + Finance Manager; sara: Finance Analyst; ana: Admin without a finance role.
    assert decide(u["ben"], "billing.view", main) and decide(u["ben"], "billing.top_up", main)
    assert decide(u["sara"], "billing.view", main)
    analyst = decide(u["sara"], "billing.top_up", main)
    assert analyst.reason == "Finance Analysts can view billing but not add funds."
    assert analyst.ask == ADMINS
    assert not decide(u["ana"], "billing.view", main)
    assert not decide(u["ana"], "billing.top_up", main)
    assert not decide(u["olivia"], "billing.view", main)
