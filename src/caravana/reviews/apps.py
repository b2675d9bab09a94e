from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "caravana.reviews"
    label = "reviews"
    verbose_name = _("Reviews")

    def ready(self) -> None:
        from caravana.orders.events import order_status_changed
        from caravana.reviews import receivers

        order_status_changed.connect(
            receivers.on_order_status_changed, dispatch_uid="reviews.reputation"
        )
