from django.core.management.base import BaseCommand

from caravana.shelves.rollup import roll_up_all


class Command(BaseCommand):
    help = "Roll up best sellers, bought together and category pictures from paid orders."

    def handle(self, *args, **options):
        c = roll_up_all()
        self.stdout.write(
            self.style.SUCCESS(
                f"Shelves rolled up: {c['best_sellers']} best-seller places, "
                f"{c['bought_together']} bought-together rows, "
                f"{c['category_pictures']} category pictures"
            )
        )
