"""The seed's Ads Manager method over HTTP: profile photo -> Account Settings -> User Management
-> Members / Linked TikTok Accounts -> Delete / Remove -> confirm with preview -> result."""

from __future__ import annotations

from django.urls import reverse

from bizlink.ads.models import Ad, StopReason
from bizlink.audit.models import AuditEvent
from bizlink.demo.data import Demo
from bizlink.links.models import Kind, Link, Status
from tests.ads.conftest import LoginAs, identity
from tests.web.pages import page


def test_remove_linked_tiktok_account_stops_its_ads(demo: Demo, login_as: LoginAs) -> None:
    ben = login_as("ben")
    main = demo.ad_accounts["main"]
    home = page(ben.get(reverse("web:ads_home", args=[main.pk])))
    settings_url = (
        home.by_testid("ads-header")
        .find_all(lambda n: n.tag == "a" and n.text == "Account Settings")[0]
        .attrs["href"]
    )
    settings = page(ben.get(settings_url))
    users = page(ben.get(settings.link("User Management"), follow=True))
    linked = page(ben.get(users.link("Linked TikTok Accounts")))
    row = linked.find_all(lambda n: n.attrs.get("data-handle") == "maya.bakes")[0]
    remove = row.find_all(lambda n: n.tag == "a" and n.text == "Remove")[0].attrs["href"]

    before = set(Ad.objects.values_list("pk", "stop_reason"))
    preview = page(ben.get(remove))
    ads_preview = preview.by_testid("ads-impact-preview").text
    assert "Ads that will stop (2)" in ads_preview
    assert "Sourdough sunrise" in ads_preview and "Crumb shot" in ads_preview
    assert "Spring Sourdough Launch" in ads_preview
    assert "Honey cake story" not in ads_preview  # the other ad account's ad keeps running
    assert (
        "@maya.bakes as identity of ad account Sunrise Main"
        in preview.by_testid("impact-preview").text
    )
    assert set(Ad.objects.values_list("pk", "stop_reason")) == before  # preview changes nothing

    done = ben.post(remove)
    assert done.status_code == 302
    result = page(ben.get(done["Location"]))
    assert "Ads that stopped (2)" in result.by_testid("ads-impact-result").text
    assert not Link.objects.filter(pk=identity_pk(demo), status=Status.ACTIVE).exists()

    campaigns = page(ben.get(reverse("web:ads_home", args=[main.pk])))
    states = {
        row.attrs["data-ad"]: row.by_testid("delivery").text
        for row in campaigns.find_all(lambda n: n.attrs.get("data-testid") == "ad")
    }
    assert states == {
        "Sourdough sunrise": "Identity disconnected",
        "Crumb shot": "Identity disconnected",
    }
    promo = page(ben.get(reverse("web:ads_home", args=[demo.ad_accounts["promo"].pk])))
    assert promo.by_testid("delivery").text == "Active"


def identity_pk(demo: Demo) -> int:
    return Link.objects.filter(
        kind=Kind.ACCOUNT_AD_ACCOUNT,
        ad_account=demo.ad_accounts["main"],
        account=demo.accounts["maya.bakes"],
    ).values_list("pk", flat=True)[0]


def test_delete_member_ends_their_permission(demo: Demo, login_as: LoginAs) -> None:
    ben = login_as("ben")
    main = demo.ad_accounts["main"]
    members = page(ben.get(reverse("web:ads_members", args=[main.pk])))
    sara_row = members.row_for("sara@example.com")
    delete = sara_row.find_all(lambda n: n.tag == "a" and n.text == "Delete")[0].attrs["href"]
    preview = page(ben.get(delete))
    assert (
        "Sara Kim: Operator on ad account Sunrise Main" in preview.by_testid("impact-preview").text
    )
    assert "Ads that will stop (0)" in preview.by_testid("ads-impact-preview").text
    done = ben.post(delete)
    result = page(ben.get(done["Location"]))
    assert "Sara Kim: Operator on ad account Sunrise Main" in result.by_testid("impact-result").text
    # Sara no longer reaches the ad account: it is "not found" for her now.
    assert login_as("sara").get(reverse("web:ads_home", args=[main.pk])).status_code == 404
    sunrise_ads = Ad.objects.filter(ad_group__campaign__ad_account__business=demo.sunrise)
    assert sunrise_ads.filter(stop_reason=StopReason.NONE).count() == 3  # no ad stopped


def test_operator_sees_why_she_cannot_remove(demo: Demo, login_as: LoginAs) -> None:
    sara = login_as("sara")
    main = demo.ad_accounts["main"]
    linked = page(sara.get(reverse("web:ads_linked_accounts", args=[main.pk])))
    refusal = linked.by_testid("refusal").text
    assert "Only Admins of this ad account or the account's owner" in refusal
    assert "Ana Ruiz" in refusal and "Ben Ortiz" in refusal
    link = identity(demo)
    url = reverse("web:ads_linked_account_remove", args=[main.pk, link.pk])
    before = AuditEvent.objects.count()
    assert sara.post(url).status_code == 403
    assert AuditEvent.objects.count() == before
    # Her own membership she may give up.
    members = page(sara.get(reverse("web:ads_members", args=[main.pk])))
    assert members.row_for("sara@example.com").find_all(
        lambda n: n.tag == "a" and n.text == "Delete"
    )


