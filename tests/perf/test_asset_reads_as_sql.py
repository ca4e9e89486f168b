"""The two Business Center reads every `bc/...` API call makes are written as SQL
(`queries.business_by_id`, `queries.ad_account_page`); they must answer exactly what the ORM
reads they replace answer: the same rows in the same order, the same totals, the same model
objects (field by field, SQLite's datetimes and booleans converted), and nothing of another
Business Center.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from bizlink import policy
from bizlink.accounts.models import User
from bizlink.businesses import actions as bc_actions
from bizlink.businesses import queries
from bizlink.businesses.models import AdAccount, BusinessCenter
from bizlink.core.errors import NotFound
from bizlink.demo.data import Demo
from bizlink.links.models import Role
from bizlink.sandbox import actions as sandbox_actions
from tests.factories import add_member, make_account, make_ad_account, make_business, make_user

pytestmark = pytest.mark.django_db

NAMES = ["Beta", "alpha", "Alpha", "100% organic", "under_score", "Gamma ray", "beta max", "Zed"]


def _fields(obj: Any) -> dict[str, Any]:
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}


def _orm_page(bc: BusinessCenter, actor: User, keyword: str, start: int, size: int) -> Any:
    rows = queries.ad_accounts(bc, actor)
    if keyword:
        rows = rows.filter(name__icontains=keyword)
    return list(rows[start : start + size]), rows.count()


@pytest.fixture
def tenant() -> dict[str, Any]:
    admin = make_user()
    bc = make_business(admin)
    ads = [make_ad_account(bc, name=name) for name in NAMES]
    analyst = make_user()
    member = add_member(bc, admin, analyst, role=Role.STANDARD)
    for ad in ads[::2]:
        bc_actions.assign_asset_permission(
            admin, bc, member=member, role=Role.ANALYST, ad_account=ad
        )
    other = make_business()
    make_ad_account(other, name="alpha of another tenant")
    return {"bc": bc, "admin": admin, "analyst": analyst, "other": other, "outsider": make_user()}


@pytest.mark.parametrize("who", ["admin", "analyst", "outsider"])
@pytest.mark.parametrize("keyword", ["", "a", "ALPHA", "%", "_", "beta", "nothing"])
def test_every_page_matches_the_orm(tenant: dict[str, Any], who: str, keyword: str) -> None:
    bc, actor = tenant["bc"], tenant[who]
    for size in (1, 3, 50):
        for start in range(0, len(NAMES) + size + 1, size):
            expected, expected_total = _orm_page(bc, actor, keyword, start, size)
            got, total = queries.ad_account_page(bc, actor, keyword=keyword, start=start, size=size)
            assert [_fields(a) for a in got] == [_fields(a) for a in expected], (start, size)
            assert total == expected_total, (start, size)
            assert all(type(a) is AdAccount and a._state.adding is False for a in got)
            # ... and read in one statement with the Business Center and the membership
            got_bc, got_link, page, page_total = queries.business_with_ad_account_page(
                bc.pk, actor, keyword=keyword, start=start, size=size
            )
            assert got_bc is not None and _fields(got_bc) == _fields(bc), (start, size)
            assert [_fields(a) for a in page] == [_fields(a) for a in expected], (start, size)
            assert page_total == expected_total, (start, size)
            member = policy.membership(actor, bc)
            assert (got_link is None) == (member is None) == (who == "outsider")
            assert member is None or (got_link and _fields(got_link) == _fields(member))


def test_the_business_center_is_the_orm_s(tenant: dict[str, Any]) -> None:
    bc = tenant["bc"]
    BusinessCenter.objects.filter(pk=bc.pk).update(require_two_factor=True)
    got = queries.business_by_id(bc.pk)
    assert got is not None
    assert _fields(got) == _fields(BusinessCenter.objects.get(pk=bc.pk))
    assert got.require_two_factor is True and got.created_at.tzinfo is not None
    assert queries.business_by_id(10**17) is None


def test_the_api_filters_pages_and_keeps_tenants_apart(demo: Demo, tenant: dict[str, Any]) -> None:
    # (the demo first: it holds the sandbox app the token is issued for)
    bc, other = tenant["bc"], tenant["other"]
    account = make_account(owner=tenant["analyst"])
    token = sandbox_actions.issue_token(email=tenant["analyst"].email, handle=account.handle)
    client = Client(HTTP_ACCESS_TOKEN=token["access_token"])

    def asset_get(bc_id: int, **params: str) -> Any:
        query = {"bc_id": str(bc_id), "asset_type": "ADVERTISER", **params}
        return client.get("/open_api/v1.3/bc/asset/get/", query).json()

    answer = asset_get(bc.pk, filtering='{"keyword": "BETA"}', page_size="1", page="2")
    assert answer["code"] == 0, answer
    expected, total = _orm_page(bc, tenant["analyst"], "BETA", 1, 1)
    assert answer["data"]["page_info"]["total_number"] == total == 2
    assert [i["asset_name"] for i in answer["data"]["list"]] == [a.name for a in expected]
    assert {i["advertiser_role"] for i in answer["data"]["list"]} == {"ANALYST"}

    far = asset_get(bc.pk, page="9", page_size="50")
    assert far["data"]["list"] == [] and far["data"]["page_info"]["total_number"] == 4

    refused = asset_get(other.pk)
    assert refused["code"] in (40001, 40007) and refused["data"] == {}, refused
    assert "another tenant" not in str(refused)


@pytest.mark.parametrize("who", ["admin", "analyst", "outsider", "removed", "invited"])
def test_business_with_membership_matches_the_policy(tenant: dict[str, Any], who: str) -> None:
    """The Business Center and the membership read in one statement are what
    `business_by_id` and `policy.membership` read apart (the rule is the policy's)."""
    bc, admin = tenant["bc"], tenant["admin"]
    if who == "removed":
        person = make_user()
        link = add_member(bc, admin, person, role=Role.ADMIN)
        bc_actions.remove_member(admin, link)
    elif who == "invited":
        person = make_user()
        bc_actions.invite_member(admin, bc, email=person.email, role=Role.ADMIN)
    else:
        person = tenant[who]
    got_bc, got_link = queries.business_with_membership(bc.pk, person)
    assert got_bc is not None and _fields(got_bc) == _fields(queries.business_by_id(bc.pk))
    expected = policy.membership(person, bc)
    assert (got_link is None) == (expected is None) == (who in ("outsider", "removed", "invited"))
    if expected is not None:
        assert got_link is not None and _fields(got_link) == _fields(expected)
    assert queries.business_with_membership(tenant["other"].pk + 1000, person) == (None, None)
    assert queries.business_with_ad_account_page(tenant["other"].pk + 1000, person) == (
        None,
        None,
        [],
        0,
    )


def test_the_membership_read_with_the_business_is_the_calls_fact(tenant: dict[str, Any]) -> None:
    """Within a call that shares its facts, `access.business_for` hands the policy the
    membership it read with the Business Center; outside one, the policy reads it itself."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bizlink.businesses import access

    bc, analyst = tenant["bc"], tenant["analyst"]
    with policy.deciding_many(), CaptureQueriesContext(connection) as shared:
        assert access.business_for(analyst, bc.pk) == bc
        assert not policy.is_admin(analyst, bc)
    assert len(shared.captured_queries) == 1
    with CaptureQueriesContext(connection) as apart:
        assert access.business_for(analyst, bc.pk) == bc
    assert len(apart.captured_queries) == 2
    with pytest.raises(NotFound), policy.deciding_many():
        access.business_for(tenant["outsider"], bc.pk)


def test_bc_asset_get_says_an_unknown_business_center_before_a_bad_parameter(
    demo: Demo, tenant: dict[str, Any]
) -> None:
    """The page is read with the Business Center, so its parameters are checked first; an
    unknown or foreign Business Center is still what the caller hears first."""
    account = make_account(owner=tenant["admin"])
    token = sandbox_actions.issue_token(email=tenant["admin"].email, handle=account.handle)
    client = Client(HTTP_ACCESS_TOKEN=token["access_token"])

    def code(bc_id: int, **params: str) -> int:
        query = {"bc_id": str(bc_id), "asset_type": "ADVERTISER", **params}
        return int(client.get("/open_api/v1.3/bc/asset/get/", query).json()["code"])

    bad = [{"asset_type": "PIXEL"}, {"page_size": "51"}, {"page": "0"}, {"filtering": "{"}]
    for params in bad:
        assert code(tenant["bc"].pk, **params) == 40002, params
        assert code(tenant["other"].pk, **params) == 40007, params
        assert code(10**15, **params) == 40007, params
    assert code(tenant["bc"].pk) == 0 and code(tenant["other"].pk) == 40007
