"""A parcel's status is read from its events (docs/decisions/0004): the status table goes.

Migrating back recreates it and fills it from the events (each parcel's latest by time, and
its earliest EMI as delivered), so the code of before finds every parcel where it stands."""

from django.db import migrations

REBUILD = """
INSERT INTO tracking_trackingstatus (parcel_id, identifier, status, code, event_id, occurred_at,
    location_code, location_name, delivered_at, updated_at)
SELECT e.parcel_id, p.s10, e.status, e.code, e.id, e.occurred_at, e.location_code,
    e.location_name,
    (SELECT min(x.occurred_at) FROM tracking_trackingevent x
     WHERE x.parcel_id = e.parcel_id AND x.code = 'EMI'),
    CURRENT_TIMESTAMP
FROM (SELECT t.*, row_number() OVER (PARTITION BY t.parcel_id
                                     ORDER BY t.occurred_at DESC, t.id DESC) AS n
      FROM tracking_trackingevent t) e
JOIN fulfillment_parcel p ON p.id = e.parcel_id
WHERE e.n = 1
"""


def fillfactor(apps, schema_editor):
    """As migration 0004 left the table on PostgreSQL: room on each page for in-place updates."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute('ALTER TABLE "tracking_trackingstatus" SET (fillfactor = 80)')


class Migration(migrations.Migration):
    dependencies = [
        ("tracking", "0004_status_updates_in_place"),
        ("fulfillment", "0001_initial"),
    ]

    # Reversed, the table is created again first, then set up and filled.
    operations = [
        migrations.RunSQL(migrations.RunSQL.noop, reverse_sql=REBUILD),
        migrations.RunPython(migrations.RunPython.noop, fillfactor),
        migrations.DeleteModel(name="TrackingStatus"),
    ]
