from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PromotionsConfig(AppConfig):
    name = "caravana.promotions"
    label = "promotions"
    verbose_name = _("Promotions")

    def ready(self) -> None:
        from caravana.promotions import receivers  # noqa: F401  (connects the signals)
