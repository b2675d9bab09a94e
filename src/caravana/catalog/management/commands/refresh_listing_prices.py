"""`python -m caravana refresh_listing_prices [--country XX ...] [--batch N]`: recompute every
product's landed listing price (catalog.landed) for the given countries (default: every market),
with a progress bar. What the after-commit task does after an FX import or a rule change, by
hand: after restoring a backup, or to time it."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from caravana import markets
from caravana.catalog import landed
from caravana.catalog.models import Product


class Command(BaseCommand):
    help = "Recompute the landed price every listing shows, per destination country."

    def add_arguments(self, parser):
        parser.add_argument(
            "--country", action="append", help="ISO code, repeatable (default: every market)"
        )
        parser.add_argument("--batch", type=int, default=landed.BATCH, help="products per batch")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, country=None, batch=landed.BATCH, no_progress=False, **options):
        known = markets.codes()
        countries = [c.upper() for c in country] if country else list(known)
        unknown = sorted(set(countries) - set(known))
        if unknown:
            raise CommandError(f"--country: {', '.join(unknown)} is not one of {', '.join(known)}")
        if batch < 1:
            raise CommandError("--batch: give a whole number of products above 0")
        total = Product.objects.count()
        quoter = landed.MemoQuoter()
        started, cpu = time.perf_counter(), time.process_time()
        show = not no_progress and options.get("verbosity", 1) > 0
        with tqdm(total=total, unit="products", unit_scale=True, disable=not show) as bar:
            rows = landed.refresh(countries, batch=batch, progress=bar.update, quoter=quoter)
        took, cpu = time.perf_counter() - started, time.process_time() - cpu
        self.stdout.write(
            self.style.SUCCESS(
                f"{rows:,} listing prices for {', '.join(countries)} in {took:.1f} s "
                f"({cpu:.1f} s of CPU in this process) "
                f"({quoter.calls:,} quotes asked, {quoter.computed:,} computed by the engine)."
            )
        )
