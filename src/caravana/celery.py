"""Celery app: eager in-process by default, a real broker when CELERY_BROKER_URL is set."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "caravana.settings")
app = Celery("caravana")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# A task's logs carry the id of the request that enqueued it (signal receivers, connected here
# so that every process that sends or runs tasks has them).
from caravana.observability import tasks as _request_ids  # noqa: E402, F401
