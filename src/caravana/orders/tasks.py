"""Periodic order work (Celery beat; the expire_orders, complete_delivered and
catch_up_deliveries commands run the same functions by hand)."""

from caravana.celery import app
from caravana.orders import services


@app.task
def expire_orders() -> int:
    return services.expire_unpaid()


@app.task
def complete_delivered() -> int:
    return services.auto_complete()


@app.task
def catch_up_deliveries() -> int:
    from caravana.orders.receivers import catch_up_deliveries

    return catch_up_deliveries()
