"""Which categories hold a product with a given word (catalog.word_categories): the table,
its triggers on either database and its first fill from the products already there."""

from django.db import migrations, models

from caravana.catalog import word_categories as wc


def forward(apps, schema_editor):
    conn = schema_editor.connection
    if conn.vendor == "postgresql":
        schema_editor.execute(wc.pg_sync_function_sql(), None)
    else:
        conn.ensure_connection()
        wc.register(conn.connection)  # a connection opened before the app was ready
        for sql in wc.sqlite_trigger_sql():
            schema_editor.execute(sql)
    wc.fill(using=conn.alias)


def backward(apps, schema_editor):
    from importlib import import_module

    conn = schema_editor.connection
    if conn.vendor == "postgresql":
        search = import_module("caravana.catalog.migrations.0003_search_table")
        schema_editor.execute(search.table_sql()[2], None)  # the sync function as it was
    else:
        for name in wc.SQLITE_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0016_ship_index_newest_within_a_pair")]

    operations = [
        migrations.CreateModel(
            name="WordCategory",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("language", models.CharField(max_length=7)),
                ("term", models.CharField(max_length=64)),
                ("category_id", models.BigIntegerField()),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["language", "term", "category_id"],
                        name="wordcategory_term",
                        opclasses=["varchar_pattern_ops", "varchar_pattern_ops", "int8_ops"],
                    )
                ]
            },
        ),
        migrations.RunPython(forward, backward),
    ]
