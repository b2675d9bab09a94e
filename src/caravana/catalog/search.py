"""Full-text product search in the buyer's language, accent- and case-insensitive.

SQLite: an FTS5 external-content table (unicode61, remove_diacritics 2) kept in step by
triggers. PostgreSQL: GIN expression indexes over an immutable unaccent() wrapper, one per
language. Both are created by migration 0002; this module only queries them. Matching is by
word prefix so "fone" finds "fones" and a half-typed word still finds something.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection

from caravana.catalog.languages import CONTENT_LANGUAGES, suffix

SORTS = ("relevance", "price_asc", "price_desc", "newest")
_WORD = re.compile(r"\w+", re.UNICODE)
MAX_TERMS = 8


def terms(text: str) -> list[str]:
    return _WORD.findall(text.lower())[:MAX_TERMS]


def pg_vector_sql(language: str) -> str:
    """The indexed expression; queries must repeat it to the letter for the index to serve."""
    sfx = suffix(language)
    return (
        "(setweight(to_tsvector('simple'::regconfig, caravana_unaccent(coalesce("
        f"catalog_product.title_{sfx}, ''))), 'A') || "
        "setweight(to_tsvector('simple'::regconfig, caravana_unaccent(coalesce("
        f"catalog_product.description_{sfx}, ''))), 'B'))"
    )


@dataclass(frozen=True)
class SearchRequest:
    text: str = ""
    language: str = "en"
    category_ids: tuple[int, ...] = ()
    store_id: int | None = None
    # Bounds in the buyer's currency; `rates` turns them into each listing currency.
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    rates: tuple[tuple[str, Decimal], ...] = ()
    sort: str = "relevance"
    page: int = 1
    per_page: int = 24


@dataclass(frozen=True)
class SearchResult:
    ids: list[int]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _filters(req: SearchRequest) -> tuple[list[str], list[object]]:
    where = ["catalog_product.is_active"]
    params: list[object] = []
    if connection.vendor == "sqlite":
        where[0] = "catalog_product.is_active = 1"
    if req.category_ids:
        where.append(
            f"catalog_product.category_id IN ({', '.join(['%s'] * len(req.category_ids))})"
        )
        params.extend(req.category_ids)
    if req.store_id:
        where.append("catalog_product.store_id = %s")
        params.append(req.store_id)
    if (req.price_min is not None or req.price_max is not None) and req.rates:
        ors = []
        for currency, rate in req.rates:
            cond = ["catalog_product.price_currency = %s"]
            params.append(currency)
            if req.price_min is not None:
                cond.append("catalog_product.price_from >= %s")
                params.append(str((req.price_min / rate).quantize(Decimal("0.01"))))
            if req.price_max is not None:
                cond.append("catalog_product.price_from <= %s")
                params.append(str((req.price_max / rate).quantize(Decimal("0.01"))))
            ors.append("(" + " AND ".join(cond) + ")")
        where.append("(" + " OR ".join(ors) + ")")
    return where, params


def _price_expr(req: SearchRequest) -> tuple[str, list[object]]:
    if not req.rates:
        return "catalog_product.price_from", []
    cast = "REAL" if connection.vendor == "sqlite" else "numeric"
    cases = " ".join(f"WHEN %s THEN CAST(%s AS {cast})" for _ in req.rates)
    params: list[object] = []
    for currency, rate in req.rates:
        params.extend([currency, str(rate)])
    expr = f"(catalog_product.price_from * CASE catalog_product.price_currency {cases} END)"
    return expr, params


def search(req: SearchRequest) -> SearchResult:
    """Two queries whatever the catalogue's size: one count, one page of ids."""
    if req.sort not in SORTS:
        raise ValueError(f"sort: choose one of {', '.join(SORTS)}")
    words = terms(req.text)
    where, params = _filters(req)
    sort = req.sort if words or req.sort != "relevance" else "newest"
    order_params: list[object] = []
    if not words:
        source = "catalog_product"
        rank = ""
    elif connection.vendor == "sqlite":
        sfx = suffix(req.language)
        expr = " AND ".join(f'"{w}"*' for w in words)
        source = (
            "catalog_product_fts JOIN catalog_product"
            " ON catalog_product.id = catalog_product_fts.rowid"
        )
        where.insert(0, "catalog_product_fts MATCH %s")
        params.insert(0, f"{{title_{sfx} description_{sfx}}} : ({expr})")
        weights = ", ".join(
            ["10.0" if suffix(lang) == sfx else "0.0" for lang in CONTENT_LANGUAGES]
            + ["1.0" if suffix(lang) == sfx else "0.0" for lang in CONTENT_LANGUAGES]
        )
        rank = f"bm25(catalog_product_fts, {weights})"
    else:
        vector = pg_vector_sql(req.language)
        query = " & ".join(f"{w}:*" for w in words)
        source = "catalog_product"
        where.insert(0, f"{vector} @@ to_tsquery('simple'::regconfig, caravana_unaccent(%s))")
        params.insert(0, query)
        rank = f"-ts_rank({vector}, to_tsquery('simple'::regconfig, caravana_unaccent(%s)))"
        order_params = [query]
    where_sql = " AND ".join(where)
    with connection.cursor() as cur:
        cur.execute(f"SELECT count(*) FROM {source} WHERE {where_sql}", params)
        total = cur.fetchone()[0]
        if sort == "relevance":
            order, extra = f"{rank}, catalog_product.id", order_params
        elif sort == "newest":
            order, extra = "catalog_product.created_at DESC, catalog_product.id DESC", []
        else:
            expr, extra = _price_expr(req)
            direction = "ASC" if sort == "price_asc" else "DESC"
            order = f"{expr} {direction}, catalog_product.id"
        page = max(1, req.page)
        offset = (page - 1) * req.per_page
        cur.execute(
            f"SELECT catalog_product.id FROM {source} WHERE {where_sql} ORDER BY {order} "
            "LIMIT %s OFFSET %s",
            [*params, *extra, req.per_page, offset],
        )
        ids = [row[0] for row in cur.fetchall()]
    return SearchResult(ids=ids, total=total, page=page, per_page=req.per_page)
