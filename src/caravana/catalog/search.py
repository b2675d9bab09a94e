"""Full-text product search in the buyer's language, accent- and case-insensitive.

SQLite: an FTS5 external-content table (unicode61, remove_diacritics 2) kept in step by
triggers (migration 0002). PostgreSQL: catalog_product_search, one row per product and language
with the tsvector stored and the filter columns copied, partitioned by blocks of product ids
newest first, a partial GIN index per language in each partition, kept in step by triggers
(migration 0003). This module only queries them. Every word must
match, whole or, when whole words find few products, as a prefix, so a half-typed word still
finds something (in a store, or with a filter that bounds the scan, as a prefix at once).
Stop words ("de", "para", "with") are left out of the match.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from decimal import Decimal

from django.db import connection, transaction

from caravana.catalog import delivery_facts, spelling, vocabulary, word_categories
from caravana.catalog.languages import CONTENT_LANGUAGES, suffix

# "rating": the reviews' average stars, highest first, copied into ListingPrice.rating and read
# along the lp_*_rating indexes (catalog.models.LISTING_ORDERS; decision 10, item 5).
SORTS = ("relevance", "price_asc", "price_desc", "newest", "rating")
_WORD = re.compile(r"\w+", re.UNICODE)
MAX_TERMS = 8
# A text search ranks or sorts at most this many matches; a listing counts at most COUNT_CAP.
MAX_CANDIDATES = 1_000
COUNT_CAP = 10_000
# A text search with a landed price range checks the price of at most this many word matches
# (newest first): a narrow range over a broad word would otherwise walk every match. 3,000
# cost 22-36 ms for an empty page at 1,000,000 products on either database (5,000: 40-50 ms).
MAX_SCANNED = 3_000


# Words so common that requiring them narrows nothing and makes the index walk every product.
STOPWORDS = frozenset(
    ("a", "an", "and", "the", "of", "for", "with", "in", "to", "on", "by")  # en
    + ("de", "del", "la", "las", "el", "los", "y", "e", "o", "con", "para", "en", "por")  # es
    + ("un", "una", "al", "da", "das", "do", "dos", "com", "em", "no", "na", "nos", "nas")  # pt
    + ("um", "uma", "ao")
)


def terms(text: str) -> list[str]:
    return _WORD.findall(text.lower())[:MAX_TERMS]


def significant(words: list[str]) -> list[str]:
    """Drop stop words and one-letter words, unless nothing else is left."""
    kept = [w for w in words if w not in STOPWORDS and len(w) > 1]
    return kept or words


def pg_vector_sql(language: str) -> str:
    """The expression migration 0002 indexed (0003 replaced those indexes by a table)."""
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
    # The buyer's country: price filters and sorts then use the landed price stored for it
    # (catalog.landed, table catalog_listingprice) instead of the goods price converted.
    country: str | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = 24
    # `category_ids` is this top category's whole tree (queries.category_filter): a listing in
    # a country then reads it by catalog_listingprice.category_top, one index range.
    category_top: int | None = None
    # False: no total wanted (the home page), so none is counted.
    counted: bool = True
    # Only products whose reviews average at least this many stars (1-5); needs `country`.
    rating_min: Decimal | None = None
    # Only products of stores that offer free shipping (at their threshold), and only products
    # whose speed class (catalog.delivery_facts: 1 local stock, 2 a store that ships on time)
    # is at most this; both need `country` (decision 0028).
    ships_free: bool = False
    speed_max: int | None = None
    # Words that find nothing are corrected against the vocabulary (catalog.vocabulary) and
    # searched again; False searches the words exactly as typed ("search instead for …").
    correct: bool = True


@dataclass(frozen=True)
class SearchResult:
    ids: list[int]
    total: int
    page: int
    per_page: int
    # True when there are more than `total` matches: show "1,000+".
    capped: bool = False
    # The corrected words searched instead of the typed ones, which found nothing ("" if none).
    corrected: str = ""

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _landed(req: SearchRequest) -> bool:
    """Whether prices matter to this search and are the buyer's landed ones."""
    return bool(req.country) and (
        req.price_min is not None
        or req.price_max is not None
        or req.sort in PRICE_SORTS
        or req.sort == "rating"
        or req.rating_min is not None
        or _shipped(req)
    )


def _shipped(req: SearchRequest) -> bool:
    """Whether a delivery filter (free shipping, speed) is asked."""
    return req.ships_free or req.speed_max is not None


def _ship_filters(req: SearchRequest, *, index: bool) -> tuple[list[str], list[object]]:
    """WHERE terms of the delivery filters on catalog_listingprice (alias lp). With `index` (a
    listing), a speed without free shipping names both values of ships_free and the speeds
    kept are named (delivery_facts.SPEEDS), so the lp_*_ship index (…, ships_free, speed,
    created_at, product) is read as a range per (ships_free, speed) pair, not scanned whole,
    and a count, a sort and the newest page's walks per pair (_newest_shipped) keep the same
    rows. Without it (a text search's bounded scan), speeds up to the one asked."""
    where: list[str] = []
    params: list[object] = []
    if req.ships_free:
        where.append("lp.ships_free = %s")
        params.append(True)
    elif index and req.speed_max is not None:
        where.append("lp.ships_free IN (%s, %s)")
        params.extend([False, True])
    if index:
        speeds = _speeds(req)
        where.append(f"lp.speed IN ({', '.join(['%s'] * len(speeds))})")
        params.extend(speeds)
    elif req.speed_max is not None:
        where.append("lp.speed <= %s")
        params.append(req.speed_max)
    return where, params


def _speeds(req: SearchRequest) -> list[int]:
    """The speed classes a delivery filter keeps (all of them for free shipping alone)."""
    return [s for s in delivery_facts.SPEEDS if req.speed_max is None or s <= req.speed_max]


PRICE_SORTS = ("price_asc", "price_desc")


