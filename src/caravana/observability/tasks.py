"""A Celery task's logs carry the request id of the request that enqueued it: the id travels
in the task message's headers (before_task_publish) and is the worker's current id while the
task runs (task_prerun, task_postrun). Eager tasks (the tests, the demo) run inside the
request, which already holds it."""

from __future__ import annotations

from typing import Any

from celery.signals import before_task_publish, task_postrun, task_prerun

from caravana.observability import request_id

HEADER = "caravana_request_id"


@before_task_publish.connect(dispatch_uid="caravana.observability.tasks.publish")
def add_request_id(headers: dict[str, Any] | None = None, **_kwargs: Any) -> None:
    rid = request_id.get()
    if rid and headers is not None:
        headers.setdefault(HEADER, rid)


@task_prerun.connect(dispatch_uid="caravana.observability.tasks.prerun")
def take_request_id(task: Any = None, **_kwargs: Any) -> None:
    rid = request_id.clean(getattr(task.request, HEADER, None)) if task is not None else None
    if rid:
        task.request._caravana_previous_id = request_id.get()
        request_id.set_current(rid)


@task_postrun.connect(dispatch_uid="caravana.observability.tasks.postrun")
def drop_request_id(task: Any = None, **_kwargs: Any) -> None:
    if task is not None and hasattr(task.request, "_caravana_previous_id"):
        request_id.set_current(task.request._caravana_previous_id)
