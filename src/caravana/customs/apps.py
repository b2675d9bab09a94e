from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomsConfig(AppConfig):
    name = "caravana.customs"
    label = "customs"
    verbose_name = _("Customs")

    def ready(self) -> None:
        from caravana.customs import receivers  # noqa: F401  (declares parcels at label time)
