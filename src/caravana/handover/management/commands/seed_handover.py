from django.core.management.base import BaseCommand

from caravana.handover.demo import seed_demo_handover


class Command(BaseCommand):
    help = "Demo handover: demo carrier number ranges; one GRU parcel handed to its carrier."

    def handle(self, *args, **options):
        counts = seed_demo_handover()
        self.stdout.write(self.style.SUCCESS(
            "Handover demo ready: " + ", ".join(f"{n} {what}" for what, n in counts.items())
        ))  # fmt: skip
