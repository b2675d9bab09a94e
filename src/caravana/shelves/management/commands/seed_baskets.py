from django.core.management.base import BaseCommand

from caravana.shelves.demo import seed_baskets


class Command(BaseCommand):
    help = (
        "Demo baskets: the demo buyers pay for products that go together in one checkout, "
        "then best sellers, bought together and category pictures are rolled up."
    )

    def handle(self, *args, **options):
        c = seed_baskets()
        self.stdout.write(
            self.style.SUCCESS(
                f"Shelves demo ready: {c['baskets']} baskets, {c['best_sellers']} best-seller "
                f"places, {c['bought_together']} bought-together rows, "
                f"{c['category_pictures']} category pictures"
            )
        )
