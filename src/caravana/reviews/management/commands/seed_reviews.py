from django.core.management.base import BaseCommand

from caravana.reviews.demo import seed_demo_reviews


class Command(BaseCommand):
    help = (
        "Demo order history: orders placed, paid, shipped and delivered for every seeded "
        "merchant, reviews written on delivered lines, reputations computed from them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--merchants", type=int, default=None, help="only the first N")

    def handle(self, *args, **options):
        c = seed_demo_reviews(options["merchants"])
        self.stdout.write(
            self.style.SUCCESS(
                f"Reviews demo ready: {c['merchants']} merchants, {c['orders']} orders, "
                f"{c['delivered']} delivered, {c['reviews']} reviews, {c['disputes']} disputes"
            )
        )
