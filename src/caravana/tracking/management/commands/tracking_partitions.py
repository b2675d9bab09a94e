"""The event table's monthly partitions on PostgreSQL: list them, create the months ahead,
archive old months to gzip files and drop them (docs/operations.md, "Tracking partitions")."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from caravana.tracking import partitions


def _month(value: str) -> dt.date:
    try:
        return dt.datetime.strptime(value, "%Y-%m").date()
    except ValueError as exc:
        raise CommandError(f"--archive-before: {value!r} is not a month as YYYY-MM.") from exc


class Command(BaseCommand):
    help = (
        "PostgreSQL: list the tracking event partitions; --create-ahead N creates this month and "
        "the N after it; --archive-before YYYY-MM --to DIR writes every month before that to "
        "DIR/<partition>.tsv.gz (COPY, gzip) and drops it."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--create-ahead", type=int, metavar="N", help="months after this one")
        parser.add_argument("--archive-before", metavar="YYYY-MM", help="first month to keep")
        parser.add_argument("--to", metavar="DIR", help="directory of the archive files")

    def handle(self, *args, **options) -> None:
        before = options["archive_before"]
        if before and not options["to"]:
            raise CommandError("--archive-before needs --to DIR: where the archived rows go.")
        if options["create_ahead"] is not None and options["create_ahead"] < 0:
            raise CommandError("--create-ahead: give 0 or more months.")
        month = _month(before) if before else None
        if not partitions.is_partitioned():
            self.stdout.write(
                f"{connection.vendor}: the event table is not partitioned; nothing to do "
                "(partitions exist on PostgreSQL only)."
            )
            return
        if options["create_ahead"] is not None:
            made = partitions.create_ahead(options["create_ahead"])
            self.stdout.write(f"created {len(made)} partition(s): {', '.join(made) or '—'}")
        if month is not None:
            to = Path(options["to"])
            for done in partitions.archive_before(month, to):
                self.stdout.write(f"archived {done.partition}: {done.rows:,} rows → {done.path}")
        for part in partitions.partitions():
            label = f"{part.month:%Y-%m}" if part.month else "catch-all"
            self.stdout.write(f"{part.name}\t{label}\t~{part.rows_estimate:,} rows")
