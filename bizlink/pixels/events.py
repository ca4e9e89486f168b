"""Validation of incoming pixel events (Events API 2.0 shape), one event and one field at a time.

Pure functions, no database: intake (`actions.track_events`) keeps the events that pass and
reports the others by index, event_id and field. Personal data must arrive SHA-256 hashed; a
plain e-mail address or phone number refuses the whole request (nothing is stored or echoed).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

MAX_BATCH = 1000
# Events older than this, or this far in the future, are refused (clock skew tolerated).
MAX_AGE = dt.timedelta(days=7)
MAX_AHEAD = dt.timedelta(minutes=10)
HASHED_FIELDS = ("email", "phone", "external_id")
STANDARD_EVENTS = (
    "ViewContent",
    "ClickButton",
    "Search",
    "AddToWishlist",
    "AddToCart",
    "InitiateCheckout",
    "AddPaymentInfo",
    "CompletePayment",
    "PlaceAnOrder",
    "Contact",
    "Download",
    "SubmitForm",
    "CompleteRegistration",
    "Subscribe",
    "PageView",
)
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_EVENT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,49}$")
_EVENT_ID = re.compile(r"^[\x21-\x7e]{1,100}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


class PiiNotHashed(Exception):
    """Plain personal data in a request: refuse it all, name where, never repeat the value."""

    def __init__(self, where: list[str]) -> None:
        self.where = where
        super().__init__(
            "Personal data must be SHA-256 hashed (64 lowercase hex characters) before sending: "
            + ", ".join(where[:10])
            + (f" and {len(where) - 10} more" if len(where) > 10 else "")
            + ". Nothing in this request was stored."
        )


@dataclass
class Problem:
    index: int
    event_id: str
    field: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "event_id": self.event_id,
            "field": self.field,
            "message": self.message,
        }


@dataclass
class CleanEvent:
    index: int
    event_id: str
    event: str
    event_time: dt.datetime
    email_sha256: str = ""
    phone_sha256: str = ""
    external_id_sha256: str = ""
    ttclid: str = ""
    value: Decimal | None = None
    currency: str = ""
    contents: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""


def find_unhashed(data: list[Any]) -> list[str]:
    """Where plain personal data was sent (`data[3].user.email`), to refuse the request."""
    where = []
    for i, item in enumerate(data):
        user = item.get("user") if isinstance(item, dict) else None
        if not isinstance(user, dict):
            continue
        for name in HASHED_FIELDS:
            value = user.get(name)
            values = value if isinstance(value, list) else [value]
            for v in values:
                if v in (None, ""):
                    continue
                if not isinstance(v, str) or not _SHA256.match(v.strip().lower()):
                    where.append(f"data[{i}].user.{name}")
                    break
    return where


def _time(value: Any, now: dt.datetime) -> dt.datetime:
    if isinstance(value, bool) or value is None or value == "":
        raise ValueError("is required: a Unix timestamp in seconds, e.g. 1732530000")
    if isinstance(value, int | float):
        stamp = float(value)
        if stamp > 1e11:  # milliseconds sent by mistake
            raise ValueError("must be in seconds, not milliseconds")
        moment = dt.datetime.fromtimestamp(stamp, tz=dt.UTC)
    elif isinstance(value, str):
        try:
            moment = (
                dt.datetime.fromtimestamp(int(value), tz=dt.UTC)
                if value.isdigit()
                else dt.datetime.fromisoformat(value)
            )
        except (ValueError, OverflowError):
            raise ValueError(
                "must be a Unix timestamp in seconds or an ISO 8601 time with a zone"
            ) from None
        if moment.tzinfo is None:
            raise ValueError("needs a time zone (e.g. 2026-11-25T10:00:00Z)")
    else:
        raise ValueError("must be a Unix timestamp in seconds")
    if moment < now - MAX_AGE:
        raise ValueError("is more than 7 days old; such events are no longer accepted")
    if moment > now + MAX_AHEAD:
        raise ValueError("is in the future; check the sender's clock")
    return moment


def _properties(raw: Any, clean: CleanEvent, problems: list[tuple[str, str]]) -> None:
    if raw is None:
        return
    if not isinstance(raw, dict):
        problems.append(("properties", "must be an object"))
        return
    value = raw.get("value")
    if value is not None:
        try:
            if isinstance(value, bool):
                raise InvalidOperation
            amount = Decimal(str(value))
            if not amount.is_finite() or amount < 0 or amount >= Decimal("1e12"):
                raise InvalidOperation
            clean.value = amount.quantize(Decimal("0.01"))
        except InvalidOperation:
            problems.append(("properties.value", "must be a number from 0 to 999999999999.99"))
    currency = raw.get("currency")
    if currency not in (None, ""):
        if not isinstance(currency, str) or not _CURRENCY.match(currency):
            problems.append(("properties.currency", "must be an ISO 4217 code such as USD"))
        else:
            clean.currency = currency
    if clean.value is not None and not clean.currency and value is not None:
        problems.append(("properties.currency", "is required with a value (e.g. USD)"))
    contents = raw.get("contents")
    if contents is not None:
        if not isinstance(contents, list) or len(contents) > 100:
            problems.append(("properties.contents", "must be a list of at most 100 items"))
        else:
            for j, item in enumerate(contents):
                if not isinstance(item, dict):
                    problems.append((f"properties.contents[{j}]", "must be an object"))
                    continue
                kept = {}
                for key in ("content_id", "content_name", "content_type", "content_category"):
                    if item.get(key) is not None:
                        kept[key] = str(item[key])[:200]
                for key in ("quantity", "price"):
                    if item.get(key) is not None:
                        number = item[key]
                        if isinstance(number, bool) or not isinstance(number, int | float):
                            problems.append((f"properties.contents[{j}].{key}", "must be a number"))
                        else:
                            kept[key] = number
                clean.contents.append(kept)


def clean_event(index: int, raw: Any, now: dt.datetime) -> CleanEvent | list[Problem]:
    """One event, cleaned, or every problem with it (each naming its field)."""
    if not isinstance(raw, dict):
        return [Problem(index, "", "", "must be an object")]
    problems: list[tuple[str, str]] = []
    event_id = raw.get("event_id")
    if event_id in (None, ""):
        event_id = f"auto-{uuid.uuid4().hex}"  # no id: accepted, but retries cannot be merged
    elif not isinstance(event_id, str | int) or not _EVENT_ID.match(str(event_id)):
        problems.append(("event_id", "must be 1 to 100 printable characters without spaces"))
        event_id = ""
    event_id = str(event_id)
    name = raw.get("event")
    if not isinstance(name, str) or not _EVENT_NAME.match(name):
        problems.append(
            ("event", "is required: a standard event such as CompletePayment, or a custom name")
        )
        name = ""
    moment = now
    try:
        moment = _time(raw.get("event_time"), now)
    except ValueError as exc:
        problems.append(("event_time", str(exc)))
    clean = CleanEvent(index=index, event_id=event_id, event=name, event_time=moment)
    user = raw.get("user")
    if user is not None and not isinstance(user, dict):
        problems.append(("user", "must be an object"))
    elif isinstance(user, dict):
        for key in HASHED_FIELDS:
            value = user.get(key)
            if isinstance(value, list):
                value = value[0] if value else None
            if value:
                setattr(clean, f"{key}_sha256", str(value).strip().lower())
        ttclid = user.get("ttclid")
        if ttclid not in (None, ""):
            if not isinstance(ttclid, str) or len(ttclid) > 120:
                problems.append(("user.ttclid", "must be the ttclid string (at most 120)"))
            else:
                clean.ttclid = ttclid
    _properties(raw.get("properties"), clean, problems)
    page = raw.get("page")
    if isinstance(page, dict) and isinstance(page.get("url"), str):
        url = page["url"]
        if url.startswith(("http://", "https://")) and len(url) <= 500:
            clean.url = url
        else:
            problems.append(("page.url", "must be an http(s) URL of at most 500 characters"))
    if problems:
        return [Problem(index, event_id, f"data[{index}].{f}", m) for f, m in problems]
    return clean
