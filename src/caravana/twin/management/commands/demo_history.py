"""`python -m caravana demo_history [--days 30] [--parcels-per-day 40] [--seed 1]`: the demo's
month of history through the real services, the coming week's belly offers and the planner's
first plan (caravana.twin.history; `make demo` runs it after the seeds). The month's KPIs are
kept as a twin.SimulationRun: the operators' network dashboard shows them.

Idempotent in the way `make demo` needs: a database that already has the twin's flights is left
as it is.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from tqdm import tqdm

from caravana.twin import history, run_lock, services
from caravana.twin import params as P
from caravana.twin.management.arguments import require_within
from caravana.twin.models import SimulationRun


class Command(BaseCommand):
    help = "Simulate the month before today through the services, then plan the coming week."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=30, help="days of history (30)")
        parser.add_argument("--parcels-per-day", type=int, default=40, help="mean day (40)")
        parser.add_argument("--seed", type=int, default=1, help="random seed (1)")

    def handle(self, *args: Any, **options: Any) -> None:
        require_within(
            options, days=(1, P.MAX_DAYS), parcels_per_day=(1, P.MAX_PARCELS_PER_DAY),
            seed=(0, P.MAX_SEED),
        )  # fmt: skip
        try:
            with run_lock.one_run_at_a_time() as held:
                self._run(options, held)
        except run_lock.Busy:
            raise CommandError(
                "another twin run is writing to this database: make the history after it ends"
            ) from None
        except run_lock.Lost as exc:
            raise CommandError(
                f"the history's lock on the database ended mid-run ({exc}): stopped; run "
                "`make demo` again on a fresh database"
            ) from None

    def _run(self, options: dict[str, Any], held: run_lock.Held) -> None:
        if history.has_run():
            self.stdout.write("The demo's history is already there: nothing to do.")
            return
        started, began = time.perf_counter(), timezone.now()
        show = options.get("verbosity", 1) > 0
        # the run steps through the model's warm-up days before the month, then the month
        total = options["days"] + P.DEFAULT.warmup_days
        with tqdm(total=total, unit="day", disable=not show) as bar:

            def advance(days: int) -> None:
                held.check()
                bar.update(days)

            try:
                sim, net = history.run_history(
                    options["days"], options["parcels_per_day"], options["seed"],
                    progress=advance,
                )  # fmt: skip
            except ImproperlyConfigured as exc:  # lanes it cannot fly, no sandbox or rates
                raise CommandError(str(exc)) from None
        services.record_run(
            mode=SimulationRun.Mode.HISTORY, run=sim.run, sim=sim, counters=sim.counters,
            started=began, meta={"parcels": len(net.parcels), "flights": net.flying.flights,
                                 "writes": net.writes},
        )  # fmt: skip
        now = timezone.now()
        offers = history.offer_belly(sim, now)
        run = history.first_plan(now)
        self.stdout.write(
            f"History: {len(net.parcels)} parcels, {net.flying.flights} flights, "
            f"{net.flying.ulds} ULDs, "
            f"{net.writes} writes, {offers} belly offers in "
            f"{time.perf_counter() - started:.0f} s"
        )
        if run is not None:
            s = run.result
            self.stdout.write(
                f"First plan {run.pk}: cost US$ {s['cost_usd']:,.2f}, FIFO US$ "
                f"{s['baseline']['cost_usd']:,.2f}, saves {s['baseline']['saving_share']:.1%}"
            )
