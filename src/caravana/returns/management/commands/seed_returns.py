from django.core.management.base import BaseCommand

from caravana.returns.demo import seed_demo_returns


class Command(BaseCommand):
    help = (
        "Demo returns: one order returned by the demo buyer, received at the São Paulo point, "
        "resold locally and bought by buyer2 (sent and delivered)."
    )

    def handle(self, *args, **options):
        counts = seed_demo_returns()
        self.stdout.write(
            self.style.SUCCESS(
                f"Returns demo ready: {counts['returns']} return, "
                f"{counts.get('local_sold', 0)} local sale"
            )
        )
