"""PostgreSQL: search over a narrow table of stored vectors, newest products first.

The GIN expression indexes of 0002 made a broad word ("fone": 145,000 of 1,000,000 products)
cost 60-100 ms whatever the LIMIT: GIN only answers with a bitmap of *every* match, and building
and sorting it, then visiting the wide product rows, grows with the matches. Here each product
has one row per language it is written in, in `catalog_product_search` (the tsvector stored, the
filter columns copied), partitioned by blocks of 65,536 product ids, newest block first
(the partition key is -product_id). A LIMITed search reads the partitions in that order and
stops in the first one that yields enough candidates: a broad word builds a bitmap of one
block's matches, not of the whole catalogue's, and never touches catalog_product. Each partition
has one partial GIN index per language (fastupdate off: no pending list for a search to scan).

Triggers on catalog_product keep the table in step (insert, update of a searched or filtered
column, delete, truncate) and create a block's partition when its first product arrives.
SQLite keeps its FTS5 table from 0002: it already walks the newest matches first and stops.
"""

from django.db import migrations

from caravana.catalog.languages import CONTENT_LANGUAGES, suffix

TABLE = "catalog_product_search"
BLOCK_BITS = 16  # 65,536 product ids per partition
SUFFIXES = tuple(suffix(lang) for lang in CONTENT_LANGUAGES)
# Copied from catalog_product so a search never reads the product row.
FILTER_COLS = ("store_id", "category_id", "price_from", "price_currency", "is_active", "created_at")
WATCHED = (
    "id",
    *(f"title_{s}" for s in SUFFIXES),
    *(f"description_{s}" for s in SUFFIXES),
    *FILTER_COLS,
)
INDEXES = tuple(f"{TABLE}_{s}" for s in SUFFIXES)
PRODUCT_INDEX = f"{TABLE}_product"
TRIGGERS = ("catalog_product_search_ai", "catalog_product_search_au", "catalog_product_search_ad")
OLD_INDEXES = tuple(f"catalog_product_search_{suffix(lang)}" for lang in ("es", "pt-br", "en"))


def vector_sql(title: str, description: str) -> str:
    """The stored vector: title weighted A, description B, accent- and case-folded."""
    return (
        f"setweight(to_tsvector('simple'::regconfig, caravana_unaccent(coalesce({title}, ''))), "
        "'A') || setweight(to_tsvector('simple'::regconfig, "
        f"caravana_unaccent(coalesce({description}, ''))), 'B')"
    )


def rows_sql(p: str) -> str:
    """SELECT the search rows of the product(s) `p` names (a table alias or NEW)."""
    values = ", ".join(f"('{s}', {p}.title_{s}::text, {p}.description_{s}::text)" for s in SUFFIXES)
    cols = ", ".join(f"{p}.{c}" for c in FILTER_COLS)
    return (
        f"SELECT {p}.id, v.language, {cols}, {vector_sql('v.title', 'v.description')} "
        f"FROM (VALUES {values}) v(language, title, description) "
        "WHERE coalesce(v.title, '') <> '' OR coalesce(v.description, '') <> ''"
    )


INSERT_COLS = f"product_id, language, {', '.join(FILTER_COLS)}, vector"


def partition_name(block: int) -> str:
    return f"{TABLE}_p{block}"


def table_sql() -> list[str]:
    return [
        f"CREATE TABLE {TABLE} ("
        "product_id bigint NOT NULL, store_id bigint NOT NULL, category_id bigint NOT NULL, "
        "created_at timestamp with time zone NOT NULL, price_from numeric(12, 2), "
        "is_active boolean NOT NULL, price_currency varchar(3) NOT NULL, "
        "language varchar(7) NOT NULL, vector tsvector NOT NULL"
        ") PARTITION BY RANGE ((-product_id))",
        # Partition of a block, created when its first product arrives. The advisory lock keeps
        # two concurrent first inserts from both creating it.
        "CREATE OR REPLACE FUNCTION caravana_search_partition(block bigint) RETURNS void AS $$ "
        f"DECLARE name text := '{TABLE}_p' || block; "
        "BEGIN "
        "IF to_regclass(name) IS NULL THEN "
        f"PERFORM pg_advisory_xact_lock(hashtext('{TABLE}')); "
        "IF to_regclass(name) IS NULL THEN "
        f"EXECUTE format('CREATE TABLE %I PARTITION OF {TABLE} FOR VALUES FROM (%s) TO (%s)', "
        f"name, -((block + 1) << {BLOCK_BITS}) + 1, -(block << {BLOCK_BITS}) + 1); "
        "END IF; END IF; END $$ LANGUAGE plpgsql",
        "CREATE OR REPLACE FUNCTION caravana_search_sync() RETURNS trigger AS $$ "
        "BEGIN "
        "IF TG_OP IN ('UPDATE', 'DELETE') THEN "
        f"DELETE FROM {TABLE} WHERE -product_id = -OLD.id AND product_id = OLD.id; "
        "END IF; "
        "IF TG_OP IN ('INSERT', 'UPDATE') THEN "
        f"PERFORM caravana_search_partition(NEW.id >> {BLOCK_BITS}); "
        f"INSERT INTO {TABLE} ({INSERT_COLS}) {rows_sql('NEW')}; "
        "END IF; "
        "RETURN NULL; END $$ LANGUAGE plpgsql",
        f"CREATE OR REPLACE FUNCTION caravana_search_truncate() RETURNS trigger AS $$ "
        f"BEGIN TRUNCATE {TABLE}; RETURN NULL; END $$ LANGUAGE plpgsql",
    ]


