from django.core.management.base import BaseCommand

from caravana.promotions.demo import seed_demo_promotions


class Command(BaseCommand):
    help = (
        "Demo promotions: a platform welcome coupon per country, merchants' coupons and free "
        "shipping, and live flash deals (run again: nothing twice)."
    )

    def handle(self, *args, **options):
        c = seed_demo_promotions()
        self.stdout.write(
            self.style.SUCCESS(
                f"Promotions demo ready: {c['coupons']} coupons, {c['deals']} flash deals, "
                f"{c['free_shipping']} free-shipping thresholds"
            )
        )
