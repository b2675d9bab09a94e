"""A twin run's KPIs, kept so the operators' network dashboard can show them (issue 17 item 3).

The run's figures are stored as the JSON report.tables makes (summary, per lane, per day rows,
chart series): written once when a run ends, read whole by one page; nothing queries inside
them, so they are not split into rows."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from caravana.twin.dashboard import unpack


class SimulationRun(models.Model):
    class Mode(models.TextChoices):
        FAST = "fast", _("Fast, in memory")
        REAL = "real", _("Real services")
        HISTORY = "history", _("Demo history")

    mode = models.CharField(max_length=10, choices=Mode.choices)
    seed = models.IntegerField()
    days = models.PositiveIntegerField(help_text="days of orders reported")
    parcels_per_day = models.PositiveIntegerField()
    from_date = models.DateField(help_text="first reported day")
    started = models.DateTimeField()
    finished = models.DateTimeField()
    #: The command's own figures (parcels simulated, seconds, writes).
    meta = models.JSONField(default=dict)
    #: kpis.summary over the window, and where every parcel was when the run stopped.
    summary = models.JSONField(default=dict)
    final_status = models.JSONField(default=dict)
    #: kpis.lane_summaries; kpis.parcel_rows, flight_rows, waiting_rows as dashboard.pack
    #: makes them (columns and values: jsonb would sort the keys); report.chart_series.
    lanes = models.JSONField(default=list)
    parcel_rows = models.JSONField(default=dict)
    flight_rows = models.JSONField(default=dict)
    waiting_rows = models.JSONField(default=dict)
    #: kpis.hub_rows, packed (empty for a run kept before hubs were counted).
    hub_rows = models.JSONField(default=dict)
    charts = models.JSONField(default=list)

    objects: models.Manager[SimulationRun] = models.Manager()

    class Meta:
        ordering = ["-finished", "-pk"]

    def __str__(self) -> str:
        return f"{self.mode} run {self.pk}: {self.days} days from {self.from_date}"

    #: The run's tables by the name its CSV file has → the field that holds it.
    TABLES = {
        "parcels": "parcel_rows",
        "flights": "flight_rows",
        "waiting": "waiting_rows",
        "hubs": "hub_rows",
    }

    def rows(self, table: str) -> list[dict[str, Any]]:
        """One of the run's TABLES as dicts, their columns in kpis.py's order."""
        return unpack(getattr(self, self.TABLES[table]))
