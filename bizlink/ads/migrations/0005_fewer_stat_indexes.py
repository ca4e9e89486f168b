# Each delivery tick writes thousands of statistics rows: their foreign keys are served by the
# composite indexes (ad, hour), (ad, day) and (ad_account, day), so they need no index of their own.

# On PostgreSQL the rollup's pages keep room for updated row versions (fillfactor), so the
# tick's hourly upsert of the same (ad, day) rows is a heap-only update that writes no index.

import django.db.models.deletion
from django.db import migrations, models


def set_fillfactor(apps, schema_editor, value=50):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE ads_dailystat SET (fillfactor = {int(value)})")


def reset_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE ads_dailystat RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [
        ("ads", "0004_ledgerentry_one_charge_per_account_hour"),
        ("businesses", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="hourlystat",
            name="ad",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="hourly_stats",
                to="ads.ad",
            ),
        ),
        migrations.AlterField(
            model_name="dailystat",
            name="ad",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="daily_stats",
                to="ads.ad",
            ),
        ),
        migrations.AlterField(
            model_name="dailystat",
            name="ad_account",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="businesses.adaccount",
            ),
        ),
        migrations.AlterField(
            model_name="dailystat",
            name="campaign",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="ads.campaign",
            ),
        ),
        migrations.AlterField(
            model_name="dailystat",
            name="ad_group",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="ads.adgroup",
            ),
        ),
        migrations.RunPython(set_fillfactor, reset_fillfactor),
    ]
