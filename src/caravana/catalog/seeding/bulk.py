"""The bench catalogue (100,000 stores, 1,000,000 products) written with the database's own bulk
path, explicit ids straight through the driver: SQLite executemany in large transactions with
the FTS triggers dropped and the index rebuilt once; PostgreSQL COPY with the search triggers
off, then the search table filled and its indexes built once, two partitions at a time. The rows
have the shape catalog.services gives them (see seeding.run)."""

from __future__ import annotations

import abc
import datetime as dt
import importlib
import json
import threading
import time
from collections.abc import Iterable, Sequence

from django.db import connection, connections, transaction
from django.utils import timezone

from caravana.catalog import word_categories
from caravana.catalog.models import (
    Merchant,
    Product,
    ProductImage,
    Stock,
    Store,
    Variant,
    Warehouse,
)
from caravana.catalog.seeding import generate, vocab
from caravana.catalog.seeding.generate import Scale
from caravana.catalog.seeding.picture_pool import PicturePool
from caravana.catalog.seeding.pictures import SIDE
from caravana.catalog.seeding.progress import Report, SeedError
from caravana.catalog.services import VARIANT_FIELDS

CHUNK = 20_000  # products per bulk transaction
# From this many products every seed picture is drawn up front on every core (about a
# thousand); a smaller load draws only those its products name, one at a time.
PREPARE_PICTURES_FROM = 50_000

_search_migration = importlib.import_module("caravana.catalog.migrations.0002_search")
_pg_search = importlib.import_module("caravana.catalog.migrations.0003_search_table")
FTS_TRIGGERS = ("catalog_product_fts_ai", "catalog_product_fts_ad", "catalog_product_fts_au")


MERCHANT_COLS = (
    "id",
    "legal_name",
    "uscc",
    "contact_name",
    "contact_email",
    "contact_phone",
    "city",
    "payout_currency",
    "created_at",
)
WAREHOUSE_COLS = ("id", "merchant_id", "name", "city")
STORE_COLS = ("id", "merchant_id", "slug", "name", "description", "logo", "created_at")
PRODUCT_COLS = (
    "id",
    "store_id",
    "category_id",
    "hs_code",
    *(f"title_{s}" for s in vocab.LANGS),
    *(f"description_{s}" for s in vocab.LANGS),
    "price_from",
    "price_currency",
    "is_active",
    "created_at",
    "updated_at",
)
VARIANT_COLS = ("id", "product_id", "merchant_id", *VARIANT_FIELDS)
STOCK_COLS = ("id", "variant_id", "warehouse_id", "quantity", "reserved")
IMAGE_COLS = ("id", "product_id", "variant_id", "image", "position", "width", "height")