def _landed_filters(req: SearchRequest, *, listing: bool) -> tuple[list[str], list[object]]:
    """WHERE terms on catalog_listingprice (alias lp): the buyer's country, a price there, the
    bounds; with `listing`, also the copied listing filters (active, category, store), so a
    listing without words reads that table alone through its (country, …, amount) indexes."""
    where = ["lp.country = %s", "lp.amount IS NOT NULL"]
    params: list[object] = [req.country]
    if listing:
        where.insert(1, "lp.is_active = %s")
        params.append(True)
        if req.category_ids:
            where.append(f"lp.category_ref IN ({', '.join(['%s'] * len(req.category_ids))})")
            params.extend(req.category_ids)
        if req.store_id:
            where.append("lp.store_ref = %s")
            params.append(req.store_id)
    if req.price_min is not None:
        where.append("lp.amount >= %s")
        params.append(str(req.price_min))
    if req.price_max is not None:
        where.append("lp.amount <= %s")
        params.append(str(req.price_max))
    if req.rating_min is not None:
        where.append("lp.rating >= %s")
        params.append(str(req.rating_min))
    more, more_params = _ship_filters(req, index=False)
    return where + more, params + more_params


def _filters(req: SearchRequest, table: str = "catalog_product") -> tuple[list[str], list[object]]:
    """WHERE terms for the filters, on catalog_product or the PostgreSQL search table, which
    carries the same columns."""
    where = [f"{table}.is_active"]
    params: list[object] = []
    if connection.vendor == "sqlite":
        where[0] = f"{table}.is_active = 1"
    category = f"{table}.category_id"
    price_from = f"{table}.price_from"
    if req.category_ids:
        where.append(f"{category} IN ({', '.join(['%s'] * len(req.category_ids))})")
        params.extend(req.category_ids)
    if req.store_id:
        where.append(f"{table}.store_id = %s")
        params.append(req.store_id)
    if (req.price_min is not None or req.price_max is not None) and req.rates and not _landed(req):
        ors = []
        for currency, rate in req.rates:
            cond = [f"{table}.price_currency = %s"]
            params.append(currency)
            if req.price_min is not None:
                cond.append(f"{price_from} >= %s")
                params.append(str((req.price_min / rate).quantize(Decimal("0.01"))))
            if req.price_max is not None:
                cond.append(f"{price_from} <= %s")
                params.append(str((req.price_max / rate).quantize(Decimal("0.01"))))
            ors.append("(" + " AND ".join(cond) + ")")
        where.append("(" + " OR ".join(ors) + ")")
    return where, params


def _price_expr(req: SearchRequest, table: str = "catalog_product") -> tuple[str, list[object]]:
    if not req.rates:
        return f"{table}.price_from", []
    cast = "REAL" if connection.vendor == "sqlite" else "numeric"
    cases = " ".join(f"WHEN %s THEN CAST(%s AS {cast})" for _ in req.rates)
    params: list[object] = []
    for currency, rate in req.rates:
        params.extend([currency, str(rate)])
    expr = f"({table}.price_from * CASE {table}.price_currency {cases} END)"
    return expr, params


def _count_capped(source: str, where_sql: str, params: list[object], cap: int) -> int:
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM {source} WHERE {where_sql} LIMIT %s) capped",
            [*params, cap + 1],
        )
        return cur.fetchone()[0]


