"""Cross-cutting checks over the whole URLconf.

1. Every `web:` URL declares an access policy (`public` or `signed_in`); every `oauth:` URL too,
   where `token` (OAuth client or bearer-token authentication, checked in tests/oauth) is also
   allowed; only the admin's own URLs (which have the staff check) are exempt, and they all live
   under /admin/.
2. Every `signed_in` URL sends an anonymous visitor to the login page, with `next` set; every
   `token` URL answers an anonymous request with an OAuth error, never the login page.
3. Tenancy: people outside a Business Center get 404 (never 403, never 200) on each of its URLs,
   with real ids, and other tenants' ids never resolve under their own Business Center either.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter, UUIDConverter

from bizlink.audiences.models import Audience
from bizlink.catalogs.models import Catalog
from bizlink.core.guards import public, token_auth
from bizlink.demo.data import Demo
from bizlink.links.models import Kind, Link, Status
from bizlink.pixels.models import Pixel, SyncBinding
from tests.web.conftest import LoginAs, snapshot

POLICIES = {"public", "signed_in"}
OAUTH_POLICIES = {*POLICIES, "token"}
# Public on purpose: the front door, and the OAuth server's metadata (RFC 8414). Adding a public
# view must be a conscious decision.
EXPECTED_PUBLIC = {
    "web:home",
    "web:login",
    "web:login_two_factor",  # the sign-in's code step: only after the password, for 5 minutes
    "web:logout",
    "web:signup",
    "web:healthz",
    "web:healthz_live",
    "web:metrics",  # guarded in the view: loopback or the METRICS_TOKEN bearer token
    "oauth:metadata",
    "web:pixel_collect",  # a pixel's browser events: like any pixel, no sign-in (no PII taken)
    "web:demo_shop",  # the demo shop page a pixel is installed on
}
# The Business API's own documents, and the sandbox controls (404 unless SANDBOX_MODE is on).
EXPECTED_PUBLIC |= {
    "open_api:openapi-json",
    "open_api:openapi-view",
    "open_api:api-root",
    "api:docs",
    "api:docs_slash",
    "api:sandbox",
    "api:sandbox_reset",
    "api:sandbox_token",
    "api:sandbox_clock",
    "api:sandbox_rate_limit",
    "api:request_log",
    "api:request_detail",
}
# Business API views check the Access-Token header per call (tests/api checks each answers an
# anonymous call with envelope code 40104).
API_POLICIES = {"public", "api_token"}


@dataclass(frozen=True)
class Route:
    route: str  # the full route, e.g. "business/<int:bc_id>/settings/people/"
    namespaces: tuple[str, ...]
    name: str | None  # fully qualified, e.g. "web:bc_people"
    callback: Callable[..., Any]
    converters: tuple[tuple[str, Any], ...]

    @property
    def namespace(self) -> str:
        return ":".join(self.namespaces)


def walk(
    resolver: URLResolver | None = None,
    prefix: str = "",
    namespaces: tuple[str, ...] = (),
    converters: tuple[tuple[str, Any], ...] = (),
) -> Iterator[Route]:
    """Every URLPattern in the URLconf, recursing through includes."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        own = tuple(getattr(entry.pattern, "converters", {}).items())
        if isinstance(entry, URLResolver):
            yield from walk(
                entry,
                prefix + str(entry.pattern),
                namespaces + ((entry.namespace,) if entry.namespace else ()),
                converters + own,
            )
        elif isinstance(entry, URLPattern):
            qualified = ":".join([*namespaces, entry.name]) if entry.name else None
            yield Route(
                prefix + str(entry.pattern), namespaces, qualified, entry.callback, converters + own
            )


ROUTES = list(walk())
WEB = [r for r in ROUTES if r.namespaces[:1] == ("web",)]
NOT_ADMIN = [r for r in ROUTES if r.namespaces[:1] != ("admin",)]