class BulkSeeder:
    """Writes the bench catalogue with explicit ids, straight through the driver."""

    def __init__(self, report: Report, sc: Scale, seed: int, categories: dict[str, int]) -> None:
        self.report, self.sc, self.seed, self.categories = report, sc, seed, categories
        vendor = connection.vendor
        if vendor == "sqlite":
            self.db: _Writer = _SQLiteWriter(report)
        elif vendor == "postgresql":
            self.db = _PostgresWriter(report)
        else:
            raise SeedError(f"bench seeding supports SQLite and PostgreSQL, not {vendor}")

    def _next_id(self, model) -> int:
        last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
        return (last or 0) + 1

    def run(self) -> None:
        sc, seed = self.sc, self.seed
        t0 = time.perf_counter()
        now = timezone.now().astimezone(dt.UTC).replace(tzinfo=None)
        fmt = self.db.timestamp
        mid0, wid0, sid0 = self._next_id(Merchant), self._next_id(Warehouse), self._next_id(Store)
        pid, vid, kid = self._next_id(Product), self._next_id(Variant), self._next_id(Stock)
        iid = self._next_id(ProductImage)
        pool = PicturePool(looks=sc.picture_looks)
        if sc.products >= PREPARE_PICTURES_FROM:
            t_pic = time.perf_counter()
            pool.prepare_all()
            self.report.line(
                f"  pictures: {len(pool.known):,} files ({pool.drawn:,} drawn) in "
                f"{time.perf_counter() - t_pic:.1f} s"
            )
        self.report.line(
            f"Bench seed on {connection.vendor}: {sc.merchants:,} merchants, {sc.stores:,} stores, "
            f"{sc.products:,} products."
        )
        # merchants, their Main warehouse, stores
        rng = generate.stream(sc.name, seed, "merchants")
        seen = set(Merchant.objects.values_list("uscc", flat=True))
        merchants, warehouses, mseeds = [], [], []
        created = fmt(now)
        for i in range(sc.merchants):
            m = generate.merchant(rng, i)
            while m.uscc in seen:
                m = generate.merchant(rng, i)
            seen.add(m.uscc)
            mseeds.append(m)
            merchants.append(
                (
                    mid0 + i,
                    m.legal_name,
                    m.uscc,
                    m.contact_name,
                    m.contact_email,
                    m.contact_phone,
                    m.city,
                    m.payout_currency,
                    created,
                )
            )
            warehouses.append((wid0 + i, mid0 + i, "Main", m.city))
        srng = generate.stream(sc.name, seed, "stores")
        stores, store_info = [], []
        cities = {c.name: i for i, c in enumerate(vocab.CITIES)}
        for j in range(sc.stores):
            mi = j if j < sc.merchants else srng.randrange(sc.merchants)
            m = mseeds[mi]
            s = generate.store(srng, m.trade_name, j + 1, m.city, generate.store_tag(sc, seed))
            stores.append((sid0 + j, mid0 + mi, s.slug, s.name, s.description, "", created))
            store_info.append((sid0 + j, mid0 + mi, wid0 + mi, cities[m.city], m.listing_currency))

        self.db.prepare()
        ok = False
        try:
            with self.db.transaction():
                self.db.insert("catalog_merchant", MERCHANT_COLS, merchants)
                self.db.insert("catalog_warehouse", WAREHOUSE_COLS, warehouses)
                self.db.insert("catalog_store", STORE_COLS, stores)
            del merchants, warehouses, stores
            self.report.line(f"  merchants, warehouses, stores: {time.perf_counter() - t0:.1f} s")
            t1 = time.perf_counter()
            bar = self.report.bar(sc.products, unit="products", unit_scale=True, smoothing=0.1)
            with bar as advance:
                done, chunk_no, nvariants, nimages = 0, 0, 0, 0
                true = self.db.true
                while done < sc.products:
                    n = min(CHUNK, sc.products - done)
                    prng = generate.stream(sc.name, seed, "products", chunk_no)
                    prows, vrows, krows, irows = [], [], [], []
                    # Newest first in id order would be odd: ids grow with creation time.
                    for k in range(n):
                        number = done + k
                        store_id, merchant_id, wh_id, city, currency = store_info[
                            number if number < sc.stores else int(sc.stores * prng.random() ** 1.3)
                        ]
                        p = generate.product(
                            prng,
                            number + 1,
                            city=city,
                            currency=currency,
                            variant_weights=sc.variant_weights,
                        )
                        ts = fmt(now - dt.timedelta(seconds=(sc.products - number) * 30))
                        cheapest = p.price_from
                        prows.append(
                            (
                                pid,
                                store_id,
                                self.categories[p.category_slug],
                                p.hs_code,
                                *p.titles,
                                *p.descriptions,
                                cheapest.price,
                                cheapest.currency,
                                true,
                                ts,
                                ts,
                            )
                        )
                        for pic in pool.plan(p, number + 1):
                            variant = None if pic.variant is None else vid + pic.variant
                            irows.append((iid, pid, variant, pic.name, pic.position, SIDE, SIDE))
                            iid += 1
                        for v in p.variants:
                            vrows.append(
                                (
                                    vid,
                                    pid,
                                    merchant_id,
                                    v.sku,
                                    json.dumps(v.options),
                                    json.dumps(v.option_translations, ensure_ascii=False),
                                    v.price,
                                    v.currency,
                                    v.weight_g,
                                    v.length_cm,
                                    v.width_cm,
                                    v.height_cm,
                                    v.battery,
                                )
                            )
                            krows.append((kid, vid, wh_id, v.quantity, 0))
                            vid += 1
                            kid += 1
                        pid += 1
                    with self.db.transaction():
                        self.db.insert("catalog_product", PRODUCT_COLS, prows)
                        self.db.insert("catalog_variant", VARIANT_COLS, vrows)
                        self.db.insert("catalog_stock", STOCK_COLS, krows)
                        self.db.insert("catalog_productimage", IMAGE_COLS, irows)
                    nvariants += len(vrows)
                    nimages += len(irows)
                    done += n
                    chunk_no += 1
                    advance(n)
            load = time.perf_counter() - t1
            rows = done + 2 * nvariants + nimages
            self.report.line(
                f"  rows: {done:,} products, {nvariants:,} variants, {nvariants:,} stock, "
                f"{nimages:,} pictures ({len(pool.known):,} files, {pool.drawn:,} drawn now) in "
                f"{load:.1f} s ({done / load:,.0f} products/s, {rows / load:,.0f} rows/s)"
            )
            ok = True
        finally:
            t2 = time.perf_counter()
            self.db.finish(complete=ok)
            self.report.line(f"  search index and statistics: {time.perf_counter() - t2:.1f} s")
        total = time.perf_counter() - t0
        self.report.line(
            f"Bench seed: {sc.products:,} products in {total:.1f} s "
            f"({sc.products / total:,.0f} products/s overall)."
        )