def trigger_sql() -> list[str]:
    changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in WATCHED)
    return [
        "CREATE TRIGGER catalog_product_search_ai AFTER INSERT ON catalog_product "
        "FOR EACH ROW EXECUTE FUNCTION caravana_search_sync()",
        "CREATE TRIGGER catalog_product_search_au AFTER UPDATE ON catalog_product "
        f"FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION caravana_search_sync()",
        "CREATE TRIGGER catalog_product_search_ad AFTER DELETE ON catalog_product "
        "FOR EACH ROW EXECUTE FUNCTION caravana_search_sync()",
        "CREATE TRIGGER catalog_product_search_at AFTER TRUNCATE ON catalog_product "
        "FOR EACH STATEMENT EXECUTE FUNCTION caravana_search_truncate()",
    ]


def partitions_sql(where: str = "") -> list[str]:
    """Create the partitions the products (matching `where`) need."""
    return [
        f"SELECT caravana_search_partition(b) FROM (SELECT DISTINCT id >> {BLOCK_BITS} AS b "
        f"FROM catalog_product {where}) blocks"
    ]


def fill_sql(lo: int | None = None, hi: int | None = None) -> str:
    """INSERT the search rows of the products with lo <= id < hi (all when unbounded)."""
    cond = []
    if lo is not None:
        cond.append(f"p.id >= {int(lo)}")
    if hi is not None:
        cond.append(f"p.id < {int(hi)}")
    values = ", ".join(f"('{s}', p.title_{s}::text, p.description_{s}::text)" for s in SUFFIXES)
    cols = ", ".join(f"p.{c}" for c in FILTER_COLS)
    where = " AND ".join(
        ["(coalesce(v.title, '') <> '' OR coalesce(v.description, '') <> '')", *cond]
    )
    return (
        f"INSERT INTO {TABLE} ({INSERT_COLS}) "
        f"SELECT p.id, v.language, {cols}, {vector_sql('v.title', 'v.description')} "
        f"FROM catalog_product p CROSS JOIN LATERAL (VALUES {values}) v(language, title, "
        f"description) WHERE {where}"
    )


def index_sql() -> list[str]:
    """The indexes, declared on the parent: new partitions get them too. Created on a
    partitioned table they are built partition by partition, or attached where the seed built
    them already."""
    return [
        f"CREATE INDEX IF NOT EXISTS {name} ON {TABLE} USING gin (vector) "
        f"WITH (fastupdate = off) WHERE language = '{s}'"
        for name, s in zip(INDEXES, SUFFIXES, strict=True)
    ] + [f"CREATE INDEX IF NOT EXISTS {PRODUCT_INDEX} ON {TABLE} (product_id)"]


def partition_index_sql(partition: str) -> list[str]:
    """index_sql() for one partition, to build them in parallel before the parent's."""
    return [
        f"CREATE INDEX IF NOT EXISTS {partition}_{s} ON {partition} USING gin (vector) "
        f"WITH (fastupdate = off) WHERE language = '{s}'"
        for s in SUFFIXES
    ] + [f"CREATE INDEX IF NOT EXISTS {partition}_product ON {partition} (product_id)"]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    stmts = [
        *(f"DROP INDEX IF EXISTS {name}" for name in OLD_INDEXES),
        *table_sql(),
        *partitions_sql(),
        fill_sql(),
        *index_sql(),
        *trigger_sql(),
        f"ANALYZE {TABLE}",
    ]
    with schema_editor.connection.cursor() as cur:
        cur.execute("SET LOCAL maintenance_work_mem = '256MB'")
    for sql in stmts:
        schema_editor.execute(sql, None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from caravana.catalog.search import pg_vector_sql

    for name in (*TRIGGERS, "catalog_product_search_at"):
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON catalog_product")
    schema_editor.execute(f"DROP TABLE IF EXISTS {TABLE}")
    for fn in ("caravana_search_sync()", "caravana_search_truncate()"):
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {fn}")
    schema_editor.execute("DROP FUNCTION IF EXISTS caravana_search_partition(bigint)")
    for name, lang in zip(OLD_INDEXES, ("es", "pt-br", "en"), strict=True):
        schema_editor.execute(
            f"CREATE INDEX {name} ON catalog_product USING gin ({pg_vector_sql(lang)})"
        )


class Migration(migrations.Migration):
    atomic = True
    dependencies = [("catalog", "0002_search")]
    operations = [migrations.RunPython(forwards, backwards)]