def policy_of(route: Route) -> str | None:
    return getattr(route.callback, "access_policy", None)


SIGNED_IN = [r for r in NOT_ADMIN if policy_of(r) == "signed_in"]
TOKEN = [r for r in NOT_ADMIN if policy_of(r) == "token"]
# Business Center URLs: everything below one Business Center.
BC_ROUTES = [r for r in WEB if re.match(r"business/<\w+:bc_id>/", r.route)]


def policy_problems(routes: list[Route]) -> list[str]:
    problems = []
    for r in routes:
        top = r.namespaces[:1]
        if top == ("admin",):
            if not r.route.startswith("admin/"):
                problems.append(f"admin URL {r.name} is outside /admin/: {r.route}")
        elif r.route.startswith("admin/"):
            problems.append(f"{r.name} ({r.route}) is under /admin/ without the staff check")
        elif top in {("web",), ("oauth",), ("api",), ("open_api",)}:
            policy = policy_of(r)
            allowed = POLICIES
            if top == ("oauth",):
                allowed = OAUTH_POLICIES
            elif top in {("api",), ("open_api",)}:
                allowed = API_POLICIES
            if policy not in allowed:
                problems.append(f"{r.name} ({r.route}) has no access policy (got {policy!r})")
        else:
            problems.append(f"{r.route} ({r.name}) is neither in web:, oauth: nor the admin")
    return problems


def test_every_web_url_has_an_access_policy() -> None:
    assert len(WEB) >= 25, f"the walk found only {len(WEB)} web URLs: is it recursing?"
    assert any(r.namespaces[:1] == ("admin",) for r in ROUTES), "the admin is not mounted"
    assert policy_problems(ROUTES) == []


def test_public_urls_are_only_the_front_door() -> None:
    assert {r.name for r in NOT_ADMIN if policy_of(r) == "public"} == EXPECTED_PUBLIC


def test_the_policy_check_catches_a_view_without_policy() -> None:
    def bare_view(request: Any) -> None: ...

    def view() -> Callable[..., None]:
        def fresh(request: Any) -> None: ...

        return fresh

    bad = [
        Route("secret/", ("web",), "web:secret", bare_view, ()),
        Route("admin-copy/", ("admin",), "admin:copy", bare_view, ()),
        Route("loose/", (), "loose", bare_view, ()),
        Route("oauth/x/", ("oauth",), "oauth:x", bare_view, ()),
        Route("admin/sneaky/", ("web",), "web:sneaky", public(view()), ()),
        Route("session-less/", ("web",), "web:t", token_auth(view()), ()),
    ]
    assert len(policy_problems(bad)) == 6
    fine = Route("oauth/t/", ("oauth",), "oauth:t", token_auth(view()), ())
    assert policy_problems([fine]) == []


def dummy_url(route: Route) -> str:
    kwargs: dict[str, Any] = {}
    for name, converter in route.converters:
        if isinstance(converter, IntConverter):
            kwargs[name] = 1
        elif isinstance(converter, UUIDConverter):
            kwargs[name] = uuid.uuid4()
        else:
            kwargs[name] = "x"
    assert route.name is not None
    return reverse(route.name, kwargs=kwargs)


@pytest.mark.django_db
@pytest.mark.parametrize("route", SIGNED_IN, ids=[r.name or r.route for r in SIGNED_IN])
def test_anonymous_visitor_is_sent_to_login(client: Client, route: Route) -> None:
    url = dummy_url(route)
    for method in (client.get, client.post):
        response = method(url)
        assert response.status_code == 302, (method.__name__, url, response.status_code)
        location = urlsplit(response["Location"])
        assert location.path == reverse("web:login") == "/login/"
        assert parse_qs(location.query) == {"next": [url]}