def test_owner_can_remove_her_account_from_an_ad_account(demo: Demo, login_as: LoginAs) -> None:
    """Maya owns @maya.bakes; she is no member of the ad account, so she uses the link in
    her requests page... or any ad account page she reaches. The policy allows the owner."""
    from bizlink.ads import actions

    link = identity(demo, "promo")
    ended = actions.remove_linked_account(demo.users["maya"], link)
    assert ended.count == 1
    assert Ad.objects.get(name="Honey cake story").stop_reason == StopReason.IDENTITY_DISCONNECTED


def test_outsiders_get_404_everywhere(demo: Demo, login_as: LoginAs) -> None:
    main = demo.ad_accounts["main"]
    link = identity(demo)
    sara_perm = Link.objects.get(
        kind=Kind.ASSET_PERMISSION, ad_account=main, user=demo.users["sara"], status=Status.ACTIVE
    )
    ad = Ad.objects.filter(ad_group__campaign__ad_account=main).first()
    assert ad is not None
    urls = [
        reverse("web:ads_home", args=[main.pk]),
        reverse("web:ads_settings", args=[main.pk]),
        reverse("web:ads_members", args=[main.pk]),
        reverse("web:ads_member_delete", args=[main.pk, sara_perm.pk]),
        reverse("web:ads_linked_accounts", args=[main.pk]),
        reverse("web:ads_linked_account_remove", args=[main.pk, link.pk]),
        reverse("web:ads_billing", args=[main.pk]),
        reverse("web:ads_reports", args=[main.pk]),
        reverse("web:ads_ad_edit", args=[main.pk, ad.pk]),
        reverse("web:ads_set_status", args=[main.pk, "ad", ad.pk]),
    ]
    for persona in ("olivia", "alex", "jo"):
        client = login_as(persona)
        for url in urls:
            assert client.get(url).status_code in (404, 405), (persona, url)
            assert client.post(url, {"do": "delete"}).status_code == 404, (persona, url)
    assert Ad.objects.get(pk=ad.pk).status == "ACTIVE"
    assert Link.objects.get(pk=link.pk).status == Status.ACTIVE


def test_link_request_needs_the_owners_approval(demo: Demo, login_as: LoginAs) -> None:
    ben = login_as("ben")
    main = demo.ad_accounts["main"]
    url = reverse("web:ads_linked_accounts", args=[main.pk])
    bad = page(ben.post(url, {"handle": "@nobody.here"}))
    assert "No TikTok account @nobody.here exists." in bad.text
    dup = page(ben.post(url, {"handle": "@maya.bakes"}))
    assert "already linked" in dup.text
    assert ben.post(url, {"handle": "@maya.daily"}).status_code == 302
    pending = Link.objects.get(
        kind=Kind.ACCOUNT_AD_ACCOUNT, account=demo.accounts["maya.daily"], ad_account=main
    )
    assert pending.status == Status.PENDING
    linked = page(ben.get(url))
    assert "Waiting for the owner" in linked.text
    # Only the owner sees and answers the request.
    respond = reverse("web:ads_request_respond", args=[pending.pk])
    assert login_as("sara").post(respond, {"decision": "approve"}).status_code == 404
    maya = login_as("maya")
    requests = page(maya.get(reverse("web:ads_requests")))
    assert "@maya.daily" in requests.by_testid("identity-requests").text
    assert maya.post(respond, {"decision": "approve"}).status_code == 302
    pending.refresh_from_db()
    assert pending.status == Status.ACTIVE
    # It depends on the owner's TikTok for Business grant: removing that app ends it.
    grant = pending.requires.get()
    assert grant.kind == Kind.APP_GRANT and grant.app is not None
    assert grant.app.name == "TikTok for Business"


def test_owner_removes_her_account_from_her_own_page(demo: Demo, login_as: LoginAs) -> None:
    """Maya belongs to no ad account, yet she may always take @maya.bakes back."""
    maya = login_as("maya")
    mine = page(maya.get(reverse("web:ads_requests")))
    rows = mine.by_testid("owned-identities").find_all(
        lambda n: n.attrs.get("data-ad-account") == "Sunrise Holiday Promo"
    )
    remove = rows[0].find_all(lambda n: n.tag == "a" and n.text == "Remove")[0].attrs["href"]
    preview = page(maya.get(remove))
    assert "Ads that will stop (1)" in preview.by_testid("ads-impact-preview").text
    assert "14 posts and 120 followers" in preview.by_testid("untouched").text
    done = maya.post(remove)
    result = page(maya.get(done["Location"]))
    assert "Honey cake story" in result.by_testid("ads-impact-result").text
    # Others cannot use the owner's URL.
    link = identity(demo, "main")
    url = reverse("web:ads_owned_identity_remove", args=[link.pk])
    assert login_as("ben").get(url).status_code == 404
    assert login_as("olivia").post(url).status_code == 404
    assert Link.objects.get(pk=link.pk).status == Status.ACTIVE
