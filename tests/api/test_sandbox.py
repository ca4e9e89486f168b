"""Sandbox mode over HTTP and the CLI: reset and scenarios with deterministic ids, tokens
without a browser, the shared clock, rate limits and the request log page."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
import requests
from django.core.management import CommandError, call_command
from django.test import Client

from bizlink.core import clock


def post(server: Any, path: str, body: dict[str, Any]) -> requests.Response:
    return requests.post(server.url + path, json=body, timeout=30)


def test_reset_gives_the_same_ids_every_time(live_server: Any, sandbox: Any) -> None:
    first = post(live_server, "/sandbox/reset/", {}).json()
    post(live_server, "/sandbox/reset/", {"scenario": "empty"})
    second = post(live_server, "/sandbox/reset/", {"scenario": "demo"}).json()
    assert first == second == sandbox
    assert second["business_centers"] == {"Sunrise Bakery": 1, "Northwind Agency": 2}


def test_scenarios(live_server: Any, sandbox: Any) -> None:
    overview = requests.get(live_server.url + "/sandbox/", timeout=10).json()
    assert set(overview["scenarios"]) == {"demo", "empty", "unlinked"}
    empty = post(live_server, "/sandbox/reset/", {"scenario": "empty"}).json()
    assert empty["users"] == {} and empty["business_centers"] == {}
    unlinked = post(live_server, "/sandbox/reset/", {"scenario": "unlinked"}).json()
    assert unlinked["business_centers"]["Sunrise Bakery"] == 1
    bad = post(live_server, "/sandbox/reset/", {"scenario": "nope"})
    assert bad.status_code == 400 and "demo" in bad.json()["error"]


def test_unlinked_scenario_shows_the_consequences(live_server: Any, sandbox: Any) -> None:
    post(live_server, "/sandbox/reset/", {"scenario": "unlinked"})
    t = post(live_server, "/sandbox/token/", {"email": "ben@example.com"}).json()["access_token"]
    identities = requests.get(
        live_server.url + "/open_api/v1.3/identity/get/",
        params={"advertiser_id": "1"},
        headers={"Access-Token": t},
        timeout=10,
    ).json()
    assert identities["code"] == 0 and identities["data"]["identity_list"] == []


def test_token_over_http(live_server: Any, sandbox: Any) -> None:
    issued = post(live_server, "/sandbox/token/", {"email": "maya@example.com"}).json()
    assert issued["account"] == "maya.bakes" and issued["token_type"] == "Access-Token"
    answer = requests.get(
        live_server.url + "/open_api/v1.3/bc/get/",
        headers={"Access-Token": issued["access_token"]},
        timeout=10,
    ).json()
    assert answer["data"]["list"][0]["user_role"] == "STANDARD"
    bad = post(live_server, "/sandbox/token/", {"email": "nobody@example.com"})
    assert bad.status_code == 400 and "nobody@example.com" in bad.json()["error"]
    sara = post(live_server, "/sandbox/token/", {"email": "sara@example.com"})
    assert sara.status_code == 400 and "owns no TikTok account" in sara.json()["error"]


def test_clock_over_http_moves_time_for_every_process(live_server: Any, sandbox: Any) -> None:
    before = clock.now()
    moved = post(live_server, "/sandbox/clock/", {"days": 2, "hours": 1}).json()
    assert moved["offset_seconds"] == 2 * 86400 + 3600
    # This process reads the shared row (after the short TTL at most).
    clock.forget_offset()
    assert (clock.now() - before).total_seconds() >= 2 * 86400 + 3600
    back = post(live_server, "/sandbox/clock/", {"seconds": -5})
    assert back.status_code == 400 and "forward" in back.json()["error"]


def test_rate_limit_over_http(live_server: Any, sandbox: Any) -> None:
    t = post(live_server, "/sandbox/token/", {"email": "ben@example.com"}).json()["access_token"]
    assert post(
        live_server, "/sandbox/rate_limit/", {"app": "Sandbox Integrator", "per_minute": 1}
    ).ok
    url = live_server.url + "/open_api/v1.3/bc/get/"
    assert requests.get(url, headers={"Access-Token": t}, timeout=10).json()["code"] == 0
    limited = requests.get(url, headers={"Access-Token": t}, timeout=10).json()
    assert limited["code"] == 40100 and "1 calls per minute" in limited["message"]


def test_request_log_page_shows_and_filters_calls(live_server: Any, sandbox: Any) -> None:
    t = post(live_server, "/sandbox/token/", {"email": "ben@example.com"}).json()["access_token"]
    base = live_server.url + "/open_api/v1.3"
    requests.get(base + "/bc/get/", headers={"Access-Token": t}, timeout=10)
    requests.get(base + "/bc/member/get/", params={"bc_id": "x"}, headers={"Access-Token": t})
    log = requests.get(live_server.url + "/sandbox/requests/", timeout=10)
    assert log.status_code == 200
    assert "/open_api/v1.3/bc/get/" in log.text and "40002" in log.text
    errors = requests.get(
        live_server.url + "/sandbox/requests/", params={"code": "error", "format": "json"}
    ).json()
    assert [e["path"] for e in errors["list"]] == ["/open_api/v1.3/bc/member/get/"]
    entry = errors["list"][0]
    assert entry["params"] == {"bc_id": "x"} and entry["envelope"]["code"] == 40002
    assert entry["app"] == "Sandbox Integrator"
    detail = requests.get(live_server.url + f"/sandbox/requests/{entry['id']}/", timeout=10)
    assert detail.status_code == 200 and "numeric ID" in detail.text
    by_path = requests.get(
        live_server.url + "/sandbox/requests/", params={"path": "member", "format": "json"}
    ).json()
    assert by_path["total"] == 1


def test_request_log_never_keeps_secrets(live_server: Any, sandbox: Any) -> None:
    post(
        live_server,
        "/open_api/v1.3/oauth2/revoke_token/",
        {"app_id": "x", "secret": "hunter2", "access_token": "t"},
    )
    log = requests.get(live_server.url + "/sandbox/requests/?format=json", timeout=10).json()
    assert log["list"][0]["params"]["secret"] == "***"
    assert "hunter2" not in json.dumps(log)


@pytest.mark.django_db
def test_sandbox_endpoints_do_not_exist_when_sandbox_mode_is_off(
    client: Client, settings: Any
) -> None:
    settings.SANDBOX_MODE = False
    for path in ("/sandbox/", "/sandbox/requests/"):
        assert client.get(path).status_code == 404
    for path in ("/sandbox/reset/", "/sandbox/token/", "/sandbox/clock/"):
        assert client.post(path).status_code == 404
    with pytest.raises(CommandError, match="SANDBOX_MODE"):
        call_command("sandbox", "scenarios")


def test_cli(sandbox: Any) -> None:
    out = io.StringIO()
    call_command("sandbox", "token", "--user", "alex@example.com", stdout=out)
    issued = json.loads(out.getvalue())
    assert issued["account"] == "northwind.agency" and issued["access_token"]
    out = io.StringIO()
    call_command("sandbox", "clock", "--advance", "3h", stdout=out)
    assert json.loads(out.getvalue())["offset_seconds"] == 3 * 3600
    out = io.StringIO()
    call_command("sandbox", "reset", "--scenario", "demo", stdout=out)
    assert json.loads(out.getvalue())["users"]["maya@example.com"] == 1
    out = io.StringIO()
    call_command("sandbox", "secret", stdout=out)
    assert json.loads(out.getvalue())["secret"]
    with pytest.raises(CommandError, match="duration"):
        call_command("sandbox", "clock", "--advance", "soon")


def test_advancing_the_clock_drives_ad_delivery(live_server: Any, sandbox: Any) -> None:
    from bizlink.ads import queries as ads_queries
    from bizlink.businesses import access as bc_access
    from bizlink.sandbox import actions

    ben = actions.User.objects.get(email="ben@example.com")  # a test may read models
    main = bc_access.ad_account_for(ben, bc_access.business_for(ben, 1), 1)
    # The first advance after a reset simulates the hour that just ended; later ones catch up.
    assert post(live_server, "/sandbox/clock/", {"hours": 1}).json()["simulated_hours"] == 1
    before = ads_queries.balance(main)
    moved = post(live_server, "/sandbox/clock/", {"hours": 3}).json()
    assert moved["simulated_hours"] == 3
    assert ads_queries.balance(main) < before  # the running ads spent money in those hours


def test_advancing_the_clock_ends_time_boxed_access(live_server: Any, sandbox: Any) -> None:
    import datetime as dt

    from bizlink.businesses import queries as bc_queries
    from bizlink.partner_access import actions as partner_actions
    from bizlink.sandbox import actions

    ben = actions.User.objects.get(email="ben@example.com")
    sunrise = bc_queries.businesses_of(ben).get(name="Sunrise Bakery")
    share = bc_queries.partner_shares_of(sunrise, account_id=1).get()
    partner_actions.set_expiry(ben, share, expires_at=clock.now() + dt.timedelta(hours=5))
    assert post(live_server, "/sandbox/clock/", {"hours": 4}).json()["expired_links"] == 0
    moved = post(live_server, "/sandbox/clock/", {"hours": 2}).json()
    assert moved["expired_links"] >= 1
    assert not bc_queries.partner_shares_of(sunrise, account_id=1).exists()
