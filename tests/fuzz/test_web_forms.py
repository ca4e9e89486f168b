"""Fuzz every web form as every demo persona: no 5xx, every refusal says why, nothing changes.

The forms are found by crawling the pages each persona can reach (tests/fuzz/forms.py), so a new
form is fuzzed without editing this file. For each form, hypothesis generates values per field:
what the page offered, empty, whitespace, NUL bytes, right-to-left marks and emoji, 10 000
characters, HTML and SQL fragments, absurd numbers, and ids of other tenants' objects; any field
may also be missing. Each POST runs in a savepoint that is rolled back, so examples are
independent. Checks:

- the answer is never a 5xx (the test client re-raises the exception, so the failure shows it);
- a refusal (a 4xx, or an error notice on the page or after the redirect) carries a message on a
  product page, and the database is exactly as before (every row of every table but sessions);
- the count of POSTs is recorded for docs/reliability.md.

Derandomized by default so CI is stable; FUZZ_RANDOM=1 explores new inputs, FUZZ_EXAMPLES=n sets
the examples per form.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import os
from collections import Counter
from typing import Any

import pytest
from django.apps import apps
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bizlink.accounts.models import CreatorAccount, DeviceSession
from bizlink.businesses.models import AdAccount, BusinessCenter
from bizlink.core import clock
from bizlink.demo.data import Demo
from bizlink.links.models import Kind, Link
from bizlink.web.middleware import TOUCH_EVERY_SECONDS
from tests.faults.figures import record
from tests.fuzz.forms import Field, Form, discover
from tests.web.pages import Node, page

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "4"))
# Business Center admin, owner, Standard member, a partner's admin, an outsider, signed out.
PERSONAS = ["ben", "maya", "sara", "alex", "olivia", None]
# Rows that change on every request or are the audit of requests, not state: left out.
VOLATILE_TABLES = ("django_session", "axes_", "sandbox_apirequest")
# Columns any signed-in request may write: ActiveAccountMiddleware touches "last active" (and the
# address) of the device session at most once a minute, so a POST more than a minute after the
# last touch writes them even when it is refused. Left out; the rest of those rows still counts.
VOLATILE_COLUMNS = {"accounts_devicesession": ("last_active_at", "ip")}

# Views known to answer some malformed POSTs by re-rendering the page without a message (none
# now: web:two_factor says when a POST names no known step). Add one only with a reason.
KNOWN_SILENT: set[str] = set()

NASTY = [
    "",
    " ",
    "\t\n",
    "\x00",
    "a\x00b",
    "\u202e\u200b\ufeff",
    "😀" * 50,
    "x" * 10_000,
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "../../etc/passwd",
    "-1",
    "0",
    "9" * 30,
    "1e309",
    "NaN",
    "-0.001",
    "null",
    "2026-02-30T25:61",
    "\uff11\uff12\uff13",  # full-width digits
]


def fingerprint() -> str:
    """A hash of every row of every table (but the volatile tables and columns)."""
    digest = hashlib.sha256()
    for model in sorted(apps.get_models(include_auto_created=True), key=lambda m: m._meta.db_table):
        table = model._meta.db_table
        if table.startswith(VOLATILE_TABLES) or not model._meta.managed:
            continue
        skip = VOLATILE_COLUMNS.get(table, ())
        columns = [f.attname for f in model._meta.concrete_fields if f.column not in skip]
        rows = model._default_manager.order_by("pk").values_list(*columns)
        digest.update(table.encode() + repr(list(rows)).encode())
    return digest.hexdigest()


def foreign_ids() -> list[str]:
    ids: set[int] = set()
    for model in (Link, CreatorAccount, AdAccount, BusinessCenter):
        ids |= set(model.objects.values_list("pk", flat=True))
    return [str(i) for i in sorted(ids)]


def field_values(field: Field, ids: list[str]) -> st.SearchStrategy[Any]:
    junk = st.one_of(
        st.sampled_from(NASTY),
        st.text(max_size=30),
        st.sampled_from(ids),
        st.integers(min_value=-(2**63), max_value=2**64).map(str),
    )
    offered = [v for v in field.values if v is not None]
    value = st.one_of(st.sampled_from(offered), junk) if offered else junk
    if field.kind == "checkbox" and offered:
        value = st.one_of(st.lists(st.sampled_from(offered), unique=True), value)
    return st.one_of(value, st.just(None))  # None: the field is left out


def form_data(form: Form, ids: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({n: field_values(f, ids) for n, f in form.fields.items()}).map(
        lambda data: {k: v for k, v in data.items() if v is not None}
    )


def error_notices(root: Node) -> list[str]:
    def is_error(node: Node) -> bool:
        return bool({"error", "errors", "errorlist"} & set(node.attrs.get("class", "").split()))

    return [n.text for n in root.find_all(is_error) if n.text]


def notices(root: Node) -> list[str]:
    """Every message the page shows about the last action (success, info or error)."""
    found = root.find_all(lambda n: "notice" in n.attrs.get("class", "").split())
    return [n.text for n in found if n.text] + error_notices(root)


def is_product_page(root: Node) -> bool:
    """A page of the product (not a bare server error page), with something to read."""
    return bool(root.find_all(lambda n: n.tag == "main")) and len(root.text) > 40


def post_once(client: Client, form: Form, data: dict[str, Any], tally: Counter[str]) -> None:
    """One POST in a savepoint that is rolled back, so every example starts from the same data."""
    before = fingerprint()
    cookies = copy.deepcopy(client.cookies)  # a POST may sign this session out; rolled back
    with transaction.atomic():
        response = client.post(form.action, data)
        status = response.status_code
        where = f"{form.url_name} {form.action} {data!r:.300}"
        assert status < 500, f"{status} for {where}"
        refused, shown = False, None
        if status in (301, 302, 303):
            location = response["Location"]
            if location.startswith("/") and not location.endswith(".csv"):
                shown = page(client.get(location))
                refused = bool(error_notices(shown))
        elif status >= 400:
            refused, shown = True, page(response)
            assert is_product_page(shown), f"{status} without a readable message for {where}"
        elif "html" in response.get("Content-Type", ""):
            shown = page(response)
            refused = bool(error_notices(shown))
        changed = fingerprint() != before
        if refused:
            assert not changed, f"a refused POST changed the database: {where}"
            tally["refused"] += 1
        elif changed:
            tally["accepted"] += 1
        elif shown is not None and notices(shown):
            tally["answered, nothing to change"] += 1
        elif form.url_name in KNOWN_SILENT:
            tally["silent (known)"] += 1
        else:
            tally["silent"] += 1
            tally[f"silent: {form.url_name} {status}"] += 1
        transaction.set_rollback(True)
    client.cookies = cookies


def fuzz_form(client: Client, form: Form, ids: list[str], tally: Counter[str]) -> None:
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=os.environ.get("FUZZ_RANDOM") != "1",
        suppress_health_check=list(HealthCheck),
    )
    @given(data=form_data(form, ids))
    def fuzz(data: dict[str, Any]) -> None:
        post_once(client, form, data, tally)

    fuzz()


@pytest.mark.parametrize("persona", PERSONAS, ids=[p or "anonymous" for p in PERSONAS])
def test_fuzz_every_form_a_persona_reaches(demo: Demo, persona: str | None) -> None:
    client = Client()
    if persona:
        client.force_login(demo.users[persona])
        forms, pages = discover(client)
    else:
        forms, pages = discover(client)
        assert {f.url_name for f in forms} >= {"web:login", "web:signup"}
    assert forms, f"no forms found for {persona}"
    ids = foreign_ids()
    tally: Counter[str] = Counter()
    for form in forms:
        fuzz_form(client, form, ids, tally)
    outcomes = ("refused", "accepted", "answered, nothing to change", "silent", "silent (known)")
    posts = sum(tally[k] for k in outcomes)
    print(f"\n{persona or 'anonymous'}: {pages} pages, {len(forms)} forms, {posts} POSTs {tally}")
    assert tally["silent"] == 0, f"POSTs that changed nothing and said nothing: {tally}"
    record("web forms fuzzed (form x persona)", len(forms))
    record("fuzzed form POSTs", posts)
    record("fuzzed form POSTs refused", tally["refused"])


def test_volatile_names_match_the_schema(db: None) -> None:
    """A misspelt or renamed table or column would silently stop being left out."""
    tables = {m._meta.db_table: m for m in apps.get_models(include_auto_created=True)}
    for prefix in VOLATILE_TABLES:
        assert any(t.startswith(prefix) for t in tables), f"no table starts with {prefix!r}"
    for table, skipped in VOLATILE_COLUMNS.items():
        assert table in tables, f"no table {table!r}"
        columns = {f.column for f in tables[table]._meta.concrete_fields}
        assert set(skipped) <= columns, f"{table} has no {set(skipped) - columns}"


def test_a_refused_post_a_minute_later_touches_only_volatile_columns(demo: Demo) -> None:
    """The once-a-minute "last active" touch is not a change a refusal must avoid.

    Regression: a fuzz run that took over a minute (PostgreSQL under load) failed a refused POST
    because the touch updated accounts_devicesession.last_active_at.
    """
    client = Client()
    client.force_login(demo.users["ben"])
    assert client.get("/").status_code == 200  # records the device session
    device = DeviceSession.objects.get(session_key=client.session.session_key)
    maya = Link.objects.get(kind=Kind.MEMBERSHIP, business=demo.sunrise, user=demo.users["maya"])
    url = reverse("web:bc_person_remove", args=[demo.sunrise.pk, maya.pk])
    before = fingerprint()
    later = clock.now() + dt.timedelta(seconds=TOUCH_EVERY_SECONDS + 1)
    with clock.frozen_at(later), transaction.atomic():
        response = client.post(url, {})  # the form and data of the failure
        assert error_notices(page(client.get(response["Location"])))  # refused, says why
        assert DeviceSession.objects.get(pk=device.pk).last_active_at == later  # touched
        assert fingerprint() == before
        transaction.set_rollback(True)
