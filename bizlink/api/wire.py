"""The wire format the official SDK speaks: the envelope, request ids, and query decoding.

GET parameters arrive as the SDK encodes them: lists and objects JSON-encoded in one parameter,
booleans as `True`/`False`, and an explicit None as the string `null` (treated as absent).
"""

from __future__ import annotations

import json
import math
import secrets
from typing import Annotated, Any

from django.db.models import Count, QuerySet, Window
from django.db.models.query import ModelIterable
from django.http import HttpRequest
from pydantic import BeforeValidator

from bizlink.api.errors import OK, PARAM_ERROR, ApiError
from bizlink.core import clock


def _as_str(value: Any) -> Any:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


# An id in a POST body: the SDK sends some ids as numbers and some as strings; take both.
Id = Annotated[str, BeforeValidator(_as_str)]


def new_request_id() -> str:
    """Shaped like TikTok's: a UTC timestamp and 20 hex digits."""
    return clock.now().strftime("%Y%m%d%H%M%S") + secrets.token_hex(10).upper()


def request_id_of(request: HttpRequest) -> str:
    rid = getattr(request, "api_request_id", None)
    if rid is None:
        rid = new_request_id()
        request.api_request_id = rid  # type: ignore[attr-defined]
    return rid


def envelope(request: HttpRequest, code: int, message: str, data: Any) -> dict[str, Any]:
    return {
        "code": code,
        "message": message,
        "request_id": request_id_of(request),
        "data": data if data is not None else {},
    }


def present(value: str | None) -> bool:
    return value is not None and value != "" and value != "null"


def text(value: str | None, name: str, *, required: bool = False) -> str:
    if not present(value):
        if required:
            raise ApiError(PARAM_ERROR, f"{name} is required.")
        return ""
    return str(value)


def ident(value: Any, name: str) -> int:
    """An id sent as a string (or an int, as some SDK models type it)."""
    if value is None or value == "" or value == "null":
        raise ApiError(PARAM_ERROR, f"{name} is required.")
    raw = str(value).strip()
    if not raw.isdigit() or len(raw) > 18:
        raise ApiError(PARAM_ERROR, f'{name} must be a numeric ID such as "1"; got {raw!r}.')
    return int(raw)


def json_param(value: str | None, name: str, kind: type) -> Any:
    """A list or object JSON-encoded into one query parameter, as the SDK sends it."""
    if not present(value):
        return kind()
    try:
        decoded = json.loads(value or "")
    except ValueError:
        raise ApiError(
            PARAM_ERROR,
            f"{name} must be JSON-encoded, e.g. "
            + ('["1", "2"]' if kind is list else '{"keyword": "x"}')
            + f"; got {value!r}.",
        ) from None
    if decoded is None:
        return kind()
    if not isinstance(decoded, kind):
        raise ApiError(PARAM_ERROR, f"{name} must be a JSON {kind.__name__}.")
    return decoded


def boolean(value: str | None, name: str, default: bool = False) -> bool:
    if not present(value):
        return default
    lowered = str(value).lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise ApiError(PARAM_ERROR, f"{name} must be True or False; got {value!r}.")


def page_args(
    page: str | None, page_size: str | None, *, default: int = 10, maximum: int = 50
) -> tuple[int, int]:
    number = 1 if not present(page) else _positive(page, "page", 10**6)
    size = default if not present(page_size) else _positive(page_size, "page_size", maximum)
    return number, size


def _positive(value: str | None, name: str, maximum: int) -> int:
    raw = str(value).strip()
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise ApiError(PARAM_ERROR, f"{name} must be a whole number from 1 to {maximum}.")
    return int(raw)


def paginate(items: QuerySet[Any] | list[Any], page: int, size: int) -> tuple[list[Any], dict]:
    start = (page - 1) * size
    if isinstance(items, QuerySet) and _countable_with_page(items):
        # The page and the total in one statement: COUNT(*) OVER () counts every row the
        # query matches before LIMIT/OFFSET cut the page out of them.
        chunk = list(items.annotate(**{PAGE_TOTAL: Window(Count("*"))})[start : start + size])
        total = getattr(chunk[0], PAGE_TOTAL) if chunk else items.count()
    else:
        total = items.count() if isinstance(items, QuerySet) else len(items)
        chunk = list(items[start : start + size])
    return chunk, page_info(page, size, total)


def page_info(page: int, size: int, total: int) -> dict[str, int]:
    return {
        "page": page,
        "page_size": size,
        "total_number": total,
        "total_page": math.ceil(total / size) if total else 0,
    }


PAGE_TOTAL = "_page_total"


def _countable_with_page(items: QuerySet[Any]) -> bool:
    """Model rows whose window count is the number of rows: DISTINCT is applied after the
    window (unless GROUP BY every selected column already made the rows unique, as an
    aggregate annotation does), and set operations or `values()` rows count something else,
    so those count separately."""
    query = items.query
    return (
        items._iterable_class is ModelIterable
        and (not query.distinct or query.group_by is True)
        and not query.combinator
        and not query.is_sliced
    )


__all__ = ["OK"]
