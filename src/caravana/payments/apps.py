from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "caravana.payments"
    label = "payments"

    def ready(self) -> None:
        from caravana.orders import events

        events.order_completed.connect(_release, dispatch_uid="payments.release")
        events.parcel_lost.connect(_refund_lost, dispatch_uid="payments.refund_lost")
        events.order_cancelled.connect(_cancel_payments, dispatch_uid="payments.cancel")


def _release(sender, order, at, **kwargs) -> None:
    """Delivery confirmed: escrow to merchant payable, commission, shipping, duties."""
    from caravana.payments import services

    services.release(order)


def _refund_lost(sender, order, at, source, **kwargs) -> None:
    from caravana.payments import services

    services.refund_lost(order, at, source)


def _cancel_payments(sender, order, at, source, **kwargs) -> None:
    """Once no order of the group waits for payment, its open payments are void."""
    from caravana.orders.models import Order, OrderStatus
    from caravana.payments.models import Payment, PaymentStatus

    waiting = Order.objects.filter(group_id=order.group_id, status=OrderStatus.AWAITING_PAYMENT)
    if not waiting.exists():
        Payment.objects.filter(group_id=order.group_id, status=PaymentStatus.PENDING).update(
            status=PaymentStatus.CANCELLED
        )
