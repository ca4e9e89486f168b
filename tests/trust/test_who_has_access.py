"""*Who has access to my account*, *Disconnect everywhere* and the verification after removals."""

from __future__ import annotations

from django.urls import reverse

from bizlink import policy
from bizlink.access_review import actions as review_actions
from bizlink.access_review import queries as review_queries
from bizlink.access_review import verification
from bizlink.accounts.models import User
from bizlink.audit.models import AuditEvent
from bizlink.businesses import actions as bc_actions
from bizlink.core.errors import InvalidInput, NotFound, Refused
from bizlink.demo.data import Demo
from bizlink.links.models import LIVE, Kind, Link, Role, Status
from tests.web.conftest import LoginAs, snapshot
from tests.web.pages import page

URL = "/app/settings/who-has-access/"


def _summaries(demo: Demo) -> dict[str, list[str]]:
    who = review_queries.who_has_access(demo.users["maya"], demo.accounts["maya.bakes"])
    return {h.name: [p.text for p in h.paths] for h in who.people}


def test_lists_every_person_with_the_path_that_grants_access(demo: Demo) -> None:
    people = _summaries(demo)
    assert people["Maya Chen"][0] == "Owner (that's you)"
    assert "Analyst, via Sunrise Bakery" in people["Sara Kim"]
    assert people["Ben Ortiz"] == ["Admin of Sunrise Bakery"]
    assert people["Ana Ruiz"] == ["Admin of Sunrise Bakery"]
    assert people["Alex Morgan"] == [
        "Admin of Northwind Agency, partner of Sunrise Bakery (Operator)"
    ]
    assert people["Jo Lee"] == ["Analyst, via Northwind Agency, partner of Sunrise Bakery"]
    assert "Olivia Park" not in people and "Tom Reed" not in people  # Tom was removed
    who = review_queries.who_has_access(demo.users["maya"], demo.accounts["maya.bakes"])
    sara = next(h for h in who.people if h.name == "Sara Kim")
    assert sara.summary == "Sara Kim, Analyst, via Sunrise Bakery"
    assert [h.name for h in who.businesses] == ["Sunrise Bakery"]
    assert [h.name for h in who.partners] == ["Northwind Agency"]
    assert {h.name for h in who.apps} == {"Business Center", "TikTok for Business", "Scheduler Pro"}
    assert {h.name for h in who.ad_accounts} == {"Sunrise Main", "Sunrise Holiday Promo"}


def test_people_listed_are_exactly_those_the_policy_lets_in(demo: Demo) -> None:
    for account in demo.accounts.values():
        who = review_queries.who_has_access(account.owner, account)
        allowed = {u.pk for u in User.objects.all() if policy.has_account_access(u, account)}
        assert who.user_ids == allowed, account.handle


def test_only_the_owner_can_read_who_has_access(demo: Demo) -> None:
    try:
        review_queries.who_has_access(demo.users["ben"], demo.accounts["maya.bakes"])
    except NotFound:
        pass
    else:
        raise AssertionError("a non-owner read who has access")


def test_page_shows_rows_paths_and_remove_controls(login_as: LoginAs, demo: Demo) -> None:
    client = login_as("maya")
    security = page(client.get("/app/settings/security/"))
    assert (
        next(h for t, h in security.links() if t.startswith("Who has access to my account")) == URL
    )
    response = client.get(URL)
    assert response.status_code == 200
    doc = page(response)
    sara = doc.find_all(lambda n: n.attrs.get("data-person") == "sara@example.com")[0]
    assert "Analyst, via Sunrise Bakery" in sara.text
    assert sara.link("Remove").endswith("/remove/")
    maya = doc.find_all(lambda n: n.attrs.get("data-person") == "maya@example.com")[0]
    assert "you own this account" in maya.text
    assert doc.by_testid("disconnect-everywhere").link("Disconnect everywhere") == (
        "/app/settings/disconnect-everywhere/"
    )
    assert not doc.has_testid("access-pending")  # Northwind's request is for @maya.daily


def test_remove_a_person_from_who_has_access_then_verify(login_as: LoginAs, demo: Demo) -> None:
    client = login_as("maya")
    sara, bakes = demo.users["sara"], demo.accounts["maya.bakes"]
    perm = Link.objects.get(
        kind=Kind.ASSET_PERMISSION, user=sara, account=bakes, status=Status.ACTIVE
    )
    url = reverse("web:app_who_remove", args=[perm.pk])
    preview = page(client.get(url))
    assert "Sara Kim: Analyst on @maya.bakes" in preview.by_testid("impact-preview").text
    response = client.post(url)
    assert response.status_code == 302
    result = page(client.get(response["Location"]))
    check = result.by_testid("verification").text
    assert "No access remains" in check
    assert "Sara Kim → @maya.bakes" in check
    assert not policy.has_account_access(sara, bakes)
    assert not page(client.get(URL)).find_all(
        lambda n: n.attrs.get("data-person") == "sara@example.com"
    )


def test_owner_stops_sharing_with_a_partner(demo: Demo) -> None:
    maya, bakes = demo.users["maya"], demo.accounts["maya.bakes"]
    share = Link.objects.get(kind=Kind.PARTNER_SHARE, account=bakes, status=Status.ACTIVE)
    impact = review_actions.preview_remove_access(maya, share)
    assert impact.total == 2  # the share and Jo's permission through it
    ended = review_actions.remove_access(maya, share)
    assert ended.count == 2
    assert not policy.has_account_access(demo.users["alex"], bakes)
    assert not policy.has_account_access(demo.users["jo"], bakes)
    checks = verification.verify_change(ended.change_id)
    assert checks.clean
    assert {(c.who, c.what) for c in checks.checks} >= {
        ("Alex Morgan", "@maya.bakes"),
        ("Jo Lee", "@maya.bakes"),
        ("Northwind Agency", "@maya.bakes"),
    }


