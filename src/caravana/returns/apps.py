from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReturnsConfig(AppConfig):
    name = "caravana.returns"
    label = "returns"
    verbose_name = _("Returns")

    def ready(self) -> None:
        from caravana.returns import figures, receivers
        from caravana.tracking import carrier_queries

        receivers.connect()
        carrier_queries.register_returns_source(figures.by_reason)
