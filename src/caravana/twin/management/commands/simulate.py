"""`python -m caravana simulate --days N --parcels-per-day P --seed S [--from-date D]
--mode fast|real [--orders checkout|api] [--out DIR]`: run the network twin and write its report
(docs/twin.md).

A thin wrapper around caravana.twin: parse, run day by day under a progress bar, write the report.
In real mode the model's events go through the services into the database
(caravana.twin.services) and the report's parcel KPIs are read back from it. Either way the KPIs
are kept as a twin.SimulationRun for the operators' network dashboard (unless --no-record).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import resource
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from caravana.twin import kpis, report
from caravana.twin import params as P
from caravana.twin.management.arguments import default_out, report_directory
from caravana.twin.model import Run, Simulation

if TYPE_CHECKING:  # Django-side, imported by real mode alone
    from caravana.twin.run_lock import Held


class Command(BaseCommand):
    help = "Simulate the network (the twin) for N days and write its KPI report (HTML, CSV, SVG)."
    requires_system_checks: list[str] = []  # fast mode is pure computation: no database

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, required=True, help="days of orders reported")
        parser.add_argument(
            "--parcels-per-day",
            type=int,
            default=1_000_000,
            help="parcels ordered on a mean day (default 1,000,000)",
        )
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument(
            "--from-date",
            default="2026-11-09",
            help="first reported day, YYYY-MM-DD (default 2026-11-09)",
        )
        parser.add_argument(
            "--mode",
            choices=("fast", "real"),
            default="fast",
            help="fast: the pure kernels in memory; real: through the services, into the database",
        )
        parser.add_argument(
            "--warmup-days",
            type=int,
            default=None,
            help="days simulated before the window so hubs and flights start loaded "
            "(default: params.py's, 4)",
        )
        parser.add_argument(
            "--orders",
            choices=("checkout", "api"),
            default="checkout",
            help="real mode: checkout (each parcel a buyer's order, placed and paid in the "
            "payments sandbox) or api (parcels through the merchant API, no orders)",
        )
        parser.add_argument(
            "--flights",
            action="store_true",
            help="real mode: fly each planned leg through the services (flights, ULDs, loading, "
            "departure and arrival); each bag holds one consignment, so the KPIs read back are "
            "the model's (docs/twin.md)",
        )
        parser.add_argument(
            "--out",
            help="directory for the report (default: a new one under var/twin/, named for the run)",
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="write over the report already in --out (else only a new or empty --out)",
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")
        parser.add_argument(
            "--no-record",
            action="store_true",
            help="keep the KPIs out of the database (the network dashboard); fast mode only",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            start_date = dt.date.fromisoformat(options["from_date"])
        except ValueError:
            raise CommandError(f"--from-date is not YYYY-MM-DD: {options['from_date']!r}") from None
        params = P.DEFAULT
        if options["warmup_days"] is not None:
            params = dataclasses.replace(params, warmup_days=options["warmup_days"])
        if options["flights"] and options["mode"] != "real":
            raise CommandError("--flights is for real mode: fast mode writes nothing")
        if options["no_record"] and options["mode"] == "real":
            raise CommandError("--no-record is for fast mode: real mode writes to the database")
        run = Run(options["days"], options["parcels_per_day"], options["seed"], start_date, params)
        if (refused := run.refusal()) is not None:
            raise CommandError(f"--{refused[0]}: {refused[1]}")
        if options["out"] is None and options["replace"]:
            raise CommandError("--replace: name the report's --out to write over")
        if options["out"] is None:
            options["out"] = default_out(
                options["mode"],
                f"{start_date.isoformat()}-{run.days}d-{run.parcels_per_day}pd-seed{run.seed}",
            )
        if options["mode"] != "real":
            out = report_directory(options["out"], replace=options["replace"], kind="run")
            self._run(options, run, start_date, out)
            return
        from caravana.twin import run_lock  # Django-side: only for real mode

        try:
            with run_lock.one_run_at_a_time() as held:
                # before the run writes anything
                out = report_directory(options["out"], replace=options["replace"], kind="run")
                self._run(options, run, start_date, out, held)
        except run_lock.Busy:
            raise CommandError(
                "another twin run is writing to this database: one real run at a time "
                "(wait for it to end)"
            ) from None
        except run_lock.Lost as exc:
            raise CommandError(
                f"the twin run's lock on the database ended mid-run ({exc}): stopped, so as not "
                "to run beside another; what it wrote so far stays"
            ) from None

    def _run(
        self,
        options: dict[str, Any],
        run: Run,
        start_date: dt.date,
        out: Path,
        held: Held | None = None,
    ) -> None:
        """The run and its report; `held`: a real run's lock (run_lock.Held), checked each day."""
        started, cpu, began = time.perf_counter(), time.process_time(), dt.datetime.now(dt.UTC)
        if options["mode"] == "real":  # the model's lanes are the database's network's
            from caravana.twin import shop
            from caravana.twin.services import network_params

            try:
                if options["orders"] == "checkout":  # refused before the network is seeded
                    shop.require_sandbox()
                    shop.require_rates(run.from_date - dt.timedelta(days=run.params.warmup_days))
                run = dataclasses.replace(run, params=network_params(run.params))
            except ImproperlyConfigured as exc:
                raise CommandError(str(exc)) from None
        sim = Simulation(run)
        net = None
        if options["mode"] == "real":
            from caravana.twin.services import RealNetwork  # Django-side: only for real mode

            try:
                net = RealNetwork(
                    run.params, sim.start, orders=options["orders"], fly_legs=options["flights"]
                )
            except ImproperlyConfigured as exc:
                raise CommandError(str(exc)) from None
            sim.network = net
        show = not options["no_progress"] and options.get("verbosity", 1) > 0
        with tqdm(total=sim.expected_days, unit="day", disable=not show) as bar:

            def advance(days: int) -> None:
                if held is not None:
                    held.check()
                # after the window the run drains until every parcel has flown: grow the bar
                bar.total = max(bar.total, sim.day + (0 if sim.done else 1))
                bar.update(days)

            sim.run_all(progress=advance)
        took, cpu = time.perf_counter() - started, time.process_time() - cpu
        counters = sim.counters
        if net is not None:
            from caravana.twin.services import counters_from_db

            counters = counters_from_db(sim, net)
        dates = [
            (sim.start + dt.timedelta(days=k)).date().isoformat() for k in range(sim.counters.days)
        ]
        meta = {
            "mode": options["mode"],
            "days": run.days,
            "parcels_per_day": run.parcels_per_day,
            "seed": run.seed,
            "from_date": start_date.isoformat(),
            "warmup_days": run.params.warmup_days,
            "simulated_days": sim.day,
            "parcels_simulated": sim.created,
            "seconds": round(took, 1),
            "cpu_seconds": round(cpu, 1),
            "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
            "order_value_usd": run.params.order_value_usd,
            "parcels_per_second": round(sim.created / took, 1) if took else None,
            # 0: no planning cycle's fast-path search was cut short by the planner's clock, so
            # the seed repeats it (the twin plans by the fast path: params.planner_method)
            "planner_cut_by_clock": sim.network.cut_by_clock,
        }
        if net is not None:
            meta["writes"] = net.writes
            meta["orders"] = net.orders
            meta["flights"] = net.fly_legs  # the legs flown as flights of the database
        files = report.write(out, counters, range(*sim.window), dates, meta)
        summary = kpis.summary(counters, range(*sim.window), run.params.order_value_usd)
        if not options["no_record"]:
            from caravana.twin.services import record_run  # Django-side, as above

            record_run(
                mode=options["mode"], run=run, sim=sim, counters=counters, started=began,
                meta=meta,
            )  # fmt: skip
        fill = (
            "no charter flew"
            if summary["charter_fill_m3"] is None
            else f"charter fill {summary['charter_fill_m3']} by volume"
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"{options['mode']} mode: {sim.created:,} parcels over {sim.day} simulated days "
                f"in {took:.1f} s ({cpu:.1f} s CPU, {sim.created / max(took, 1e-9):,.0f} "
                f"parcels/s); window: {summary['parcels_in']:,} ordered, on time "
                f"{summary['on_time_share']}, {fill}; report: {files[-1]}"
            )
        )
        if sim.network.cut_by_clock:
            self.stdout.write(
                self.style.WARNING(
                    f"the planner's clock cut {sim.network.cut_by_clock} planning cycle(s) short: "
                    "the same seed may not repeat this run (a slower or busier machine)"
                )
            )