@pytest.mark.django_db
@pytest.mark.parametrize("route", TOKEN, ids=[r.name or r.route for r in TOKEN])
def test_token_urls_answer_anonymous_requests_with_an_error(client: Client, route: Route) -> None:
    url = dummy_url(route)
    statuses = {"GET": client.get(url).status_code, "POST": client.post(url).status_code}
    assert set(statuses.values()) <= {400, 401, 405}, statuses
    assert {400, 401} & set(statuses.values()), statuses


def test_signed_in_covers_every_business_center_url() -> None:
    assert len(BC_ROUTES) >= 15
    assert {r.name for r in BC_ROUTES} <= {r.name for r in SIGNED_IN}


# --- tenancy --------------------------------------------------------------------------------


def _ids(demo: Demo) -> dict[str, Any]:
    """Real ids of Sunrise Bakery's objects, as the URLs take them."""
    sara, bakes, main = demo.users["sara"], demo.accounts["maya.bakes"], demo.ad_accounts["main"]
    live = Link.objects.filter(status=Status.ACTIVE)
    return {
        "bc_id": demo.sunrise.pk,
        "account_id": bakes.pk,
        "ad_account_id": main.pk,
        "member_id": live.get(kind=Kind.MEMBERSHIP, business=demo.sunrise, user=sara).pk,
        "tiktok_permission_id": live.get(kind=Kind.ASSET_PERMISSION, user=sara, account=bakes).pk,
        "ad_permission_id": live.get(kind=Kind.ASSET_PERMISSION, user=sara, ad_account=main).pk,
        "link_id": live.get(kind=Kind.PARTNERSHIP, business=demo.sunrise).pk,
        "share_id": live.get(kind=Kind.PARTNER_SHARE, business=demo.sunrise).pk,
        "pixel_id": Pixel.objects.get(business=demo.sunrise).pk,
        "binding_id": SyncBinding.objects.filter(business=demo.sunrise).order_by("pk")[0].pk,
        "audience_id": Audience.objects.get(business=demo.sunrise).pk,
        **_catalog_ids(demo),
    }


def _catalog_ids(demo: Demo) -> dict[str, int]:
    catalog = Catalog.objects.get(business=demo.sunrise)
    return {
        "catalog_id": catalog.pk,
        "set_id": catalog.product_sets.order_by("pk")[0].pk,
        "import_id": catalog.imports.order_by("pk")[0].pk,
    }


def real_url(route: Route, ids: dict[str, Any]) -> str:
    kwargs = {}
    for name, _ in route.converters:
        key = name
        if name == "permission_id":
            key = "ad_permission_id" if "ad_account_id" in route.route else "tiktok_permission_id"
        kwargs[name] = ids[key]
    assert route.name is not None
    return reverse(route.name, kwargs=kwargs)


def assert_hidden(client: Client, url: str) -> list[str]:
    """404 for GET and POST (405 is fine for one of them: it says nothing about the tenant)."""
    statuses = {"GET": client.get(url).status_code, "POST": client.post(url).status_code}
    ok = 404 in statuses.values() and set(statuses.values()) <= {404, 405}
    return [] if ok else [f"{url}: {statuses}"]


@pytest.mark.parametrize("persona", ["olivia", "alex", "jo"])
def test_outsiders_get_404_on_every_sunrise_url(
    demo: Demo, login_as: LoginAs, persona: str
) -> None:
    """olivia belongs to no business; alex and jo are Northwind, a *partner* of Sunrise."""
    client = login_as(persona)
    ids = _ids(demo)
    before = snapshot()
    failures = [f for route in BC_ROUTES for f in assert_hidden(client, real_url(route, ids))]
    assert failures == []
    assert snapshot() == before
    # Sanity: the same URLs do work for a Sunrise admin, so the 404s above mean something.
    ben = login_as("ben")
    for route in BC_ROUTES:
        url = real_url(route, ids)
        if len(route.converters) > 1:
            continue  # pages of one object: checked for ben below
        assert ben.get(url).status_code == 200, url
    assert ben.get(real_url(_route("web:bc_tiktok_account"), ids)).status_code == 200
    assert ben.get(real_url(_route("web:bc_ad_account"), ids)).status_code == 200
    assert ben.get(real_url(_route("web:bc_person_remove"), ids)).status_code == 200
    assert ben.get(real_url(_route("web:bc_tiktok_permission_remove"), ids)).status_code == 200
    assert ben.get(real_url(_route("web:bc_ad_permission_remove"), ids)).status_code == 200


