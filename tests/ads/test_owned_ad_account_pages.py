"""Ads Manager pages for ad accounts a person owns: create, list, members, the unlink path."""

from __future__ import annotations

from django.urls import reverse

from bizlink.ads.models import Ad, StopReason
from bizlink.businesses import actions as bc_actions
from bizlink.businesses.models import AdAccount
from bizlink.demo.data import Demo
from bizlink.links.models import Role
from tests.ads.conftest import LoginAs
from tests.factories import membership_of
from tests.web.pages import page


def test_create_an_ad_account_of_your_own(demo: Demo, login_as: LoginAs) -> None:
    olivia = login_as("olivia")
    empty = page(olivia.get(reverse("web:ads_index")))
    assert "You can't reach any ad account yet." in empty.text
    new_url = reverse("web:ads_ad_account_new")
    assert new_url in [href for _text, href in empty.links()]

    bad = olivia.post(new_url, {"name": "Olivia Studio", "currency": "USD", "timezone": "Nowhere"})
    assert bad.status_code == 400
    form = page(bad)
    assert form.by_testid("form-error").text == "Unknown time zone 'Nowhere'."
    assert 'value="Olivia Studio"' in bad.content.decode()  # what was typed is kept
    bad = olivia.post(new_url, {"name": " ", "currency": "USD", "timezone": "UTC"})
    assert page(bad).by_testid("form-error").text == "Give the ad account a name."
    assert not AdAccount.objects.filter(owner=demo.users["olivia"]).exists()

    done = olivia.post(
        new_url, {"name": "Olivia Studio", "currency": "GBP", "timezone": "Europe/London"}
    )
    created = AdAccount.objects.get(owner=demo.users["olivia"])
    assert done["Location"] == reverse("web:ads_home", args=[created.pk])
    settings = page(olivia.get(reverse("web:ads_settings", args=[created.pk])))
    assert "Olivia Park" in settings.by_testid("ad-account-owner").text
    listing = page(olivia.get(reverse("web:ads_index") + "?all=1"))
    assert "Olivia Studio" in listing.by_testid("my-ad-accounts").text


def test_my_ad_accounts_are_listed_beside_business_center_ones(
    demo: Demo, login_as: LoginAs
) -> None:
    own, main = demo.ad_accounts["maya_own"], demo.ad_accounts["main"]
    maya = login_as("maya")
    # Maya reaches only her own ad account: Ads Manager opens it.
    assert maya.get(reverse("web:ads_index"))["Location"] == reverse("web:ads_home", args=[own.pk])
    bc_actions.assign_asset_permission(
        demo.users["ben"],
        demo.sunrise,
        member=membership_of(demo.sunrise, demo.users["maya"]),
        role=Role.ANALYST,
        ad_account=main,
    )
    listing = page(maya.get(reverse("web:ads_index")))
    assert "Maya's Recipe Ads" in listing.by_testid("my-ad-accounts").text
    others = listing.by_testid("ad-accounts").text
    assert "Sunrise Main" in others and "Sunrise Bakery" in others
    assert "Maya's Recipe Ads" not in others


def test_the_owner_adds_a_member_and_strangers_get_404(demo: Demo, login_as: LoginAs) -> None:
    own = demo.ad_accounts["maya_own"]
    url = reverse("web:ads_members", args=[own.pk])
    maya = login_as("maya")
    members = page(maya.get(url))
    assert "Nobody has a permission on this ad account yet." in members.text
    assert "Maya Chen" in members.by_testid("ad-account-owner").text
    bad = maya.post(url, {"email": "nobody@example.com", "role": Role.ANALYST})
    assert bad.status_code == 400
    assert "Nobody with the email nobody@example.com" in page(bad).by_testid("form-error").text
    assert maya.post(url, {"email": "sara@example.com", "role": Role.OPERATOR}).status_code == 302
    assert page(maya.get(url)).has_row_for("sara@example.com")

    sara = login_as("sara")
    as_member = page(sara.get(url))
    assert "Only the ad account's owner can add members." in as_member.text
    assert sara.post(url, {"email": "ben@example.com", "role": Role.ADMIN}).status_code == 403
    assert not page(maya.get(url)).has_row_for("ben@example.com")
    for name in ("olivia", "ben"):
        client = login_as(name)
        for view in ("web:ads_home", "web:ads_members", "web:ads_linked_accounts"):
            assert client.get(reverse(view, args=[own.pk])).status_code == 404


def test_seed_unlink_path_on_an_owned_ad_account(demo: Demo, login_as: LoginAs) -> None:
    own = demo.ad_accounts["maya_own"]
    maya = login_as("maya")
    home = page(maya.get(reverse("web:ads_home", args=[own.pk])))
    settings_url = (
        home.by_testid("ads-header")
        .find_all(lambda n: n.tag == "a" and n.text == "Account Settings")[0]
        .attrs["href"]
    )
    settings = page(maya.get(settings_url))
    users = page(maya.get(settings.link("User Management"), follow=True))
    linked = page(maya.get(users.link("Linked TikTok Accounts")))
    row = linked.find_all(lambda n: n.attrs.get("data-handle") == "maya.recipes")[0]
    remove = row.find_all(lambda n: n.tag == "a" and n.text == "Remove")[0].attrs["href"]

    preview = page(maya.get(remove))
    assert "Ads that will stop (1)" in preview.by_testid("ads-impact-preview").text
    assert "Ten-minute focaccia" in preview.by_testid("ads-impact-preview").text
    assert not Ad.objects.filter(stop_reason=StopReason.IDENTITY_DISCONNECTED).exists()

    done = maya.post(remove)
    result = page(maya.get(done["Location"]))
    assert "Ads that stopped (1)" in result.by_testid("ads-impact-result").text
    campaigns = page(maya.get(reverse("web:ads_home", args=[own.pk])))
    assert campaigns.by_testid("delivery").text == "Identity disconnected"
