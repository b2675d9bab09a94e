from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RedeliveryConfig(AppConfig):
    name = "caravana.redelivery"
    verbose_name = _("Failed deliveries")

    def ready(self) -> None:
        from caravana.orders import notifications
        from caravana.redelivery import notices, receivers, services
        from caravana.tracking.events import parcel_key_events, parcels_delivered

        parcel_key_events.connect(
            receivers.on_parcel_key_events, dispatch_uid="redelivery.key_events"
        )
        parcels_delivered.connect(
            receivers.on_parcels_delivered, dispatch_uid="redelivery.delivered"
        )
        notifications.register(services.DELIVERY_FAILED, notices.delivery_failed)
        notifications.register(services.DELIVERY_RETURNING, notices.delivery_returning)
