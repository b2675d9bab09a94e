"""Periodic order work (Celery beat; the expire_orders and complete_delivered commands run the
same functions by hand)."""

from caravana.celery import app
from caravana.orders import services


@app.task
def expire_orders() -> int:
    return services.expire_unpaid()


@app.task
def complete_delivered() -> int:
    return services.auto_complete()
