"""Catalog fixtures: a catalog in Sunrise Bakery (admins Ben and Ana) and product files."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable

import pytest

from bizlink.catalogs import actions
from bizlink.catalogs.models import Catalog
from bizlink.demo.data import Demo

HEADER = ["id", "title", "description", "price", "currency", "availability", "image_url", "link"]


def product(n: int, **changes: str) -> dict[str, str]:
    row = {
        "id": f"SKU-{n:06d}",
        "title": f"Product {n}",
        "description": f"Description of product {n}",
        "price": f"{n % 500 + 1}.{n % 100:02d}",
        "currency": "USD",
        "availability": ("in_stock", "out_of_stock", "preorder")[n % 3],
        "image_url": f"https://shop.example.com/img/{n}.jpg",
        "link": f"https://shop.example.com/p/{n}",
    }
    row.update(changes)
    return row


def csv_bytes(rows: Iterable[dict[str, str]], header: list[str] | None = None) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header or HEADER, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def json_bytes(rows: Iterable[object]) -> bytes:
    return json.dumps(list(rows)).encode()


@pytest.fixture
def catalog(demo: Demo) -> Catalog:
    return actions.create_catalog(demo.users["ben"], demo.sunrise, name="Bakery shop")