class _Writer(abc.ABC):
    """How one database takes bulk rows; each vendor writes its own."""

    true: object = True

    def __init__(self, report: Report) -> None:
        self.report = report

    @staticmethod
    @abc.abstractmethod
    def timestamp(value: dt.datetime) -> str: ...

    @abc.abstractmethod
    def prepare(self) -> None: ...

    @abc.abstractmethod
    def finish(self, complete: bool) -> None: ...

    def transaction(self):
        return transaction.atomic()

    @abc.abstractmethod
    def insert(self, table: str, cols: Sequence[str], rows: Iterable[Sequence]) -> None: ...


class _SQLiteWriter(_Writer):
    true = 1

    @staticmethod
    def timestamp(value: dt.datetime) -> str:
        return value.isoformat(" ")  # as Django's SQLite backend stores a UTC datetime

    def prepare(self) -> None:
        connection.ensure_connection()
        raw = connection.connection
        for sql in (
            "PRAGMA synchronous=OFF",
            "PRAGMA foreign_keys=OFF",
            "PRAGMA cache_size=-1048576",  # 1 GiB page cache for the load
            "PRAGMA temp_store=MEMORY",
        ):
            raw.execute(sql)
        for name in (*FTS_TRIGGERS, *word_categories.SQLITE_TRIGGERS):
            raw.execute(f"DROP TRIGGER IF EXISTS {name}")

    def insert(self, table, cols, rows) -> None:
        marks = ", ".join("?" * len(cols))
        connection.connection.executemany(
            f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})", rows
        )

    def finish(self, complete: bool) -> None:
        raw = connection.connection
        # Rebuild even after a failure: rows committed so far must be findable.
        self.report.line("  rebuilding the FTS5 index…")
        raw.execute("INSERT INTO catalog_product_fts(catalog_product_fts) VALUES('rebuild')")
        # One segment: a rebuild leaves the index in many, and FTS5 then seeks every one for
        # each term of each query (at 100,000 products 76 rowid probes of a word took 195 ms,
        # 0.9 ms after this; a prefix's doclist is merged from all of them: 38 ms, then 2 ms).
        raw.execute("INSERT INTO catalog_product_fts(catalog_product_fts) VALUES('optimize')")
        existing = {
            r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        }
        for sql in [*_search_migration.sqlite_sql()[1:], *word_categories.sqlite_trigger_sql()]:
            name = sql.split()[2]
            if name not in existing:
                raw.execute(sql)
        self.report.line("  words by category…")
        # Every product, as the FTS5 rebuild above: an earlier load stopped before this point
        # (or a write while the triggers were off) is found by the index and must be here too.
        word_categories.fill(1, self.report)
        raw.execute("PRAGMA optimize")
        raw.execute("ANALYZE")
        raw.execute("PRAGMA foreign_keys=ON")
        raw.execute("PRAGMA synchronous=NORMAL")
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")


