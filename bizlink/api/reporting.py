"""report/integrated/get: the BASIC and BC synchronous reports over
`bizlink.ads.reports.report`, the function Ads Manager's dashboard and CSV export use, so the
API's numbers are the web report's.

Supported: report_type BASIC (ad accounts by id) and BC (every ad account of a Business Center
the caller may see, per ad account); data_level AUCTION_ADVERTISER / AUCTION_CAMPAIGN /
AUCTION_ADGROUP / AUCTION_AD; dimensions the level's id and/or stat_time_day; metrics spend,
impressions, clicks, ctr, cpc, cpm, conversions (values are strings, as TikTok sends them).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router

from bizlink.ads import access, reports
from bizlink.api.auth import caller_of
from bizlink.api.core import Envelope, ok
from bizlink.api.errors import PARAM_ERROR, ApiError
from bizlink.api.wire import boolean, ident, json_param, page_args, paginate, present, text
from bizlink.businesses import access as business_access
from bizlink.businesses import queries as business_queries
from bizlink.core.errors import InvalidInput
from bizlink.policy import decide

router = Router(tags=["Reporting"])

# data_level -> (the id dimension of that level, the report's grouping)
LEVELS = {
    "AUCTION_ADVERTISER": ("advertiser_id", "day"),
    "AUCTION_CAMPAIGN": ("campaign_id", "campaign"),
    "AUCTION_ADGROUP": ("adgroup_id", "ad_group"),
    "AUCTION_AD": ("ad_id", "ad"),
}
DAY = "stat_time_day"
DEFAULT_METRICS = ["spend", "impressions", "clicks"]
MAX_DAYS_BY_DAY = 30
FILTER_IDS = {"campaign_ids": "campaign_id", "adgroup_ids": "adgroup_id", "ad_ids": "ad_id"}
STATUS_FILTERS = ("campaign_status", "adgroup_status", "ad_status")


def _strings(value: Any, name: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ApiError(PARAM_ERROR, f"{name} must be a JSON list of strings.")
    return value


def _date(value: str | None, name: str) -> dt.date:
    raw = text(value, name, required=True)
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ApiError(PARAM_ERROR, f"{name} must be a date as YYYY-MM-DD; got {raw!r}.") from None


def _filters(filtering: str | None) -> dict[str, set[str]]:
    """{dimension: allowed ids} from TikTok's [{field_name, filter_type, filter_value}] list."""
    wanted: dict[str, set[str]] = {}
    for rule in json_param(filtering, "filtering", list):
        if not isinstance(rule, dict):
            raise ApiError(PARAM_ERROR, "filtering must be a list of {field_name, ...} objects.")
        field = str(rule.get("field_name") or "")
        raw = rule.get("filter_value")
        values = (
            raw
            if isinstance(raw, list)
            else json_param(raw, f"filtering {field} filter_value", list)
            if raw
            else []
        )
        if field in STATUS_FILTERS:
            if any(v not in ("STATUS_ALL", "STATUS_NOT_DELETE") for v in values):
                raise ApiError(
                    PARAM_ERROR,
                    f"filtering {field} supports STATUS_ALL: reports count every object, "
                    "deleted ones included, as the Ads Manager report does.",
                )
            continue
        if field not in FILTER_IDS:
            raise ApiError(
                PARAM_ERROR,
                f"filtering field_name {field!r} is not supported; use campaign_ids, "
                "adgroup_ids, ad_ids or a *_status with STATUS_ALL.",
            )
        if str(rule.get("filter_type") or "IN").upper() != "IN":
            raise ApiError(PARAM_ERROR, f"filtering {field} supports filter_type IN.")
        wanted[FILTER_IDS[field]] = {str(ident(v, f"filtering {field}")) for v in values}
    return wanted


def _metric_values(row: reports.Row, metrics: list[str]) -> dict[str, str]:
    return {m: str(row.value(m)) for m in metrics}


def _sum(rows: list[reports.Row]) -> reports.Row:
    total = reports.Row(key="total", label="Total")
    for row in rows:
        total.impressions += row.impressions
        total.clicks += row.clicks
        total.conversions += row.conversions
        total.spend += row.spend
    return total


def _rows(
    ad_account: Any,
    start: dt.date,
    end: dt.date,
    *,
    id_dimension: str,
    by: str,
    dimensions: list[str],
) -> list[tuple[dict[str, str], reports.Row]]:
    """(dimensions, the report row) pairs, in the dashboard's order."""
    by_day = DAY in dimensions
    with_id = id_dimension in dimensions
    items: list[tuple[dict[str, str], reports.Row]] = []

    def add(row: reports.Row, day: dt.date | None, key: str) -> None:
        dims: dict[str, str] = {}
        if with_id:
            dims[id_dimension] = key
        if day is not None:
            dims[DAY] = f"{day:%Y-%m-%d} 00:00:00"
        items.append((dims, row))

    if by == "day":  # the advertiser level: the account's own rows
        report = reports.report(ad_account, start, end, by="day")
        if by_day:
            for row in report.rows:
                add(row, dt.date.fromisoformat(row.key), str(ad_account.pk))
        else:
            add(report.total, None, str(ad_account.pk))
        return items
    if not by_day:
        for row in reports.report(ad_account, start, end, by=by).rows:
            add(row, None, row.key)
        return items
    day = start
    while day <= end:  # one report per day (at most 30), each the dashboard's numbers
        for row in reports.report(ad_account, day, day, by=by).rows:
            add(row, day, row.key)
        day += dt.timedelta(days=1)
    return items