def search(req: SearchRequest) -> SearchResult:
    """Bounded work whatever the catalogue's size: at most three statements for a page in range,
    and one to look up where two or more words may meet (catalog.word_categories; on SQLite,
    a half-typed word's completions are one more each: _fts5_word), and with
    words in a store, one to read its products (_store_products) and on SQLite three to fill
    its own index (_sqlite_store_index).

    A listing without words counts at most COUNT_CAP rows (then shows "10,000+") and pages in
    index order. A text search takes at most MAX_CANDIDATES matches from the full-text index
    (the newest first: SQLite walks the FTS index by descending rowid, PostgreSQL reads the
    search table's partitions newest block first and stops in the first that suffices), with every
    filter applied, and ranks or sorts those: ranking every one of 100,000 matches for "fone"
    cannot be done in a few milliseconds on either database, and no buyer reads past the first
    pages of a word that broad. A search that matches fewer is exact.

    A text search with a range on landed prices looks for its candidates among the newest
    MAX_SCANNED word matches only, read in the same order (active, category and store applied
    in that scan; the price, stored in catalog_listingprice, checked on each): at 1,000,000
    products "carregador" at most R$ 59 probed all 66,000 matches to find none (over a second
    on either database). It is exact when the words match at most MAX_SCANNED products.
    """
    if req.sort not in SORTS:
        raise ValueError(f"sort: choose one of {', '.join(SORTS)}")
    if not req.country and (req.sort == "rating" or req.rating_min is not None):
        raise ValueError("sort: ratings are read from a country's listing rows; give country")
    if not req.country and _shipped(req):
        raise ValueError("ships_free: delivery filters are read from a country's listing rows")
    if req.speed_max is not None and req.speed_max < 1:
        raise ValueError("speed_max: at least 1")
    words = terms(req.text)
    where, params = _filters(req)
    sort = req.sort if words or req.sort != "relevance" else "newest"
    page = max(1, req.page)
    offset = (page - 1) * req.per_page
    if not words and req.country:
        return _listing(req, sort, page)
    if not words:
        where_sql = " AND ".join(where)
        n = _count_capped("catalog_product", where_sql, params, COUNT_CAP)
        if sort == "newest":
            order, extra = "catalog_product.created_at DESC, catalog_product.id DESC", []
        else:
            expr, extra = _price_expr(req)
            direction = "ASC" if sort == "price_asc" else "DESC"
            order = f"{expr} {direction}, catalog_product.id"
        with connection.cursor() as cur:
            cur.execute(
                f"SELECT catalog_product.id FROM catalog_product WHERE {where_sql} "
                f"ORDER BY {order} LIMIT %s OFFSET %s",
                [*params, *extra, req.per_page, offset],
            )
            ids = [row[0] for row in cur.fetchall()]
        return SearchResult(
            ids=ids, total=min(n, COUNT_CAP), page=page, per_page=req.per_page, capped=n > COUNT_CAP
        )

    # A text search pages through its MAX_CANDIDATES candidates at most.
    page = min(page, -(-MAX_CANDIDATES // req.per_page))
    offset = (page - 1) * req.per_page
    words = significant(words)
    if _landed(req) and not _any_in_price_range(req):
        # Nothing is priced in range (say, "at most CLP 8,000", below any landed price): one
        # index probe instead of walking every text match to find none.
        return SearchResult(ids=[], total=0, page=page, per_page=req.per_page)
    if word_categories.shared(words, req.language, req.category_ids) == set():
        # The words never meet in one category (of those asked for): no product holds them
        # all, known from one short index range per word instead of reading each word's list
        # in the full-text index, which grows with the catalogue (catalog.word_categories).
        ids, n = [], 0
    else:
        ids, n = _matches(req, words, sort, offset)
    result = SearchResult(
        ids=ids,
        total=min(n, MAX_CANDIDATES),
        page=page,
        per_page=req.per_page,
        capped=n > MAX_CANDIDATES,
    )
    if n == 0 and req.correct:
        return _corrected(req, terms(req.text)) or result
    return result


def _matches(req: SearchRequest, words: list[str], sort: str, offset: int) -> tuple[list[int], int]:
    """A page of the text search's candidates and how many there are."""
    # Whole words first: FTS5 walks their doclists lazily and stops after MAX_CANDIDATES, and a
    # GIN scan of one lexeme is 2-3x cheaper than of all the lexemes a prefix starts. Only when
    # whole words find fewer are prefixes tried ("capin" finds "capinha", "fone" "fones").
    # In one store, and wherever the candidates are looked for among the newest MAX_SCANNED
    # matches only (_bounded: a category, a price range, a delivery filter), the words are
    # matched as prefixes at once: a first try with whole words nearly always finds fewer than
    # MAX_CANDIDATES there, and the second try read everything again ("fone" with free
    # shipping: two scans of 3,000 matches, each probing its listing row, about 20 ms each at
    # 1,000,000 products on PostgreSQL).
    store = _store_products(req, MAX_SCANNED) if req.store_id and req.country else None
    at_once = store is not None or _bounded(req)
    with _planner_for_text_search():
        if not at_once:
            ids, n = _text_search(req, words, sort, offset, prefix=False)
        if at_once or n <= MAX_CANDIDATES:
            ids, n = _text_search(req, words, sort, offset, prefix=True, store=store)
    return ids, n


def _corrected(req: SearchRequest, typed: list[str]) -> SearchResult | None:
    """The search again with each misspelt word replaced by the nearest term of the vocabulary
    ("audifnos" -> "audifonos"), when that changes a word and finds something. A failed word
    search costs an index probe or two, so only a search that found nothing pays for this."""
    fixed = vocabulary.correct(typed, req.language)
    if fixed == typed:
        return None
    text = " ".join(fixed)
    result = search(replace(req, text=text, correct=False))
    return replace(result, corrected=text) if result.total else None


def _any_in_price_range(req: SearchRequest) -> bool:
    """False when no active product can be in the request's price range: it lies below the
    lowest or above the highest landed price of the country (per category or store). Each
    bound is a separate min() or max() on a (country, …, is_active, amount) index, which both
    databases answer from one end of the index (a LIMIT 1 probe let PostgreSQL's planner pick
    a sequential scan of millions of rows). True may still find nothing."""
    if req.price_min is None and req.price_max is None:
        return True
    groups: list[tuple[str, list[object]]] = [("", [])]
    if req.category_top:
        groups = [(" AND lp.category_top = %s", [req.category_top])]
    elif req.category_ids:
        groups = [(" AND lp.category_ref = %s", [c]) for c in req.category_ids]
    elif req.store_id:
        groups = [(" AND lp.store_ref = %s", [req.store_id])]
    with connection.cursor() as cur:
        for extra, extra_params in groups:
            base = (
                f"FROM catalog_listingprice lp WHERE lp.country = %s AND lp.is_active = %s{extra}"
            )
            params = [req.country, True, *extra_params]
            cur.execute(f"SELECT max(lp.amount) {base}", params)
            high = cur.fetchone()[0]
            if high is None or (req.price_min is not None and Decimal(high) < req.price_min):
                continue
            cur.execute(f"SELECT min(lp.amount) {base}", params)
            low = cur.fetchone()[0]
            if req.price_max is not None and Decimal(low) > req.price_max:
                continue
            return True
    return False


def _scope(req: SearchRequest) -> tuple[str, str, list[object]]:
    """The listing's scope: its index name part (catalog.models.LISTING_SCOPES) and its
    WHERE term on catalog_listingprice. A store page narrows by store (a category chosen there
    is checked on the store's rows); a top category by its tree; a category by itself."""
    if req.store_id:
        extra, extra_params = "", []
        if req.category_ids:
            marks = ", ".join(["%s"] * len(req.category_ids))
            extra, extra_params = f" AND lp.category_ref IN ({marks})", list(req.category_ids)
        return "store", f"lp.store_ref = %s{extra}", [req.store_id, *extra_params]
    if req.category_top:
        return "top", "lp.category_top = %s", [req.category_top]
    if len(req.category_ids) == 1:
        return "cat", "lp.category_ref = %s", [req.category_ids[0]]
    if req.category_ids:  # a set of categories that is not one tree: no single index range
        marks = ", ".join(["%s"] * len(req.category_ids))
        return "cat", f"lp.category_ref IN ({marks})", list(req.category_ids)
    return "all", "", []


def _listing(req: SearchRequest, sort: str, page: int) -> SearchResult:
    """A listing without words in the buyer's country: catalog_listingprice alone, along one
    index (catalog.models.ListingPrice.Meta.indexes): its scope (all, top category, category,
    store), then the order's key (landed price or created) and product_id. The page is a walk
    of offset + per_page entries of that index, the count one of at most COUNT_CAP + 1 (the
    price index when a range is asked), so neither grows with the catalogue. Pages stop at
    COUNT_CAP products (417 pages of 24): a page past the last shows the last.

    Price sorts and ranges leave out the products with no landed price there (they cannot be
    bought there); the newest listing shows them, with "—" on the card."""
    scope, scope_sql, params = _scope(req)
    where = ["lp.country = %s", "lp.is_active = %s"]
    params = [req.country, True, *params]
    if scope_sql:
        where.append(scope_sql)
    priced = sort in PRICE_SORTS or req.price_min is not None or req.price_max is not None
    if priced:
        where.append("lp.amount IS NOT NULL")
    if req.price_min is not None:
        where.append("lp.amount >= %s")
        params.append(str(req.price_min))
    if req.price_max is not None:
        where.append("lp.amount <= %s")
        params.append(str(req.price_max))
    rated = req.rating_min is not None
    if rated:
        where.append("lp.rating >= %s")
        params.append(str(req.rating_min))
    shipped = _shipped(req)
    unshipped, unshipped_params = list(where), list(params)  # before the delivery filters
    more, more_params = _ship_filters(req, index=True)
    where.extend(more)
    params.extend(more_params)
    where_sql = " AND ".join(where)
    key = "price" if sort in PRICE_SORTS else "rating" if sort == "rating" else "new"
    order_index = f"lp_{scope}_{key}"
    # A delivery filter is counted along the ship index (free shipping and local stock are a
    # few stores' and products' facts, the narrowest filter), a range along the price index, a
    # rating floor along the rating index: the order's index would walk what is out of them.
    count_index = (
        f"lp_{scope}_ship"
        if shipped
        else f"lp_{scope}_price"
        if priced
        else f"lp_{scope}_rating"
        if rated
        else order_index
    )
    n = 0
    if req.counted:
        n = _count_capped(f"catalog_listingprice lp{_indexed_by(count_index)}", where_sql,
                          params, COUNT_CAP)  # fmt: skip
        page = min(page, max(1, -(-min(n, COUNT_CAP) // req.per_page)))
    if req.counted and n == 0:  # an empty range (or min > max): no page to walk for
        return SearchResult(ids=[], total=0, page=1, per_page=req.per_page)
    order = {
        "price_asc": "lp.amount ASC, lp.product_id ASC",
        "price_desc": "lp.amount DESC, lp.product_id DESC",
        "rating": "lp.rating DESC, lp.product_id DESC",
    }.get(sort, "lp.created_at DESC, lp.product_id DESC")
    source = f"catalog_listingprice lp{_indexed_by(order_index)} WHERE {where_sql}"
    if shipped and key == "new" and not rated and req.counted and n < COUNT_CAP:
        # Fewer than COUNT_CAP products ship free or arrive soon in this scope: their newest
        # page merges a walk per (ships_free, speed) pair. More than that are common enough
        # for a walk of the newest index to find a page among its first entries (the merge
        # cost 0.3-0.6 ms more at 1,000,000 products on PostgreSQL). A rating floor, not in
        # the ship index, is read and sorted below.
        return _newest_shipped(req, scope, unshipped, unshipped_params, page, n)
    if shipped and req.counted and n < COUNT_CAP:
        # Fewer than COUNT_CAP products ship free or arrive soon in this scope: they are read
        # along the ship index, all of them, and sorted (walking the order's index would pass
        # every product of the stores that do not, nearly all of them).
        source = (
            f"(SELECT lp.product_id, lp.created_at, lp.amount, lp.rating FROM "
            f"catalog_listingprice lp{_indexed_by(count_index)} WHERE {where_sql} "
            f"LIMIT {COUNT_CAP}) lp"
        )
    elif priced and sort not in PRICE_SORTS and req.counted and n < COUNT_CAP:
        # The newest in a price range that holds fewer than COUNT_CAP products: walking the
        # newest index would pass every product out of the range (all of them when the range
        # is rare: 90 ms at a million products), so the range's rows are read along the price
        # index, at most COUNT_CAP of them, and sorted. PostgreSQL's estimate for an amount
        # range mixes every country's currency and cannot be trusted to choose this itself.
        source = (
            f"(SELECT lp.product_id, lp.created_at, lp.rating FROM catalog_listingprice lp"
            f"{_indexed_by(count_index)} WHERE {where_sql} ORDER BY lp.amount, lp.product_id "
            f"LIMIT {COUNT_CAP}) lp"
        )
    elif rated and sort != "rating" and req.counted and n < COUNT_CAP:
        # A rating floor under another order: the same, along the rating index (most products
        # have no review, so walking the price or newest index would pass them all).
        source = (
            f"(SELECT lp.product_id, lp.created_at, lp.amount FROM catalog_listingprice lp"
            f"{_indexed_by(count_index)} WHERE {where_sql} ORDER BY lp.rating DESC, "
            f"lp.product_id DESC LIMIT {COUNT_CAP}) lp"
        )
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT lp.product_id FROM {source} ORDER BY {order} LIMIT %s OFFSET %s",
            [*params, req.per_page, (page - 1) * req.per_page],
        )
        ids = [row[0] for row in cur.fetchall()]
    if not req.counted:
        n = len(ids)
    return SearchResult(
        ids=ids, total=min(n, COUNT_CAP), page=page, per_page=req.per_page, capped=n > COUNT_CAP
    )


def _newest_shipped(
    req: SearchRequest, scope: str, where: list[str], params: list[object], page: int, n: int
) -> SearchResult:
    """The newest page of a listing with a delivery filter that keeps fewer than COUNT_CAP
    products: one walk of the lp_*_ship index per (ships_free, speed) pair the filter keeps,
    each newest first, merged, so a page reads offset + per_page entries whatever the number
    of products the filter keeps. Reading them all and sorting grew with the catalogue up to
    COUNT_CAP (local stock: 100 rows at 100,000 products, 1,000 at 1,000,000). SQLite merges
    the compound SELECT's arms as they come (MERGE (UNION ALL)); PostgreSQL merges only arms
    that are subqueries with their own ORDER BY (Merge Append; an ORDER BY over the bare UNION
    ALL read every arm whole and sorted it), each bounded by the page's end. `where`: the
    listing's terms but the delivery filters'; `page`: clamped to the last; `n`: the exact
    count (under COUNT_CAP)."""
    pairs = [
        (free, speed)
        for free in ((True,) if req.ships_free else (False, True))
        for speed in _speeds(req)
    ]
    offset = (page - 1) * req.per_page
    arm = (
        f"SELECT lp.product_id, lp.created_at FROM catalog_listingprice lp"
        f"{_indexed_by(f'lp_{scope}_ship')} WHERE {' AND '.join(where)} "
        "AND lp.ships_free = %s AND lp.speed = %s"
    )
    arm_params = [p for free, speed in pairs for p in (*params, free, speed)]
    if connection.vendor == "postgresql":
        arm = (
            f"SELECT * FROM ({arm} ORDER BY lp.created_at DESC, lp.product_id DESC "
            f"LIMIT {offset + req.per_page:d}) a"
        )
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT u.product_id FROM ({' UNION ALL '.join([arm] * len(pairs))}) u "
            "ORDER BY u.created_at DESC, u.product_id DESC LIMIT %s OFFSET %s"
            if connection.vendor == "postgresql"
            else f"{' UNION ALL '.join([arm] * len(pairs))} ORDER BY 2 DESC, 1 DESC "
            "LIMIT %s OFFSET %s",
            [*arm_params, req.per_page, offset],
        )
        ids = [row[0] for row in cur.fetchall()]
    return SearchResult(ids=ids, total=n, page=page, per_page=req.per_page)


def _indexed_by(index: str) -> str:
    """SQLite: walk this index (its planner, without statistics for these columns, may take a
    shorter one and sort). PostgreSQL picks it from the ORDER BY and LIMIT by itself."""
    return f" INDEXED BY {index}" if connection.vendor == "sqlite" else ""


# PostgreSQL planner settings for a text search, local to its transaction. The GIN index of
# each partition must drive: a scan of a partition or of its product_id btree would recheck
# every row; parallel workers cost more to start than the LIMITed scan saves; JIT would compile
# for ~20 ms on the inflated estimates. 16 MB of work_mem keeps a broad word's bitmap over one
# block exact (lossy pages make the heap scan recheck every row on them).
PG_TEXT_SEARCH_SETTINGS = (
    ("work_mem", "16MB"),
    ("max_parallel_workers_per_gather", "0"),
    ("enable_seqscan", "off"),
    ("enable_indexscan", "off"),
    ("jit", "off"),
)


@contextmanager
def _planner_for_text_search() -> Iterator[None]:
    """Apply PG_TEXT_SEARCH_SETTINGS in a transaction of our own. Inside a caller's
    transaction (a test, an atomic view) nothing is changed: SET LOCAL would outlive the
    search, and the plans only get slower, not wrong."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            "SELECT " + ", ".join("set_config(%s, %s, true)" for _ in PG_TEXT_SEARCH_SETTINGS),
            [x for pair in PG_TEXT_SEARCH_SETTINGS for x in pair],
        )
        yield


def _bounded(req: SearchRequest) -> bool:
    """Whether a text search looks for its candidates among the newest MAX_SCANNED word
    matches only, the filters applied to those: with a category, a landed price range, a
    rating floor or a delivery filter, which may hold few of a broad word's matches (walking
    them all to fill a page took seconds at 1,000,000 products)."""
    ranged = _landed(req) and (
        req.price_min is not None
        or req.price_max is not None
        or req.rating_min is not None
        or _shipped(req)
    )
    return bool(req.country) and (ranged or bool(req.category_ids))


def _text_search(
    req: SearchRequest,
    words: list[str],
    sort: str,
    offset: int,
    *,
    prefix: bool,
    store: list[int] | None = None,
) -> tuple[list[int], int]:
    """One page of ids among the candidates, and how many candidates (MAX_CANDIDATES + 1 at
    most). One query, two when a page after the first lies past the last candidate (on SQLite,
    a prefix's completions read first, _fts5_word, or a store's own index filled first,
    _sqlite_store_index). `store`: the store's newest MAX_SCANNED product ids, for a search in
    one store."""
    select_params: list[object] = []
    table = "catalog_product"
    bounded = _bounded(req)
    scan_req = replace(req, category_ids=()) if bounded else req
    if connection.vendor == "sqlite":
        where, params = _filters(scan_req)
        sfx = suffix(req.language)
        # A store of at most STORE_INDEX_MAX products is searched in its own index
        # (_sqlite_store_index), where a prefix is a plain prefix query; a bigger one in the
        # catalogue's, its ids checked on each match of the words (`+rowid`: not handed to
        # FTS5 as probes, which seek a word's doclist once per id).
        own = store is not None and len(store) <= STORE_INDEX_MAX
        fts = _sqlite_store_index(store, sfx) if own else "catalog_product_fts"
        matched = (
            [f'"{w}"*' for w in words]
            if own
            else [_fts5_word(w, prefix, req.language) for w in words]
        )
        expr = " AND ".join(matched)
        # CROSS JOIN keeps the FTS index the outer loop, read newest rowid first.
        source = f"{fts} CROSS JOIN catalog_product ON catalog_product.id = {fts}.rowid"
        where.insert(0, f"{fts} MATCH %s")
        params.insert(0, f"{{title_{sfx} description_{sfx}}} : ({expr})")
        if store is not None and not own:
            where.append(f"+{fts}.rowid IN ({', '.join(['%s'] * len(store))})")
            params.extend(store)
        # Relevance is ranked on the candidates afterwards, by the words in their titles
        # (_sqlite_title_rank): FTS5's bm25() counts every match of each word in the table
        # before it scores the first row, a cost that grows with the catalogue. In a store,
        # bm25(): in its own index it counts the store's products only (title 10,
        # description 1); in the catalogue's, the walk crosses the whole index anyway.
        weights = (
            "10.0, 1.0"
            if own
            else ", ".join(
                ["10.0" if suffix(lang) == sfx else "0.0" for lang in CONTENT_LANGUAGES]
                + ["1.0" if suffix(lang) == sfx else "0.0" for lang in CONTENT_LANGUAGES]
            )
        )
        in_store = store is not None
        rank = f"bm25({fts}, {weights})" if sort == "relevance" and in_store else "0"
        scan_order = f"ORDER BY {fts}.rowid DESC"
        id_col = "catalog_product.id"
        join_lp = " CROSS JOIN catalog_listingprice lp ON lp.product_id = catalog_product.id"
    else:
        # The search table alone: no product row is read. Its partitions come newest block
        # first (the partition key is -product_id) and the Append under the LIMIT stops in the
        # first block that yields enough candidates. `language` is written into the SQL (it is
        # one of CONTENT_LANGUAGES' suffixes) so the planner matches the partial GIN indexes.
        table = "s"
        where, params = _filters(scan_req, table)
        query = " & ".join(
            _pg_word(w, prefix, req.language, store=store is not None) for w in words
        )
        source = "catalog_product_search s"
        join_lp = " JOIN catalog_listingprice lp ON lp.product_id = s.product_id"
        # Words in one store: the store's few products are read by product_id in their
        # language (_pg_store_rows), and the words checked on each; no GIN index serves them
        # there (the planner once ANDed the store's ids with a full scan of the language's
        # partial GIN index: 1.7 s at 1,000,000 products, against 2 ms read by product_id).
        where[:0] = [
            f"s.language = '{suffix(req.language)}'",
            "s.vector @@ to_tsquery('simple'::regconfig, caravana_unaccent(%s))",
        ]
        params.insert(0, query)
        scan_order = ""
        id_col = "s.product_id"
        if sort == "relevance":
            # On the stored vector: title (weight A) counts 1.0, description (B) 0.4.
            rank = "-ts_rank(s.vector, to_tsquery('simple'::regconfig, caravana_unaccent(%s)))"
            select_params.append(query)
        else:
            rank = "0"
    if store is not None and connection.vendor == "postgresql":
        # A store's own products are few beside a word's matches: the words are matched among
        # the store's newest MAX_SCANNED products, read by product id, instead of walking every
        # match of the word (at 1,000,000 products, "capinha" in one store: 1.7-21 s before,
        # 5-26 ms after). A store's words are always prefixes (search).
        source, block_params = _pg_store_rows(store, suffix(req.language))
        params[:0] = block_params  # FROM comes before WHERE
    if bounded:
        # The price and category are checked on the newest MAX_SCANNED matches only.
        matches = f"FROM {source} WHERE {' AND '.join(where)} {scan_order}"
        score = rank.replace("s.vector", "m.vector")
        candidates, cand_params = _of_scanned(req, sort, matches, params, score, select_params)
    else:
        if _landed(req):
            source += join_lp
            more, more_params = _landed_filters(req, listing=False)
            where.extend(more)
            params.extend(more_params)
        if sort in PRICE_SORTS and _landed(req):
            price = "lp.amount"
        elif sort == "rating":
            price = "lp.rating"
        elif sort in PRICE_SORTS:
            price, price_params = _price_expr(req, table)
            select_params.extend(price_params)
        else:
            price = "NULL"
        where_sql = " AND ".join(where)
        candidates = (
            f"SELECT {id_col} AS id, {rank} AS score, {price} AS price, "
            f"{table}.created_at AS created FROM {source} WHERE {where_sql} {scan_order} "
            "LIMIT %s"
        )
        cand_params = [*select_params, *params, MAX_CANDIDATES + 1]
    order = {
        "relevance": "c.score, c.id DESC",
        "newest": "c.created DESC, c.id DESC",
        "price_asc": "c.price ASC, c.id",
        "price_desc": "c.price DESC, c.id",
        "rating": "c.price DESC, c.id DESC",  # `price` carries the rating for this sort
    }[sort]
    page_sql = f"SELECT c.id, count(*) OVER () FROM ({candidates}) c ORDER BY {order} "
    page_params = [*cand_params]
    if sort == "relevance" and connection.vendor == "sqlite" and store is None:
        page_sql, page_params = _sqlite_title_rank(candidates, cand_params, matched, req)
    with connection.cursor() as cur:
        cur.execute(page_sql + "LIMIT %s OFFSET %s", [*page_params, req.per_page, offset])
        rows = cur.fetchall()
        if rows:
            n = rows[0][1]
        elif offset == 0:
            n = 0  # no candidate at all: counting them would run the scan again for nothing
        else:
            cur.execute(f"SELECT count(*) FROM ({candidates}) c", cand_params)
            n = cur.fetchone()[0]
    return [row[0] for row in rows], n


def _sqlite_title_rank(
    candidates: str, params: list[object], matched: list[str], req: SearchRequest
) -> tuple[str, list[object]]:
    """SQLite: a page of the candidates by relevance (the statement up to its LIMIT, and its
    parameters): the more of the words a title holds, the higher; then the newest. Each word's
    title matches are walked over the candidates' span of ids only (from the lowest candidate
    up), so the cost follows the candidates, not the catalogue: bm25() counts every match of
    each word in the whole table first (on a synthetic index of 1,000,000 rows, 4.5 ms for a
    word in 13% of them against 1.4 ms at 100,000; this walk 0.7 ms at either, measured
    2026-12-05). Like PostgreSQL's ts_rank, no weight for a word's rarity. `matched`: each
    word as the search matched it (_fts5_word)."""
    sfx = suffix(req.language)
    held = " + ".join(
        "(c.id IN (SELECT rowid FROM catalog_product_fts WHERE catalog_product_fts MATCH %s "
        "AND rowid >= (SELECT min(id) FROM c)))"
        for _ in matched
    )
    # Each word in the title AND all the words where the search looked for them: FTS5 then
    # steps through the rarer of the two, the candidates' own matches, not every title
    # holding a common word over a span the other words spread wide.
    looked = f"{{title_{sfx} description_{sfx}}} : ({' AND '.join(matched)})"
    return (
        f"WITH c AS MATERIALIZED ({candidates}) SELECT c.id, count(*) OVER () FROM c "
        f"ORDER BY {held} DESC, c.id DESC ",
        [*params, *(f"{{title_{sfx}}} : {w} AND {looked}" for w in matched)],
    )


#: SQLite: whole words a half-typed word is read as, at most (the most common first).
PREFIX_TERMS = 16


def _completions(word: str, language: str) -> list[str]:
    """The whole words a half-typed word is matched as besides itself, on either database
    (decision 0040): the vocabulary's words it starts (catalog.vocabulary, the titles' words,
    most products first, at most PREFIX_TERMS). An index walks such an OR of whole words
    lazily (FTS5) or by skipping (GIN), while a prefix query first gathers every word the
    prefix starts, in the whole index (FTS5 merges their lists: at 1,000,000 products twice
    the time of 100,000 for "fone" with free shipping; GIN ORs their bitmaps in each
    partition: "carregador portátil" at most R$ 150, which nothing matches, 24.9 ms at
    1,000,000 products as prefixes, 6.0 ms as completions; 2026-12-05). Empty: the word stays a
    prefix query, when it is a number, which the vocabulary does not keep ("128" must find
    "1280", not only "128gb"), or completes to nothing (its words are rare, or newer than the
    vocabulary's last refresh). What this gives up: a word newer than the last refresh is
    found whole at once but by its beginning only once the vocabulary holds it, when the
    beginning completes to other words; and completions past the PREFIX_TERMS most common."""
    if not any(ch.isalpha() for ch in word):
        return []
    return vocabulary.complete(word, language, limit=PREFIX_TERMS)


def _fts5_word(word: str, prefix: bool, language: str) -> str:
    """SQLite: a word as FTS5 matches it; as a prefix, the word and its _completions, OR-ed."""
    if not prefix:
        return f'"{word}"'
    found = _completions(word, language)
    if not found:
        return f'"{word}"*'
    return "(" + " OR ".join(f'"{w}"' for w in _with_completions(word, found)) + ")"


def _with_completions(word: str, found: list[str]) -> list[str]:
    """The typed word and its completions, each once as the index folds it: the vocabulary's
    terms are folded ("portatil") and the typed word may not be ("portátil"), which both
    indexes fold to the same term, so OR-ing the two read that term's list twice (in each of
    PostgreSQL's 16 partitions at 1,000,000 products, "carregador portátil" at most R$ 150:
    1.50 against 1.23 ms of execution, 2026-12-05). Only accents are trusted to fold alike:
    spelling.fold also folds compatibility forms (full-width letters, "²", ligatures), which
    FTS5 keeps as typed and PostgreSQL's unaccent only partly folds, so such a word keeps its
    folded completion ("ｉｐｈｏｎｅ" still finds "iphone")."""
    same = spelling.strip_accents(word)
    return list(dict.fromkeys([word, *(w for w in found if w != same)]))


#: SQLite: the tokenizer of catalog_product_fts (migration 0002), and so of a store's index.
SQLITE_TOKENIZE = "unicode61 remove_diacritics 2"
#: SQLite: a store of at most this many products is searched in an index of its own. Filling
#: it costs what the products' text costs to tokenize: about 12 µs a product of the bench's
#: (a 50-character title, a 290-character description), 25 ms for 3,000 products with
#: 200-character descriptions and 92 ms with 1,500-character ones (2026-12-05); the walk of
#: a word's matches in the catalogue's index, which a bigger store takes, cost 19 ms for
#: "fone" at 1,000,000 products and grows with the catalogue.
STORE_INDEX_MAX = 400


def _sqlite_store_index(ids: list[int], sfx: str) -> str:
    """SQLite: a temporary FTS5 index of these products' title and description in one language,
    this connection's own, filled anew for each search; returns its name. FTS5 cannot narrow
    the catalogue's index to a store: checking the store's ids on every match of "fone" walked
    132,000 matches at 1,000,000 products (31 ms a page, against 14 at 100,000), handing the ids
    to FTS5 as rowids seeks the word's doclist once per product (200 of them: 41 ms), and FTS5
    merges a prefix's doclists again for each. Indexing a store's 76 products costs 0.9 ms,
    matching in them 0.04 ms (2026-12-05); the cost follows the products' text, so only a
    store of at most STORE_INDEX_MAX products is indexed. The same tokenizer as the
    catalogue's, so a word matches here what it matches there."""
    name = f"catalog_store_fts_{sfx}"
    with connection.cursor() as cur:
        # Contentless: the text is only read to index it, and 'delete-all' empties it at once.
        cur.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{name} USING fts5(title_{sfx}, "
            f"description_{sfx}, content='', tokenize='{SQLITE_TOKENIZE}')"
        )
        cur.execute(f"INSERT INTO temp.{name}({name}) VALUES ('delete-all')")
        if ids:
            cur.execute(
                f"INSERT INTO temp.{name}(rowid, title_{sfx}, description_{sfx}) "
                f"SELECT id, title_{sfx}, description_{sfx} FROM main.catalog_product "
                f"WHERE id IN ({', '.join(['%s'] * len(ids))})",
                ids,
            )
    return name


