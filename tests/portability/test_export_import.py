"""Export the demo Business Center, empty the database, import it, and get the same data back."""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from bizlink import policy
from bizlink.accounts.models import CreatorAccount, User
from bizlink.ads.models import Ad
from bizlink.audit.models import AuditEvent
from bizlink.businesses.models import BusinessCenter
from bizlink.core.errors import InvalidInput
from bizlink.demo.data import Demo
from bizlink.links.models import Link, Status
from bizlink.portability import actions, queries
from bizlink.portability import format as fmt

# Transactional: the import commits for real, and PostgreSQL can TRUNCATE (flush) between steps.
pytestmark = pytest.mark.django_db(transaction=True)


def empty_database() -> None:
    call_command("flush", interactive=False, verbosity=0, reset_sequences=True)
    assert not User.objects.exists() and not Link.objects.exists()


def through_text(document: dict[str, Any]) -> dict[str, Any]:
    """What a file would hold: serialized and parsed again."""
    return actions.read_document(json.dumps(document))


def rehash(document: dict[str, Any]) -> dict[str, Any]:
    document["digest"] = fmt.digest(document["tables"])
    return document


def key_facts() -> dict[str, Any]:
    """Facts compared across the round trip, read from the models (not from the export)."""
    return {
        "links": sorted(
            Link.objects.values_list("id", "kind", "status", "role", "user__email", "ended_at")
        ),
        "ads": sorted(Ad.objects.values_list("id", "name", "status", "stop_reason")),
        "audit": sorted(AuditEvent.objects.values_list("id", "action", "change_id", "link_id")),
    }


def test_round_trip_of_the_demo_business_center(demo: Demo) -> None:
    bc_id = demo.sunrise.pk
    sara_id, bakes_id = demo.users["sara"].pk, demo.accounts["maya.bakes"].pk
    access_before = policy.has_account_access(demo.users["sara"], bakes_id)
    exported = queries.export_business(bc_id)
    text = json.dumps(exported)
    assert "argon2" not in text and "pbkdf2" not in text and '"password"' not in text
    assert exported["schema_version"] == fmt.SCHEMA_VERSION
    counts = exported["counts"]
    assert counts["links"] >= 10 and counts["audit_events"] >= 10 and counts["ads"] >= 1
    ended = [r for r in exported["tables"]["links"] if r["status"] not in ("ACTIVE", "PENDING")]
    assert ended, "ended links are exported too (Tom left Sunrise Bakery in the demo)"
    sunrise_links = Link.objects.filter(business_id=bc_id).count()

    empty_database()
    imported = actions.import_business(actions.read_document(text))

    assert imported.counts == counts
    assert imported.digest == exported["digest"]
    again = queries.export_business(bc_id)
    assert queries.summary(again) == queries.summary(exported)
    assert again["tables"] == exported["tables"]
    # The models agree too, and so does the access policy.
    assert Link.objects.filter(business_id=bc_id).count() == sunrise_links
    assert BusinessCenter.objects.get(pk=bc_id).name == "Sunrise Bakery"
    sara = User.objects.get(pk=sara_id)
    assert not sara.has_usable_password()
    assert policy.has_account_access(sara, bakes_id) == access_before
    # Ids continue after the imported ones (PostgreSQL sequences were moved on).
    newcomer = User.objects.create_user(email="after.import@example.com", password="x", name="N")
    assert newcomer.pk > max(r["id"] for r in exported["tables"]["users"])


def test_facts_survive_the_round_trip(demo: Demo) -> None:
    document = through_text(queries.export_business(demo.sunrise.pk))
    ids = {name: {r["id"] for r in rows} for name, rows in document["tables"].items()}
    before = key_facts()
    empty_database()
    actions.import_business(document)
    after = key_facts()
    for name, facts in before.items():
        table = {"links": "links", "ads": "ads", "audit": "audit_events"}[name]
        assert [f for f in facts if f[0] in ids[table]] == after[name]


