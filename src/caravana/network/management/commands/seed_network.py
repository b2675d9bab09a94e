"""`python -m caravana seed_network`: hubs, gateways, carriers, service levels, lanes, aircraft
and ULD types, and the next 14 days of flights. Safe to run again."""

import datetime as dt

from django.core.management.base import BaseCommand

from caravana.network.seed import seed_network


class Command(BaseCommand):
    help = "Seed the logistics network with reference data and two weeks of flights."

    def add_arguments(self, parser):
        parser.add_argument("--today", type=dt.date.fromisoformat, default=None)

    def handle(self, *args, today=None, **options):
        counts = seed_network(today)
        self.stdout.write(", ".join(f"{k}: {v}" for k, v in counts.items()))
