"""Drop the single-column indexes Django gives the event's parcel and carrier foreign keys.

trk_event_parcel_time (parcel, occurred_at, id) serves every read by parcel, and nothing reads
events by carrier; each index costs time on every one of millions of inserts. The indexes are
dropped by name rather than by AlterField because SQLite would rebuild the whole table (copying
every event) to change db_index; the names are Django's own and the same on both databases.
"""

import django.db.models.deletion
from django.db import migrations, models

INDEXES = {
    "tracking_trackingevent_parcel_id_4defa183": "parcel_id",
    "tracking_trackingevent_carrier_id_a2e20867": "carrier_id",
}


class Migration(migrations.Migration):
    dependencies = [
        ("fulfillment", "0001_initial"),
        ("network", "0001_initial"),
        ("tracking", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{name}"',
                    reverse_sql=f'CREATE INDEX "{name}" ON "tracking_trackingevent" ("{column}")',
                )
                for name, column in INDEXES.items()
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="trackingevent",
                    name="carrier",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="tracking_events",
                        to="network.carrier",
                    ),
                ),
                migrations.AlterField(
                    model_name="trackingevent",
                    name="parcel",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="tracking_events",
                        to="fulfillment.parcel",
                    ),
                ),
            ],
        )
    ]
