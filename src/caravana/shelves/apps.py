from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShelvesConfig(AppConfig):
    name = "caravana.shelves"
    label = "shelves"
    verbose_name = _("Shelves")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from caravana.orders.events import order_status_changed
        from caravana.shelves import receivers

        order_status_changed.connect(receivers.on_order_status_changed, dispatch_uid="shelves.paid")
        user_logged_in.connect(receivers.on_login, dispatch_uid="shelves.login")
