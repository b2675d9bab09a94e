"""`python -m caravana seed --scale test|demo|bench [--seed N]`: categories, FX rates, demo users
and a generated catalogue (catalog.seeding.run says what and how). The command reads the options
and draws the progress bars; the seeding is catalog.seeding's."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from caravana.catalog.seeding import generate, run
from caravana.catalog.seeding.progress import SeedError


class Command(BaseCommand):
    help = "Seed categories, FX rates, demo users and a generated catalogue."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(generate.SCALES), default="demo")
        parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, scale: str, seed: int, no_progress: bool = False, **options):
        self.progress = not no_progress and options.get("verbosity", 1) > 0
        try:
            took = run.seed(scale, seed, self)
        except SeedError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Seed done in {took:.1f} s."))

    # seeding.progress.Report: lines on stdout, bars through tqdm (on stderr)

    def line(self, text: str) -> None:
        self.stdout.write(text)

    @contextmanager
    def bar(self, total: int, **options: Any) -> Iterator[Callable[[int], None]]:
        with tqdm(total=total, disable=not self.progress, **options) as bar:
            yield bar.update
