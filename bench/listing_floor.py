"""The page floor of a listing: CPU per request in the app, outside the database (issue 19).

Each page is requested through the WSGI application called in this process (the middleware,
the view, the cards, the template; no HTTP server and no test client, whose template hooks
cost more than the page), and the process's CPU time divided by the requests: the database
server's own work is not in it, the driver's is. CPU time moves far less with the machine's
load than wall time does, so two codes can be compared on a busy machine; run each code's
tree against the same database in the same minutes:

    PYTHONPATH=src python bench/listing_floor.py --database-url URL [--requests 40] [--runs 3]

Prints, per page, the median of the runs' CPU per request, with the load average.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time

from bench_catalog import setup_django


def _store_slug() -> str:
    from django.db import connection

    from caravana.catalog.models import Store

    with connection.cursor() as cur:
        cur.execute(
            "SELECT store_id FROM catalog_product GROUP BY store_id ORDER BY count(*) DESC, "
            "store_id LIMIT 1"
        )
        return Store.objects.get(pk=cur.fetchone()[0]).slug


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--database-url", help="default: $DATABASE_URL")
    p.add_argument("--requests", type=int, default=40, help="requests per page and run")
    p.add_argument("--runs", type=int, default=3)
    args = p.parse_args()
    setup_django(args.database_url)
    from django.core.wsgi import get_wsgi_application

    app = get_wsgi_application()
    pages = [
        "/",
        "/search/?sort=newest",
        "/search/?sort=price_asc&min=50&max=200",
        "/c/audio/?sort=price_asc",
        f"/s/{_store_slug()}/?sort=newest",
        "/search/?q=fone",
    ]

    def get(path: str) -> None:
        route, _sep, query = path.partition("?")
        status: list[str] = []
        environ = {
            "REQUEST_METHOD": "GET", "PATH_INFO": route, "QUERY_STRING": query,
            "SCRIPT_NAME": "", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80",
            "HTTP_HOST": "127.0.0.1", "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(),
            "wsgi.errors": sys.stderr,
            "HTTP_COOKIE": "caravana_country=BR; django_language=pt-br",
        }  # fmt: skip
        b"".join(app(environ, lambda s, _h, *_a: status.append(s)))
        if not status[0].startswith("200"):
            raise SystemExit(f"{path}: {status[0]}")

    from django.db import connection

    print(f"\n### Listing page floor, {connection.vendor}: CPU per request in the app (ms)\n")
    print("| page | CPU per request | runs | load |")
    print("|---|---:|---|---|")
    for path in pages:
        for _ in range(5):  # warm: connection, templates, caches
            get(path)
        runs = []
        for _run in range(args.runs):
            t0 = time.process_time()
            for _ in range(args.requests):
                get(path)
            runs.append(round((time.process_time() - t0) * 1000 / args.requests, 2))
        load = round(os.getloadavg()[0], 1)
        print(f"| `{path}` | {statistics.median(runs)} | {runs} | {load} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
