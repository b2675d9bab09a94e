from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClearanceConfig(AppConfig):
    name = "caravana.clearance"
    verbose_name = _("Import clearance")
