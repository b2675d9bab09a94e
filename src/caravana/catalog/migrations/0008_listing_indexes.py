"""Listings read one index each (docs/decisions/0010-listings-read-one-index.md).

catalog_listingprice gets the top of each product's category tree (`category_top`) and one
index per listing scope (all, top category, category, store) and order (landed price,
newest), each ending in product_id, the ORDER BY's tie-break. The three price indexes of 0006
are replaced (their columns lead the new ones).

On a large table the backfill rewrites every row: run `VACUUM (ANALYZE) catalog_listingprice`
after it on PostgreSQL, or index-only scans visit the heap until autovacuum has passed.
"""

from django.db import migrations, models

# As catalog.models had them when this was written (a migration keeps its own copy).
LISTING_SCOPES = (
    ("all", ["country"]),
    ("top", ["country", "category_top"]),
    ("cat", ["country", "category_ref"]),
    ("store", ["country", "store_ref"]),
)
LISTING_ORDERS = (
    ("price", ["amount", "product"]),
    ("new", ["created_at", "product", "amount"]),
)
OLD = (
    ("listingprice_price", ["country", "is_active", "amount"]),
    ("listingprice_cat_price", ["country", "category_ref", "is_active", "amount"]),
    ("listingprice_store_price", ["country", "store_ref", "is_active", "amount"]),
)


def backfill(apps, schema_editor):
    """Every row's category_top, from the category table (24 rows): one UPDATE … FROM (SQLite
    has it since 3.33)."""
    with schema_editor.connection.cursor() as cur:
        if schema_editor.connection.vendor == "postgresql":
            cur.execute("SET LOCAL maintenance_work_mem = '256MB'")
        cur.execute(
            "UPDATE catalog_listingprice SET category_top = t.top FROM (SELECT id, "
            "coalesce(parent_id, id) AS top FROM catalog_category) t "
            "WHERE t.id = catalog_listingprice.category_ref"
        )


class Migration(migrations.Migration):
    dependencies = [("catalog", "0007_merge_listing_prices_option_translations")]

    operations = [
        *(migrations.RemoveIndex("listingprice", name) for name, _fields in OLD),
        migrations.AddField("listingprice", "category_top", models.BigIntegerField(null=True)),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        *(
            migrations.AddIndex(
                "listingprice",
                models.Index(fields=[*scope, "is_active", *key], name=f"lp_{name}_{order}"),
            )
            for name, scope in LISTING_SCOPES
            for order, key in LISTING_ORDERS
        ),
    ]
