"""Fill or correct the carrier performance roll-up (tracking.carrier_rollup): every closed UTC
day from --since to --until, each replaced whole, so it may be run again at any time; then
today up to its last whole hour, as the hourly task does."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from caravana.tracking import carrier_rollup


def _day(value: str, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"{name}: {value!r} is not a date as YYYY-MM-DD.") from exc


class Command(BaseCommand):
    help = (
        "Roll up the carrier performance counts of each closed UTC day from --since (default: "
        f"{carrier_rollup.HORIZON_DAYS} days ago) to --until (default: yesterday)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--since", metavar="YYYY-MM-DD", help="first day rolled")
        parser.add_argument("--until", metavar="YYYY-MM-DD", help="last day rolled")

    def handle(self, *args, **options) -> None:
        today = timezone.now().astimezone(dt.UTC).date()
        since = (
            _day(options["since"], "--since")
            if options["since"]
            else today - dt.timedelta(days=carrier_rollup.HORIZON_DAYS)
        )
        until = _day(options["until"], "--until") if options["until"] else today
        if until < since:
            raise CommandError("--until: give a day on or after --since.")
        days = carrier_rollup.closed_days(since, until)
        done = {"days": 0, "rows": 0}
        for day in days:
            done["rows"] += carrier_rollup.roll_day(day)
            done["days"] += 1
            if options["verbosity"] > 1:
                self.stdout.write(f"{day.isoformat()} rolled")
        done["rows"] += carrier_rollup.roll_today()
        self.stdout.write(
            f"{done['days']} days and today to its last whole hour rolled, "
            f"{done['rows']} count rows written."
        )
