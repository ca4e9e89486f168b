"""Reading a product file (CSV or JSON): whole-file checks, then one verdict per row.

Pure functions over bytes, no database: the import action and the worker both use them, and so
do the tests. A file that cannot be read as a whole raises `FileRejected` with a message that
says what to fix; a readable file yields valid rows and, per bad row, every reason it is bad.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings

from bizlink.catalogs.enums import Availability, ImportFormat

# Defaults; settings.CATALOG_IMPORT_MAX_BYTES / CATALOG_IMPORT_MAX_ROWS override them.
MAX_BYTES = 64 * 1024 * 1024
MAX_ROWS = 200_000

REQUIRED = ("id", "title", "price", "availability", "image_url", "link")
OPTIONAL = ("description", "currency", "brand")
# Column names other feeds use for the same thing (TikTok, Meta and Google feed templates).
ALIASES = {
    "sku_id": "id",
    "sku": "id",
    "product_id": "id",
    "image_link": "image_url",
    "landing_page_url": "link",
    "url": "link",
    "name": "title",
}
MAX_LEN = {"id": 100, "title": 255, "description": 10_000, "brand": 120, "url": 2048}
MAX_PRICE = Decimal("999999999999.99")

# ISO 4217 codes in use (the ones a shop can price in).
_ISO_4217 = """
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN
BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD
FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY
KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP
MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR
RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT
TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XOF XPF YER ZAR ZMW
ZWL
"""
CURRENCIES = frozenset(_ISO_4217.split())
_AVAILABILITY = {
    **{value: value for value in Availability.values},
    **{value.replace("_", " "): value for value in Availability.values},
    **{value.replace("_", "-"): value for value in Availability.values},
}
_PRICE = re.compile(r"^\s*(\d+(?:\.\d{1,2})?)\s*(?:([A-Za-z]{3})\s*)?$")


NEWLINE = b"\n"


class FileRejected(Exception):
    """The file as a whole cannot be imported; nothing was written. The message says why."""


@dataclass(frozen=True)
class ProductRow:
    row_number: int
    sku: str
    title: str
    description: str
    price: Decimal
    currency: str
    availability: str
    image_url: str
    link: str
    brand: str

    def values_for_insert(self) -> tuple[str, str, str, Decimal, str, str, str, str, str]:
        """The product table's columns from sku to brand, in table order."""
        return (self.sku, *self.values())

    def values(self) -> tuple[str, str, Decimal, str, str, str, str, str]:
        """What a product row stores (without the sku): compared to skip unchanged products."""
        return (
            self.title,
            self.description,
            self.price,
            self.currency,
            self.availability,
            self.image_url,
            self.link,
            self.brand,
        )


@dataclass(frozen=True)
class Problem:
    row_number: int
    product_id: str
    field: str
    reason: str


