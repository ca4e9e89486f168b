"""Billing: advertiser/balance/get, advertiser/transaction/get and bc/transfer (RECHARGE) over
Ads Manager's ledger (`ads.queries.balance` / `ledger`, `ads.actions.top_up`): the same
balance, rows and Finance-role rules as the Billing page. No money moves: a recharge is the
sandbox's manual top-up."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from bizlink.ads import access as ads_access
from bizlink.ads import actions as ads_actions
from bizlink.ads import queries as ads_queries
from bizlink.api.bc import Id, _bc
from bizlink.api.core import Envelope, ok
from bizlink.api.errors import PARAM_ERROR, ApiError
from bizlink.api.wire import ident, json_param, page_args, paginate
from bizlink.businesses import queries as business_queries
from bizlink.core.errors import InvalidInput, Refused
from bizlink.policy import decide

router = Router(tags=["Billing"])


def _money(value: Any) -> float:
    return float(value)


@router.get(
    "/advertiser/balance/get/",
    response=Envelope,
    summary="Balances of the BC's ad accounts you may see billing of",
)
def advertiser_balance_get(
    request: HttpRequest,
    bc_id: str | None = None,
    child_bc_id: str | None = None,
    filtering: str | None = None,
    page: str | None = None,
    page_size: str | None = None,
) -> dict[str, Any]:
    caller, bc = _bc(request, bc_id)
    number, size = page_args(page, page_size, maximum=50)
    keyword = str(json_param(filtering, "filtering", dict).get("keyword") or "").strip().lower()
    rows = [
        ad
        for ad in business_queries.ad_accounts(bc, caller.user)
        if decide(caller.user, "billing.view", ad).allowed
        and (not keyword or keyword in ad.name.lower() or keyword == str(ad.pk))
    ]
    chunk, info = paginate(rows, number, size)
    items = []
    for ad in chunk:
        balance = _money(ads_queries.balance(ad))
        items.append(
            {
                "advertiser_id": str(ad.pk),
                "advertiser_name": ad.name,
                "advertiser_status": "STATUS_ENABLE",
                "currency": ad.currency,
                "account_balance": balance,
                "valid_account_balance": balance,
                "cash_balance": balance,
                "grant_balance": 0.0,
            }
        )
    return ok(request, {"advertiser_account_list": items, "page_info": info})


@router.get(
    "/advertiser/transaction/get/",
    response=Envelope,
    summary="Money movements of the BC's ad accounts (top-ups and ad spend)",
)
def advertiser_transaction_get(
    request: HttpRequest,
    bc_id: str | None = None,
    filtering: str | None = None,
    page: str | None = None,
    page_size: str | None = None,
) -> dict[str, Any]:
    """filtering {advertiser_id} narrows to one ad account; otherwise every account you may
    see billing of, newest first."""
    caller, bc = _bc(request, bc_id)
    number, size = page_args(page, page_size, maximum=100)
    where = json_param(filtering, "filtering", dict)
    if where.get("advertiser_id"):
        wanted = ads_access.ad_account_for(
            caller.user, ident(where["advertiser_id"], "advertiser_id")
        )
        if wanted.business_id != bc.pk:
            raise ApiError(PARAM_ERROR, "filtering.advertiser_id is not an ad account of this BC.")
        accounts = [wanted]
    else:
        accounts = list(business_queries.ad_accounts(bc, caller.user))
    visible = [ad for ad in accounts if decide(caller.user, "billing.view", ad).allowed]
    if where.get("advertiser_id") and not visible:
        raise Refused(decide(caller.user, "billing.view", accounts[0]))
    entries: Any = []
    if visible:
        ledgers = [ads_queries.ledger(ad).order_by() for ad in visible]
        entries = ledgers[0].union(*ledgers[1:], all=True).order_by("-created_at", "-id")
    chunk, info = paginate(entries, number, size)
    items = [
        {
            "transaction_id": str(e.pk),
            "advertiser_id": str(e.ad_account_id),
            "transaction_type": "RECHARGE" if e.kind == "TOP_UP" else "AD_SPEND",
            "amount": _money(e.amount),
            "note": e.note,
            "create_time": e.created_at.strftime("%Y-%m-%d %H:%M:%S"),
        }
        for e in chunk
    ]
    return ok(request, {"transaction_list": items, "page_info": info})


class TransferBody(Schema):
    bc_id: Id
    transfer_type: str
    advertiser_id: Id | None = None
    cash_amount: float | None = None
    grant_amount: float | None = None
    transfer_level: str | None = None
    request_id: str | None = None
    child_bc_id: Id | None = None


@router.post("/bc/transfer/", response=Envelope, summary="Add funds to an ad account (RECHARGE)")
def bc_transfer(request: HttpRequest, body: TransferBody) -> dict[str, Any]:
    caller, bc = _bc(request, body.bc_id)
    if body.transfer_type.upper() != "RECHARGE":
        raise ApiError(
            PARAM_ERROR, "transfer_type must be RECHARGE: bizlink's sandbox ledger only adds funds."
        )
    if (body.transfer_level or "ADVERTISER").upper() != "ADVERTISER":
        raise ApiError(PARAM_ERROR, "transfer_level must be ADVERTISER (an ad account).")
    if body.grant_amount:
        raise ApiError(PARAM_ERROR, "grant_amount is not supported; use cash_amount.")
    if body.cash_amount is None:
        raise ApiError(PARAM_ERROR, "cash_amount is required, e.g. 100.0.")
    ad = ads_access.ad_account_for(caller.user, ident(body.advertiser_id, "advertiser_id"))
    if ad.business_id != bc.pk:
        raise ApiError(PARAM_ERROR, "advertiser_id is not an ad account of this Business Center.")
    try:
        entry = ads_actions.top_up(
            caller.user, ad, amount=str(body.cash_amount), note="Recharge through the Business API"
        )
    except InvalidInput as exc:  # name the API's field
        raise InvalidInput(exc.message, "cash_amount") from None
    return ok(
        request,
        {
            "transaction_id": str(entry.pk),
            "advertiser_id": str(ad.pk),
            "cash_amount": _money(entry.amount),
            "account_balance": _money(ads_queries.balance(ad)),
        },
    )


__all__ = ["router"]
