# Ending a link changes its status, so PostgreSQL cannot update the row in place (no HOT update)
# and writes a new entry for the ended row in every index whose predicate it satisfies. The
# lookup indexes serve access checks, which only ask for live links: on PostgreSQL they become
# partial on live links, so an ended link gets no new entry in them. The app index keeps every
# status of app grants (`had_access_before` looks for ended grants); the expiry index holds only
# live links with an expiry. The two user foreign keys nobody looks links up by (created_by,
# ended_by; users are never deleted) lose their index on both databases.
#
# SQLite keeps the indexes whole: it uses a partial index only when the query repeats the
# index's WHERE clause word for word, and access checks ask `status = 'ACTIVE'`, not
# `status IN ('PENDING', 'ACTIVE')`. SQLite also rewrites only the indexes whose columns change,
# so whole indexes cost it less than they cost PostgreSQL. Django's model state keeps the whole
# indexes (same names), so later migrations that drop or rename them work on both databases.

from django.db import migrations, models

LIVE = "status IN ('PENDING', 'ACTIVE')"

# name -> (columns, predicate on PostgreSQL)
PARTIAL = {
    "link_user_status": ("user_id, status", LIVE),
    "link_account_status": ("account_id, status", LIVE),
    "link_bc_kind_status": ("business_id, kind, status", LIVE),
    "link_adaccount_status": ("ad_account_id, status", LIVE),
    "link_partner_status": ("partner_id, status", LIVE),
    "link_app_status": ("app_id, status", "app_id IS NOT NULL"),
    "link_expiry_due": ("status, expires_at", f"{LIVE} AND expires_at IS NOT NULL"),
}


def make_partial(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, (columns, predicate) in PARTIAL.items():
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
        schema_editor.execute(f"CREATE INDEX {name} ON links_link ({columns}) WHERE {predicate}")


def make_whole(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, (columns, _predicate) in PARTIAL.items():
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
        schema_editor.execute(f"CREATE INDEX {name} ON links_link ({columns})")


class Migration(migrations.Migration):
    dependencies = [
        ("links", "0006_owner_held_ad_account_links"),
    ]

    operations = [
        migrations.AlterField(
            model_name="link",
            name="created_by",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=models.deletion.PROTECT,
                related_name="+",
                to="accounts.user",
            ),
        ),
        migrations.AlterField(
            model_name="link",
            name="ended_by",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=models.deletion.PROTECT,
                related_name="+",
                to="accounts.user",
            ),
        ),
        migrations.RunPython(make_partial, make_whole),
    ]
