"""The seed's Business Center paths end to end over HTTP, on the demo data.

Each test starts where a person starts (a page), follows the link the page offers (by its label),
reads the impact preview, confirms, reads the result page, and then checks the database.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from bizlink.accounts.models import CreatorAccount, Follower, Post, User
from bizlink.audit.models import AuditEvent
from bizlink.demo.data import PASSWORD, Demo
from bizlink.links.models import Kind, Link, Status
from tests.web.codes import last_code, send_code
from tests.web.conftest import LoginAs, snapshot
from tests.web.pages import Node, active_handle, page, text

CHANGE_URL = re.compile(r"^/changes/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/$")


def ok(client: Client, url: str) -> Node:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return page(response)


def confirm(client: Client, url: str, data: dict[str, str] | None = None) -> tuple[str, Node]:
    """POST the confirm form; return the result page's URL and the page."""
    response = client.post(url, data or {})
    assert response.status_code == 302, (url, response.status_code, text(response)[-300:])
    location = response["Location"]
    assert CHANGE_URL.match(location), location
    return location, ok(client, location)


def items(section: Node) -> list[str]:
    return [li.text for li in section.find_all(lambda n: n.tag == "li")]


def headings(section: Node) -> list[tuple[str, ...]]:
    """(title, count) of each group of an impact section."""
    return [
        tuple(span.text for span in h3.find_all(lambda n: n.tag == "span"))
        for h3 in section.find_all(lambda n: n.tag == "h3")
    ]


def sunrise_url(demo: Demo, name: str, *args: Any) -> str:
    return reverse(f"web:{name}", args=[demo.sunrise.pk, *args])


def link_of(**filters: Any) -> Link:
    return Link.objects.get(**filters)


# --- (a) Assets -> TikTok Accounts -> @maya.bakes -> Permissions -> Remove next to your profile


def test_maya_removes_herself_from_maya_bakes(demo: Demo, login_as: LoginAs) -> None:
    maya = login_as("maya")
    bakes = demo.accounts["maya.bakes"]
    mine = link_of(kind=Kind.ASSET_PERMISSION, user=demo.users["maya"], account=bakes)

    home = ok(maya, reverse("web:bc_index") + "?all=1")
    bc_home = ok(maya, home.link(f"Sunrise Bakery ID {demo.sunrise.pk}"))
    tiktok_accounts = ok(maya, bc_home.link("TikTok Accounts"))
    assert bc_home.link("Assets") == bc_home.link("TikTok Accounts")
    account_page = ok(
        maya, tiktok_accounts.by_testid("tiktok-accounts").link("@maya.bakes Maya Bakes")
    )
    assert any(h.text == "Permissions" for h in account_page.find_all(lambda n: n.tag == "h2"))
    row = account_page.row_for("maya@example.com")
    assert "You" in row.text and "Admin" in row.text
    remove_url = row.link("Remove")
    assert remove_url == sunrise_url(demo, "bc_tiktok_permission_remove", bakes.pk, mine.pk)

    preview = ok(maya, remove_url)
    assert preview.find_all(lambda n: n.tag == "h1")[0].text == "Remove yourself from @maya.bakes?"
    assert preview.by_testid("acting-for").text == "You are removing access for @maya.bakes."
    impact = preview.by_testid("impact-preview")
    assert impact.text.startswith("What will end (1)")
    assert items(impact) == ["Maya Chen: Admin on @maya.bakes"]
    assert "14 posts and 120 followers" in preview.by_testid("untouched").text
    assert preview.find_all(lambda n: n.tag == "button" and n.text == "Confirm")
    mine.refresh_from_db()
    assert mine.status == Status.ACTIVE, "the preview changed something"

    _, result = confirm(maya, remove_url)
    ended = result.by_testid("impact-result")
    assert ended.text.startswith("What ended (1)")
    assert items(ended) == ["Maya Chen: Admin on @maya.bakes"]

    mine.refresh_from_db()
    assert mine.status == Status.REVOKED
    assert mine.ended_by_id == demo.users["maya"].pk
    assert AuditEvent.objects.filter(
        link=mine, actor=demo.users["maya"], action="link.ended", status_after=Status.REVOKED
    ).exists()
    # She still owns the account, so she still sees its page, without her old row.
    again = ok(maya, sunrise_url(demo, "bc_tiktok_account", bakes.pk))
    assert not again.has_row_for("maya@example.com")
    assert again.has_row_for("sara@example.com")
    # The same Remove again is gone: 404, not a second change.
    assert maya.post(remove_url).status_code == 404


# --- (b) ... -> Disconnect Account -> Confirm ----------------------------------------------

DISCONNECT_ITEMS = [
    "@maya.bakes linked to Sunrise Bakery",
    "Maya Chen: Admin on @maya.bakes",
    "Sara Kim: Analyst on @maya.bakes",
    "Jo Lee: Analyst on @maya.bakes",
    "@maya.bakes as identity of ad account Sunrise Main",
    "@maya.bakes as identity of ad account Sunrise Holiday Promo",
    "Northwind Agency: Operator on @maya.bakes (shared by Sunrise Bakery)",
]


