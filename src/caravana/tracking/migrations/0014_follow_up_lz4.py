"""PostgreSQL: a follow-up row's JSON compressed with lz4 instead of pglz, where the server has
it (built --with-lz4, as Debian's and the official images are; PostgreSQL 14 or later). A
batch's changes (a thousand rows, about 40 kB) are compressed when the row is written, in the
ingesting batch's own transaction: inserting such a row took 1.5 ms with pglz and 0.85 ms with
lz4 on the bench machine (2026-12-05), of a batch of about 26 ms. Elsewhere nothing changes.
A dump of such a server holds `SET COMPRESSION lz4`: restoring it on a server built without
lz4 needs pg_restore's --no-toast-compression (docs/operations.md)."""

from django.db import migrations

COLUMNS = ("changes", "delivered")


def _lz4(schema_editor) -> bool:
    if schema_editor.connection.vendor != "postgresql":
        return False
    with schema_editor.connection.cursor() as cur:
        cur.execute(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings "
            "WHERE name = 'default_toast_compression'"
        )
        row = cur.fetchone()
    return bool(row and row[0])


def _set(method: str):
    def run(apps, schema_editor) -> None:
        if not _lz4(schema_editor):
            return
        table = schema_editor.quote_name(apps.get_model("tracking", "FollowUp")._meta.db_table)
        sets = ", ".join(f"ALTER COLUMN {c} SET COMPRESSION {method}" for c in COLUMNS)
        schema_editor.execute(f"ALTER TABLE {table} {sets}")

    return run


class Migration(migrations.Migration):
    dependencies = [("tracking", "0013_parcel_state")]

    # Back to the server's default_toast_compression, which the columns followed before.
    operations = [migrations.RunPython(_set("lz4"), _set("DEFAULT"))]
