"""The demo tenant: the personas the README, the tests and the docs all use.

Built through the same actions as the UI, so the demo data is valid by construction.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q

from bizlink.accounts import actions as account_actions
from bizlink.accounts.models import CreatorAccount, Follower, Post, User
from bizlink.businesses import actions as bc_actions
from bizlink.businesses.models import AdAccount, BusinessCenter
from bizlink.connected_apps import actions as app_actions
from bizlink.core import clock
from bizlink.links.live import active_q
from bizlink.links.models import FinanceRole, Kind, Link, Role
from bizlink.outbox import delivery
from bizlink.outbox.models import Topic

PASSWORD = "bizlink-demo"

PEOPLE = [
    ("maya@example.com", "Maya Chen"),
    ("ben@example.com", "Ben Ortiz"),
    ("sara@example.com", "Sara Kim"),
    ("alex@example.com", "Alex Morgan"),
    ("olivia@example.com", "Olivia Park"),
    ("ana@example.com", "Ana Ruiz"),
    ("jo@example.com", "Jo Lee"),
    ("tom@example.com", "Tom Reed"),
]

# (email, role, what they are) for the README's table of demo logins.
LOGINS = [
    (
        "maya@example.com",
        "creator: owns @maya.bakes, @maya.daily and @maya.recipes; Standard in Sunrise Bakery; "
        "owns the ad account Maya's Recipe Ads",
    ),
    ("ben@example.com", "Admin of Sunrise Bakery; owns its ad accounts"),
    (
        "sara@example.com",
        "Standard in Sunrise Bakery; Operator on an ad account, Analyst on @maya.bakes",
    ),
    ("alex@example.com", "Admin of Northwind Agency, a partner of Sunrise Bakery"),
    ("olivia@example.com", "outsider: belongs to no business"),
]

CAPTIONS = [
    "Sourdough at sunrise: the 36-hour loaf",
    "Croissant lamination, slowed down",
    "Three cakes, one oven, zero panic",
    "What a bakery does at 4 a.m.",
    "Cinnamon rolls for the whole street",
    "Testing a new rye starter",
    "The perfect crumb shot",
    "Behind the counter on market day",
    "Macarons: attempt number 12",
    "Our grandmother's honey cake",
    "Baguettes, scored live",
    "Sunday brunch menu reveal",
    "Tiny tarts, big flavour",
    "How we proof overnight",
]


@dataclass
class Demo:
    users: dict[str, User]
    accounts: dict[str, CreatorAccount]
    sunrise: BusinessCenter
    northwind: BusinessCenter
    ad_accounts: dict[str, AdAccount]


def is_loaded() -> bool:
    return User.objects.filter(email="maya@example.com").exists()


def _member(bc: BusinessCenter, user: User) -> Link:
    return Link.objects.get(Q(kind=Kind.MEMBERSHIP, business=bc) & active_q() & Q(user=user))


def _account_link(bc: BusinessCenter, account: CreatorAccount) -> Link:
    return Link.objects.get(Q(kind=Kind.ACCOUNT_BC, business=bc, account=account) & active_q())


def _content(account: CreatorAccount, rng: random.Random, posts: int, followers: int) -> None:
    start = clock.now() - dt.timedelta(days=posts * 3)
    Post.objects.bulk_create(
        Post(
            account=account,
            caption=CAPTIONS[i % len(CAPTIONS)],
            views=rng.randint(2_000, 250_000),
            likes=rng.randint(100, 20_000),
            posted_at=start + dt.timedelta(days=3 * i, hours=rng.randint(6, 20)),
        )
        for i in range(posts)
    )
    Follower.objects.bulk_create(
        Follower(
            account=account,
            # Follower handles are capped at 24 characters like every handle (the index comes
            # first so a cut never makes two followers equal).
            follower_handle=f"fan{i:04d}.{account.handle.replace('.', '_')}"[:24],
            followed_at=start + dt.timedelta(hours=7 * i),
        )
        for i in range(followers)
    )


@transaction.atomic
def load() -> Demo:
    """Create the demo tenant. Deterministic: same ids and content on every fresh database."""
    app_actions.ensure_first_party_apps()
    rng = random.Random(20261125)
    base = clock.now() - dt.timedelta(days=60)
    users = {
        email.split("@")[0]: User.objects.create_user(email=email, password=PASSWORD, name=name)
        for email, name in PEOPLE
    }
    with clock.frozen_at(base):
        accounts = {
            "maya.bakes": account_actions.create_creator_account(
                users["maya"],
                handle="maya.bakes",
                display_name="Maya Bakes",
                kind=CreatorAccount.Kind.BUSINESS,
            ),
            "maya.daily": account_actions.create_creator_account(
                users["maya"], handle="maya.daily", display_name="Maya, day to day"
            ),
            "sunrise.bakery": account_actions.create_creator_account(
                users["ben"],
                handle="sunrise.bakery",
                display_name="Sunrise Bakery",
                kind=CreatorAccount.Kind.BUSINESS,
            ),
            "northwind.agency": account_actions.create_creator_account(
                users["alex"],
                handle="northwind.agency",
                display_name="Northwind Agency",
                kind=CreatorAccount.Kind.BUSINESS,
            ),
            "olivia.travels": account_actions.create_creator_account(
                users["olivia"], handle="olivia.travels", display_name="Olivia Travels"
            ),
        }
        for account, (posts, fans) in zip(
            accounts.values(), [(14, 120), (8, 45), (10, 80), (6, 30), (5, 25)], strict=True
        ):
            _content(account, rng, posts, fans)
        ben, maya, sara, alex = users["ben"], users["maya"], users["sara"], users["alex"]
        sunrise = bc_actions.create_business_center(ben, name="Sunrise Bakery")
        northwind = bc_actions.create_business_center(alex, name="Northwind Agency")

    def at(days: int) -> dt.datetime:
        return base + dt.timedelta(days=days)

    def join(bc: BusinessCenter, admin: User, user: User, role: str, finance: str = "") -> Link:
        invite = bc_actions.invite_member(
            admin, bc, email=user.email, role=role, finance_role=finance
        )
        return bc_actions.accept_invitation(user, invite)

    with clock.frozen_at(at(1)):
        ben_member = _member(sunrise, ben)
        bc_actions.change_member_role(
            ben, ben_member, role=Role.ADMIN, finance_role=FinanceRole.MANAGER
        )
        join(sunrise, ben, users["ana"], Role.ADMIN)
        maya_member = join(sunrise, ben, maya, Role.STANDARD)
        sara_member = join(sunrise, ben, sara, Role.STANDARD, FinanceRole.ANALYST)
        tom_member = join(sunrise, ben, users["tom"], Role.STANDARD)
        jo_member = join(northwind, alex, users["jo"], Role.STANDARD)
    with clock.frozen_at(at(2)):
        main = bc_actions.create_ad_account(
            ben, sunrise, name="Sunrise Main", currency="USD", timezone="America/New_York"
        )
        promo = bc_actions.create_ad_account(
            ben, sunrise, name="Sunrise Holiday Promo", currency="USD", timezone="America/New_York"
        )
        bc_actions.create_ad_account(
            alex, northwind, name="Northwind Clients", currency="EUR", timezone="Europe/Berlin"
        )
    with clock.frozen_at(at(3)):
        for handle in ("maya.bakes", "sunrise.bakery"):
            request = bc_actions.request_account_link(ben, sunrise, handle=handle)
            bc_actions.approve_account_link(accounts[handle].owner, request)
        bakes_link = _account_link(sunrise, accounts["maya.bakes"])
        bc_actions.assign_asset_permission(
            ben, sunrise, member=maya_member, role=Role.ADMIN, account=accounts["maya.bakes"]
        )
        bc_actions.assign_asset_permission(
            ben, sunrise, member=sara_member, role=Role.ANALYST, account=accounts["maya.bakes"]
        )
        bc_actions.assign_asset_permission(
            ben, sunrise, member=sara_member, role=Role.OPERATOR, ad_account=main
        )
        bc_actions.assign_asset_permission(
            ben, sunrise, member=tom_member, role=Role.ANALYST, ad_account=promo
        )
        for ad_account in (main, promo):
            bc_actions.link_account_to_ad_account(ben, bakes_link, ad_account)
    with clock.frozen_at(at(5)):
        partnership = bc_actions.add_partner(ben, sunrise, partner_id=northwind.pk)
        share = bc_actions.share_asset_with_partner(
            ben, partnership, role=Role.OPERATOR, account=accounts["maya.bakes"]
        )
        bc_actions.assign_partner_asset(alex, share, member=jo_member, role=Role.ANALYST)
    with clock.frozen_at(at(30)):
        # History: Tom left a month ago, so the audit log and the cascade have something to show.
        bc_actions.remove_member(ben, tom_member, reason="Seasonal contract ended")
    with clock.frozen_at(at(50)):
        bc_actions.invite_member(ben, sunrise, email="new.hire@example.com", role=Role.STANDARD)
        bc_actions.request_account_link(alex, northwind, handle="maya.daily")
    with clock.frozen_at(at(40)):
        # A third-party app beside the first-party ones in Maya's Active apps.
        scheduler, _secret, _webhook_secret = app_actions.register_app(
            users["olivia"],
            name="Scheduler Pro",
            redirect_uris=["http://127.0.0.1:9/callback"],
            scopes=["user.info.basic", "video.list", "insights.read"],
        )
        app_actions.grant_app_access(
            maya, accounts["maya.bakes"], scheduler, "user.info.basic video.list"
        )
    _ads(users, accounts, main, promo, at(55))
    _catalog(users["ben"], sunrise, accounts["sunrise.bakery"], at(4))
    _data_assets(users, accounts, sunrise, main, promo, at(56))
    own = _own_ad_account(maya, at(57))
    # What the worker does after each unlink commits: tell the people concerned (dated when the
    # unlink happened).
    delivery.deliver_due(topics=[Topic.ACCESS_REMOVED])
    return Demo(
        users=users,
        accounts=accounts,
        sunrise=sunrise,
        northwind=northwind,
        ad_accounts={"main": main, "promo": promo, "maya_own": own},
    )


def _own_ad_account(maya: User, start: dt.datetime) -> AdAccount:
    """Maya's own ad account (no Business Center) running a Spark ad of her @maya.recipes.

    Built last, with an account of its own, so the ids of everything above stay as they were
    and @maya.daily stays a personal account with no business app.
    """
    from bizlink.ads import actions as ads_actions

    with clock.frozen_at(start - dt.timedelta(days=40)):
        recipes = account_actions.create_creator_account(
            maya, handle="maya.recipes", display_name="Maya's Recipes"
        )
        _content(recipes, random.Random(57), 6, 20)
    with clock.frozen_at(start):
        own = bc_actions.create_own_ad_account(
            maya, name="Maya's Recipe Ads", currency="USD", timezone="America/Los_Angeles"
        )
        request = ads_actions.request_linked_account(maya, own, handle=recipes.handle)
        identity = ads_actions.approve_linked_account(maya, request)
        ads_actions.top_up(maya, own, amount="80.00", note="Opening balance")
        campaign = ads_actions.create_campaign(
            maya,
            own,
            {
                "name": "Weeknight recipes",
                "objective": "REACH",
                "budget_mode": "DAILY",
                "budget": "10.00",
            },
        )
        group = ads_actions.create_ad_group(
            maya,
            campaign,
            {
                "name": "Home cooks",
                "start_at": start.isoformat(),
                "bid": "1.20",
                "locations": "US,CA",
                "age_ranges": "18-24,25-34",
                "gender": "ALL",
                "interests": "cooking, recipes",
            },
        )
        post = recipes.posts.order_by("posted_at").values_list("pk", flat=True).first()
        ads_actions.create_ad(
            maya,
            group,
            {
                "name": "Ten-minute focaccia",
                "identity": str(identity.pk),
                "post": str(post),
                "call_to_action": "Watch now",
            },
        )
    return own


def _ads(
    users: dict[str, User],
    accounts: dict[str, CreatorAccount],
    main: AdAccount,
    promo: AdAccount,
    start: dt.datetime,
) -> None:
    """Ads Manager: campaigns with Spark ads of @maya.bakes on both Sunrise ad accounts, funds."""
    from bizlink.ads import actions as ads_actions

    ben = users["ben"]
    posts = list(accounts["maya.bakes"].posts.order_by("posted_at").values_list("pk", flat=True))
    with clock.frozen_at(start):
        ads_actions.top_up(ben, main, amount="500.00", note="Opening balance")
        ads_actions.top_up(ben, promo, amount="150.00", note="Opening balance")
        for ad_account, campaign_name, group_name, ad_names in (
            (
                main,
                "Spring Sourdough Launch",
                "Bakery lovers US",
                ["Sourdough sunrise", "Crumb shot"],
            ),
            (promo, "Holiday Honey Cake", "Holiday shoppers", ["Honey cake story"]),
        ):
            identity = Link.objects.get(
                Q(
                    kind=Kind.ACCOUNT_AD_ACCOUNT,
                    ad_account=ad_account,
                    account=accounts["maya.bakes"],
                )
                & active_q()
            )
            campaign = ads_actions.create_campaign(
                ben,
                ad_account,
                {
                    "name": campaign_name,
                    "objective": "TRAFFIC",
                    "budget_mode": "DAILY",
                    "budget": "40.00",
                },
            )
            group = ads_actions.create_ad_group(
                ben,
                campaign,
                {
                    "name": group_name,
                    "start_at": start.isoformat(),
                    "bid": "3.50",
                    "locations": "US",
                    "age_ranges": "18-24,25-34",
                    "gender": "ALL",
                    "interests": "baking, food",
                },
            )
            for i, name in enumerate(ad_names):
                ads_actions.create_ad(
                    ben,
                    group,
                    {
                        "name": name,
                        "identity": str(identity.pk),
                        "post": str(posts[i]),
                        "call_to_action": "Order now",
                    },
                )


DEMO_PRODUCTS = [
    # id, title, price, availability
    ("SB-001", "Sourdough loaf (36-hour)", "8.50", "in_stock"),
    ("SB-002", "Butter croissants, box of 6", "14.00", "in_stock"),
    ("SB-003", "Cinnamon rolls, tray of 4", "12.00", "in_stock"),
    ("SB-004", "Honey cake (whole)", "32.00", "preorder"),
    ("SB-005", "Rye starter kit", "19.00", "out_of_stock"),
    ("SB-006", "Macarons, box of 12", "24.00", "available_for_order"),
    ("SB-007", "Baguette", "3.50", "in_stock"),
    ("SB-008", "Holiday stollen", "28.00", "discontinued"),
]


def _catalog(ben: User, sunrise: BusinessCenter, shop: CreatorAccount, when: dt.datetime) -> None:
    """Sunrise's product catalog, imported from a CSV file like a person would, with two sets."""
    import csv
    import io

    from bizlink.catalogs import actions as catalog_actions

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "title", "description", "price", "availability", "image_url", "link"])
    site = "https://sunrise.example.com"
    for sku, title, price, availability in DEMO_PRODUCTS:
        slug = sku.lower()
        description = f"{title}, baked at Sunrise Bakery"
        image, page = f"{site}/img/{slug}.jpg", f"{site}/p/{slug}"
        writer.writerow([sku, title, description, price, availability, image, page])
    with clock.frozen_at(when):
        catalog = catalog_actions.create_catalog(
            ben, sunrise, name="Sunrise Bakery shop", currency="USD", creator_account_id=shop.pk
        )
        catalog_actions.import_products(
            ben, catalog, file_name="sunrise-products.csv", content=out.getvalue().encode()
        )
        catalog_actions.create_product_set(
            ben, catalog, name="Preorders", kind="filter", rule={"availability": ["preorder"]}
        )
        catalog_actions.create_product_set(
            ben, catalog, name="Bestsellers", kind="manual", skus=["SB-001", "SB-002", "SB-003"]
        )


