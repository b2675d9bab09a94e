from django.core.management.base import BaseCommand

from caravana.orders import lifecycle


class Command(BaseCommand):
    help = "Cancel unpaid orders past their payment window and release their stock."

    def handle(self, *args, **options):
        n = lifecycle.expire_unpaid()
        self.stdout.write(f"expired {n} order(s)")
