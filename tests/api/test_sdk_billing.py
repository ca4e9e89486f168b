"""Billing through the official SDK: balances, a recharge (the sandbox's top-up) and the
ledger's rows, with the Billing page's Finance-role rules."""

from __future__ import annotations

from typing import Any

import business_api_client as sdk

from tests.api.conftest import sdk_error

SUNRISE, MAIN, PROMO = "1", "1", "2"


def balances(bc_api: Any, t: str) -> dict[str, float]:
    rows = bc_api.advertiser_balance_get(SUNRISE, t)["data"]["advertiser_account_list"]
    return {r["advertiser_id"]: r["account_balance"] for r in rows}


def recharge(bc_api: Any, t: str, amount: float = 250.0, **extra: Any) -> dict[str, Any]:
    body = sdk.BcTransferBody(
        bc_id=SUNRISE,
        transfer_type=extra.pop("transfer_type", "RECHARGE"),
        advertiser_id=extra.pop("advertiser_id", MAIN),
        cash_amount=amount,
        **extra,
    )
    return dict(bc_api.bc_transfer(t, body=body)["data"])


def test_recharge_raises_the_balance_and_shows_in_transactions(bc_api: Any, token: Any) -> None:
    ben = token()  # Finance Manager of Sunrise Bakery
    before = balances(bc_api, ben)
    assert set(before) == {MAIN, PROMO}
    done = recharge(bc_api, ben, 250.0)
    assert done["cash_amount"] == 250.0
    assert done["account_balance"] == round(before[MAIN] + 250.0, 2)
    assert balances(bc_api, ben)[MAIN] == done["account_balance"]
    rows = bc_api.advertiser_transaction_get(SUNRISE, ben)["data"]
    newest = rows["transaction_list"][0]
    assert newest["transaction_id"] == done["transaction_id"]
    assert newest["transaction_type"] == "RECHARGE" and newest["amount"] == 250.0
    only_promo = bc_api.advertiser_transaction_get(
        SUNRISE, ben, filtering={"advertiser_id": PROMO}
    )["data"]["transaction_list"]
    assert {r["advertiser_id"] for r in only_promo} <= {PROMO}


def test_recharge_errors(bc_api: Any, token: Any) -> None:
    ben = token()
    code, message = sdk_error(lambda: recharge(bc_api, ben, 0.5))
    assert code == 40002 and message.startswith("cash_amount: The amount must be at least 1.00")
    code, message = sdk_error(lambda: recharge(bc_api, ben, transfer_type="REFUND"))
    assert code == 40002 and "RECHARGE" in message
    code, _ = sdk_error(lambda: recharge(bc_api, ben, advertiser_id="3"))  # Northwind's
    assert code == 40007


def test_finance_roles_and_other_tenants(bc_api: Any, token: Any) -> None:
    maya = token("maya@example.com")  # a Standard member without a finance role
    assert bc_api.advertiser_balance_get(SUNRISE, maya)["data"]["advertiser_account_list"] == []
    alex = token("alex@example.com")
    for call in (
        lambda: bc_api.advertiser_balance_get(SUNRISE, alex),
        lambda: bc_api.advertiser_transaction_get(SUNRISE, alex),
        lambda: recharge(bc_api, alex),
    ):
        code, _ = sdk_error(call)
        assert code in (40001, 40007)
