"""Parcel.created_at takes caravana.clock's moment instead of auto_now_add's wall clock. Django
keeps a Python default out of the database, so the column does not change: state only (SQLite
would otherwise rebuild the parcel table for nothing)."""

from django.db import migrations, models

import caravana.clock


class Migration(migrations.Migration):
    dependencies = [
        ("fulfillment", "0009_parcel_kind_local"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="parcel",
                    name="created_at",
                    field=models.DateTimeField(default=caravana.clock.now, editable=False),
                ),
            ],
            database_operations=[],
        ),
    ]
