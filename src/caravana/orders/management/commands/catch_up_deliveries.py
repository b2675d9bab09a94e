from django.core.management.base import BaseCommand

from caravana.orders.receivers import catch_up_deliveries


class Command(BaseCommand):
    help = (
        "Deliver the orders whose parcels tracking shows delivered but which missed the "
        "delivery signal (a crash between the event's commit and the signal)."
    )

    def handle(self, *args, **options):
        n = catch_up_deliveries()
        self.stdout.write(f"delivered {n} order(s)")