def test_maya_disconnects_maya_bakes(demo: Demo, login_as: LoginAs) -> None:
    maya, sara = login_as("maya"), login_as("sara")
    bakes = demo.accounts["maya.bakes"]
    account_url = sunrise_url(demo, "bc_tiktok_account", bakes.pk)
    assert sara.get(account_url).status_code == 200
    posts, followers = Post.objects.filter(account=bakes).count(), bakes.followers.count()
    assert (posts, followers) == (14, 120)

    account_page = ok(maya, account_url)
    disconnect_url = account_page.link("Disconnect Account")
    preview = ok(maya, disconnect_url)
    assert "Disconnect @maya.bakes from Sunrise Bakery?" in preview.text
    assert preview.by_testid("acting-for").text == "You are removing access for @maya.bakes."
    impact = preview.by_testid("impact-preview")
    for name in ("Sara Kim", "Jo Lee", "Northwind Agency", "Sunrise Main", "Sunrise Holiday Promo"):
        assert name in impact.text, name
    assert impact.text.startswith("What will end (7)")
    assert sorted(items(impact)) == sorted(DISCONNECT_ITEMS)
    assert headings(impact) == [
        ("TikTok account links that end", "1"),
        ("People who lose access", "3"),
        ("Ad accounts no longer reachable through the account", "2"),
        ("Partner access that ends", "1"),
    ]
    assert "its 14 posts and 120 followers" in preview.by_testid("untouched").text

    _, result = confirm(maya, disconnect_url)
    ended = result.by_testid("impact-result")
    assert ended.text.startswith("What ended (7)")
    assert sorted(items(ended)) == sorted(DISCONNECT_ITEMS)
    assert "@maya.bakes disconnected by its owner" in result.text
    assert "its 14 posts and 120 followers" in result.by_testid("untouched").text

    # What ended is really ended; the account, its posts and followers are untouched.
    account_link = link_of(kind=Kind.ACCOUNT_BC, business=demo.sunrise, account=bakes)
    assert account_link.status == Status.REVOKED
    through_sunrise = Link.objects.filter(account=bakes).exclude(kind=Kind.APP_GRANT)
    assert not through_sunrise.filter(status__in=[Status.ACTIVE, Status.PENDING]).exists()
    assert Post.objects.filter(account=bakes).count() == posts
    assert Follower.objects.filter(account=bakes).count() == followers
    assert CreatorAccount.objects.get(pk=bakes.pk).owner == demo.users["maya"]
    # Only what went *through* the account ended: Sara keeps her ad account, Northwind stays a
    # partner, everybody stays a member.
    sara_user = demo.users["sara"]
    main = demo.ad_accounts["main"]
    assert link_of(kind=Kind.ASSET_PERMISSION, user=sara_user, ad_account=main).status == "ACTIVE"
    assert link_of(kind=Kind.PARTNERSHIP, business=demo.sunrise).status == Status.ACTIVE
    assert Link.objects.filter(kind=Kind.MEMBERSHIP, status=Status.ACTIVE).count() == 6

    assert sara.get(account_url).status_code == 404
    assert "@maya.bakes" not in ok(sara, sunrise_url(demo, "bc_tiktok_accounts")).text
    assert maya.get(account_url).status_code == 404
    assert maya.post(disconnect_url).status_code == 404
    assert "@maya.bakes" not in ok(login_as("ben"), sunrise_url(demo, "bc_tiktok_accounts")).text


# --- (c) Settings -> People -> Remove ------------------------------------------------------


def test_ben_removes_sara_from_people(demo: Demo, login_as: LoginAs) -> None:
    ben, sara = login_as("ben"), login_as("sara")
    sara_user = demo.users["sara"]
    bc_home = ok(ben, sunrise_url(demo, "bc_home"))
    assert bc_home.link("Settings") == bc_home.link("People")
    people = ok(ben, bc_home.link("People"))
    row = people.row_for("sara@example.com")
    assert "Sara Kim" in row.text
    remove_url = row.link("Remove")

    preview = ok(ben, remove_url)
    assert "Remove Sara Kim from Sunrise Bakery?" in preview.text
    assert not preview.has_testid("acting-for")  # no account is being unlinked here
    impact = preview.by_testid("impact-preview")
    expected = [
        "Sara Kim (Standard) in Sunrise Bakery",
        "Sara Kim: Analyst on @maya.bakes",
        "Sara Kim: Operator on ad account Sunrise Main",
    ]
    assert impact.text.startswith("What will end (3)")
    assert sorted(items(impact)) == sorted(expected)

    # Removing someone else asks for the code e-mailed to the acting admin.
    assert preview.has_testid("removal-code")
    send_code(ben, remove_url)
    _, result = confirm(ben, remove_url, {"code": last_code("ben@example.com")})
    assert sorted(items(result.by_testid("impact-result"))) == sorted(expected)
    assert "Removed by Ben Ortiz" in result.text

    assert not Link.objects.filter(user=sara_user, status__in=["ACTIVE", "PENDING"]).exists()
    assert Link.objects.filter(user=sara_user, status=Status.REVOKED).count() == 3
    assert AuditEvent.objects.filter(user_id=sara_user.pk, action="link.ended").count() == 3
    assert sara.get(sunrise_url(demo, "bc_home")).status_code == 404
    assert (
        sara.get(sunrise_url(demo, "bc_ad_account", demo.ad_accounts["main"].pk)).status_code == 404
    )
    assert not ok(ben, sunrise_url(demo, "bc_people")).has_row_for("sara@example.com")


