"""No database foreign-key constraints from the event table (parcel, carrier) and from the status
row's current event (docs/decisions/0003): on PostgreSQL each is a trigger run for every row at
commit, about a quarter of what recording a batch cost.

PostgreSQL drops them by their Django-made names. SQLite keeps them: it checks a constraint in
C at next to no cost, and dropping one means copying the whole table."""

import django.db.models.deletion
from django.db import migrations, models

#: (table, constraint, column, referenced table) as Django 5.2 named them in 0001.
CONSTRAINTS = [
    ("tracking_trackingevent", "tracking_trackingeve_parcel_id_4defa183_fk_fulfillme",
     "parcel_id", "fulfillment_parcel"),
    ("tracking_trackingevent", "tracking_trackingeve_carrier_id_a2e20867_fk_network_c",
     "carrier_id", "network_carrier"),
    ("tracking_trackingstatus", "tracking_trackingsta_event_id_befeb788_fk_tracking_",
     "event_id", "tracking_trackingevent"),
]  # fmt: skip


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, name, _column, _target in CONSTRAINTS:
        schema_editor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT IF EXISTS "{name}"')


def restore(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, name, column, target in CONSTRAINTS:
        schema_editor.execute(
            f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" FOREIGN KEY ("{column}") '
            f'REFERENCES "{target}" ("id") DEFERRABLE INITIALLY DEFERRED'
        )


class Migration(migrations.Migration):
    dependencies = [("tracking", "0002_event_indexes")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(drop, restore)],
            state_operations=[
                migrations.AlterField(
                    model_name="trackingevent",
                    name="carrier",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
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
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="tracking_events",
                        to="fulfillment.parcel",
                    ),
                ),
                migrations.AlterField(
                    model_name="trackingstatus",
                    name="event",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="tracking.trackingevent",
                    ),
                ),
            ],
        )
    ]
