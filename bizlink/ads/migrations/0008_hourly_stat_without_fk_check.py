# The delivery tick writes one HourlyStat row per ad and hour, for ads it has just read in the
# same transaction; the foreign-key check cost one index lookup per row (a quarter of a tick on
# PostgreSQL). Django still protects ads with statistics from deletion (on_delete=PROTECT).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("ads", "0007_account_daily_rollup"),
    ]

    operations = [
        migrations.AlterField(
            model_name="hourlystat",
            name="ad",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="hourly_stats",
                to="ads.ad",
            ),
        ),
    ]