# --- (d) refusals say why and what to do ----------------------------------------------------

ADMINS_ONLY = "Only Business Center admins can remove members."
ASK = "Ask an admin to remove this member: Ana Ruiz, Ben Ortiz."


def test_standard_member_sees_why_she_cannot_remove_others(demo: Demo, login_as: LoginAs) -> None:
    sara = login_as("sara")
    people = ok(sara, sunrise_url(demo, "bc_people"))
    for other in ("ana@example.com", "ben@example.com", "maya@example.com", "new.hire@example.com"):
        row = people.row_for(other)
        assert not row.has_link("Remove"), other
        refusal = row.by_testid("refusal")
        assert ADMINS_ONLY in refusal.text and ASK in refusal.text, (other, refusal.text)
    # Her own row: she may leave.
    assert people.row_for("sara@example.com").has_link("Remove")
    assert "Only Business Center admins can do this." in people.text  # inviting


def test_standard_member_cannot_remove_an_admin_by_post(demo: Demo, login_as: LoginAs) -> None:
    sara = login_as("sara")
    ben_member = link_of(kind=Kind.MEMBERSHIP, business=demo.sunrise, user=demo.users["ben"])
    url = sunrise_url(demo, "bc_person_remove", ben_member.pk)
    events = AuditEvent.objects.count()
    for response in (sara.get(url), sara.post(url)):
        assert response.status_code == 403
        refused = page(response).by_testid("refused")
        assert ADMINS_ONLY in refused.text and ASK in refused.text
    ben_member.refresh_from_db()
    assert ben_member.status == Status.ACTIVE
    assert AuditEvent.objects.count() == events


def test_the_last_admin_cannot_be_removed(demo: Demo, login_as: LoginAs) -> None:
    ben = login_as("ben")
    members = Link.objects.filter(kind=Kind.MEMBERSHIP, business=demo.sunrise)
    ana = members.get(user=demo.users["ana"])
    ben_member = members.get(user=demo.users["ben"])
    people = ok(ben, sunrise_url(demo, "bc_people"))
    remove_ana = people.row_for("ana@example.com").link("Remove")
    send_code(ben, remove_ana)
    confirm(ben, remove_ana, {"code": last_code("ben@example.com")})
    ana.refresh_from_db()
    assert ana.status == Status.REVOKED

    people = ok(ben, sunrise_url(demo, "bc_people"))
    own_row = people.row_for("ben@example.com")
    assert not own_row.has_link("Remove")
    last = "A Business Center must keep at least one Admin, and this is the last one."
    assert last in own_row.by_testid("refusal").text
    assert "Make another member an Admin first" in own_row.by_testid("refusal").text
    url = sunrise_url(demo, "bc_person_remove", ben_member.pk)
    for response in (ben.get(url), ben.post(url)):
        assert response.status_code == 403
        assert last in page(response).by_testid("refused").text
    ben_member.refresh_from_db()
    assert ben_member.status == Status.ACTIVE
    # Demoting himself is refused too (by the People page's role form).
    response = ben.post(
        sunrise_url(demo, "bc_person_role", ben_member.pk), {"role": "STANDARD"}, follow=True
    )
    assert "must keep at least one Admin" in text(response)
    ben_member.refresh_from_db()
    assert ben_member.role == "ADMIN"


# --- (e) sign up, accounts, switching -------------------------------------------------------


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        ("not-an-email", "a-Str0ng-passw0rd!", "Enter a valid email address."),
        ("", "a-Str0ng-passw0rd!", "Enter a valid email address."),
        ("new@example.com", "password", "This password is too common."),
        ("new@example.com", "short", "This password is too short."),
        ("new@example.com", "12345678901", "This password is entirely numeric."),
        ("maya@example.com", "a-Str0ng-passw0rd!", "An account with this email already exists."),
    ],
)
def test_sign_up_refuses_bad_input(
    demo: Demo, client: Client, email: str, password: str, message: str
) -> None:
    users = User.objects.count()
    response = client.post(
        reverse("web:signup"), {"email": email, "name": "New Person", "password": password}
    )
    assert response.status_code == 200
    alert = page(response).find_all(lambda n: n.attrs.get("role") == "alert")
    assert alert and message in alert[0].text
    assert User.objects.count() == users
    assert not client.session.get("_auth_user_id")


