"""The one Celery task for every kind of job."""

from caravana.celery import app
from caravana.jobs import runner


@app.task(name="caravana.jobs.tasks.run_job", acks_late=True)
def run_job(pk: int) -> None:
    runner.execute(pk)
