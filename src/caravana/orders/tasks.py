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
def send_notifications(self, pks: list[int]) -> list[str]:
    """Send the e-mails one transaction owed (orders.notifications.send_many), over one
    mail-server session. A server that refuses or is down: the same list is tried again with
    backoff by the broker (those sent are skipped); without one (eager) the periodic sweep
    tries again."""
    done = notifications.send_many(pks)
    if "failed" in done and not self.request.is_eager:
        raise self.retry(countdown=60 * 2**self.request.retries, max_retries=5)
    return done


@app.task(bind=True, ignore_result=True)
def send_notification(self, pk: int) -> str:
    """One owed e-mail: the task each e-mail had before send_notifications, kept for messages
    already queued by an earlier release."""
    try:
        return notifications.send(pk)
    except notifications.SendFailed:
        if self.request.is_eager:
            return "failed"
        raise self.retry(countdown=60 * 2**self.request.retries, max_retries=5) from None


@app.task
def send_pending_notifications() -> int:
    return notifications.send_pending()