@dataclass
class Checked:
    """The verdict on a readable file: good rows, and every problem of every bad row."""

    rows_total: int = 0
    good: list[ProductRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    bad_rows: int = 0
    ignored_columns: tuple[str, ...] = ()


def max_bytes() -> int:
    return int(getattr(settings, "CATALOG_IMPORT_MAX_BYTES", MAX_BYTES))


def max_rows() -> int:
    return int(getattr(settings, "CATALOG_IMPORT_MAX_ROWS", MAX_ROWS))


def detect_format(file_name: str, content: bytes) -> str:
    """CSV or JSON from the file name, confirmed by the content (an image renamed .csv fails)."""
    name = (file_name or "").lower()
    if name.endswith(".csv"):
        fmt = ImportFormat.CSV
    elif name.endswith(".json"):
        fmt = ImportFormat.JSON
    else:
        raise FileRejected("Upload a .csv or .json file.")
    head = content[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if b"\x00" in content[:4096]:
        raise FileRejected("This is not a text file (it contains binary data).")
    if fmt == ImportFormat.JSON and head[:1] not in (b"[", b"{"):
        raise FileRejected("This .json file does not contain JSON (it should start with [ or {).")
    return fmt


def decode(content: bytes) -> str:
    if len(content) > max_bytes():
        raise FileRejected(
            f"The file is {len(content) / 1_048_576:.1f} MB; files up to "
            f"{max_bytes() / 1_048_576:.0f} MB can be imported. Split it into smaller files."
        )
    if not content.strip():
        raise FileRejected("The file is empty.")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileRejected(
            f"The file is not UTF-8 text (line {content.count(NEWLINE, 0, exc.start) + 1}, "
            f"byte {exc.start + 1} cannot be read). "
            "Save it as CSV UTF-8 or JSON (UTF-8) and upload it again."
        ) from exc


def read_rows(content: bytes, fmt: str) -> tuple[list[str], list[dict[str, Any]]]:
    """The file's columns (canonical names) and raw rows; FileRejected for whole-file errors."""
    text = decode(content)
    if fmt == ImportFormat.CSV:
        columns, rows = _read_csv(text)
    else:
        columns, rows = _read_json(text)
    if not rows:
        raise FileRejected("The file has a header but no products.")
    if len(rows) > max_rows():
        raise FileRejected(
            f"The file has {len(rows):,} products; up to {max_rows():,} can be imported at "
            "once. Split it into smaller files."
        )
    return columns, rows


def _canonical(name: str) -> str:
    key = name.strip().lower().replace(" ", "_").replace("-", "_")
    return ALIASES.get(key, key)


def _check_columns(columns: list[str]) -> None:
    seen: set[str] = set()
    for column in columns:
        if column in seen:
            raise FileRejected(f"The column '{column}' appears twice.")
        seen.add(column)
    missing = [name for name in REQUIRED if name not in seen]
    if missing:
        raise FileRejected(
            f"Missing column{'s' if len(missing) > 1 else ''}: {', '.join(missing)}. "
            f"A product file needs the columns {', '.join(REQUIRED)} "
            f"(optional: {', '.join(OPTIONAL)})."
        )


def _read_csv(text: str) -> tuple[list[str], list[dict[str, Any]]]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None or not any(cell.strip() for cell in header):
            raise FileRejected("The file has no header row.")
        columns = [_canonical(cell) for cell in header]
        _check_columns(columns)
        rows = []
        limit = max_rows()
        width = len(columns)
        for cells in reader:
            if len(cells) != width and not "".join(cells).strip():
                continue  # blank lines (often at the end) are not products
            row: dict[str, Any] = dict(zip(columns, cells, strict=False))
            # Row numbers are the file's line numbers (the header is line 1), as a spreadsheet
            # shows them; a row with the wrong number of cells is reported, not guessed at.
            row["__row__"] = reader.line_num
            if len(cells) != width:
                row["__cells__"] = (len(cells), width)
            rows.append(row)
            if len(rows) > limit:
                break
    except csv.Error as exc:
        raise FileRejected(f"The CSV cannot be read at line {reader.line_num}: {exc}.") from exc
    return columns, rows


def _read_json(text: str) -> tuple[list[str], list[dict[str, Any]]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FileRejected(
            f"The JSON cannot be read at line {exc.lineno}, column {exc.colno}: {exc.msg}."
        ) from exc
    if isinstance(data, dict) and isinstance(data.get("products"), list):
        data = data["products"]
    if not isinstance(data, list):
        raise FileRejected('The JSON must be a list of products, or {"products": [...]}.')
    rows: list[dict[str, Any]] = []
    columns: list[str] = []
    seen: set[str] = set()
    for item in data:
        if not isinstance(item, dict):
            rows.append({"__not_object__": True})
            continue
        row = {_canonical(str(key)): value for key, value in item.items()}
        for key in row:
            if key not in seen:
                seen.add(key)
                columns.append(key)
        rows.append(row)
    missing = [name for name in REQUIRED if name not in seen]
    if rows and missing:
        raise FileRejected(
            f"No product has the field{'s' if len(missing) > 1 else ''} {', '.join(missing)}. "
            f"Each product needs {', '.join(REQUIRED)} (optional: {', '.join(OPTIONAL)})."
        )
    return columns, rows


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    return str(value).strip()


_URL = re.compile(
    r"^https?://(?:[^\s/@]+@)?[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::\d{1,5})?(?:[/?#]\S*)?$"
)
_SPACE = re.compile(r"\s")


def _url_problem(value: str) -> str:
    if not value:
        return "is missing"
    if len(value) > MAX_LEN["url"]:
        return f"is longer than {MAX_LEN['url']} characters"
    if _URL.match(value):
        return ""
    if _SPACE.search(value):
        return "must not contain spaces"
    if not value.lower().startswith(("http://", "https://")):
        return "must start with http:// or https://"
    return "has no valid host name"


def check_rows(
    raw_rows: list[dict[str, Any]],
    *,
    default_currency: str,
    progress: Callable[[int], None] | None = None,
    every: int = 5_000,
) -> Checked:
    """One verdict per row; a row with any problem is bad, and every problem is reported."""
    result = Checked(rows_total=len(raw_rows))
    first_row_of: dict[str, int] = {}
    for index, raw in enumerate(raw_rows, start=1):
        problems, good = _check_row(raw.get("__row__", index), raw, default_currency, first_row_of)
        if good is not None:
            result.good.append(good)
        else:
            result.bad_rows += 1
            result.problems.extend(problems)
        if progress is not None and index % every == 0:
            progress(index)
    if progress is not None:
        progress(len(raw_rows))
    return result


def _check_row(
    row_number: int, raw: dict[str, Any], default_currency: str, first_row_of: dict[str, int]
) -> tuple[list[Problem], ProductRow | None]:
    if raw.get("__not_object__"):
        return [Problem(row_number, "", "", "is not an object with product fields")], None
    sku = _text(raw.get("id"))
    problems: list[Problem] = []

    def problem(column: str, reason: str) -> None:
        problems.append(Problem(row_number, sku[:100], column, reason))

    cells = raw.get("__cells__")
    if cells is not None:
        problem("", f"has {cells[0]} values but the header has {cells[1]} columns")
        return problems, None
    if not sku:
        problem("id", "id is missing")
    elif len(sku) > MAX_LEN["id"]:
        problem("id", f"id is longer than {MAX_LEN['id']} characters")
    elif sku in first_row_of:
        problem("id", f"duplicate id '{sku}' (already on row {first_row_of[sku]})")
    else:
        first_row_of[sku] = row_number
    title = _text(raw.get("title"))
    if not title:
        problem("title", "title is missing")
    elif len(title) > MAX_LEN["title"]:
        problem("title", f"title is longer than {MAX_LEN['title']} characters")
    description = _text(raw.get("description"))
    if len(description) > MAX_LEN["description"]:
        problem("description", f"description is longer than {MAX_LEN['description']:,}")
    brand = _text(raw.get("brand"))
    if len(brand) > MAX_LEN["brand"]:
        problem("brand", f"brand is longer than {MAX_LEN['brand']} characters")
    price, price_currency, price_problem = _price(raw.get("price"))
    if price_problem:
        problem("price", price_problem)
    currency = _text(raw.get("currency")).upper() or price_currency or default_currency
    if currency not in CURRENCIES:
        problem("currency", f"'{currency[:10]}' is not an ISO 4217 currency code")
    elif price_currency and currency != price_currency:
        problem("currency", f"price is in {price_currency} but currency says {currency}")
    availability = _text(raw.get("availability")).lower()
    if availability not in _AVAILABILITY:
        shown = f"'{availability[:40]}'" if availability else "missing"
        problem(
            "availability",
            f"availability is {shown}; use one of {', '.join(Availability.values)}",
        )
    image_url = _text(raw.get("image_url"))
    reason = _url_problem(image_url)
    if reason:
        problem("image_url", f"image_url {reason}")
    link = _text(raw.get("link"))
    reason = _url_problem(link)
    if reason:
        problem("link", f"link {reason}")
    if problems:
        return problems, None
    return problems, ProductRow(
        row_number=row_number,
        sku=sku,
        title=title,
        description=description,
        price=price,
        currency=currency,
        availability=_AVAILABILITY[availability],
        image_url=image_url,
        link=link,
        brand=brand,
    )


def _price(value: Any) -> tuple[Decimal, str, str]:
    """Price as Decimal (2 places), the currency written after it (if any), and what is wrong."""
    if isinstance(value, bool):
        return Decimal(0), "", "price must be a number like 12.50"
    if isinstance(value, int | float):
        text = repr(value) if isinstance(value, float) else str(value)
    else:
        text = _text(value)
    if not text:
        return Decimal(0), "", "price is missing"
    match = _PRICE.match(text)
    if match is None:
        if text.startswith("-"):
            return Decimal(0), "", "price must not be negative"
        return Decimal(0), "", f"price '{text[:30]}' is not a number like 12.50 (2 decimals max)"
    price = Decimal(match.group(1))
    if price > MAX_PRICE:
        return Decimal(0), "", "price is too large"
    return price.quantize(_CENT), (match.group(2) or "").upper(), ""


_CENT = Decimal("0.01")


def chunks(items: list[ProductRow], size: int) -> Iterator[list[ProductRow]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def template_csv() -> str:
    """A two-product example file people can download and fill in."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*REQUIRED[:1], "title", "description", "price", "currency", *REQUIRED[3:]])
    writer.writerow(
        [
            "SKU-001",
            "Sourdough loaf",
            "36-hour fermented loaf",
            "8.50",
            "USD",
            "in_stock",
            "https://shop.example.com/img/sourdough.jpg",
            "https://shop.example.com/p/sourdough",
        ]
    )
    writer.writerow(
        [
            "SKU-002",
            "Croissant box (6)",
            "",
            "14.00",
            "USD",
            "preorder",
            "https://shop.example.com/img/croissants.jpg",
            "https://shop.example.com/p/croissants",
        ]
    )
    return out.getvalue()
