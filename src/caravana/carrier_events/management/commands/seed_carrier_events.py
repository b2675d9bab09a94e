from django.core.management.base import BaseCommand

from caravana.carrier_events.demo import seed_demo_carrier_events


class Command(BaseCommand):
    help = "Demo last mile: Correios delivers a cleared parcel through its signed webhook."

    def handle(self, *args, **options):
        counts = seed_demo_carrier_events()
        self.stdout.write(self.style.SUCCESS(
            "Carrier events demo ready: " + ", ".join(f"{n} {w}" for w, n in counts.items())
        ))  # fmt: skip
