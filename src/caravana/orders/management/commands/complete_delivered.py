from django.core.management.base import BaseCommand

from caravana.orders import lifecycle


class Command(BaseCommand):
    help = "Confirm delivery of orders delivered ORDERS_AUTO_CONFIRM_DAYS ago: releases escrow."

    def handle(self, *args, **options):
        n = lifecycle.auto_complete()
        self.stdout.write(f"completed {n} order(s)")