def _route(name: str) -> Route:
    return next(r for r in WEB if r.name == name)


def test_sunrise_ids_do_not_resolve_under_northwind(demo: Demo, login_as: LoginAs) -> None:
    """alex is Admin of Northwind: Sunrise's ids put into Northwind's URLs are still 'not found'
    (not 403, which would reveal that they exist and who administers them)."""
    client = login_as("alex")
    # @maya.bakes is shared with Northwind, so the foreign account is Sunrise's own one.
    foreign = {
        **_ids(demo),
        "bc_id": demo.northwind.pk,
        "account_id": demo.accounts["sunrise.bakery"].pk,
    }
    # Northwind's own objects, so that only the *last* id in a URL is foreign: its ad account,
    # and @maya.bakes, which Sunrise shares with Northwind.
    own = {
        **foreign,
        "ad_account_id": demo.northwind.ad_accounts.get().pk,
        "account_id": demo.accounts["maya.bakes"].pk,
    }
    assert client.get(real_url(_route("web:bc_ad_account"), own)).status_code == 200
    assert client.get(real_url(_route("web:bc_tiktok_account"), own)).status_code == 200
    before = snapshot()
    failures = []
    for route in BC_ROUTES:
        names = [name for name, _ in route.converters]
        if names == ["bc_id"]:
            continue  # Northwind's own list pages: alex may see them
        failures += assert_hidden(client, real_url(route, foreign))
        if len(names) > 2:
            failures += assert_hidden(client, real_url(route, own))
    assert failures == []
    assert snapshot() == before


def test_someone_elses_change_result_is_not_found(demo: Demo, login_as: LoginAs) -> None:
    maya = login_as("maya")
    ids = _ids(demo)
    bakes = demo.accounts["maya.bakes"].pk
    mine = Link.objects.get(kind=Kind.ASSET_PERMISSION, user=demo.users["maya"], account_id=bakes)
    url = reverse("web:bc_tiktok_permission_remove", args=[ids["bc_id"], bakes, mine.pk])
    result = maya.post(url)
    assert result.status_code == 302
    assert maya.get(result["Location"]).status_code == 200
    for persona in ("sara", "ben", "olivia"):
        assert login_as(persona).get(result["Location"]).status_code == 404, persona


ID_ROUTES = [r for r in NOT_ADMIN if any(isinstance(c, IntConverter) for _, c in r.converters)]


@pytest.mark.parametrize("route", ID_ROUTES, ids=[r.name or r.route for r in ID_ROUTES])
def test_absurd_ids_are_not_found(demo: Demo, login_as: LoginAs, route: Route) -> None:
    """A 30-digit id is 'not found' on every URL, never a crash (SQLite cannot even compare
    such a number with a 64-bit column)."""
    client = login_as("ben")
    converters = dict(route.converters)

    def fill(huge: str) -> str:
        def value(match: re.Match[str]) -> str:
            name = match.group(2)
            if isinstance(converters[name], UUIDConverter):
                return str(uuid.uuid4())
            if name == huge:
                return "9" * 30
            return str(demo.sunrise.pk if name == "bc_id" else 1)

        return "/" + re.sub(r"<(\w+):(\w+)>", value, route.route)

    for name, converter in route.converters:
        if isinstance(converter, IntConverter):
            url = fill(name)
            assert "9" * 30 in url
            for method in (client.get, client.post):
                assert method(url).status_code in (404, 405), (method.__name__, url)
