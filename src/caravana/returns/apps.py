from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReturnsConfig(AppConfig):
    name = "caravana.returns"
    label = "returns"
    verbose_name = _("Returns")

    def ready(self) -> None:
        from caravana.returns import receivers

        receivers.connect()