def test_sign_up_logs_in_and_creates_an_account(db: None, client: Client) -> None:
    response = client.post(
        reverse("web:signup"),
        {"email": " Nina@Example.com ", "name": "Nina Lopez", "password": "a-Str0ng-passw0rd!"},
        follow=True,
    )
    assert response.redirect_chain == [(reverse("web:my_accounts"), 302)]
    assert "Welcome, Nina Lopez." in text(response)
    assert active_handle(response) == "No account yet"
    nina = User.objects.get(email="nina@example.com")
    assert int(client.session["_auth_user_id"]) == nina.pk

    response = client.post(
        reverse("web:my_accounts"),
        {"handle": "Bad Handle!", "display_name": "N", "kind": "PERSONAL"},
    )
    assert response.status_code == 200
    assert "Use 2 to 24 lowercase letters, digits, dots or underscores." in text(response)
    assert not CreatorAccount.objects.filter(owner=nina).exists()

    response = client.post(
        reverse("web:my_accounts"),
        {"handle": "@nina.cooks", "display_name": "Nina Cooks", "kind": "PERSONAL"},
        follow=True,
    )
    assert "@nina.cooks is ready and is now your active account." in text(response)
    assert active_handle(response) == "@nina.cooks"
    # Logged in for real: a fresh request knows her.
    assert "Hello, Nina Lopez" in text(client.get("/"))


def test_log_in_with_password_goes_back_to_next(demo: Demo, client: Client) -> None:
    target = sunrise_url(demo, "bc_people")
    response = client.get(target)
    assert response.status_code == 302
    login = client.get(response["Location"])
    assert login.status_code == 200
    wrong = client.post(
        reverse("web:login"), {"username": "maya@example.com", "password": "nope", "next": target}
    )
    assert "don't match" in text(wrong)
    response = client.post(
        reverse("web:login"),
        {"username": "maya@example.com", "password": PASSWORD, "next": target},
    )
    assert response.status_code == 302 and response["Location"] == target
    assert active_handle(client.get(target)) == "@maya.bakes"


def surface_urls(demo: Demo) -> list[str]:
    bakes, daily = demo.accounts["maya.bakes"].pk, demo.accounts["maya.daily"].pk
    return [
        reverse("web:home"),
        reverse("web:my_accounts"),
        reverse("web:account_profile", args=[daily]),
        reverse("web:bc_index") + "?all=1",
        sunrise_url(demo, "bc_home"),
        sunrise_url(demo, "bc_tiktok_accounts"),
        sunrise_url(demo, "bc_tiktok_account", bakes),
        sunrise_url(demo, "bc_ad_accounts"),
        sunrise_url(demo, "bc_people"),
        sunrise_url(demo, "bc_partners"),
        sunrise_url(demo, "bc_tiktok_disconnect", bakes),
        reverse("web:app_profile"),
        reverse("web:app_settings"),
    ]


