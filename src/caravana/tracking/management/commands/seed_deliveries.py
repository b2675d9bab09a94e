from django.core.management.base import BaseCommand

from caravana.tracking.demo import seed_demo_deliveries


class Command(BaseCommand):
    help = "Demo deliveries for the carrier performance page: a few per country, marked demo."

    def handle(self, *args, **options):
        counts = seed_demo_deliveries()
        self.stdout.write(self.style.SUCCESS(
            "Delivery demo ready: " + ", ".join(f"{n} {what}" for what, n in counts.items())
        ))  # fmt: skip