def _ad_accounts(user: Any, advertiser_id: str | None, advertiser_ids: str | None) -> list[Any]:
    ids = [advertiser_id] if present(advertiser_id) else []
    ids += _strings(json_param(advertiser_ids, "advertiser_ids", list), "advertiser_ids")
    if not ids:
        raise ApiError(PARAM_ERROR, "advertiser_id is required for a BASIC report.")
    if len(ids) > 5:
        raise ApiError(PARAM_ERROR, "advertiser_ids may list at most 5 ad accounts.")
    return [access.ad_account_for(user, ident(a, "advertiser_id")) for a in dict.fromkeys(ids)]


def _accounts_of_bc(user: Any, bc_id: str | None) -> list[Any]:
    """The Business Center's own ad accounts whose reports this user may see."""
    bc = business_access.business_for(user, ident(bc_id, "bc_id"))
    return [
        ad for ad in business_queries.ad_accounts(bc, user) if decide(user, "ads.view", ad).allowed
    ]


@router.get(
    "/report/integrated/get/", response=Envelope, summary="A synchronous report (BASIC or BC)"
)
def report_integrated_get(
    request: HttpRequest,
    report_type: str | None = None,
    advertiser_id: str | None = None,
    advertiser_ids: str | None = None,
    bc_id: str | None = None,
    service_type: str | None = None,
    data_level: str | None = None,
    dimensions: str | None = None,
    metrics: str | None = None,
    start_date: str | None = None,
    end_date: str | None = None,
    query_lifetime: str | None = None,
    enable_total_metrics: str | None = None,
    multi_adv_report_in_utc_time: str | None = None,
    query_mode: str | None = None,
    order_field: str | None = None,
    order_type: str | None = None,
    filtering: str | None = None,
    page: str | None = None,
    page_size: str | None = None,
) -> dict[str, Any]:
    caller = caller_of(request)
    kind = text(report_type, "report_type", required=True).upper()
    if kind not in ("BASIC", "BC"):
        raise ApiError(
            PARAM_ERROR,
            f"report_type {kind!r} is not available here; use BASIC (ad accounts) or BC "
            "(every ad account of a Business Center).",
        )
    if kind == "BC":
        level = (text(data_level, "data_level") or "AUCTION_ADVERTISER").upper()
        if level != "AUCTION_ADVERTISER":
            raise ApiError(PARAM_ERROR, "A BC report is per ad account: AUCTION_ADVERTISER.")
    else:
        level = text(data_level, "data_level", required=True).upper()
    if level not in LEVELS:
        raise ApiError(PARAM_ERROR, "data_level must be one of " + ", ".join(LEVELS) + ".")
    id_dimension, by = LEVELS[level]
    dims = _strings(json_param(dimensions, "dimensions", list), "dimensions")
    allowed_dims = {id_dimension, DAY}
    if not dims or not set(dims) <= allowed_dims or len(set(dims)) != len(dims):
        raise ApiError(
            PARAM_ERROR,
            f'dimensions for {level} must be ["{id_dimension}"], ["{DAY}"] or both.',
        )
    wanted = _strings(json_param(metrics, "metrics", list), "metrics") or DEFAULT_METRICS
    unknown = [m for m in wanted if m not in reports.METRICS]
    if unknown:
        raise ApiError(
            PARAM_ERROR,
            f"Unknown metrics {', '.join(unknown)}; choose from {', '.join(reports.METRICS)}.",
        )
    if boolean(query_lifetime, "query_lifetime"):
        raise ApiError(
            PARAM_ERROR, "query_lifetime is not supported; give start_date and end_date."
        )
    start, end = _date(start_date, "start_date"), _date(end_date, "end_date")
    try:
        start, end = reports.parse_range(str(start), str(end))
    except InvalidInput as exc:  # the dashboard's own message
        raise ApiError(PARAM_ERROR, exc.message) from None
    if DAY in dims and (end - start).days + 1 > MAX_DAYS_BY_DAY:
        raise ApiError(PARAM_ERROR, "max time span is 30 days when use stat_time_day.")
    if kind == "BC":
        accounts = _accounts_of_bc(caller.user, bc_id)
    else:
        accounts = _ad_accounts(caller.user, advertiser_id, advertiser_ids)
    number, size = page_args(page, page_size, maximum=1000)
    only = _filters(filtering)
    items: list[tuple[dict[str, str], reports.Row]] = []
    for ad_account in accounts:
        items += _rows(
            ad_account,
            start,
            end,
            id_dimension=id_dimension,
            by=by,
            dimensions=dims,
        )
    if only:
        if id_dimension not in only or id_dimension not in dims:
            raise ApiError(
                PARAM_ERROR,
                f"At {level}, filter on {id_dimension.replace('_id', '')}_ids and include "
                f"{id_dimension} in dimensions.",
            )
        items = [i for i in items if i[0][id_dimension] in only[id_dimension]]
    if present(order_field):
        field = str(order_field)
        if field not in wanted:
            raise ApiError(PARAM_ERROR, "order_field must be one of the requested metrics.")
        descending = (order_type or "DESC").upper() != "ASC"
        items.sort(key=lambda i: i[1].value(field), reverse=descending)
    chunk, info = paginate(items, number, size)
    listed = [{"dimensions": d, "metrics": _metric_values(r, wanted)} for d, r in chunk]
    data: dict[str, Any] = {"list": listed, "page_info": info}
    if boolean(enable_total_metrics, "enable_total_metrics"):
        data["total_metrics"] = _metric_values(_sum([r for _d, r in items]), wanted)
    return ok(request, data)


__all__ = ["router"]
