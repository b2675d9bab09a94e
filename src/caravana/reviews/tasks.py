"""Reputation work (Celery): one merchant after its order events, every merchant nightly (so
time alone, an order past its ship-by day, also counts)."""

from caravana import due
from caravana.celery import app
from caravana.reviews import services


@app.task(ignore_result=True)
def refresh_merchant(merchant_id: int) -> None:
    # first: an event from now on schedules the next refresh
    due.clear(due.REPUTATION, [merchant_id])
    services.refresh_reputation(merchant_id)


@app.task
def refresh_reputations() -> int:
    return services.refresh_all_reputations()