class _PostgresWriter(_Writer):
    """COPY with the search triggers off; finish() fills catalog_product_search for the new
    products and builds its indexes, both two partitions at a time (two cores)."""

    first_id = 1

    @staticmethod
    def timestamp(value: dt.datetime) -> str:
        return value.isoformat(" ") + "+00"

    def prepare(self) -> None:
        with connection.cursor() as cur:
            try:
                # Rows are consistent by construction: skip the per-row FK triggers.
                cur.execute("SET session_replication_role = replica")
            except Exception:  # not a superuser: keep the checks
                self.report.line("  (foreign-key triggers stay on: not a superuser)")
            cur.execute("SELECT coalesce(max(id), 0) + 1 FROM catalog_product")
            self.first_id = cur.fetchone()[0]
            for name in _pg_search.TRIGGERS:
                cur.execute(f"ALTER TABLE catalog_product DISABLE TRIGGER {name}")
            # Dropped on the parent, gone from every partition; rebuilt once in finish().
            for name in (*_pg_search.INDEXES, _pg_search.PRODUCT_INDEX):
                cur.execute(f"DROP INDEX IF EXISTS {name}")

    def insert(self, table, cols, rows) -> None:
        with connection.cursor() as cur:
            raw = cur.cursor  # psycopg3 cursor under Django's wrapper
            with raw.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)

    @staticmethod
    def _two_at_a_time(batches: list[list[str]]) -> None:
        """Run the batches of statements on two connections of their own."""
        errors: list[BaseException] = []

        def run(mine: list[list[str]]) -> None:
            conn = connections.create_connection("default")
            try:
                with conn.cursor() as cur:
                    cur.execute("SET maintenance_work_mem = '512MB'")
                    for batch in mine:
                        for sql in batch:
                            cur.execute(sql)
            except BaseException as exc:  # reported below
                errors.append(exc)
            finally:
                conn.close()

        threads = [threading.Thread(target=run, args=(batches[i::2],)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            raise errors[0]

    def finish(self, complete: bool) -> None:
        # Even after a failure: rows committed so far must be findable.
        bits = _pg_search.BLOCK_BITS
        with connection.cursor() as cur:
            cur.execute("SET session_replication_role = DEFAULT")
            for table in (
                "merchant",
                "warehouse",
                "store",
                "product",
                "variant",
                "stock",
                "productimage",
            ):
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('catalog_{table}', 'id'), "
                    f"coalesce(max(id), 1)) FROM catalog_{table}"
                )
            cur.execute("SELECT coalesce(max(id), 0) FROM catalog_product")
            last_id = cur.fetchone()[0]
            for sql in _pg_search.partitions_sql(f"WHERE id >= {int(self.first_id)}"):
                cur.execute(sql)
        blocks = range(self.first_id >> bits, (last_id >> bits) + 1) if last_id else range(0)
        self.report.line(f"  filling the search table ({len(blocks)} blocks)…")
        self._two_at_a_time(
            [
                [
                    _pg_search.fill_sql(
                        max(self.first_id, b << bits), min(last_id + 1, (b + 1) << bits)
                    )
                ]
                for b in blocks
            ]
        )
        with connection.cursor() as cur:
            cur.execute(
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                "WHERE i.inhparent = %s::regclass ORDER BY c.relname",
                [_pg_search.TABLE],
            )
            partitions = [row[0] for row in cur.fetchall()]
        self.report.line(f"  building the search indexes of {len(partitions)} partitions…")
        self._two_at_a_time([_pg_search.partition_index_sql(p) for p in partitions])
        with connection.cursor() as cur:
            for sql in _pg_search.index_sql():  # attaches the partitions' indexes
                cur.execute(sql)
            for name in _pg_search.TRIGGERS:
                cur.execute(f"ALTER TABLE catalog_product ENABLE TRIGGER {name}")
        self.report.line("  words by category…")
        word_categories.fill(self.first_id)
        # VACUUM, not just ANALYZE: it sets the visibility map, without which no index-only
        # scan is possible (a capped category count: 76 ms by seq scan, 13 ms index-only).
        self.report.line("  VACUUM (ANALYZE)…")
        with connection.cursor() as cur:
            for table in (
                "merchant",
                "warehouse",
                "store",
                "product",
                "variant",
                "stock",
                "productimage",
            ):
                cur.execute(f"VACUUM (ANALYZE) catalog_{table}")
            for p in partitions:
                cur.execute(f"VACUUM (ANALYZE) {p}")
            cur.execute(f"ANALYZE {_pg_search.TABLE}")
