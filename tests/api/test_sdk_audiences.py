"""Custom audiences through the official SDK's AudienceApi: list, get, share, cancel a share and
the share log, their error paths, and that another Business Center's token (Alex) reads and
changes nothing of Sunrise's audiences."""

from __future__ import annotations

from typing import Any

import business_api_client as sdk
import pytest

from bizlink.audiences import queries as audience_queries
from bizlink.audiences.models import Audience
from tests.api.conftest import sdk_error

MAIN = "1"


@pytest.fixture
def api(sdk_client: Any) -> sdk.AudienceApi:
    return sdk.AudienceApi(sdk_client)


@pytest.fixture
def ids(sandbox: dict[str, Any]) -> dict[str, str]:
    """The demo audience (owned by Sunrise Main, shared with the Holiday Promo), ad accounts."""
    ad_accounts = sandbox["ad_accounts"]
    assert str(ad_accounts["Sunrise Main"]) == MAIN
    audience = Audience.objects.get(name="Added to cart (30 days)")
    alex_ad_account = next(
        str(pk) for name, pk in ad_accounts.items() if not name.startswith("Sunrise")
    )
    return {
        "audience": str(audience.pk),
        "promo": str(ad_accounts["Sunrise Holiday Promo"]),
        "alex_ad_account": alex_ad_account,
    }


def _share(api: Any, t: str, audience: str, shared: list[str], owner: str = MAIN) -> Any:
    body = sdk.CustomAudienceShareBody(
        advertiser_id=owner, custom_audience_ids=[audience], shared_advertiser_ids=shared
    )
    return api.dmp_custom_audience_share(t, body=body)


def _cancel(api: Any, t: str, audience: str, shared: str, owner: str = MAIN) -> Any:
    body = sdk.ShareCancelBody(
        advertiser_id=owner, custom_audience_id=audience, shared_advertiser_id=shared
    )
    return api.dmp_custom_audience_share_cancel(t, body=body)


def test_list_and_get_show_owned_and_shared_audiences(
    api: Any, token: Any, ids: dict[str, str]
) -> None:
    t = token()
    listed = api.dmp_custom_audience_list(MAIN, t)["data"]
    assert listed["page_info"]["total_number"] == 1
    mine = listed["list"][0]
    assert mine["audience_id"] == ids["audience"] and mine["is_creator"] is True
    assert mine["audience_type"] == "PIXEL_EVENTS"
    # The Holiday Promo ad account sees it as shared with it.
    theirs = api.dmp_custom_audience_list(ids["promo"], t, custom_audience_ids=[ids["audience"]])
    assert theirs["data"]["list"][0]["shared"] is True
    got = api.dmp_custom_audience_get(MAIN, [ids["audience"]], t, history_size=5)["data"]["list"]
    assert got[0]["audience_details"]["name"] == "Added to cart (30 days)"
    assert "AddToCart" in got[0]["audience_details"]["rule"]
    assert {h["advertiser_id"] for h in got[0]["audience_history"]} == {MAIN, ids["promo"]}


def test_list_and_get_error_paths(api: Any, token: Any, ids: dict[str, str]) -> None:
    t = token()
    code, message = sdk_error(lambda: api.dmp_custom_audience_get(MAIN, [], t))
    assert code == 40002 and "custom_audience_ids is required" in message
    code, message = sdk_error(lambda: api.dmp_custom_audience_get(MAIN, ["999999"], t))
    assert code == 40007 and "No such audience" in message
    code, message = sdk_error(lambda: api.dmp_custom_audience_list(MAIN, t, page_size=101))
    assert code == 40002 and "page_size" in message
    code, message = sdk_error(lambda: api.dmp_custom_audience_list("abc", t))
    assert code == 40002 and "advertiser_id must be a numeric ID" in message


def test_cancel_then_share_again_with_the_log(api: Any, token: Any, ids: dict[str, str]) -> None:
    t = token()
    audience = Audience.objects.get(pk=ids["audience"])
    ended = _cancel(api, t, ids["audience"], ids["promo"])["data"]
    assert ended["ended_links"] >= 1 and ended["change_id"]
    assert audience_queries.live_share(audience, int(ids["promo"])) is None
    gone = api.dmp_custom_audience_list(ids["promo"], t)["data"]["list"]
    assert ids["audience"] not in [a["audience_id"] for a in gone]
    code, message = sdk_error(lambda: _cancel(api, t, ids["audience"], ids["promo"]))
    assert code == 40002 and "not shared with advertiser" in message

    assert _share(api, t, ids["audience"], [ids["promo"]])["data"] == {}
    assert audience_queries.live_share(audience, int(ids["promo"])) is not None
    log = api.dmp_custom_audience_share_log(MAIN, ids["audience"], t)["data"]["list"]
    assert [e["action"] for e in log] == ["SHARE", "CANCEL", "SHARE"]
    assert {e["shared_advertiser_id"] for e in log} == {ids["promo"]}
    assert log[1]["operator_name"] and log[1]["action_time"]


