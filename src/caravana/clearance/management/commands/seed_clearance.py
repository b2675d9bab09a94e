from django.core.management.base import BaseCommand

from caravana.clearance.demo import seed_demo_clearance


class Command(BaseCommand):
    help = "Demo customs desk: a flight to GRU arrived, presented and partly decided."

    def handle(self, *args, **options):
        counts = seed_demo_clearance()
        self.stdout.write(self.style.SUCCESS(
            "Customs desk demo ready: " + ", ".join(f"{n} {what}" for what, n in counts.items())
        ))  # fmt: skip
