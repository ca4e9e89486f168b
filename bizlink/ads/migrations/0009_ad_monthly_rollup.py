# A per-ad monthly rollup (MonthlyStat): the sum of the ad's DailyStat rows per local calendar
# month, so a long report by campaign, ad group or ad reads about 13 rows per ad for a year
# instead of 365 (the partial months at the range's ends come from DailyStat).
#
# Kept equal to those sums like AccountDailyStat (migration 0007): by triggers on ads_dailystat,
# in the writer's transaction. PostgreSQL: statement-level triggers over transition tables, one
# grouped upsert per statement; SQLite: row triggers. Keyed by every column a report groups by
# (ad account, month, ad, ad group, campaign), so it is the grouping of DailyStat by those
# columns whatever the rows hold. `days` counts the DailyStat rows summed: a report tells "no
# row in the range" from "rows of zeros" by it. TRUNCATE fires nothing: truncate all three.
#
# The triggers are created before the backfill: CREATE TRIGGER locks ads_dailystat against
# writes until this migration commits, so no row is missed or counted twice.

from decimal import Decimal

import django.db.models.deletion
from django.db import migrations, models

TABLE = "ads_monthlystat"
KEY = "ad_account_id, month, ad_id, ad_group_id, campaign_id"
METRICS = ("impressions", "clicks", "conversions", "spend")
SUMS = ", ".join(f"sum({m})" for m in METRICS)
COLUMNS = f"{KEY}, days, " + ", ".join(METRICS)
ADD = "days = t.days + excluded.days, " + ", ".join(f"{m} = t.{m} + excluded.{m}" for m in METRICS)
# SQLite allows no table alias inside a trigger: its upserts name the columns bare.
SQLITE_ADD = "days = days + excluded.days, " + ", ".join(
    f"{m} = {m} + excluded.{m}" for m in METRICS
)
PG_MONTH = "date_trunc('month', day::timestamp)::date"  # no time zone involved
PG_KEY = f"ad_account_id, {PG_MONTH} AS month, ad_id, ad_group_id, campaign_id"

POSTGRES_INSTALL = [
    f"""
    CREATE FUNCTION ads_monthly_rollup_insert() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO {TABLE} AS t ({COLUMNS})
        SELECT {PG_KEY}, count(*), {SUMS} FROM new_rows GROUP BY 1, 2, 3, 4, 5
        ON CONFLICT ({KEY}) DO UPDATE SET {ADD};
        RETURN NULL;
    END $$
    """,
    f"""
    CREATE FUNCTION ads_monthly_rollup_update() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO {TABLE} AS t ({COLUMNS})
        SELECT {KEY}, sum(days), {SUMS} FROM (
            SELECT {PG_KEY}, 1 AS days, {", ".join(METRICS)} FROM new_rows
            UNION ALL
            SELECT {PG_KEY}, -1, {", ".join(f"-{m}" for m in METRICS)} FROM old_rows
        ) AS delta
        GROUP BY {KEY}
        HAVING sum(days) <> 0 OR {" OR ".join(f"sum({m}) <> 0" for m in METRICS)}
        ON CONFLICT ({KEY}) DO UPDATE SET {ADD};
        RETURN NULL;
    END $$
    """,
    f"""
    CREATE FUNCTION ads_monthly_rollup_delete() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE {TABLE} AS t
        SET days = t.days - d.days, {", ".join(f"{m} = t.{m} - d.{m}" for m in METRICS)}
        FROM (
            SELECT {PG_KEY}, count(*) AS days,
                {", ".join(f"sum({m}) AS {m}" for m in METRICS)}
            FROM old_rows GROUP BY 1, 2, 3, 4, 5
        ) AS d
        WHERE {" AND ".join(f"t.{k} = d.{k}" for k in KEY.split(", "))};
        RETURN NULL;
    END $$
    """,
    "CREATE TRIGGER ads_monthly_rollup_insert AFTER INSERT ON ads_dailystat "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION ads_monthly_rollup_insert()",
    "CREATE TRIGGER ads_monthly_rollup_update AFTER UPDATE ON ads_dailystat "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION ads_monthly_rollup_update()",
    "CREATE TRIGGER ads_monthly_rollup_delete AFTER DELETE ON ads_dailystat "
    "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION ads_monthly_rollup_delete()",
    # Every tick updates each delivering ad's month row: room on the page for heap-only updates.
    f"ALTER TABLE {TABLE} SET (fillfactor = 50)",
]
POSTGRES_REMOVE = [
    *(
        f"DROP TRIGGER IF EXISTS ads_monthly_rollup_{name} ON ads_dailystat"
        for name in ("insert", "update", "delete")
    ),
    *(
        f"DROP FUNCTION IF EXISTS ads_monthly_rollup_{name}()"
        for name in ("insert", "update", "delete")
    ),
]


