from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CarrierEventsConfig(AppConfig):
    name = "caravana.carrier_events"
    verbose_name = _("Carrier events")
