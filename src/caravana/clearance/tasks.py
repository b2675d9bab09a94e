"""Periodic clearance work (Celery beat, settings.CELERY_BEAT_SCHEDULE)."""

from caravana.celery import app
from caravana.clearance import services


@app.task(ignore_result=True)
def apply_expiry() -> int:
    """Held parcels past their country's deadline are returned or disposed of."""
    return services.apply_expiry().applied
