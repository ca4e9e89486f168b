"""Reads for the catalog pages, the API and the sync framework.

Every member of a Business Center may see its catalogs (policy verb `catalog.view`); the
interfaces load the Business Center with `businesses.access.business_for` first.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, Q, QuerySet

from bizlink.businesses.models import BusinessCenter
from bizlink.catalogs.models import (
    Catalog,
    CatalogImport,
    ImportRejection,
    Product,
    ProductSet,
    SetKind,
)


def catalogs(bc: BusinessCenter) -> QuerySet[Catalog]:
    """The Business Center's catalogs with their product counts, by name."""
    return (
        Catalog.objects.filter(business=bc)
        .select_related("creator_account")
        .annotate(product_count=Count("products", distinct=True))
        .order_by("name", "pk")  # an aggregate drops Meta.ordering; pages need a stable order
    )


def products(catalog: Catalog, search: str = "") -> QuerySet[Product]:
    """Products by id; `search` matches the id, title or brand (case-insensitive)."""
    qs = Product.objects.filter(catalog=catalog)
    search = (search or "").strip()[:100]
    if search:
        qs = qs.filter(
            Q(sku__icontains=search) | Q(title__icontains=search) | Q(brand__icontains=search)
        )
    return qs.order_by("sku", "pk")


def product_count(catalog: Catalog) -> int:
    return Product.objects.filter(catalog=catalog).count()


def product_sets(catalog: Catalog) -> QuerySet[ProductSet]:
    return ProductSet.objects.filter(catalog=catalog).order_by("name", "pk")


def rule_filter(rule: dict[str, object]) -> Q:
    """The products a FILTER set's rule selects (every given condition must hold)."""
    q = Q()
    availability = rule.get("availability")
    if isinstance(availability, list) and availability:
        q &= Q(availability__in=availability)
    if rule.get("min_price"):
        q &= Q(price__gte=Decimal(str(rule["min_price"])))
    if rule.get("max_price"):
        q &= Q(price__lte=Decimal(str(rule["max_price"])))
    if rule.get("title_contains"):
        q &= Q(title__icontains=str(rule["title_contains"]))
    if rule.get("brand"):
        q &= Q(brand__iexact=str(rule["brand"]))
    return q


def products_in_set(product_set: ProductSet) -> QuerySet[Product]:
    """A set's products as of now: a rule is evaluated live, chosen products are listed."""
    qs = Product.objects.filter(catalog_id=product_set.catalog_id)
    if product_set.kind == SetKind.FILTER:
        qs = qs.filter(rule_filter(product_set.rule))
    else:
        qs = qs.filter(set_items__product_set=product_set)
    return qs.order_by("sku", "pk")


def imports(catalog: Catalog) -> QuerySet[CatalogImport]:
    return CatalogImport.objects.filter(catalog=catalog).select_related("created_by")


def rejections(record: CatalogImport) -> QuerySet[ImportRejection]:
    return ImportRejection.objects.filter(catalog_import=record).order_by("row_number", "pk")


def rejection_rows(record: CatalogImport) -> list[list[str]]:
    """The per-row report as CSV rows (header first), for download."""
    rows = [["row", "id", "field", "reason"]]
    rows.extend(
        [str(r.row_number), r.product_id, r.field, r.reason]
        for r in rejections(record).iterator(chunk_size=2000)
    )
    return rows


def progress_percent(record: CatalogImport) -> int:
    if record.rows_total <= 0:
        return 0
    return min(100, round(100 * record.rows_processed / record.rows_total))
