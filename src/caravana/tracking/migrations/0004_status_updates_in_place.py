"""Status rows are updated several times each (every later event moves them): drop the index on
their current event, and on PostgreSQL leave a fifth of each page free, so an update is written
beside the old row version without touching any index (a HOT update). See docs/decisions/0003.
"""

import django.db.models.deletion
from django.db import migrations, models

INDEX = "tracking_trackingstatus_event_id_befeb788"


def fillfactor(value: int):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                f'ALTER TABLE "tracking_trackingstatus" SET (fillfactor = {value})'
            )

    return run


class Migration(migrations.Migration):
    dependencies = [("tracking", "0003_event_constraints")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{INDEX}"',
                    reverse_sql=f'CREATE INDEX "{INDEX}" ON "tracking_trackingstatus" ("event_id")',
                ),
                migrations.RunPython(fillfactor(80), fillfactor(100)),
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="trackingstatus",
                    name="event",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="tracking.trackingevent",
                    ),
                ),
            ],
        )
    ]
