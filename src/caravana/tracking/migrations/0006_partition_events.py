"""On PostgreSQL the event table becomes a table partitioned by month of occurred_at
(docs/decisions/0008); on SQLite nothing changes in the database.

PostgreSQL: the table is renamed aside, a partitioned table of the same columns is created
with monthly partitions (the months of the stored events, at most 24 back, to 3 ahead) and
the two catch-alls, the rows are copied across with their ids, the indexes are built once
over the copied rows, the id sequence is set past the highest id, and the old table is
dropped. A partitioned table's unique constraints must hold the partition key, so the
idempotency key becomes (source, event_id, occurred_at); WebhookDelivery.event keeps no
foreign-key constraint (a partitioned table's id alone is not unique in the database).
Copying takes about a minute per few million events (docs/operations.md); run it in a quiet
hour. Reversed, the rows go back into one plain table with the old constraints."""

import datetime as dt

import django.db.models.deletion
from django.db import migrations, models

TABLE = "tracking_trackingevent"
ASIDE = f"{TABLE}_unpartitioned"
#: Monthly partitions are made for at most this many months back; older events go to _old.
MONTHS_BACK = 24
MONTHS_AHEAD = 3


def _month(value: dt.date, add: int = 0) -> dt.date:
    index = value.year * 12 + value.month - 1 + add
    return dt.date(index // 12, index % 12 + 1, 1)


def _bound(month: dt.date) -> str:
    return f"'{month.isoformat()} 00:00:00+00'"


def _drop_delivery_fk(cursor) -> None:
    """The foreign key from tracking_webhookdelivery.event_id, whatever Django named it."""
    cursor.execute(
        "SELECT conname FROM pg_constraint WHERE contype = 'f' "
        "AND conrelid = 'tracking_webhookdelivery'::regclass "
        "AND confrelid = 'tracking_trackingevent'::regclass"
    )
    for (name,) in cursor.fetchall():
        cursor.execute(f'ALTER TABLE tracking_webhookdelivery DROP CONSTRAINT "{name}"')


def partition(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_partitioned_table WHERE partrelid = %s::regclass", [TABLE])
        if cursor.fetchone():
            return
        _drop_delivery_fk(cursor)
        cursor.execute(f"SELECT min(occurred_at), max(occurred_at) FROM {TABLE}")
        lo, _hi = cursor.fetchone()
        now = _month(dt.datetime.now(dt.UTC).date())
        first = max(_month(lo.date()), _month(now, -MONTHS_BACK)) if lo else now
        first = min(first, now)
        last = _month(now, MONTHS_AHEAD)
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass "
            "AND contype IN ('p', 'u')",
            [TABLE],
        )
        constraints = [name for (name,) in cursor.fetchall()]
        cursor.execute(f"ALTER TABLE {TABLE} RENAME TO {ASIDE}")
        for name in constraints:
            cursor.execute(f'ALTER TABLE {ASIDE} RENAME CONSTRAINT "{name}" TO "{name}_aside"')
        cursor.execute(
            'ALTER INDEX "trk_event_parcel_time" RENAME TO "trk_event_parcel_time_aside"'
        )
        cursor.execute(
            f"CREATE TABLE {TABLE} (LIKE {ASIDE} INCLUDING DEFAULTS INCLUDING IDENTITY) "
            f"PARTITION BY RANGE (occurred_at)"
        )
        cursor.execute(
            f"CREATE TABLE {TABLE}_old PARTITION OF {TABLE} "
            f"FOR VALUES FROM (MINVALUE) TO ({_bound(first)})"
        )
        month = first
        while month <= last:
            cursor.execute(
                f"CREATE TABLE {TABLE}_p{month:%Y%m} PARTITION OF {TABLE} "
                f"FOR VALUES FROM ({_bound(month)}) TO ({_bound(_month(month, 1))})"
            )
            month = _month(month, 1)
        cursor.execute(
            f"CREATE TABLE {TABLE}_future PARTITION OF {TABLE} "
            f"FOR VALUES FROM ({_bound(month)}) TO (MAXVALUE)"
        )
        cursor.execute(f"INSERT INTO {TABLE} SELECT * FROM {ASIDE}")
        cursor.execute(f"DROP TABLE {ASIDE}")
        _indexes(cursor)
        cursor.execute(f"ANALYZE {TABLE}")


def _indexes(cursor) -> None:
    """The constraints and index of the table, built once over the rows already in it."""
    cursor.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_pkey PRIMARY KEY (id, occurred_at)")
    cursor.execute(
        f"ALTER TABLE {TABLE} ADD CONSTRAINT trk_event_source_time "
        f"UNIQUE (source, event_id, occurred_at)"
    )
    cursor.execute(f"CREATE INDEX trk_event_parcel_time ON {TABLE} (parcel_id, occurred_at, id)")
    _reset_sequence(cursor)


def _reset_sequence(cursor) -> None:
    """The identity's sequence was made anew by LIKE: past the highest id copied, and named as
    Django names it."""
    cursor.execute(
        f"SELECT setval(pg_get_serial_sequence('{TABLE}', 'id'), "
        f"coalesce((SELECT max(id) FROM {TABLE}), 0) + 1, false)"
    )
    cursor.execute(f"SELECT pg_get_serial_sequence('{TABLE}', 'id')")
    (sequence,) = cursor.fetchone()
    if sequence != f"public.{TABLE}_id_seq":
        cursor.execute(f"ALTER SEQUENCE {sequence} RENAME TO {TABLE}_id_seq")


def unpartition(apps, schema_editor):
    """Back to one plain table, the old constraints and the delivery's foreign key again."""
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_partitioned_table WHERE partrelid = %s::regclass", [TABLE])
        if not cursor.fetchone():
            return
        cursor.execute(f"ALTER TABLE {TABLE} RENAME TO {ASIDE}")
        cursor.execute(f"ALTER TABLE {ASIDE} RENAME CONSTRAINT {TABLE}_pkey TO {ASIDE}_pkey")
        cursor.execute(
            f"ALTER TABLE {ASIDE} RENAME CONSTRAINT trk_event_source_time TO trk_aside_st"
        )
        cursor.execute("ALTER INDEX trk_event_parcel_time RENAME TO trk_aside_pt")
        cursor.execute(f"CREATE TABLE {TABLE} (LIKE {ASIDE} INCLUDING DEFAULTS INCLUDING IDENTITY)")
        cursor.execute(f"INSERT INTO {TABLE} SELECT * FROM {ASIDE}")
        cursor.execute(f"DROP TABLE {ASIDE} CASCADE")
        cursor.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_pkey PRIMARY KEY (id)")
        cursor.execute(
            f"ALTER TABLE {TABLE} ADD CONSTRAINT trk_event_source_id UNIQUE (source, event_id)"
        )
        cursor.execute(
            f"CREATE INDEX trk_event_parcel_time ON {TABLE} (parcel_id, occurred_at, id)"
        )
        _reset_sequence(cursor)
        cursor.execute(
            "ALTER TABLE tracking_webhookdelivery ADD CONSTRAINT "
            "tracking_webhookdeli_event_id_fk_tracking_ FOREIGN KEY (event_id) "
            f"REFERENCES {TABLE} (id) DEFERRABLE INITIALLY DEFERRED"
        )


class Migration(migrations.Migration):
    dependencies = [("tracking", "0005_status_from_events")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(partition, unpartition)],
            state_operations=[
                migrations.AlterField(
                    model_name="webhookdelivery",
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
                migrations.RemoveConstraint(model_name="trackingevent", name="trk_event_source_id"),
                migrations.AddConstraint(
                    model_name="trackingevent",
                    constraint=models.UniqueConstraint(
                        fields=("source", "event_id", "occurred_at"),
                        name="trk_event_source_time",
                    ),
                ),
            ],
        ),
    ]
