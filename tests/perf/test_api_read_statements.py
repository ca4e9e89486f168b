"""Benchmark 3's call, `bc/asset/get`, costs a fixed handful of statements (docs/scaling.md):
the token with its grant, app and user (one join), the rate-limit count with the app's limit (one
upsert), the Business Center, the caller's membership (which also answers "admin?"), and the page
with its total (one window count). The same five at any size of the Business Center, and none of
them remembers a decision: a removal committed just before the next call refuses that call.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bizlink.businesses import actions as bc_actions
from bizlink.demo.data import Demo
from bizlink.links.models import Kind, Link, Role, Status
from bizlink.sandbox import actions as sandbox_actions
from tests.factories import add_member, make_account, make_ad_account, make_user

# token+grant, rate limit, Business Center, membership, page with its total
STATEMENTS = 5
# ... and, for a member who is not an admin, their roles on the page's ad accounts
MEMBER_STATEMENTS = STATEMENTS + 1


def _asset_get(client: Client, bc_id: int, asset_type: str = "ADVERTISER") -> tuple[Any, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(
            "/open_api/v1.3/bc/asset/get/",
            {"bc_id": str(bc_id), "asset_type": asset_type, "page_size": "2"},
        )
    assert response.status_code == 200
    return response.json(), len(queries.captured_queries)


def _client_for(user: Any) -> Client:
    account = make_account(owner=user)
    token = sandbox_actions.issue_token(email=user.email, handle=account.handle)
    return Client(HTTP_ACCESS_TOKEN=token["access_token"])


@pytest.mark.parametrize("persona", ["admin", "analyst"])
def test_bc_asset_get_statements_are_few_and_do_not_grow(demo: Demo, persona: str) -> None:
    bc, ben = demo.sunrise, demo.users["ben"]
    caller, member = ben, None
    if persona == "analyst":
        caller = make_user()
        member = add_member(bc, ben, caller, role=Role.STANDARD)

    def new_ad_account() -> None:
        ad_account = make_ad_account(bc)
        if member is not None:
            bc_actions.assign_asset_permission(
                ben, bc, member=member, role=Role.ANALYST, ad_account=ad_account
            )

    new_ad_account()
    client = _client_for(caller)
    # Warm-up: the first call of a minute creates the app's rate-limit row (same statement).
    _asset_get(client, bc.pk)

    small, n_small = _asset_get(client, bc.pk)
    for _ in range(6):
        new_ad_account()
    large, n_large = _asset_get(client, bc.pk)

    assert small["code"] == 0 and large["code"] == 0, (small, large)
    expected = STATEMENTS if persona == "admin" else MEMBER_STATEMENTS
    assert n_small == n_large == expected, (n_small, n_large)
    info_small, info_large = small["data"]["page_info"], large["data"]["page_info"]
    assert info_large["total_number"] == info_small["total_number"] + 6
    assert len(large["data"]["list"]) == 2
    role = "ADMIN" if persona == "admin" else "ANALYST"
    assert {item["advertiser_role"] for item in large["data"]["list"]} == {role}


def test_page_total_matches_a_separate_count(demo: Demo) -> None:
    """The window count answers the same total as counting apart, on every page and past the
    last one (an empty page counts apart)."""
    bc = demo.sunrise
    for _ in range(5):
        make_ad_account(bc)
    client = _client_for(demo.users["ben"])
    expected = bc.ad_accounts.count()
    seen = []
    for page in range(1, expected // 2 + 3):
        answer = client.get(
            "/open_api/v1.3/bc/asset/get/",
            {"bc_id": str(bc.pk), "asset_type": "ADVERTISER", "page_size": "2", "page": str(page)},
        ).json()
        assert answer["code"] == 0, answer
        assert answer["data"]["page_info"]["total_number"] == expected
        seen += [item["asset_id"] for item in answer["data"]["list"]]
    assert len(seen) == len(set(seen)) == expected


def test_a_removed_member_is_refused_on_the_next_call(demo: Demo) -> None:
    """Nothing about the caller's access outlives a call: the membership is read every time."""
    bc, ben = demo.sunrise, demo.users["ben"]
    member = make_user()
    add_member(bc, ben, member, role=Role.ADMIN)
    client = _client_for(member)
    assert _asset_get(client, bc.pk)[0]["code"] == 0

    link = Link.objects.get(kind=Kind.MEMBERSHIP, business=bc, user=member, status=Status.ACTIVE)
    bc_actions.remove_member(ben, link)

    answer, statements = _asset_get(client, bc.pk)
    assert answer["code"] == 40007, answer  # the Business Center is "not found" for outsiders
    assert statements <= STATEMENTS
