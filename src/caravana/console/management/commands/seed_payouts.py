from django.core.management.base import BaseCommand, CommandError

from caravana.console import payout_demo


class Command(BaseCommand):
    help = (
        "Demo: every merchant sells one delivered order, one payout run pays them all, and each "
        "statement is checked against the ledger."
    )

    def handle(self, *args, **options):
        result = payout_demo.run()
        self.stdout.write(
            f"{result['merchants']} merchants, {result['orders']} orders released, "
            f"{result['batches']} payout batches"
        )
        if result["problems"]:
            raise CommandError("\n".join(result["problems"][:50]))
        self.stdout.write(self.style.SUCCESS("Every statement sums to the ledger."))
