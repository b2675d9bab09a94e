from django.core.management.base import BaseCommand, CommandError

from caravana.payments import ledger


class Command(BaseCommand):
    help = "Check that the ledger balances and agrees with orders, refunds and payouts."

    def handle(self, *args, **options):
        problems = ledger.reconcile()
        for p in problems:
            self.stderr.write(p)
        if problems:
            raise CommandError(f"{len(problems)} problem(s)")
        self.stdout.write("ledger reconciles")
