"""Benchmark 3's call, `bc/asset/get`, costs a fixed handful of statements (docs/scaling.md):
the token with its grant, app and user (one join) and the rate-limit count with the app's limit
(one upsert) -- one statement on PostgreSQL, a data-modifying WITH --, and the Business Center
with the caller's membership (which also answers "admin?") and the page with its total (one
window count) in one statement. The same two (three on SQLite) at any size of the Business
Center, and none of them remembers a decision: a removal committed just before the next call
refuses that call.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bizlink.businesses import actions as bc_actions
from bizlink.core import clock
from bizlink.demo.data import Demo
from bizlink.links.models import Kind, Link, Role, Status
from bizlink.sandbox import actions as sandbox_actions
from bizlink.sandbox.models import RateWindow
from tests import demo_snapshot
from tests.factories import add_member, make_account, make_ad_account, make_user


def expected_statements() -> int:
    """Token+grant with the rate limit (two on SQLite, which has no data-modifying WITH),
    then the Business Center with the membership and the page with its total."""
    return 2 if connection.vendor == "postgresql" else 3


def expected_member_statements() -> int:
    """... and, for a member who is not an admin, their roles on the page's ad accounts."""
    return expected_statements() + 1


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
    expected = expected_statements() if persona == "admin" else expected_member_statements()
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

    answer, count = _asset_get(client, bc.pk)
    assert answer["code"] == 40007, answer  # the Business Center is "not found" for outsiders
    assert count <= expected_statements()


# --- the rate-limit count rides on the token's read --------------------------------------


def _calls_counted() -> int:
    return sum(RateWindow.objects.values_list("calls", flat=True))


def _token_of(user: Any) -> str:
    account = make_account(owner=user)
    return str(sandbox_actions.issue_token(email=user.email, handle=account.handle)["access_token"])


def test_only_usable_tokens_are_counted(demo: Demo) -> None:
    """A call is counted against its app's limit only when its token is usable (known, grant
    active, not expired), in the same statement that reads the token on PostgreSQL."""
    ben = demo.users["ben"]
    value = _token_of(ben)
    now = clock.now()
    before = _calls_counted()

    token, grant, counted = sandbox_actions.access_token_counting_call(value, now)
    assert token is not None and grant is not None and grant.user == ben
    assert counted is not None and counted[0] is True
    assert _calls_counted() == before + 1

    assert sandbox_actions.access_token_counting_call("no such token", now) == (None, None, None)
    expired = token.expires + dt.timedelta(seconds=1)
    token, grant, counted = sandbox_actions.access_token_counting_call(value, expired)
    assert token is not None and grant is not None and counted is None
    Link.objects.filter(pk=grant.pk).update(status=Status.REVOKED)
    token, grant, counted = sandbox_actions.access_token_counting_call(value, now)
    assert grant is not None and grant.status == Status.REVOKED and counted is None
    assert _calls_counted() == before + 1


def test_the_limit_is_exact_and_answered_with_the_count(demo: Demo) -> None:
    value = _token_of(demo.users["ben"])
    token, _grant, _counted = sandbox_actions.access_token_counting_call(value, clock.now())
    assert token is not None
    sandbox_actions.set_rate_limit(token.application.client_id, 3)
    RateWindow.objects.all().delete()
    answers = [sandbox_actions.access_token_counting_call(value, clock.now())[2] for _ in range(4)]
    assert answers == [(True, 3), (True, 3), (True, 3), (False, 3)]


def test_counting_outside_a_transaction_commits_the_count(transactional_db: None) -> None:
    """Alone (autocommit, as under gunicorn), the statement relaxes its own commit on
    PostgreSQL (synchronous_commit off) and still counts."""
    value = _token_of(demo_snapshot.demo().users["ben"])
    assert not connection.in_atomic_block
    for expected in (1, 2):
        _token, _grant, counted = sandbox_actions.access_token_counting_call(value, clock.now())
        assert counted is not None and counted[0]
        assert _calls_counted() == expected