def test_switching_account_changes_the_top_bar_everywhere(demo: Demo, login_as: LoginAs) -> None:
    maya = login_as("maya")
    urls = surface_urls(demo)
    for url in urls:
        assert active_handle(maya.get(url)) == "@maya.bakes", url

    daily = demo.accounts["maya.daily"]
    response = maya.post(
        reverse("web:switch_account"), {"account": daily.pk, "next": urls[4]}, follow=True
    )
    assert response.redirect_chain == [(urls[4], 302)]
    assert "You are now using @maya.daily." in text(response)
    for url in urls:
        assert active_handle(maya.get(url)) == "@maya.daily", url

    # Someone else's account: not found, and nothing switches.
    olivias = demo.accounts["olivia.travels"]
    assert maya.post(reverse("web:switch_account"), {"account": olivias.pk}).status_code == 404
    assert active_handle(maya.get(urls[0])) == "@maya.daily"
    # An external `next` is ignored.
    response = maya.post(
        reverse("web:switch_account"), {"account": daily.pk, "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


# --- (f) invitations and link requests ------------------------------------------------------


def test_invited_person_accepts_on_her_home_page(demo: Demo, login_as: LoginAs) -> None:
    ben, olivia = login_as("ben"), login_as("olivia")
    assert olivia.get(sunrise_url(demo, "bc_home")).status_code == 404
    response = ben.post(
        sunrise_url(demo, "bc_people"),
        {"email": "Olivia@example.com", "role": "STANDARD", "finance_role": ""},
        follow=True,
    )
    assert response.redirect_chain == [(sunrise_url(demo, "bc_people"), 302)]
    people = page(response)
    assert "Invitation sent to olivia@example.com. It is pending until accepted." in people.text
    row = people.row_for("olivia@example.com")
    assert "Invited" in row.text and "Standard" in row.text
    invite = link_of(kind=Kind.MEMBERSHIP, invited_email="olivia@example.com")
    assert invite.status == Status.PENDING and invite.user is None

    home = ok(olivia, reverse("web:home"))
    invitations = home.by_testid("invitations")
    assert "Sunrise Bakery invited you as Standard" in invitations.text
    (form,) = invitations.forms()
    assert form.attrs["action"] == reverse("web:respond_invite", args=[invite.pk])
    # Someone else cannot answer her invitation.
    assert login_as("sara").post(form.attrs["action"], {"decision": "accept"}).status_code == 404

    response = olivia.post(form.attrs["action"], {"decision": "accept"}, follow=True)
    assert response.redirect_chain == [(sunrise_url(demo, "bc_home"), 302)]
    assert "You joined Sunrise Bakery." in text(response)
    invite.refresh_from_db()
    assert (invite.status, invite.user) == (Status.ACTIVE, demo.users["olivia"])
    assert "Active" in ok(ben, sunrise_url(demo, "bc_people")).row_for("olivia@example.com").text
    assert not ok(olivia, reverse("web:home")).has_testid("invitations")


def test_owner_approves_one_link_request_and_rejects_another(demo: Demo, login_as: LoginAs) -> None:
    ben, maya, alex = login_as("ben"), login_as("maya"), login_as("alex")
    daily = demo.accounts["maya.daily"]
    response = ben.post(
        sunrise_url(demo, "bc_tiktok_accounts"), {"handle": "@maya.daily"}, follow=True
    )
    assert "Request sent. @maya.daily is linked once its owner approves." in text(response)
    row = next(
        r for r in page(response).by_testid("tiktok-accounts").rows() if "@maya.daily" in r.text
    )
    assert "Waiting for owner" in row.text
    # Not linked yet: ben cannot give anyone a permission on it.
    sunrise_req = link_of(kind=Kind.ACCOUNT_BC, business=demo.sunrise, account=daily)
    northwind_req = link_of(kind=Kind.ACCOUNT_BC, business=demo.northwind, account=daily)
    assert sunrise_req.status == northwind_req.status == Status.PENDING

    requests = ok(maya, reverse("web:home")).by_testid("link-requests")
    assert "Sunrise Bakery wants to link this account" in requests.text
    assert "Northwind Agency wants to link this account" in requests.text
    actions = {form.attrs["action"] for form in requests.forms()}
    approve = reverse("web:respond_link", args=[sunrise_req.pk])
    reject = reverse("web:respond_link", args=[northwind_req.pk])
    assert actions == {approve, reject}
    # Only the owner answers.
    assert ben.post(approve, {"decision": "approve"}).status_code == 404

    response = maya.post(approve, {"decision": "approve"}, follow=True)
    assert "@maya.daily is now linked to Sunrise Bakery." in text(response)
    response = maya.post(reject, {"decision": "reject"}, follow=True)
    assert "You rejected Northwind Agency's request for @maya.daily." in text(response)
    sunrise_req.refresh_from_db()
    northwind_req.refresh_from_db()
    assert (sunrise_req.status, northwind_req.status) == (Status.ACTIVE, Status.REJECTED)
    assert not ok(maya, reverse("web:home")).has_testid("link-requests")

    sunrise_row = next(
        r
        for r in ok(ben, sunrise_url(demo, "bc_tiktok_accounts"))
        .by_testid("tiktok-accounts")
        .rows()
        if "@maya.daily" in r.text
    )
    assert "Active" in sunrise_row.text
    northwind_list = reverse("web:bc_tiktok_accounts", args=[demo.northwind.pk])
    assert "@maya.daily" not in ok(alex, northwind_list).text
    # Answering twice changes nothing and says why.
    again = maya.post(reject, {"decision": "approve"})
    assert again.status_code == 403
    assert "already rejected" in text(again)
    northwind_req.refresh_from_db()
    assert northwind_req.status == Status.REJECTED


# --- (g) bad input never breaks anything ----------------------------------------------------

STRONG = "a-Str0ng-passw0rd!"
LONG = "x" * 500
# Passes the email validator, but is longer than the 254 characters an address may have.
TOO_LONG_EMAIL = "a" * 252 + "@example.com"


def _member(demo: Demo, who: str, bc: str = "sunrise") -> int:
    business = demo.sunrise if bc == "sunrise" else demo.northwind
    return Link.objects.get(kind=Kind.MEMBERSHIP, business=business, user=demo.users[who]).pk


def _perm(demo: Demo, who: str, **asset: Any) -> int:
    return Link.objects.get(kind=Kind.ASSET_PERMISSION, user=demo.users[who], **asset).pk


Url = Any  # Callable[[Demo], str]; kept loose so the table below stays readable
BAKES: Url = lambda d: d.accounts["maya.bakes"].pk  # noqa: E731
MAIN: Url = lambda d: d.ad_accounts["main"].pk  # noqa: E731


def bc(name: str, *args: Url) -> Url:
    return lambda d: sunrise_url(d, name, *[a(d) if callable(a) else a for a in args])


def plain(name: str, *args: Url) -> Url:
    return lambda d: reverse(f"web:{name}", args=[a(d) if callable(a) else a for a in args])


# (id, persona or None for anonymous, url, POST data (a dict or demo -> dict), expected):
# expected is 404, or a message the page (or the page redirected to) must show.
BAD_INPUT: list[tuple[str, str | None, Url, Any, int | str]] = [
    ("login-empty", None, plain("login"), {}, "don't match"),
    ("login-long", None, plain("login"), {"username": LONG, "password": LONG}, "don't match"),
    ("signup-empty", None, plain("signup"), {}, "Enter a valid email address."),
    (
        "signup-email-too-long",
        None,
        plain("signup"),
        {"email": TOO_LONG_EMAIL, "name": "N", "password": STRONG},
        "Enter a valid email address.",
    ),
    (
        "signup-name-too-long",
        None,
        plain("signup"),
        {"email": "n@example.com", "name": LONG, "password": STRONG},
        "Keep your name under 120 characters.",
    ),
    (
        "signup-no-name",
        None,
        plain("signup"),
        {"email": "n@example.com", "name": "  ", "password": STRONG},
        "Tell us your name.",
    ),
    ("account-empty", "maya", plain("my_accounts"), {}, "Use 2 to 24 lowercase letters"),
    (
        "account-handle-too-long",
        "maya",
        plain("my_accounts"),
        {"handle": LONG, "display_name": "X", "kind": "PERSONAL"},
        "Use 2 to 24 lowercase letters",
    ),
    (
        "account-name-too-long",
        "maya",
        plain("my_accounts"),
        {"handle": "fine.handle", "display_name": LONG, "kind": "PERSONAL"},
        "Keep the display name under 80 characters.",
    ),
    (
        "account-bad-kind",
        "maya",
        plain("my_accounts"),
        {"handle": "fine.handle", "display_name": "X", "kind": "ROBOT"},
        "Choose a personal or business account.",
    ),
    (
        "account-handle-taken",
        "olivia",
        plain("my_accounts"),
        {"handle": "@Maya.Bakes", "display_name": "X", "kind": "PERSONAL"},
        "@maya.bakes is taken.",
    ),
    ("switch-empty", "maya", plain("switch_account"), {}, "Choose one of your accounts."),
    ("switch-text", "maya", plain("switch_account"), {"account": "abc"}, "Choose one of"),
    ("switch-huge", "maya", plain("switch_account"), {"account": "9" * 30}, "Choose one of"),
    ("bc-create-empty", "olivia", plain("bc_create"), {}, "Give the Business Center a name."),
    (
        "bc-create-too-long",
        "olivia",
        plain("bc_create"),
        {"name": LONG},
        "Keep the Business Center name under 120 characters.",
    ),
    ("link-request-empty", "ben", bc("bc_tiktok_accounts"), {}, "No TikTok account @ exists."),
    (
        "link-request-unknown",
        "ben",
        bc("bc_tiktok_accounts"),
        {"handle": LONG},
        "No TikTok account @x",
    ),
    (
        "link-request-again",
        "ben",
        bc("bc_tiktok_accounts"),
        {"handle": "@maya.bakes"},
        "@maya.bakes is already linked or has a pending request.",
    ),
    ("assign-empty", "ben", bc("bc_tiktok_assign", BAKES), {}, 404),
    ("assign-text-id", "ben", bc("bc_tiktok_assign", BAKES), {"member": "abc"}, 404),
    (
        "assign-other-bc-member",
        "ben",
        bc("bc_tiktok_assign", BAKES),
        lambda d: {"member": _member(d, "jo", "northwind"), "role": "ADMIN"},
        404,
    ),
    (
        "assign-bad-role",
        "ben",
        bc("bc_tiktok_assign", BAKES),
        lambda d: {"member": _member(d, "ana"), "role": "GOD"},
        "Choose Admin, Operator or Analyst.",
    ),
    (
        "assign-twice",
        "ben",
        bc("bc_tiktok_assign", BAKES),
        lambda d: {"member": _member(d, "sara"), "role": "ADMIN"},
        "Sara Kim already has a permission on this asset.",
    ),
    ("link-ad-empty", "ben", bc("bc_tiktok_link_ad", BAKES), {}, 404),
    ("link-ad-text-id", "ben", bc("bc_tiktok_link_ad", BAKES), {"ad_account": "1.5"}, 404),
    (
        "link-ad-other-bc",
        "ben",
        bc("bc_tiktok_link_ad", BAKES),
        lambda d: {"ad_account": d.northwind.ad_accounts.get().pk},
        404,
    ),
    (
        "link-ad-twice",
        "ben",
        bc("bc_tiktok_link_ad", BAKES),
        lambda d: {"ad_account": d.ad_accounts["main"].pk},
        "That account is already linked to this ad account.",
    ),
    ("ad-create-empty", "ben", bc("bc_ad_accounts"), {}, "Choose a currency: USD"),
    (
        "ad-create-no-name",
        "ben",
        bc("bc_ad_accounts"),
        {"name": " ", "currency": "USD", "timezone": "UTC"},
        "Give the ad account a name.",
    ),
    (
        "ad-create-name-too-long",
        "ben",
        bc("bc_ad_accounts"),
        {"name": LONG, "currency": "USD", "timezone": "UTC"},
        "Keep the ad account name under 120 characters.",
    ),
    (
        "ad-create-bad-currency",
        "ben",
        bc("bc_ad_accounts"),
        {"name": "X", "currency": "DOGE", "timezone": "UTC"},
        "Choose a currency: USD",
    ),
    (
        "ad-create-bad-timezone",
        "ben",
        bc("bc_ad_accounts"),
        {"name": "X", "currency": "USD", "timezone": "../../etc/passwd"},
        "Unknown time zone",
    ),
    (
        "ad-create-timezone-too-long",
        "ben",
        bc("bc_ad_accounts"),
        {"name": "X", "currency": "USD", "timezone": LONG},
        "Unknown time zone",
    ),
    ("ad-assign-empty", "ben", bc("bc_ad_assign", MAIN), {}, 404),
    ("ad-assign-text-id", "ben", bc("bc_ad_assign", MAIN), {"member": "1e5"}, 404),
    ("ad-assign-huge-id", "ben", bc("bc_ad_assign", MAIN), {"member": "9" * 30}, 404),
    (
        "ad-assign-bad-role",
        "ben",
        bc("bc_ad_assign", MAIN),
        lambda d: {"member": _member(d, "maya"), "role": ""},
        "Choose Admin, Operator or Analyst.",
    ),
    ("invite-empty", "ben", bc("bc_people"), {}, "Enter a valid email address."),
    (
        "invite-email-too-long",
        "ben",
        bc("bc_people"),
        {"email": TOO_LONG_EMAIL, "role": "STANDARD", "finance_role": ""},
        "Enter a valid email address.",
    ),
    (
        "invite-bad-role",
        "ben",
        bc("bc_people"),
        {"email": "x@example.com", "role": "OWNER", "finance_role": ""},
        "Choose Admin or Standard.",
    ),
    (
        "invite-bad-finance-role",
        "ben",
        bc("bc_people"),
        {"email": "x@example.com", "role": "STANDARD", "finance_role": "BOSS"},
        "Choose Finance Manager, Finance Analyst or none.",
    ),
    (
        "invite-a-member",
        "ben",
        bc("bc_people"),
        {"email": "SARA@example.com", "role": "STANDARD", "finance_role": ""},
        "Sara Kim is already a member.",
    ),
    (
        "invite-twice",
        "ben",
        bc("bc_people"),
        {"email": "new.hire@example.com", "role": "STANDARD", "finance_role": ""},
        "new.hire@example.com already has a pending invitation.",
    ),
    (
        "role-bad",
        "ben",
        bc("bc_person_role", lambda d: _member(d, "sara")),
        {"role": "OWNER"},
        "Choose Admin or Standard.",
    ),
    (
        "role-empty",
        "ben",
        bc("bc_person_role", lambda d: _member(d, "sara")),
        {},
        "Choose Admin or Standard.",
    ),
    ("role-unknown-member", "ben", bc("bc_person_role", 999_999), {"role": "ADMIN"}, 404),
    (
        "role-ended-member",
        "ben",
        bc("bc_person_role", lambda d: _member(d, "tom")),
        {"role": "ADMIN"},
        404,
    ),
    ("remove-ended-member", "ben", bc("bc_person_remove", lambda d: _member(d, "tom")), {}, 404),
    ("remove-unknown-member", "ben", bc("bc_person_remove", 999_999), {}, 404),
    (
        "remove-unknown-permission",
        "ben",
        bc("bc_tiktok_permission_remove", BAKES, 999_999),
        {},
        404,
    ),
    (
        "remove-ended-permission",
        "ben",
        bc(
            "bc_ad_permission_remove",
            lambda d: d.ad_accounts["promo"].pk,
            lambda d: _perm(d, "tom", ad_account=d.ad_accounts["promo"]),
        ),
        {},
        404,
    ),
    ("disconnect-unknown-account", "ben", bc("bc_tiktok_disconnect", 999_999), {}, 404),
    (
        "respond-request-no-decision",
        "maya",
        plain(
            "respond_link",
            lambda d: Link.objects.get(kind=Kind.ACCOUNT_BC, business=d.northwind).pk,
        ),
        {},
        "Choose Approve or Reject.",
    ),
    (
        "respond-request-odd-decision",
        "maya",
        plain(
            "respond_link",
            lambda d: Link.objects.get(kind=Kind.ACCOUNT_BC, business=d.northwind).pk,
        ),
        {"decision": "maybe"},
        "Choose Approve or Reject.",
    ),
    ("respond-request-unknown", "maya", plain("respond_link", 999_999), {"decision": "x"}, 404),
    ("respond-invite-unknown", "olivia", plain("respond_invite", 999_999), {}, 404),
]


@pytest.mark.parametrize(
    ("persona", "url", "data", "expected"),
    [case[1:] for case in BAD_INPUT],
    ids=[case[0] for case in BAD_INPUT],
)
def test_bad_input_gets_a_clear_answer_and_changes_nothing(
    demo: Demo, login_as: LoginAs, persona: str | None, url: Url, data: Any, expected: int | str
) -> None:
    client = login_as(persona) if persona else Client()
    target = url(demo)
    form = data(demo) if callable(data) else data
    before = snapshot()
    response = client.post(target, form)
    assert response.status_code < 500
    if expected == 404:
        assert response.status_code == 404, (target, response.status_code)
        assert "Not found" in text(response)
    else:
        if response.status_code == 302:
            response = client.get(response["Location"])
        assert response.status_code == 200, (target, response.status_code)
        assert isinstance(expected, str)
        assert expected in text(response), text(response)[-600:]
    assert snapshot() == before


def test_bad_urls_are_not_found(demo: Demo, login_as: LoginAs) -> None:
    ben = login_as("ben")
    for url in [
        "/business/99999999999999999999/",
        f"/business/{demo.sunrise.pk}/assets/tiktok-accounts/99999999999999999999/",
        "/changes/00000000-0000-0000-0000-000000000000/",
        "/changes/not-a-uuid/",
        "/accounts/99999999999999999999/",
        f"/accounts/{demo.accounts['maya.bakes'].pk}/",  # maya's, not ben's
    ]:
        assert ben.get(url).status_code == 404, url
    assert ben.get(reverse("web:logout")).status_code == 405


def test_answering_an_invitation_without_a_decision_changes_nothing(
    demo: Demo, login_as: LoginAs
) -> None:
    ben, olivia = login_as("ben"), login_as("olivia")
    ben.post(sunrise_url(demo, "bc_people"), {"email": "olivia@example.com", "role": "STANDARD"})
    invite = Link.objects.get(kind=Kind.MEMBERSHIP, invited_email="olivia@example.com")
    url = reverse("web:respond_invite", args=[invite.pk])
    for form in ({}, {"decision": "maybe"}):
        response = olivia.post(url, form, follow=True)
        assert "Choose Accept or Decline." in text(response)
        invite.refresh_from_db()
        assert invite.status == Status.PENDING
    olivia.post(url, {"decision": "decline"})
    invite.refresh_from_db()
    assert invite.status == Status.REJECTED


def test_admin_creates_an_ad_account_and_the_list_stays_in_name_order(
    demo: Demo, login_as: LoginAs
) -> None:
    ben = login_as("ben")
    response = ben.post(
        sunrise_url(demo, "bc_ad_accounts"),
        {"name": "Autumn Launch", "currency": "eur", "timezone": "Europe/Berlin"},
        follow=True,
    )
    assert "Ad account Autumn Launch created." in text(response)
    listed = page(response).by_testid("ad-accounts")
    names = [label for label, href in listed.links() if "/assets/ad-accounts/" in href]
    assert names == ["Autumn Launch", "Sunrise Holiday Promo", "Sunrise Main"]
    assert "EUR" in listed.text and "Europe/Berlin" in listed.text
    # Sara sees only the ad account she has a permission on.
    sara_list = ok(login_as("sara"), sunrise_url(demo, "bc_ad_accounts")).by_testid("ad-accounts")
    assert [label for label, _ in sara_list.links()] == ["Sunrise Main"]


def test_pending_request_reveals_nothing_about_the_account(demo: Demo, login_as: LoginAs) -> None:
    """Northwind asked for @maya.daily: until Maya approves, Northwind sees no name or posts."""
    alex = login_as("alex")
    daily = demo.accounts["maya.daily"]
    listing = alex.get(f"/business/{demo.northwind.pk}/assets/tiktok-accounts/").content.decode()
    assert "@maya.daily" in listing and "Details appear once the owner approves" in listing
    assert "Maya Chen" not in listing
    url = f"/business/{demo.northwind.pk}/assets/tiktok-accounts/{daily.pk}/"
    assert alex.get(url).status_code == 404


def test_partner_member_removes_own_permission_on_shared_account(
    demo: Demo, login_as: LoginAs
) -> None:
    """jo (Northwind) has Analyst on @maya.bakes through Sunrise's share and can give it up."""
    jo = login_as("jo")
    bakes = demo.accounts["maya.bakes"]
    base = f"/business/{demo.northwind.pk}/assets/tiktok-accounts/"
    assert "@maya.bakes" in jo.get(base).content.decode()
    page = jo.get(f"{base}{bakes.pk}/").content.decode()
    assert "Shared with Northwind Agency by Sunrise Bakery" in page
    permission = Link.objects.get(
        kind=Kind.ASSET_PERMISSION, user=demo.users["jo"], account=bakes, status=Status.ACTIVE
    )
    # The share itself is Sunrise's: Northwind's people cannot disconnect it.
    refused = jo.get(f"{base}{bakes.pk}/disconnect/")
    assert refused.status_code == 403
    assert "shared with you by Sunrise Bakery" in refused.content.decode()
    response = jo.post(f"{base}{bakes.pk}/permissions/{permission.pk}/remove/")
    assert response.status_code == 302
    assert Link.objects.get(pk=permission.pk).status == Status.REVOKED
    assert jo.get(f"{base}{bakes.pk}/").status_code == 404  # nothing left to see
