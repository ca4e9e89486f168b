"""Reading product files: whole-file refusals and one verdict (with every reason) per row."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import override_settings

from bizlink.catalogs import feed
from tests.catalogs.conftest import csv_bytes, json_bytes, product


def check(data: bytes, fmt: str = "csv") -> feed.Checked:
    _columns, rows = feed.read_rows(data, fmt)
    return feed.check_rows(rows, default_currency="USD")


def reasons(checked: feed.Checked) -> list[tuple[int, str, str]]:
    return [(p.row_number, p.field, p.reason) for p in checked.problems]


def test_a_good_file_gives_one_product_per_row() -> None:
    checked = check(csv_bytes([product(1), product(2, price="3", availability="In Stock")]))
    assert checked.bad_rows == 0 and checked.rows_total == 2
    first, second = checked.good
    assert (first.sku, first.price, first.currency) == ("SKU-000001", Decimal("2.01"), "USD")
    assert (second.price, second.availability) == (Decimal("3.00"), "in_stock")


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        ({"id": ""}, "id", "id is missing"),
        ({"id": "x" * 101}, "id", "id is longer than 100 characters"),
        ({"title": "  "}, "title", "title is missing"),
        ({"price": "abc"}, "price", "price 'abc' is not a number like 12.50 (2 decimals max)"),
        ({"price": "1.999"}, "price", "price '1.999' is not a number like 12.50 (2 decimals max)"),
        ({"price": "-2"}, "price", "price must not be negative"),
        ({"price": ""}, "price", "price is missing"),
        ({"price": "9999999999999"}, "price", "price is too large"),
        ({"currency": "XYZ"}, "currency", "'XYZ' is not an ISO 4217 currency code"),
        ({"currency": "dollars"}, "currency", "'DOLLARS' is not an ISO 4217 currency code"),
        ({"price": "5 EUR"}, "currency", "price is in EUR but currency says USD"),
        (
            {"availability": "maybe"},
            "availability",
            "availability is 'maybe'; use one of in_stock, out_of_stock, preorder, "
            "available_for_order, discontinued",
        ),
        (
            {"image_url": "ftp://x.example/a.jpg"},
            "image_url",
            "image_url must start with http:// or https://",
        ),
        ({"image_url": ""}, "image_url", "image_url is missing"),
        ({"link": "https://shop.example.com/a b"}, "link", "link must not contain spaces"),
        ({"link": "https:///nohost"}, "link", "link has no valid host name"),
        (
            {"link": "https://x.example/" + "a" * 2048},
            "link",
            "link is longer than 2048 characters",
        ),
    ],
)
def test_each_bad_value_is_reported_on_its_row(
    changes: dict[str, str], field: str, reason: str
) -> None:
    checked = check(csv_bytes([product(1), product(2, **changes), product(3)]))
    assert checked.bad_rows == 1
    assert [row.row_number for row in checked.good] == [2, 4]  # file lines; the header is line 1
    assert reasons(checked) == [(3, field, reason)]


def test_a_row_with_several_problems_lists_them_all() -> None:
    checked = check(csv_bytes([product(1, id="", price="x", link="nope")]))
    assert [field for _, field, _ in reasons(checked)] == ["id", "price", "link"]


def test_a_duplicate_id_in_the_file_names_the_first_row() -> None:
    checked = check(csv_bytes([product(1), product(2), product(1, title="again")]))
    assert reasons(checked) == [(4, "id", "duplicate id 'SKU-000001' (already on row 2)")]


def test_a_row_with_the_wrong_number_of_cells_is_reported_not_guessed() -> None:
    data = csv_bytes([product(1)]) + b"SKU-2,only two\n"
    assert reasons(check(data)) == [(3, "", "has 2 values but the header has 8 columns")]


def test_price_with_its_currency_and_a_missing_currency_column() -> None:
    header = ["id", "title", "price", "availability", "image_url", "link"]
    checked = check(csv_bytes([product(1, price="12.5 EUR"), product(2, price="3")], header))
    assert [(p.price, p.currency) for p in checked.good] == [
        (Decimal("12.50"), "EUR"),
        (Decimal("3.00"), "USD"),  # the catalog's currency
    ]


def test_other_feeds_column_names_and_a_bom_are_understood() -> None:
    data = "\ufeffsku_id,Title,Price,Availability,image_link,landing_page_url\n".encode()
    data += b"A1,Mug,4.00,out of stock,https://x.example/m.jpg,https://x.example/m\n"
    [row] = check(data).good
    assert (row.sku, row.availability, row.image_url) == (
        "A1",
        "out_of_stock",
        "https://x.example/m.jpg",
    )


def test_json_list_or_products_object() -> None:
    items = [product(1), {**product(2), "price": 7.5}, "not an object"]
    checked = check(json_bytes(items), "json")
    assert [p.price for p in checked.good] == [Decimal("2.01"), Decimal("7.50")]
    assert reasons(checked) == [(3, "", "is not an object with product fields")]
    wrapped = check(b'{"products": ' + json_bytes([product(1)]) + b"}", "json")
    assert len(wrapped.good) == 1


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("p.xlsx", b"PK\x03\x04", "Upload a .csv or .json file."),
        (
            "p.csv",
            b"\x89PNG\r\n\x1a\n\x00\x00",
            "This is not a text file (it contains binary data).",
        ),
        (
            "p.json",
            b"id,title\n",
            "This .json file does not contain JSON (it should start with [ or {).",
        ),
    ],
)
def test_wrong_file_types_are_refused(name: str, data: bytes, message: str) -> None:
    with pytest.raises(feed.FileRejected) as refused:
        feed.detect_format(name, data)
    assert str(refused.value) == message


@pytest.mark.parametrize(
    ("data", "fmt", "message"),
    [
        (b"", "csv", "The file is empty."),
        (
            "id,title\nA,caf\u00e9\n".encode("latin-1"),
            "csv",
            "The file is not UTF-8 text (line 2, byte 15 cannot be read)",
        ),
        (b"id,title,price\nA,B,1\n", "csv", "Missing columns: availability, image_url, link."),
        (
            b"id,id,title,price,availability,image_url,link\n",
            "csv",
            "The column 'id' appears twice.",
        ),
        (csv_bytes([]), "csv", "The file has a header but no products."),
        (b'[{"id": 1', "json", "The JSON cannot be read at line 1, column 10"),
        (b'{"items": []}', "json", "The JSON must be a list of products"),
        (
            b'[{"id": "1", "title": "x"}]',
            "json",
            "No product has the fields price, availability, image_url, link.",
        ),
        (
            csv_bytes([product(1)]) + b'SKU-2,"unclosed,x\n',
            "csv",
            "The CSV cannot be read at line 3: unexpected end of data.",
        ),
    ],
)
def test_unreadable_files_are_refused_as_a_whole(data: bytes, fmt: str, message: str) -> None:
    with pytest.raises(feed.FileRejected) as refused:
        feed.read_rows(data, fmt)
    assert str(refused.value).startswith(message)


@override_settings(CATALOG_IMPORT_MAX_BYTES=1000, CATALOG_IMPORT_MAX_ROWS=3)
def test_size_and_row_limits() -> None:
    with pytest.raises(feed.FileRejected, match="files up to 0 MB can be imported"):
        feed.read_rows(b"x" * 1001, "csv")
    with pytest.raises(feed.FileRejected, match="The file has 4 products; up to 3 can be imported"):
        feed.read_rows(csv_bytes(product(n) for n in range(4))[:1000], "csv")
