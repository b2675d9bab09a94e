"""The console's product import at the size issue 13 names: a file of 10,000 rows (one variant
a row, 2,000 products of 5 variants, stock in the main warehouse), checked (the dry run) and
applied, each as the job a worker runs (console.product_import.check / apply), then applied
again (the idempotent re-apply: every SKU known, nothing changed).

    python bench/bench_product_import.py [--rows 10000] [--format csv|xlsx]

Against DATABASE_URL (or var/bench-import.sqlite3, migrated here). The listing-price refresh
the apply schedules after its commit runs in the worker, not in the import: it is counted, not
run (its own rate: docs/benchmarks.md, decision 6). Goal (issue 13): 10,000 rows in under a
minute. Results: bench/out/product-import-<vendor>.json and a line per step.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from common import bench_env, machine, setup_django, write_result  # noqa: E402

GOAL_S = 60.0


def make_file(rows: int, fmt: str, store: str) -> tuple[str, bytes]:
    header = ["商品", "店铺", "类目", "HS编码", "标题（中文）", "Title (English)", "SKU", "规格",
              "价格", "重量（克）", "长（厘米）", "宽（厘米）", "高（厘米）", "库存"]  # fmt: skip
    body = []
    for i in range(rows):
        p = i // 5
        body.append([f"B{p}", store, "audio", "851830", f"耳机 {p}", f"Earphones {p}",
                     f"BENCH-{i:06d}", f"colour=c{i % 5}", f"{50 + i % 97}.90", 120 + i % 50,
                     "12.5", "8", "4", i % 40])  # fmt: skip
    if fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet()
        sheet.append(header)
        for row in body:
            sheet.append(row)
        buf = io.BytesIO()
        book.save(buf)
        return "bench.xlsx", buf.getvalue()
    import csv

    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(header)
    w.writerows(body)
    return "bench.csv", out.getvalue().encode("utf-8-sig")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    args = parser.parse_args()
    vendor = setup_django(bench_env("bench-import.sqlite3"))

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.db import connection

    from caravana.accounts.models import Role, User
    from caravana.catalog import services
    from caravana.catalog.models import Category, Product, Variant
    from caravana.catalog.tasks import refresh_listing_prices
    from caravana.jobs import runner
    from caravana.jobs import services as jobs
    from caravana.jobs.models import Job

    call_command("migrate", verbosity=0)
    Category.objects.get_or_create(
        slug="audio",
        defaults={
            "name_en": "Audio",
            "name_es": "Audio",
            "name_pt_br": "Áudio",
            "name_zh_hans": "音频",
        },
    )
    run = int(time.time())
    user = User.objects.create_user(f"bench-import-{run}", role=Role.MERCHANT, password="x")
    from stdnum.cn import uscc

    body17 = f"91440300{run % 10**9:09d}"
    merchant = services.create_merchant(
        legal_name=f"Bench Import {run}", uscc=body17 + uscc.calc_check_digit(body17),
        contact_name="Bench", contact_email="bench@example.cn", city="Shenzhen",
    )  # fmt: skip
    services.add_member(merchant, user)
    store = services.create_store(merchant, slug=f"bench-import-{run}", name="Bench import")
    name, data = make_file(args.rows, args.format, store.slug)
    scheduled = []
    refresh_listing_prices.delay = lambda **kw: scheduled.append(len(kw.get("product_ids") or []))

    from caravana.console import product_import

    def timed(kind: str) -> tuple[float, Job]:
        job = jobs.create(user, kind, {"merchant": merchant.pk, "language": "zh-hans"},
                          SimpleUploadedFile(name, data))  # fmt: skip
        t0 = time.perf_counter()
        done = runner.execute(job.pk)
        seconds = time.perf_counter() - t0
        assert done is not None and done.state == Job.State.DONE, (done and done.error)[:2000]
        return seconds, done

    check_s, _j = timed(product_import.CHECK)
    apply_s, _j = timed(product_import.APPLY)
    again_s, _j = timed(product_import.APPLY)
    assert Variant.objects.filter(merchant=merchant).count() == args.rows
    products = Product.objects.filter(store=store).count()
    load = os.getloadavg()
    result = {
        "vendor": vendor,
        "rows": args.rows,
        "format": args.format,
        "products": products,
        "check_s": round(check_s, 2),
        "apply_s": round(apply_s, 2),
        "reapply_s": round(again_s, 2),
        "goal_s": GOAL_S,
        "listing_refresh_tasks": len(scheduled),
        "loadavg": [round(x, 2) for x in load],
        "machine": machine(),
        "database": connection.settings_dict["NAME"],
    }
    write_result(f"product-import-{vendor}-{args.format}", result)
    print(
        f"{vendor} {args.format}: {args.rows} rows ({products} products): check {check_s:.1f} s, "
        f"apply {apply_s:.1f} s, re-apply {again_s:.1f} s (goal < {GOAL_S:.0f} s each); "
        f"load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )


if __name__ == "__main__":
    main()