def test_share_error_paths_change_nothing(api: Any, token: Any, ids: dict[str, str]) -> None:
    t = token()
    audience = Audience.objects.get(pk=ids["audience"])
    before = audience_queries.syncs_of(audience).count()
    code, message = sdk_error(lambda: _share(api, t, ids["audience"], [ids["promo"]]))
    assert code == 40002 and "already syncs" in message  # shared with the promo already
    code, message = sdk_error(lambda: _share(api, t, ids["audience"], [MAIN]))
    assert code == 40002 and "owns the audience already" in message
    code, message = sdk_error(lambda: _share(api, t, ids["audience"], []))
    assert code == 40002 and "shared_advertiser_ids is required" in message
    code, message = sdk_error(lambda: _share(api, t, ids["audience"], [ids["alex_ad_account"]]))
    assert code == 40007 and "No such ad account" in message
    # Only the owner shares: the promo account received it, it cannot pass it on.
    code, message = sdk_error(lambda: _share(api, t, ids["audience"], [MAIN], owner=ids["promo"]))
    assert code == 40002 and "only its owner" in message
    code, _ = sdk_error(lambda: api.dmp_custom_audience_share(t))  # the SDK sends {}
    assert code == 40002
    assert audience_queries.syncs_of(audience).count() == before


def test_another_business_center_reads_and_changes_nothing(
    api: Any, token: Any, ids: dict[str, str]
) -> None:
    alex = token("alex@example.com")
    audience = Audience.objects.get(pk=ids["audience"])
    before = list(audience_queries.syncs_of(audience).values_list("pk", "link__status"))
    own = ids["alex_ad_account"]
    calls = {
        "list": lambda: api.dmp_custom_audience_list(MAIN, alex),
        "get": lambda: api.dmp_custom_audience_get(MAIN, [ids["audience"]], alex),
        "get via own ad account": lambda: api.dmp_custom_audience_get(own, [ids["audience"]], alex),
        "share": lambda: _share(api, alex, ids["audience"], [ids["promo"]]),
        "share from own ad account": lambda: _share(api, alex, ids["audience"], [own], owner=own),
        "cancel": lambda: _cancel(api, alex, ids["audience"], ids["promo"]),
        "cancel via own ad account": lambda: _cancel(
            api, alex, ids["audience"], ids["promo"], owner=own
        ),
        "log": lambda: api.dmp_custom_audience_share_log(MAIN, ids["audience"], alex),
        "log via own ad account": lambda: api.dmp_custom_audience_share_log(
            own, ids["audience"], alex
        ),
    }
    for name, call in calls.items():
        code, message = sdk_error(call)
        assert code in (40001, 40007), (name, code, message)
        assert "Added to cart" not in message
    # Alex's own ad account lists none of Sunrise's audiences.
    assert api.dmp_custom_audience_list(own, alex)["data"]["list"] == []
    assert list(audience_queries.syncs_of(audience).values_list("pk", "link__status")) == before


def _make_maya_an_operator(sdk_client: Any, ben: str) -> None:
    """Maya (a Standard member of Sunrise) operates both its ad accounts, granted by the API."""
    for ad_account in (MAIN, "2"):
        body = sdk.AssetAssignBody(
            bc_id="1",
            user_id="1",
            asset_type="ADVERTISER",
            asset_id=ad_account,
            advertiser_role="OPERATOR",
        )
        sdk.BCApi(sdk_client).bc_asset_assign(ben, body=body)


def test_a_standard_member_reads_but_the_policy_refuses_sharing(
    api: Any, sdk_client: Any, token: Any, ids: dict[str, str]
) -> None:
    _make_maya_an_operator(sdk_client, token())
    maya = token("maya@example.com")  # a Standard member of Sunrise Bakery
    listed = api.dmp_custom_audience_list(MAIN, maya)["data"]["list"]
    assert [a["audience_id"] for a in listed] == [ids["audience"]]
    code, message = sdk_error(lambda: _cancel(api, maya, ids["audience"], ids["promo"]))
    assert code == 40001 and "admin" in message.lower(), message
    audience = Audience.objects.get(pk=ids["audience"])
    assert audience_queries.live_share(audience, int(ids["promo"])) is not None
