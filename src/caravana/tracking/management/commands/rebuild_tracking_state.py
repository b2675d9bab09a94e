"""Bring every parcel's tracking state row (PostgreSQL) up to its recorded events: after events
were written around the service (a bulk load, a restored archive) or recorded by the code of
before tracking migration 0013 during an upgrade (docs/operations.md, "Upgrading")."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from django.db import connection

from caravana.tracking.batch_sql import rebuild_state


class Command(BaseCommand):
    help = (
        "PostgreSQL: bring each parcel's tracking state row up to its recorded events (one "
        "statement; ingestion may run meanwhile). Nothing to do on SQLite, which keeps none."
    )

    def handle(self, *args, **options) -> None:
        if connection.vendor != "postgresql":
            self.stdout.write("SQLite keeps no state rows: nothing to rebuild.")
            return
        # One statement: the server reports no progress, so the command says what it is doing
        # and how long it took (about 15 s a 10 million events on a 2-core machine).
        self.stdout.write("Reading every parcel's events (one statement)…")
        started = time.perf_counter()
        written = rebuild_state()
        self.stdout.write(
            f"{written:,} state rows written in {time.perf_counter() - started:.0f} s "
            "(the others were up to date)."
        )
