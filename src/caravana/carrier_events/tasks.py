"""Celery: poll the tracking APIs of carriers that offer no webhook (polling.py)."""

from __future__ import annotations

from caravana.carrier_events import polling
from caravana.celery import app


@app.task(ignore_result=True)
def poll_carriers() -> dict[str, int]:
    """Every enabled feed with a tracking API, in turn (beat: CELERY_BEAT_SCHEDULE)."""
    out = {}
    for feed in polling.feeds_to_poll():
        result = polling.poll(feed)
        out[feed.carrier.code] = result.ingested.created
    return out
