from django.core.management.base import BaseCommand

from caravana.payments import payouts


class Command(BaseCommand):
    help = "Pay every merchant what it is owed, in its payout currency, in one batch each."

    def handle(self, *args, **options):
        for batch in payouts.run_payouts():
            self.stdout.write(f"{batch.reference} {batch.merchant} {batch.total} {batch.currency}")