def _pg_word(word: str, prefix: bool, language: str, *, store: bool = False) -> str:
    """PostgreSQL: a word as to_tsquery reads it; as a prefix, the word and its _completions,
    OR-ed, except in one store (read row by row there, no GIN index: a prefix stays a prefix).
    A completion that is not plain letters and digits cannot be written into to_tsquery (the
    vocabulary holds the parser's other tokens too: a link or a dotted name, "amazfit.pro",
    which it would parse again or refuse as a syntax error): the word then stays a prefix
    query, which finds that token too (the plain ones alone did not)."""
    if not prefix:
        return word
    found = [] if store else _completions(word, language)
    if not found or not all(_PLAIN.fullmatch(w) for w in found):
        return f"{word}:*"
    return "(" + " | ".join(_with_completions(word, found)) + ")"


_PLAIN = re.compile(r"[a-z0-9]+")


#: PostgreSQL: the function (catalog migration 0018) that returns the search table's rows of
#: some products in one language, read by product id in each one's partition.
PG_STORE_ROWS_FUNCTION = "caravana_search_rows"


def _pg_store_rows(ids: list[int], language: str) -> tuple[str, list[object]]:
    """The search table's rows of these products in this language (a suffix) as a FROM item
    aliased `s`, in the order of `ids`. Each id is looked up in its own partition (run-time
    pruning of a nested loop), by a plpgsql function whose statement is planned once per
    connection: any statement over the partitioned table plans every partition, and the
    bench's 120-product store spreads over all 16 at 1,000,000 products (planning 1.03 ms of
    the 1.66 that a branch per block by name cost, against 0.24 at 100,000 in 2 blocks;
    through the function 0.67 ms in all, 0.46 at 100,000; 2026-12-06). An `IN` of all the ids
    on the table was probed in every partition (1,920 index probes, 7.6 ms). A product whose
    block has no partition (written while the table's triggers were off) has no row to find."""
    return f"{PG_STORE_ROWS_FUNCTION}(%s::bigint[], %s) s", [list(ids), language]


