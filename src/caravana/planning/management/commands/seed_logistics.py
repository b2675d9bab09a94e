from django.core.management.base import BaseCommand

from caravana.planning.demo import seed_demo_logistics


class Command(BaseCommand):
    help = "Demo logistics: network, belly offers, and parcels and bags at the Shenzhen hub."

    def handle(self, *args, **options):
        counts = seed_demo_logistics()
        self.stdout.write(self.style.SUCCESS(
            "Logistics demo ready: "
            + ", ".join(f"{n} {what}" for what, n in counts.items())
        ))  # fmt: skip
