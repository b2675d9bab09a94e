"""An order group's and an order's created_at take caravana.clock's moment instead of
auto_now_add's wall clock, so the twin's simulated orders are dated when they were placed.
Django keeps a Python default out of the database: state only (SQLite would otherwise rebuild
both tables for nothing)."""

from django.db import migrations, models

import caravana.clock


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0007_dashboard_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name=name,
                    name="created_at",
                    field=models.DateTimeField(default=caravana.clock.now, editable=False),
                )
                for name in ("ordergroup", "order")
            ],
            database_operations=[],
        ),
    ]
