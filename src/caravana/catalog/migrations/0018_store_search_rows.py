"""PostgreSQL: the search table's rows of some products in one language, each read in its own
partition, by a plpgsql function so that its statement is planned once per connection
(catalog.search._pg_store_rows)."""

from django.db import migrations

# -product_id is the partition key: compared to each id, it prunes the partitions at run time.
BODY = (
    "SELECT s.* FROM unnest(ids) WITH ORDINALITY AS i(id, n) "
    "CROSS JOIN LATERAL (SELECT * FROM catalog_product_search p "
    "WHERE -p.product_id = -i.id AND p.product_id = i.id AND p.language = lang) s "
    "ORDER BY i.n"
)
# The plan is made once and kept: always by product id, whatever the table's size when it was
# made (on a small table the planner would hash-join whole partitions).
SETTINGS = (("enable_seqscan", "off"), ("enable_hashjoin", "off"), ("enable_mergejoin", "off"))
FORWARD = (
    "CREATE OR REPLACE FUNCTION caravana_search_rows(ids bigint[], lang text) "
    "RETURNS SETOF catalog_product_search AS $$ "
    f"BEGIN RETURN QUERY {BODY}; END $$ LANGUAGE plpgsql STABLE "
    + " ".join(f"SET {name} = {value}" for name, value in SETTINGS)
)
BACKWARD = "DROP FUNCTION IF EXISTS caravana_search_rows(bigint[], text)"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, None)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0017_word_categories")]
    operations = [migrations.RunPython(forward, backward)]
