"""Business Center -> Assets -> Catalogs: catalogs, their products and product sets, and file
imports with a progress bar (an HTMX fragment polled every second) and a per-row report.

Views load with `access`, read with `queries`, change state only through `actions`.
"""

from __future__ import annotations

import csv
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from bizlink.businesses import access as bc_access
from bizlink.businesses import queries as bc_queries
from bizlink.catalogs import access, actions, feed, queries
from bizlink.catalogs.enums import Availability, ImportStatus, SetKind
from bizlink.core.errors import InvalidInput
from bizlink.policy import decide
from bizlink.web.guards import signed_in
from bizlink.web.views.business import _ctx
from bizlink.web.views.common import form_id, paginate, signed_in_user

SECTION = "catalogs"


@signed_in
def catalog_list(request: HttpRequest, bc_id: int) -> HttpResponse:
    """The Business Center's catalogs; admins create new ones."""
    actor = signed_in_user(request)
    bc = bc_access.business_for(actor, bc_id)
    create = decide(actor, "catalog.create", bc)
    values = {"name": "", "currency": "USD", "creator_account": ""}
    error = ""
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in values}
        try:
            catalog = actions.create_catalog(
                actor,
                bc,
                name=values["name"],
                currency=values["currency"],
                creator_account_id=form_id(request, "creator_account")
                if values["creator_account"]
                else None,
            )
        except InvalidInput as exc:
            error = exc.message
        else:
            messages.success(request, f"Catalog {catalog.name} created. Import products next.")
            return redirect("web:bc_catalog_import", bc.pk, catalog.pk)
    linked = [link.account for link in bc_queries.linked_accounts(bc, actor) if link.account]
    return render(
        request,
        "web/business/catalogs/list.html",
        _ctx(
            request,
            bc,
            SECTION,
            page=paginate(request, queries.catalogs(bc)),
            create=create,
            values=values,
            error=error,
            linked_accounts=linked,
        ),
    )


@signed_in
def catalog_detail(request: HttpRequest, bc_id: int, catalog_id: int) -> HttpResponse:
    """Products of a catalog (search by id, title or brand), its sets and recent imports."""
    actor = signed_in_user(request)
    bc = bc_access.business_for(actor, bc_id)
    catalog = access.catalog_for(actor, bc, catalog_id)
    search = request.GET.get("q", "").strip()[:100]
    return render(
        request,
        "web/business/catalogs/detail.html",
        _ctx(
            request,
            bc,
            SECTION,
            catalog=catalog,
            search=search,
            page=paginate(request, queries.products(catalog, search)),
            total=queries.product_count(catalog),
            product_sets=queries.product_sets(catalog)[:10],
            imports=queries.imports(catalog)[:5],
            manage=decide(actor, "catalog.manage", catalog),
        ),
    )