def _data_assets(
    users: dict[str, User],
    accounts: dict[str, CreatorAccount],
    sunrise: BusinessCenter,
    main: AdAccount,
    promo: AdAccount,
    start: dt.datetime,
) -> None:
    """A pixel on @sunrise.bakery's web shop syncing to Sunrise Main (a few events delivered),
    and a stopped sync to the holiday promo, so the status pages have a state and a reason."""
    import hashlib

    from bizlink.pixels import actions as pixel_actions
    from bizlink.pixels import sync as pixel_sync

    ben = users["ben"]
    with clock.frozen_at(start):
        pixel = pixel_actions.create_pixel(
            ben, sunrise, name="Sunrise Bakery web shop", account=accounts["sunrise.bakery"]
        )
        pixel_actions.link_pixel(ben, pixel, main)
        holiday = pixel_actions.link_pixel(ben, pixel, promo)
    for day, (name, value) in enumerate(
        [("ViewContent", None), ("AddToCart", "12.00"), ("CompletePayment", "39.00")]
    ):
        with clock.frozen_at(start + dt.timedelta(days=day, hours=2)):
            buyer = hashlib.sha256(f"buyer{day}@example.com".encode()).hexdigest()
            properties = {"value": value, "currency": "USD"} if value else {}
            pixel_actions.track_events(
                pixel,
                [
                    {
                        "event": name,
                        "event_id": f"demo-{day}-{n}",
                        "event_time": int(clock.now().timestamp()) - n * 60,
                        "user": {"email": buyer},
                        "properties": properties,
                    }
                    for n in range(2)
                ],
            )
            pixel_sync.deliver_due()
            if day == 1:
                pixel_actions.stop_sync(ben, holiday, reason="Holiday promo is over")
    from bizlink.audiences import actions as audience_actions
    from bizlink.audiences import refresh as audience_refresh

    with clock.frozen_at(start + dt.timedelta(days=3)):
        carts = audience_actions.create_pixel_audience(
            ben,
            main,
            name="Added to cart (30 days)",
            pixel=pixel,
            event="AddToCart",
            lookback_days=30,
        )
        audience_actions.share_audience(ben, carts, promo)
        audience_refresh.refresh_due()  # what the worker does after load_demo


def simulate_delivery_history(hours: int = 72) -> int:
    """Three simulated days of delivery right after the demo ads started (for `load_demo`).

    Kept out of `load()`, which every test runs: the ticks take a few seconds. Idempotent.
    """
    from bizlink.ads import simulation

    start = clock.now() - dt.timedelta(days=5)
    with clock.frozen_at(start + dt.timedelta(hours=hours)):
        simulation.run_hours(hours, progress=lambda report: None)
    return hours