def test_partner_people_may_not_stop_a_share_and_are_told_whom_to_ask(demo: Demo) -> None:
    share = Link.objects.get(kind=Kind.PARTNER_SHARE, status=Status.ACTIVE)
    decision = policy.decide(demo.users["jo"], "partner_share.remove", share)
    assert not decision.allowed
    assert decision.ask == ("Ana Ruiz", "Ben Ortiz")
    try:
        review_actions.remove_access(demo.users["jo"], share)
    except Refused:
        pass
    else:
        raise AssertionError("a partner's member stopped a share")


def test_verification_says_what_remains_and_why(demo: Demo) -> None:
    """Sara also holds a second path (made an Admin): removing her permission leaves that."""
    ben, sara = demo.users["ben"], demo.users["sara"]
    member = Link.objects.get(
        kind=Kind.MEMBERSHIP, business=demo.sunrise, user=sara, status=Status.ACTIVE
    )
    bc_actions.change_member_role(ben, member, role=Role.ADMIN, finance_role="")
    perm = Link.objects.get(
        kind=Kind.ASSET_PERMISSION,
        user=sara,
        account=demo.accounts["maya.bakes"],
        status=Status.ACTIVE,
    )
    ended = bc_actions.remove_asset_permission(ben, perm)
    result = verification.verify_change(ended.change_id)
    assert not result.clean
    (remaining,) = result.remaining
    assert remaining.who == "Sara Kim" and remaining.what == "@maya.bakes"
    assert "Admin of Sunrise Bakery" in remaining.why


def test_removing_an_admin_member_checks_every_asset_of_the_business(demo: Demo) -> None:
    ben, ana = demo.users["ben"], demo.users["ana"]
    member = Link.objects.get(
        kind=Kind.MEMBERSHIP, business=demo.sunrise, user=ana, status=Status.ACTIVE
    )
    ended = bc_actions.remove_member(ben, member)
    result = verification.verify_change(ended.change_id)
    whats = {c.what for c in result.checks if c.who == "Ana Ruiz"}
    assert {"@maya.bakes", "ad account Sunrise Main", "ad account Sunrise Holiday Promo"} <= whats
    assert result.clean


def test_disconnect_everywhere_ends_every_link_in_one_change(login_as: LoginAs, demo: Demo) -> None:
    client = login_as("maya")
    bakes = demo.accounts["maya.bakes"]
    live_before = set(
        Link.objects.filter(account=bakes, status__in=LIVE).values_list("id", flat=True)
    )
    preview = page(client.get("/app/settings/disconnect-everywhere/"))
    text = preview.by_testid("impact-preview").text
    for expected in (
        "@maya.bakes linked to Sunrise Bakery",
        "Sara Kim: Analyst on @maya.bakes",
        "Northwind Agency: Operator on @maya.bakes",
        "Scheduler Pro: access to @maya.bakes",
        "@maya.bakes as identity of ad account Sunrise Main",
    ):
        assert expected in text
    posts = bakes.posts.count()
    response = client.post("/app/settings/disconnect-everywhere/")
    assert response.status_code == 302
    assert not Link.objects.filter(account=bakes, status__in=LIVE).exists()
    change_ids = set(
        AuditEvent.objects.filter(link_id__in=live_before, action="link.ended").values_list(
            "change_id", flat=True
        )
    )
    assert len(change_ids) == 1
    result = page(client.get(response["Location"]))
    assert "No access remains" in result.by_testid("verification").text
    assert bakes.posts.count() == posts
    for who in ("ben", "ana", "sara", "alex", "jo"):
        assert not policy.has_account_access(demo.users[who], bakes), who
    after = page(client.get(URL))
    assert after.by_testid("access-people").text.count("@example.com") == 1  # only Maya
    again = page(client.get("/app/settings/disconnect-everywhere/"))
    assert again.has_testid("nothing-to-end")
    before = snapshot()
    client.post("/app/settings/disconnect-everywhere/")
    assert snapshot() == before


def test_disconnect_everywhere_is_owner_only_and_empty_is_refused(demo: Demo) -> None:
    bakes = demo.accounts["maya.bakes"]
    try:
        review_actions.disconnect_everywhere(demo.users["ben"], bakes)
    except Refused as exc:
        assert "Only the owner of @maya.bakes" in exc.decision.reason
    else:
        raise AssertionError("a non-owner disconnected everywhere")
    review_actions.disconnect_everywhere(demo.users["maya"], bakes)
    try:
        review_actions.disconnect_everywhere(demo.users["maya"], bakes)
    except InvalidInput as exc:
        assert "nothing to disconnect" in exc.message
    else:
        raise AssertionError("an empty disconnect was accepted")


def test_other_accounts_links_are_not_found(login_as: LoginAs, demo: Demo) -> None:
    client = login_as("maya")
    ben_link = Link.objects.filter(account=demo.accounts["sunrise.bakery"]).first()
    assert ben_link is not None
    assert client.get(reverse("web:app_who_remove", args=[ben_link.pk])).status_code == 404
    ended = Link.objects.filter(account=demo.accounts["maya.bakes"]).exclude(status__in=LIVE)
    for link in ended:
        assert client.get(reverse("web:app_who_remove", args=[link.pk])).status_code == 404
    assert client.get(reverse("web:app_who_remove", args=[999999])).status_code == 404
