# A per-ad-account daily rollup (AccountDailyStat): the sum of the account's DailyStat rows per
# local day, so a report by day for the whole account reads one row per day.
#
# It is kept equal to those sums by triggers on ads_dailystat rather than by each writer: the
# delivery tick upserts DailyStat, pixel attribution adds conversions to it (bizlink/pixels),
# imports and the benchmarks insert it. The triggers run in the writer's transaction, so the two
# tables are never seen apart. On PostgreSQL they are statement-level triggers over transition
# tables (one grouped upsert per statement, however many rows it wrote); SQLite has only row
# triggers, which run in-process. TRUNCATE fires none: truncate both tables together.
#
# The triggers are created before the backfill: CREATE TRIGGER locks ads_dailystat against
# writes until this migration commits, so no row is missed or counted twice.

from decimal import Decimal

import django.db.models.deletion
from django.db import migrations, models

METRICS = ("impressions", "clicks", "conversions", "spend")
ADD = ", ".join(f"{m} = t.{m} + excluded.{m}" for m in METRICS)
SUMS = ", ".join(f"sum({m})" for m in METRICS)
COLUMNS = "ad_account_id, day, " + ", ".join(METRICS)

POSTGRES_INSTALL = [
    f"""
    CREATE FUNCTION ads_account_rollup_insert() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO ads_accountdailystat AS t ({COLUMNS})
        SELECT ad_account_id, day, {SUMS} FROM new_rows GROUP BY ad_account_id, day
        ON CONFLICT (ad_account_id, day) DO UPDATE SET {ADD};
        RETURN NULL;
    END $$
    """,
    f"""
    CREATE FUNCTION ads_account_rollup_update() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO ads_accountdailystat AS t ({COLUMNS})
        SELECT ad_account_id, day, {SUMS} FROM (
            SELECT {COLUMNS} FROM new_rows
            UNION ALL
            SELECT ad_account_id, day, {", ".join(f"-{m}" for m in METRICS)} FROM old_rows
        ) AS delta
        GROUP BY ad_account_id, day
        HAVING {" OR ".join(f"sum({m}) <> 0" for m in METRICS)}
        ON CONFLICT (ad_account_id, day) DO UPDATE SET {ADD};
        RETURN NULL;
    END $$
    """,
    f"""
    CREATE FUNCTION ads_account_rollup_delete() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE ads_accountdailystat AS t
        SET {", ".join(f"{m} = t.{m} - d.{m}" for m in METRICS)}
        FROM (
            SELECT ad_account_id, day, {", ".join(f"sum({m}) AS {m}" for m in METRICS)}
            FROM old_rows GROUP BY ad_account_id, day
        ) AS d
        WHERE t.ad_account_id = d.ad_account_id AND t.day = d.day;
        RETURN NULL;
    END $$
    """,
    "CREATE TRIGGER ads_account_rollup_insert AFTER INSERT ON ads_dailystat "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION ads_account_rollup_insert()",
    "CREATE TRIGGER ads_account_rollup_update AFTER UPDATE ON ads_dailystat "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION ads_account_rollup_update()",
    "CREATE TRIGGER ads_account_rollup_delete AFTER DELETE ON ads_dailystat "
    "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION ads_account_rollup_delete()",
    "ALTER TABLE ads_accountdailystat SET (fillfactor = 50)",
]
POSTGRES_REMOVE = [
    "DROP TRIGGER IF EXISTS ads_account_rollup_insert ON ads_dailystat",
    "DROP TRIGGER IF EXISTS ads_account_rollup_update ON ads_dailystat",
    "DROP TRIGGER IF EXISTS ads_account_rollup_delete ON ads_dailystat",
    "DROP FUNCTION IF EXISTS ads_account_rollup_insert()",
    "DROP FUNCTION IF EXISTS ads_account_rollup_update()",
    "DROP FUNCTION IF EXISTS ads_account_rollup_delete()",
]


def _sqlite_add(row: str, sign: str = "") -> str:
    values = ", ".join(f"{sign}{row}.{m}" for m in METRICS)
    add = ", ".join(f"{m} = {m} + excluded.{m}" for m in METRICS)
    return (
        f"INSERT INTO ads_accountdailystat ({COLUMNS}) "
        f"VALUES ({row}.ad_account_id, {row}.day, {values}) "
        f"ON CONFLICT (ad_account_id, day) DO UPDATE SET {add};"
    )


def _sqlite_subtract(row: str) -> str:
    sets = ", ".join(f"{m} = {m} - {row}.{m}" for m in METRICS)
    return (
        f"UPDATE ads_accountdailystat SET {sets} "
        f"WHERE ad_account_id = {row}.ad_account_id AND day = {row}.day;"
    )


SAME_PLACE = "old.ad_account_id = new.ad_account_id AND old.day = new.day"
SQLITE_DELTA = ", ".join(f"new.{m} - old.{m}" for m in METRICS)
SQLITE_INSTALL = [
    "CREATE TRIGGER ads_account_rollup_insert AFTER INSERT ON ads_dailystat "
    f"BEGIN {_sqlite_add('new')} END",
    # The usual update (same account and day): one upsert of the difference.
    "CREATE TRIGGER ads_account_rollup_update AFTER UPDATE ON ads_dailystat "
    f"WHEN {SAME_PLACE} BEGIN "
    f"INSERT INTO ads_accountdailystat ({COLUMNS}) "
    f"VALUES (new.ad_account_id, new.day, {SQLITE_DELTA}) "
    "ON CONFLICT (ad_account_id, day) DO UPDATE SET "
    + ", ".join(f"{m} = {m} + excluded.{m}" for m in METRICS)
    + "; END",
    "CREATE TRIGGER ads_account_rollup_move AFTER UPDATE ON ads_dailystat "
    f"WHEN NOT ({SAME_PLACE}) BEGIN {_sqlite_subtract('old')} {_sqlite_add('new')} END",
    "CREATE TRIGGER ads_account_rollup_delete AFTER DELETE ON ads_dailystat "
    f"BEGIN {_sqlite_subtract('old')} END",
]
SQLITE_REMOVE = [
    f"DROP TRIGGER IF EXISTS ads_account_rollup_{name}"
    for name in ("insert", "update", "move", "delete")
]

BACKFILL = (
    f"INSERT INTO ads_accountdailystat ({COLUMNS}) "
    f"SELECT ad_account_id, day, {SUMS} FROM ads_dailystat GROUP BY ad_account_id, day"
)


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"postgresql": POSTGRES_INSTALL, "sqlite": SQLITE_INSTALL}.get(vendor)
    if statements is None:
        raise RuntimeError(f"no account rollup triggers for {vendor}")
    for statement in statements:
        schema_editor.execute(statement)
    schema_editor.execute(BACKFILL)


def remove(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in POSTGRES_REMOVE if vendor == "postgresql" else SQLITE_REMOVE:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("ads", "0006_video_creatives"),
        ("businesses", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="AccountDailyStat",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField()),
                ("impressions", models.BigIntegerField(default=0)),
                ("clicks", models.BigIntegerField(default=0)),
                ("conversions", models.BigIntegerField(default=0)),
                (
                    "spend",
                    models.DecimalField(decimal_places=2, default=Decimal("0"), max_digits=16),
                ),
                (
                    "ad_account",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="businesses.adaccount",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("ad_account", "day"), name="one_rollup_per_account_day"
                    )
                ],
            },
        ),
        migrations.RunPython(install, remove),
    ]