@signed_in
def catalog_template(request: HttpRequest, bc_id: int) -> HttpResponse:
    """An example product file to fill in."""
    bc_access.business_for(signed_in_user(request), bc_id)
    response = HttpResponse(feed.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="products-template.csv"'
    return response


# --- imports ---------------------------------------------------------------------------------


@signed_in
def catalog_import(request: HttpRequest, bc_id: int, catalog_id: int) -> HttpResponse:
    """Upload a CSV or JSON file; small files import at once, large ones on the worker."""
    actor = signed_in_user(request)
    bc = bc_access.business_for(actor, bc_id)
    catalog = access.catalog_for(actor, bc, catalog_id)
    allowed = decide(actor, "catalog.import", catalog)
    error = ""
    if request.method == "POST" and allowed:
        upload = request.FILES.get("file")
        if upload is None:
            error = "Choose a .csv or .json file to upload."
        elif upload.size is not None and upload.size > feed.max_bytes():
            # Refused before reading: the message is the one the file check gives.
            error = f"The file is {upload.size / 1_048_576:.1f} MB; files up to " + (
                f"{feed.max_bytes() / 1_048_576:.0f} MB can be imported. Split it into smaller "
                "files."
            )
        else:
            try:
                record = actions.import_products(
                    actor, catalog, file_name=upload.name or "", content=upload.read()
                )
            except InvalidInput as exc:
                error = exc.message
            else:
                return redirect("web:bc_catalog_import_detail", bc.pk, catalog.pk, record.pk)
    return render(
        request,
        "web/business/catalogs/import.html",
        _ctx(
            request,
            bc,
            SECTION,
            catalog=catalog,
            allowed=allowed,
            error=error,
            page=paginate(request, queries.imports(catalog), size=10),
            max_mb=feed.max_bytes() // 1_048_576,
            max_rows=feed.max_rows(),
            required=feed.REQUIRED,
            optional=feed.OPTIONAL,
            availability=Availability.values,
        ),
    )


def _import_context(request: HttpRequest, bc_id: int, catalog_id: int, import_id: int) -> Any:
    actor = signed_in_user(request)
    bc = bc_access.business_for(actor, bc_id)
    catalog = access.catalog_for(actor, bc, catalog_id)
    record = access.import_for(actor, catalog, import_id)
    return bc, catalog, record


def _progress(record: Any) -> dict[str, Any]:
    return {
        "record": record,
        "percent": queries.progress_percent(record),
        "finished": actions.is_finished(record),
        "checking": record.status == ImportStatus.CHECKING,
        "saving": record.status == ImportStatus.SAVING,
        "unchanged": record.rows_accepted - record.products_created - record.products_updated,
    }


@signed_in
def import_detail(
    request: HttpRequest, bc_id: int, catalog_id: int, import_id: int
) -> HttpResponse:
    """Progress while it runs; afterwards what was imported, or every rejected row and why."""
    bc, catalog, record = _import_context(request, bc_id, catalog_id, import_id)
    return render(
        request,
        "web/business/catalogs/import_detail.html",
        _ctx(
            request,
            bc,
            SECTION,
            catalog=catalog,
            report=paginate(request, queries.rejections(record), size=50),
            retry=actions.may_retry(record),
            import_allowed=decide(signed_in_user(request), "catalog.import", catalog),
            **_progress(record),
        ),
    )


@signed_in
@require_POST
def import_retry(request: HttpRequest, bc_id: int, catalog_id: int, import_id: int) -> HttpResponse:
    """Queue a failed or abandoned import again from its stored file."""
    bc, catalog, record = _import_context(request, bc_id, catalog_id, import_id)
    try:
        actions.retry_import(signed_in_user(request), record)
    except InvalidInput as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{record.file_name} is queued again.")
    return redirect("web:bc_catalog_import_detail", bc.pk, catalog.pk, record.pk)


@signed_in
def import_progress(
    request: HttpRequest, bc_id: int, catalog_id: int, import_id: int
) -> HttpResponse:
    """The progress fragment the page polls; once finished, the page reloads to the report."""
    bc, catalog, record = _import_context(request, bc_id, catalog_id, import_id)
    context = {"bc": bc, "catalog": catalog, **_progress(record)}
    response = render(request, "web/business/catalogs/progress.html", context)
    if context["finished"] and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


@signed_in
def import_report(
    request: HttpRequest, bc_id: int, catalog_id: int, import_id: int
) -> HttpResponse:
    """Every rejected row and why, as CSV."""
    _bc, _catalog, record = _import_context(request, bc_id, catalog_id, import_id)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{record.pk}-report.csv"'
    writer = csv.writer(response)
    for row in queries.rejection_rows(record):
        # A cell starting with = + - @ would be a formula in a spreadsheet: neutralise it.
        writer.writerow(["'" + c if c[:1] in ("=", "+", "-", "@") else c for c in row])
    return response


# --- product sets ----------------------------------------------------------------------------


@signed_in
def product_sets(request: HttpRequest, bc_id: int, catalog_id: int) -> HttpResponse:
    """A catalog's product sets; admins add a set by filter rule or by chosen product ids."""
    actor = signed_in_user(request)
    bc = bc_access.business_for(actor, bc_id)
    catalog = access.catalog_for(actor, bc, catalog_id)
    manage = decide(actor, "catalog.manage", catalog)
    values: dict[str, Any] = {
        "name": "",
        "kind": SetKind.FILTER,
        "availability": [],
        "min_price": "",
        "max_price": "",
        "title_contains": "",
        "brand": "",
        "skus": "",
    }
    error = ""
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in values}
        values["availability"] = request.POST.getlist("availability")
        try:
            product_set = actions.create_product_set(
                actor,
                catalog,
                name=values["name"],
                kind=values["kind"],
                rule={
                    k: values[k]
                    for k in ("availability", "min_price", "max_price", "title_contains", "brand")
                },
                skus=values["skus"].replace(",", "\n").splitlines(),
            )
        except InvalidInput as exc:
            error = exc.message
        else:
            messages.success(request, f"Product set {product_set.name} created.")
            return redirect("web:bc_catalog_set", bc.pk, catalog.pk, product_set.pk)
    sets = [(s, queries.products_in_set(s).count()) for s in queries.product_sets(catalog)]
    return render(
        request,
        "web/business/catalogs/sets.html",
        _ctx(
            request,
            bc,
            SECTION,
            catalog=catalog,
            sets=sets,
            manage=manage,
            values=values,
            error=error,
            availability=Availability.choices,
            kinds=SetKind.choices,
        ),
    )


@signed_in
def product_set(request: HttpRequest, bc_id: int, catalog_id: int, set_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    bc = bc_access.business_for(actor, bc_id)
    catalog = access.catalog_for(actor, bc, catalog_id)
    chosen = access.product_set_for(actor, catalog, set_id)
    return render(
        request,
        "web/business/catalogs/set.html",
        _ctx(
            request,
            bc,
            SECTION,
            catalog=catalog,
            product_set=chosen,
            page=paginate(request, queries.products_in_set(chosen)),
            manage=decide(actor, "catalog.manage", catalog),
            availability_labels=dict(Availability.choices),
        ),
    )


@signed_in
@require_POST
def product_set_delete(
    request: HttpRequest, bc_id: int, catalog_id: int, set_id: int
) -> HttpResponse:
    actor = signed_in_user(request)
    bc = bc_access.business_for(actor, bc_id)
    catalog = access.catalog_for(actor, bc, catalog_id)
    chosen = access.product_set_for(actor, catalog, set_id)
    name = chosen.name
    actions.delete_product_set(actor, chosen)
    messages.success(request, f"Product set {name} deleted. Its products stay in the catalog.")
    return redirect("web:bc_catalog_sets", bc.pk, catalog.pk)
