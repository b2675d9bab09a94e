"""`python -m caravana replay_charters [--weeks 13] [--parcels-per-day P] [--seed S]
[--from-date D] [--out DIR]`: replay a season to compare charter policies (docs/twin.md,
"Charters from a forecast").

A thin wrapper around caravana.twin.charters: parse, replay, write, print the totals.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from caravana.twin import charters
from caravana.twin import params as P
from caravana.twin.management.arguments import default_out, report_directory, require_within

#: A season is at most a year of weeks; scenarios beyond 100,000 add nothing but memory.
MAX_WEEKS, MAX_SCENARIOS = 52, 100_000


class Command(BaseCommand):
    help = "Forecast each lane, choose charters by three policies, replay the season, compare."
    requires_system_checks: list[str] = []  # pure computation: no database

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--weeks", type=int, default=13, help="weeks in the season (13)")
        parser.add_argument("--parcels-per-day", type=int, default=1_000_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--from-date", default="2026-11-09", help="a Monday, YYYY-MM-DD")
        parser.add_argument("--scenarios", type=int, default=1000)
        parser.add_argument(
            "--out",
            help="directory for the report (default: a new one under var/twin/, named for the "
            "season)",
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="write over the report already in --out (else only a new or empty --out)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            start = dt.date.fromisoformat(options["from_date"])
        except ValueError:
            raise CommandError(f"--from-date is not YYYY-MM-DD: {options['from_date']!r}") from None
        if start.weekday() != 0:
            raise CommandError("--from-date must be a Monday")
        require_within(
            options, weeks=(1, MAX_WEEKS), parcels_per_day=(1, P.MAX_PARCELS_PER_DAY),
            seed=(0, P.MAX_SEED), scenarios=(10, MAX_SCENARIOS),
        )  # fmt: skip
        # the forecast's history (HISTORY_WEEKS before) and the season must fall in the years
        # the demand model's calendar knows
        years = P.CALENDAR_YEARS
        inside = start.year in years  # then three years either side are valid dates
        if inside:
            first = start - dt.timedelta(weeks=charters.HISTORY_WEEKS)
            last = start + dt.timedelta(weeks=options["weeks"]) - dt.timedelta(days=1)
            inside = first.year in years and last.year in years
        if not inside:
            raise CommandError(
                f"--from-date: the season and its {charters.HISTORY_WEEKS} weeks of history must "
                f"fall in {P.CALENDAR_YEARS.start}–{P.CALENDAR_YEARS.stop - 1}, the years the "
                "twin's calendar knows (params.CHINESE_NEW_YEAR)"
            )
        if options["out"] is None and options["replace"]:
            raise CommandError("--replace: name the report's --out to write over")
        if options["out"] is None:
            label = f"{start.isoformat()}-{options['weeks']}w-seed{options['seed']}"
            options["out"] = default_out("charters", label)
        out = report_directory(options["out"], replace=options["replace"], kind="policies")
        cpu = time.process_time()
        rep = charters.replay(
            start, options["weeks"], options["parcels_per_day"], options["seed"],
            scenarios=options["scenarios"],
        )  # fmt: skip
        meta = {
            "from_date": start.isoformat(),
            "weeks": options["weeks"],
            "parcels_per_day": options["parcels_per_day"],
            "seed": options["seed"],
            "scenarios": options["scenarios"],
            "cpu_seconds": round(time.process_time() - cpu, 1),
        }
        charters.write(rep, out, meta)
        for name, t in rep.totals().items():
            self.stdout.write(
                f"{charters.POLICY_NAMES[name]:32} expected US$ {t['expected_usd'] / 1e6:7.1f} M  "
                f"replayed US$ {t['replayed_usd'] / 1e6:7.1f} M  committed {t['committed']:.0f}  "
                f"options {t['options']:.0f} (exercised {t['exercised']:.0f})  fill "
                f"{t['fill']:.1%}  on time {t['on_time']:.1%}"
            )
        self.stdout.write(f"report: {out}")
