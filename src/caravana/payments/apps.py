from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "caravana.payments"
    label = "payments"

    def ready(self) -> None:
        from caravana.orders import events
        from caravana.payments import outbox, providers, webhooks
        from caravana.payments.mercadopago import MercadoPagoProvider
        from caravana.payments.stripe_provider import StripeProvider

        providers.PROVIDERS.setdefault("mercadopago", MercadoPagoProvider())
        providers.PROVIDERS.setdefault("stripe", StripeProvider())

        # The outbox and the sandbox import neither the tasks nor the receiver that import them:
        # they are connected here.
        outbox.call_requested.connect(_send_call, dispatch_uid="payments.send_call")
        providers.connect_sandbox(receive=webhooks.receive, enqueue=_deliver_sandbox_event)
        events.order_completed.connect(_release, dispatch_uid="payments.release")
        events.parcel_lost.connect(_refund_lost, dispatch_uid="payments.refund_lost")
        events.order_cancelled.connect(_cancel_payments, dispatch_uid="payments.cancel")


# Money never moves in a receiver: it enqueues the service call for after commit. A task lost
# on the way (a crash between commit and enqueue) is done by payments.escrow.catch_up_money.


def _after_commit(task, *args) -> None:
    import logging

    from django.db import transaction

    def send() -> None:
        try:
            task.delay(*args)
        except Exception:  # broker down: catch_up_money does it
            logging.getLogger(__name__).warning("could not enqueue %s", task.name, exc_info=True)

    transaction.on_commit(send)


def _deliver_sandbox_event(body: str, notify_url: str) -> None:
    """The sandbox's signed event, handed to a worker (tasks are imported when used, not at
    start-up: makemessages runs from src/caravana, where `celery` is caravana/celery.py)."""
    from caravana.payments.tasks import sandbox_deliver

    sandbox_deliver.delay(body, notify_url)


def _send_call(sender, pk: int, **kwargs) -> None:
    """A provider request committed in the outbox: its task sends it (the sweeper does, when
    the broker is down)."""
    import logging

    from caravana.payments.tasks import perform_call

    try:
        perform_call.delay(pk)
    except Exception:  # broker down: sweep_outbox sends it
        logging.getLogger(__name__).warning("could not enqueue provider call %s", pk, exc_info=True)


def _release(sender, order, at, **kwargs) -> None:
    """Delivery confirmed: escrow to merchant payable, commission, shipping, duties."""
    from caravana.payments.tasks import release_escrow

    _after_commit(release_escrow, order.pk)


def _refund_lost(sender, order, at, source, **kwargs) -> None:
    from caravana.payments.tasks import refund_lost

    _after_commit(refund_lost, order.pk, source)


def _cancel_payments(sender, order, at, source, **kwargs) -> None:
    """Once no order of the group waits for payment, its open payments are void (a status
    change only: no money has moved for a pending payment)."""
    from caravana.orders.models import Order, OrderStatus
    from caravana.payments.models import Payment, PaymentStatus

    waiting = Order.objects.filter(group_id=order.group_id, status=OrderStatus.AWAITING_PAYMENT)
    if not waiting.exists():
        Payment.objects.filter(group_id=order.group_id, status=PaymentStatus.PENDING).update(
            status=PaymentStatus.CANCELLED
        )
