from django.apps import AppConfig

SESSION_CART = "cart_id"


class OrdersConfig(AppConfig):
    name = "caravana.orders"
    label = "orders"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        user_logged_in.connect(_merge_cart_at_login, dispatch_uid="orders.merge_cart")

        from caravana.network.events import flight_departed
        from caravana.orders import notifications, receivers

        notifications.notification_owed.connect(_send_notifications, dispatch_uid="orders.send")

        flight_departed.connect(receivers.on_flight_departed, dispatch_uid="orders.flight_departed")

        from caravana.fulfillment.services.parcels import register_order_owner

        register_order_owner(receivers.owns_order)

        from caravana.tracking.events import parcels_delivered

        parcels_delivered.connect(receivers.on_parcels_delivered, dispatch_uid="orders.delivered")

        from caravana.tracking.events import parcel_key_events

        parcel_key_events.connect(receivers.on_parcel_key_events, dispatch_uid="orders.key_events")


def _merge_cart_at_login(sender, request, user, **kwargs) -> None:
    """The cart an anonymous buyer filled joins their own cart when they log in."""
    if request is None or not hasattr(request, "session"):
        return
    from caravana.orders import carts

    cart = carts.merge_carts(request.session.get(SESSION_CART), user)
    request.session[SESSION_CART] = cart.pk


def _send_notifications(sender, pks: list[int], **kwargs) -> None:
    """E-mails owed, committed: one task sends them (the periodic sweep, if this fails)."""
    from caravana.orders.tasks import send_notifications

    send_notifications.delay(pks)
