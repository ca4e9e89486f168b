"""advertiser/info for an ad account a person owns (no Business Center): answered, not a crash."""

from __future__ import annotations

import json

from django.test import Client

from bizlink.businesses import actions as bc_actions
from bizlink.demo.data import Demo
from bizlink.sandbox import actions as sandbox_actions
from tests.factories import make_account, make_user


def test_advertiser_info_of_an_owned_ad_account(demo: Demo) -> None:
    owner = make_user()
    account = make_account(owner=owner)
    ad_account = bc_actions.create_own_ad_account(owner, name="Own ads")
    token = sandbox_actions.issue_token(email=owner.email, handle=account.handle)
    client = Client(headers={"Access-Token": token["access_token"]})

    answer = client.get(
        "/open_api/v1.3/advertiser/info/",
        {"advertiser_ids": json.dumps([str(ad_account.pk)])},
    ).json()

    assert answer["code"] == 0, answer
    (info,) = answer["data"]["list"]
    assert info["advertiser_id"] == str(ad_account.pk)
    assert info["name"] == "Own ads"
    assert info["owner_bc_id"] is None and info["company"] == ""