def _sqlite_key(row: str) -> list[str]:
    return [
        f"{row}.ad_account_id",
        f"date({row}.day, 'start of month')",
        f"{row}.ad_id",
        f"{row}.ad_group_id",
        f"{row}.campaign_id",
    ]


def _sqlite_add(row: str) -> str:
    values = ", ".join(f"{row}.{m}" for m in METRICS)
    return (
        f"INSERT INTO {TABLE} ({COLUMNS}) VALUES ({', '.join(_sqlite_key(row))}, 1, {values}) "
        f"ON CONFLICT ({KEY}) DO UPDATE SET {SQLITE_ADD};"
    )


def _sqlite_subtract(row: str) -> str:
    sets = ", ".join(f"{m} = {m} - {row}.{m}" for m in METRICS)
    where = " AND ".join(
        f"{k} = {v}" for k, v in zip(KEY.split(", "), _sqlite_key(row), strict=True)
    )
    return f"UPDATE {TABLE} SET days = days - 1, {sets} WHERE {where};"


# The tick's update (and pixel conversions) change only the numbers of a row: same day, same ad.
SAME_PLACE = (
    "old.day = new.day AND old.ad_id = new.ad_id AND old.ad_account_id = new.ad_account_id "
    "AND old.ad_group_id = new.ad_group_id AND old.campaign_id = new.campaign_id"
)
SQLITE_INSTALL = [
    f"CREATE TRIGGER ads_monthly_rollup_insert AFTER INSERT ON ads_dailystat "
    f"BEGIN {_sqlite_add('new')} END",
    "CREATE TRIGGER ads_monthly_rollup_update AFTER UPDATE ON ads_dailystat "
    f"WHEN {SAME_PLACE} BEGIN "
    f"INSERT INTO {TABLE} ({COLUMNS}) VALUES ({', '.join(_sqlite_key('new'))}, 0, "
    + ", ".join(f"new.{m} - old.{m}" for m in METRICS)
    + f") ON CONFLICT ({KEY}) DO UPDATE SET {SQLITE_ADD}; END",
    # Anything else (another day, even in the same month; another ad): take it out, put it in.
    "CREATE TRIGGER ads_monthly_rollup_move AFTER UPDATE ON ads_dailystat "
    f"WHEN NOT ({SAME_PLACE}) BEGIN {_sqlite_subtract('old')} {_sqlite_add('new')} END",
    "CREATE TRIGGER ads_monthly_rollup_delete AFTER DELETE ON ads_dailystat "
    f"BEGIN {_sqlite_subtract('old')} END",
]
SQLITE_REMOVE = [
    f"DROP TRIGGER IF EXISTS ads_monthly_rollup_{name}"
    for name in ("insert", "update", "move", "delete")
]

BACKFILL = {
    "postgresql": f"INSERT INTO {TABLE} ({COLUMNS}) SELECT {PG_KEY}, count(*), {SUMS} "
    "FROM ads_dailystat GROUP BY 1, 2, 3, 4, 5",
    "sqlite": f"INSERT INTO {TABLE} ({COLUMNS}) "
    "SELECT ad_account_id, date(day, 'start of month'), ad_id, ad_group_id, campaign_id, "
    f"count(*), {SUMS} FROM ads_dailystat GROUP BY 1, 2, 3, 4, 5",
}


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"postgresql": POSTGRES_INSTALL, "sqlite": SQLITE_INSTALL}.get(vendor)
    if statements is None:
        raise RuntimeError(f"no monthly rollup triggers for {vendor}")
    for statement in statements:
        schema_editor.execute(statement)
    schema_editor.execute(BACKFILL[vendor])


def remove(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in POSTGRES_REMOVE if vendor == "postgresql" else SQLITE_REMOVE:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("ads", "0008_hourly_stat_without_fk_check"),
        ("businesses", "0003_ad_accounts_owned_by_a_person"),
    ]

    operations = [
        migrations.CreateModel(
            name="MonthlyStat",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("month", models.DateField()),
                ("days", models.BigIntegerField(default=0)),
                ("impressions", models.BigIntegerField(default=0)),
                ("clicks", models.BigIntegerField(default=0)),
                ("conversions", models.BigIntegerField(default=0)),
                (
                    "spend",
                    models.DecimalField(decimal_places=2, default=Decimal("0"), max_digits=16),
                ),
                (
                    "ad",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="ads.ad",
                    ),
                ),
                (
                    "ad_account",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="businesses.adaccount",
                    ),
                ),
                (
                    "ad_group",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="ads.adgroup",
                    ),
                ),
                (
                    "campaign",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="ads.campaign",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("ad_account", "month", "ad", "ad_group", "campaign"),
                        name="one_rollup_per_ad_month",
                    )
                ],
            },
        ),
        migrations.RunPython(install, remove),
    ]
