"""The SQL of every listing without words (bench/listing_matrix.py rows), timed at the database:
PostgreSQL the sum of `EXPLAIN (ANALYZE)` execution times of the count and the page (best of 3),
SQLite the same statements run in process (best of 5). Less sensitive to a loaded machine than
a p95 over HTTP. Usage (DATABASE_URL and PYTHONPATH as for bench_catalog.py):

    python bench/listing_sql_times.py bench/out/sql-times-pg-1m.json
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "caravana.settings")


def main(out: str) -> int:
    import django

    django.setup()
    import listing_matrix as lm
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from caravana.catalog.search import search

    with connection.cursor() as cur:
        cur.execute(
            "SELECT store_id FROM catalog_product GROUP BY store_id ORDER BY count(*) DESC LIMIT 1"
        )
        ctx = {"store_id": cur.fetchone()[0]}
    pg = connection.vendor == "postgresql"
    result = {}
    for row in lm.ROWS:
        if "words" in row.label:
            continue
        req = lm._request(row, ctx)
        search(req)
        with CaptureQueriesContext(connection) as cq:
            search(req)
        runs = []
        for _ in range(3 if pg else 5):
            total = 0.0
            for q in cq.captured_queries:
                with connection.cursor() as cur:
                    if pg:
                        cur.execute("EXPLAIN (ANALYZE) " + q["sql"])
                        plan = "\n".join(r[0] for r in cur.fetchall())
                        total += float(re.search(r"Execution Time: ([\d.]+)", plan).group(1))
                    else:
                        t0 = time.perf_counter()
                        cur.execute(q["sql"])
                        cur.fetchall()
                        total += (time.perf_counter() - t0) * 1000
            runs.append(total)
        result[row.label] = round(min(runs), 2)
        print(f"{min(runs):9.2f} ms  {row.label}", flush=True)
    Path(out).write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