def test_refuses_when_ids_collide_and_writes_nothing(demo: Demo) -> None:
    document = through_text(queries.export_business(demo.sunrise.pk))
    users, links = User.objects.count(), Link.objects.count()
    with pytest.raises(InvalidInput) as refused:
        actions.import_business(document)
    assert "not empty" in refused.value.message and "users with id" in refused.value.message
    assert "maya@example.com" in refused.value.message
    assert (User.objects.count(), Link.objects.count()) == (users, links)


def test_refuses_other_versions_formats_and_tampered_files(demo: Demo) -> None:
    document = through_text(queries.export_business(demo.sunrise.pk))
    empty_database()

    wrong_version = {**document, "schema_version": 99}
    with pytest.raises(InvalidInput, match="schema version 99"):
        actions.import_business(wrong_version)
    with pytest.raises(InvalidInput, match="not a bizlink Business Center export"):
        actions.import_business({**document, "format": "something-else"})
    with pytest.raises(InvalidInput, match="not valid JSON"):
        actions.read_document('{"format": ')

    tampered = copy.deepcopy(document)
    tampered["tables"]["business_centers"][0]["name"] += " (edited)"
    with pytest.raises(InvalidInput, match="digest"):
        actions.import_business(tampered)

    unknown = rehash(copy.deepcopy(document))
    unknown["tables"]["users"][0]["is_superuser"] = True
    rehash(unknown)
    with pytest.raises(InvalidInput, match="unknown field"):
        actions.import_business(unknown)

    bad_date = copy.deepcopy(document)
    bad_date["tables"]["audit_events"][-1]["occurred_at"] = "yesterday-ish"
    rehash(bad_date)
    with pytest.raises(InvalidInput, match="occurred_at"):
        actions.import_business(bad_date)

    # A row that breaks a database rule (an ad whose identity is not in the file) rolls back
    # everything written before it.
    broken = copy.deepcopy(document)
    broken["tables"]["ads"][0]["identity_id"] = 987654
    rehash(broken)
    with pytest.raises(InvalidInput, match="nothing was imported"):
        actions.import_business(broken)
    assert not User.objects.exists() and not Link.objects.exists()
    assert not CreatorAccount.objects.exists()

    # The untouched file still imports.
    assert actions.import_business(document).digest == document["digest"]


def test_missing_fields_take_their_defaults(demo: Demo) -> None:
    """A file from a version whose model had fewer fields still imports."""
    document = through_text(queries.export_business(demo.sunrise.pk))
    for row in document["tables"]["links"]:
        row.pop("expiry_reminded_at")
    rehash(document)
    empty_database()
    actions.import_business(document)
    assert Link.objects.filter(expiry_reminded_at__isnull=True).count() == Link.objects.count()


def test_the_commands_export_to_a_file_and_import_it(demo: Demo, tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    call_command("export_business", str(demo.sunrise.pk), stdout=out, stderr=err)
    document = json.loads(out.getvalue())
    assert document["business_center_name"] == "Sunrise Bakery"
    assert "Digest sha256:" in err.getvalue()
    path = tmp_path / "sunrise.json"
    path.write_text(out.getvalue())

    with pytest.raises(CommandError, match=r"Nothing was imported\. The database is not empty"):
        call_command("import_business", str(path), stdout=io.StringIO())
    with pytest.raises(CommandError, match="no Business Center with id 424242"):
        call_command("export_business", "424242", stdout=io.StringIO(), stderr=io.StringIO())
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_business", str(tmp_path / "missing.json"))

    empty_database()
    done = io.StringIO()
    call_command("import_business", str(path), stdout=done)
    assert f"Imported Business Center {demo.sunrise.pk}" in done.getvalue()
    assert document["digest"] in done.getvalue()
    assert Link.objects.filter(status=Status.ACTIVE).exists()
