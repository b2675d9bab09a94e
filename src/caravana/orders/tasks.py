"""Periodic order work (Celery beat; the expire_orders, complete_delivered and
catch_up_deliveries commands run the same functions by hand)."""

from caravana.celery import app
from caravana.orders import lifecycle, notifications


@app.task
def expire_orders() -> int:
    return lifecycle.expire_unpaid()


@app.task
def complete_delivered() -> int:
    return lifecycle.auto_complete()


@app.task
def catch_up_deliveries() -> int:
    from caravana.orders.receivers import catch_up_deliveries

    return catch_up_deliveries()


@app.task(bind=True, ignore_result=True)
def send_notification(self, pk: int) -> str:
    """Send one owed order e-mail (orders.notifications). A mail server that refuses or is
    down is tried again with backoff by the broker; without one (eager) the periodic sweep
    tries again."""
    try:
        return notifications.send(pk)
    except notifications.SendFailed:
        if self.request.is_eager:
            return "failed"
        raise self.retry(countdown=60 * 2**self.request.retries, max_retries=5) from None


@app.task
def send_pending_notifications() -> int:
    return notifications.send_pending()
