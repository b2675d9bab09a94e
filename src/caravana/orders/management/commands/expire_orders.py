from django.core.management.base import BaseCommand

from caravana.orders import services


class Command(BaseCommand):
    help = "Cancel unpaid orders past their payment window and release their stock."

    def handle(self, *args, **options):
        n = services.expire_unpaid()
        self.stdout.write(f"expired {n} order(s)")
