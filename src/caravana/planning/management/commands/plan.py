"""`python -m caravana plan --problem FILE --out FILE [--time-limit SECONDS]`.

A thin wrapper: read JSON, call `caravana.planning.solver.run_plan`, write JSON.  Everything worth
testing lives in that pure function.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from caravana.planning.problem import ProblemError
from caravana.planning.solver import run_plan


class Command(BaseCommand):
    help = (
        "Plan consignments onto charters and belly offers (schema in docs/planning.md); "
        "writes the plan with the FIFO baselines for comparison."
    )
    requires_system_checks: list[str] = []  # pure computation: no models, no database

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--problem", required=True, help="problem JSON file")
        parser.add_argument("--out", required=True, help="where to write the plan JSON")
        parser.add_argument("--time-limit", type=float, default=30.0, help="seconds (default 30)")
        parser.add_argument("--method", choices=("auto", "exact", "fast"), default="auto")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["problem"])
        try:
            problem = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from exc
        except json.JSONDecodeError as exc:
            raise CommandError(f"{path} is not JSON: {exc}") from exc
        if options["time_limit"] <= 0:
            raise CommandError("--time-limit must be positive")
        counts = {k: len(problem.get(k) or []) for k in ("consignments", "flights", "belly")}
        self.stdout.write(
            f"Planning {counts['consignments']} consignments on {counts['flights']} charters and "
            f"{counts['belly']} belly offers (time limit {options['time_limit']:g} s)…"
        )
        start = time.perf_counter()
        try:
            plan = run_plan(problem, options["time_limit"], options["method"])
        except ProblemError as exc:
            raise CommandError(f"invalid problem: {exc}") from exc
        Path(options["out"]).write_text(json.dumps(plan, indent=1), encoding="utf-8")
        baseline, committed_only = plan["baseline"], plan["baseline_committed_only"]
        self.stdout.write(
            self.style.SUCCESS(
                f"{plan['status']} in {time.perf_counter() - start:.1f} s: cost "
                f"${plan['cost_usd']:,.0f}, bound ${plan['lower_bound_usd']:,.0f}, "
                f"gap {plan['gap']:.3%}; FIFO ${baseline['cost_usd']:,.0f} "
                f"(saving {baseline['saving_share']:.1%}), committed-only FIFO "
                f"${committed_only['cost_usd']:,.0f} "
                f"(saving {committed_only['saving_share']:.1%}); "
                f"written to {options['out']}"
            )
        )