def _store_products(req: SearchRequest, limit: int) -> list[int]:
    """The store's newest `limit` products in the buyer's country (lp_store_new)."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT lp.product_id FROM catalog_listingprice lp WHERE lp.country = %s "
            "AND lp.store_ref = %s AND lp.is_active = %s "
            "ORDER BY lp.created_at DESC, lp.product_id DESC LIMIT %s",
            [req.country, req.store_id, True, limit],
        )
        return [row[0] for row in cur.fetchall()]


def _of_scanned(
    req: SearchRequest,
    sort: str,
    matches: str,
    params: list[object],
    score: str,
    score_params: list[object],
) -> tuple[str, list[object]]:
    """The candidates of a text search with a category or a landed price range: the first
    MAX_SCANNED rows of `matches` (FROM … WHERE … in scan order, the other filters applied),
    then the category of each checked and, when prices matter, its price probed in
    catalog_listingprice by (product, country), up to MAX_CANDIDATES + 1, in scan order.

    SQLite: bm25() works only in the FTS query, so the scan computes `score` for each match
    (a store's search; elsewhere the score is 0 and the page is ranked afterwards,
    _sqlite_title_rank).
    PostgreSQL: the scan carries the vector and only the survivors are ranked (`score` reads
    m.vector); a LATERAL subquery with OFFSET 0 is not pulled up into a join, so the planner
    cannot hash every price of the country in range (most of them, for a wide range): it
    probes the (product, country) index once per match."""
    where: list[str] = []
    outer_params: list[object] = []
    if req.category_ids:
        where.append(f"m.category IN ({', '.join(['%s'] * len(req.category_ids))})")
        outer_params.extend(req.category_ids)
    priced = _landed(req)
    lp_where, lp_params = _landed_filters(req, listing=False)
    lp_sql = " AND ".join(lp_where)
    price = (
        "lp.amount"
        if sort in PRICE_SORTS and priced
        else "lp.rating"
        if sort == "rating"
        else "NULL"
    )
    where_sql = f"WHERE {' AND '.join(where)} " if where else ""
    if connection.vendor == "sqlite":
        scan = (
            f"SELECT catalog_product.id AS id, {score} AS score, "
            "catalog_product.created_at AS created, catalog_product.category_id AS category "
            f"{matches} LIMIT %s"
        )
        join = ""
        if priced:
            join = f" CROSS JOIN catalog_listingprice lp ON lp.product_id = m.id AND {lp_sql}"
        sql = (
            f"SELECT m.id AS id, m.score AS score, {price} AS price, m.created AS created "
            f"FROM ({scan}) m{join} {where_sql}LIMIT %s"
        )
        return sql, [
            *score_params, *params, MAX_SCANNED, *(lp_params if priced else []), *outer_params,
            MAX_CANDIDATES + 1,
        ]  # fmt: skip
    scan = (
        "SELECT s.product_id AS id, s.vector, s.created_at AS created, s.category_id AS category "
        f"{matches} LIMIT %s"
    )
    join = ""
    if priced:
        join = (
            " CROSS JOIN LATERAL (SELECT lp.amount FROM catalog_listingprice lp "
            f"WHERE lp.product_id = m.id AND {lp_sql} OFFSET 0) lp"
        )
    sql = (
        f"SELECT m.id AS id, {score} AS score, {price} AS price, m.created AS created "
        f"FROM ({scan}) m{join} {where_sql}LIMIT %s"
    )
    return sql, [
        *score_params, *params, MAX_SCANNED, *(lp_params if priced else []), *outer_params,
        MAX_CANDIDATES + 1,
    ]  # fmt: skip


def titled(words: list[str], language: str, limit: int = 4) -> list[int]:
    """The newest `limit` active products whose title in `language` holds every one of `words`
    (whole words, as the vocabulary completed them): the suggestions' products. One walk of the
    full-text index from its newest end that stops at `limit`, so it costs the same at any
    catalogue size for a word most products share as for a rare one."""
    words = [w for w in significant(words) if w]
    if not words:
        return []
    sfx = suffix(language)
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            expr = " AND ".join('"' + w.replace('"', "") + '"' for w in words)
            cur.execute(
                "SELECT catalog_product.id FROM catalog_product_fts CROSS JOIN catalog_product "
                "ON catalog_product.id = catalog_product_fts.rowid "
                "WHERE catalog_product_fts MATCH %s AND catalog_product.is_active = 1 "
                "ORDER BY catalog_product_fts.rowid DESC LIMIT %s",
                [f"{{title_{sfx}}} : ({expr})", limit],
            )
            return [row[0] for row in cur.fetchall()]
        # Weight A: the title's words (pg_vector_sql). The partitions come newest block first.
        query = " & ".join(f"{w}:A" for w in words)
        with _planner_for_text_search():
            cur.execute(
                f"SELECT s.product_id FROM catalog_product_search s WHERE s.language = '{sfx}' "
                "AND s.vector @@ to_tsquery('simple'::regconfig, caravana_unaccent(%s)) "
                "AND s.is_active LIMIT %s",
                [query, limit],
            )
            return [row[0] for row in cur.fetchall()]
