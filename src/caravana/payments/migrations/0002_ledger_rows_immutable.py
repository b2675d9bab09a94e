"""Posted ledger rows cannot change, whatever writes to the database: the models refuse save()
and delete() on an existing row, and these triggers refuse an UPDATE (both databases) and a
DELETE (PostgreSQL) from anywhere else, a QuerySet.update() or raw SQL included.

SQLite keeps DELETE possible: Django empties SQLite tables with DELETE (flush, as the tests
do), where PostgreSQL uses TRUNCATE, which row triggers do not see. A correction is a new
transaction (a refund is posted as one by payments.ledger), never an edit.

SQLite rebuilds a table for most schema changes, and its triggers go with the old table: a
later migration that alters either ledger table must run `forwards` again (a test checks that
both triggers exist after all migrations)."""

from django.db import migrations

TABLES = ("payments_ledgerentry", "payments_ledgertransaction")

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION caravana_ledger_immutable() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger rows are immutable: % on % refused; post a new transaction',
        TG_OP, TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation';
END $$;
"""


def forwards(apps, schema_editor):
    run = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        run(PG_FUNCTION, None)  # no parameters: the % in it are plpgsql's own
        for table in TABLES:
            run(
                f'CREATE TRIGGER "{table}_immutable" BEFORE UPDATE OR DELETE ON "{table}" '
                "FOR EACH ROW EXECUTE FUNCTION caravana_ledger_immutable()"
            )
    elif schema_editor.connection.vendor == "sqlite":
        for table in TABLES:
            run(
                f'CREATE TRIGGER "{table}_immutable" BEFORE UPDATE ON "{table}" '
                "BEGIN SELECT RAISE(ABORT, 'ledger rows are immutable: UPDATE on "
                f"{table} refused; post a new transaction'); END"
            )


def backwards(apps, schema_editor):
    for table in TABLES:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f'DROP TRIGGER IF EXISTS "{table}_immutable" ON "{table}"')
        else:
            schema_editor.execute(f'DROP TRIGGER IF EXISTS "{table}_immutable"')
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS caravana_ledger_immutable()")


class Migration(migrations.Migration):
    dependencies = [("payments", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
