"""Full-text search structures, one kind per database (see caravana.catalog.search)."""

from django.db import migrations

from caravana.catalog.languages import CONTENT_LANGUAGES, suffix
from caravana.catalog.search import pg_vector_sql

COLS = [f"title_{suffix(lang)}" for lang in CONTENT_LANGUAGES] + [
    f"description_{suffix(lang)}" for lang in CONTENT_LANGUAGES
]


def sqlite_sql() -> list[str]:
    cols = ", ".join(COLS)
    new = ", ".join(f"new.{c}" for c in COLS)
    old = ", ".join(f"old.{c}" for c in COLS)
    return [
        f"CREATE VIRTUAL TABLE catalog_product_fts USING fts5({cols}, content='catalog_product', "
        "content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
        "CREATE TRIGGER catalog_product_fts_ai AFTER INSERT ON catalog_product BEGIN "
        f"INSERT INTO catalog_product_fts(rowid, {cols}) VALUES (new.id, {new}); END",
        "CREATE TRIGGER catalog_product_fts_ad AFTER DELETE ON catalog_product BEGIN "
        f"INSERT INTO catalog_product_fts(catalog_product_fts, rowid, {cols}) "
        f"VALUES ('delete', old.id, {old}); END",
        f"CREATE TRIGGER catalog_product_fts_au AFTER UPDATE OF {cols} ON catalog_product BEGIN "
        f"INSERT INTO catalog_product_fts(catalog_product_fts, rowid, {cols}) "
        f"VALUES ('delete', old.id, {old}); "
        f"INSERT INTO catalog_product_fts(rowid, {cols}) VALUES (new.id, {new}); END",
    ]


def postgres_sql() -> list[str]:
    stmts = [
        "CREATE EXTENSION IF NOT EXISTS unaccent",
        # unaccent() is only STABLE (its dictionary could change); an index needs IMMUTABLE,
        # so we pin the dictionary in a wrapper, as the PostgreSQL docs suggest.
        "CREATE OR REPLACE FUNCTION caravana_unaccent(text) RETURNS text AS "
        "$$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$ "
        "LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT",
    ]
    for lang in ("es", "pt-br", "en"):
        stmts.append(
            f"CREATE INDEX catalog_product_search_{suffix(lang)} ON catalog_product "
            f"USING gin ({pg_vector_sql(lang)})"
        )
    return stmts


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    stmts = sqlite_sql() if vendor == "sqlite" else postgres_sql() if vendor == "postgresql" else []
    for sql in stmts:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for sql in (
            "DROP TRIGGER IF EXISTS catalog_product_fts_ai",
            "DROP TRIGGER IF EXISTS catalog_product_fts_ad",
            "DROP TRIGGER IF EXISTS catalog_product_fts_au",
            "DROP TABLE IF EXISTS catalog_product_fts",
        ):
            schema_editor.execute(sql)
    elif vendor == "postgresql":
        for lang in ("es", "pt-br", "en"):
            schema_editor.execute(f"DROP INDEX IF EXISTS catalog_product_search_{suffix(lang)}")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
