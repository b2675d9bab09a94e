"""The operators' network dashboard (issue 17 item 3): a kept twin run's KPIs, charts and tables,
and its rows as CSV. Planners see it too (access.members.can_plan: planners and operators)."""

from __future__ import annotations

import datetime as dt

from babel import Locale, UnknownLocaleError
from babel.dates import format_skeleton
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.formats import number_format
from django.utils.translation import get_language, to_locale
from django.utils.translation import gettext as _

from caravana.access.pages import planner_required
from caravana.jobs import csvfile
from caravana.twin import dashboard, kpis, report
from caravana.twin import params as P
from caravana.twin.models import SimulationRun


def _titles() -> dict[str, str]:
    return {
        "parcels_in": _("Parcels ordered per day, by country"),
        "on_time": _("On-time share (delivered by the promise), by order day"),
        "fill": _("Charter fill per departure day"),
        "waiting": _("Parcels waiting at the origin at 00:00 UTC, and why"),
        "cost_per_kg": _("Airlift cost per kg carried (US$), per departure day"),
    }


def _number(value: float, decimals: int) -> str:
    """A chart's figure as the reader writes it ("1.234,5" in Spanish)."""
    return number_format(value, decimals, force_grouping=True)


def _days(first: dt.date, n: int) -> list[str]:
    """A chart's `n` days from `first` as the reader names them ("7 nov", "Nov 7"): the files'
    "11-07" reads as 11 July in Spanish and Portuguese."""
    try:
        locale = Locale.parse(to_locale(get_language() or "en"))
    except (ValueError, UnknownLocaleError):
        locale = Locale("en")
    return [format_skeleton("MMMd", first + dt.timedelta(days=k), locale=locale) for k in range(n)]


def _names() -> dict[str, str]:
    """The charts' and tables' English names (kpis, report) as the reader reads them."""
    return {
        "premium": _("premium"),
        "standard": _("standard"),
        "economy": _("economy"),
        "by weight": _("by weight"),
        "by volume": _("by volume"),
        "hub: receive": _("hub: receive"),
        "hub: sort": _("hub: sort"),
        "hub: build": _("hub: build"),
        "hub_receive": _("hub: receive"),
        "hub_sort": _("hub: sort"),
        "hub_build": _("hub: build"),
        "awaiting_flight": _("awaiting a flight"),
        "ready after today's flights": _("ready after today's flights"),
        "planned on a later flight": _("planned on a later flight"),
        "no room worth buying in 48 h": _("no room worth buying in 48 h"),
        "flight cancelled": _("flight cancelled"),
        "flight delayed past midnight": _("flight delayed past midnight"),
        "merchant": _("with the merchant"),
        "in_air": _("in the air"),
        "customs": _("customs"),
        "customs_hold": _("customs hold"),
        "last_mile": _("last mile"),
        "order_to_door": _("order to door (delivered)"),
        "committed": _("committed charter"),
        "optional": _("optional charter"),
        "belly": _("belly"),
    }


def _percent(share: float | None) -> str:
    # a no-break space: the sign stays with its figure
    return "—" if share is None else f"{number_format(100 * share, 1)}\u00a0%"


def _shown(summary: dict) -> dict:
    """A summary with its shares as percentages to read ("93.4 %"), under `<key>_pct`; so too
    the flights that carried its parcels (a run kept before those were counted has none)."""
    shown = summary | {
        f"{k}_pct": _percent(v)
        for k, v in summary.items()
        if ("share" in k or "fill" in k) and not isinstance(v, dict)
    }
    if isinstance(summary.get("flights_of_its_parcels"), dict):
        shown["flights_of_its_parcels"] = _shown(summary["flights_of_its_parcels"])
    return shown


def _pct_of(share: float | None) -> float | None:
    """A share in per cent, one decimal (a hub's day may pass 100: its bar stops there)."""
    return None if share is None else round(100 * share, 1)


def _levels(lane: dict, names: dict) -> str:
    services = lane.get("services") or P.SERVICES
    return "" if len(services) == len(P.SERVICES) else ", ".join(str(names[s]) for s in services)


def _empty(name: str) -> str:
    """Said instead of a chart with nothing to draw."""
    if name == "fill":
        return _("No charter flew on these days: there is no fill to draw.")
    return _("Nothing to draw for these days.")


def _chart(spec: dict, titles: dict[str, str], names: dict[str, str], first: dt.date) -> dict:
    """A kept chart drawn for the reader, with its figures as a table beside it."""
    labels = _days(first, len(spec["labels"]))
    title = titles.get(spec["name"], spec["name"])
    table = report.figures(spec, names, _number, labels)
    return {
        "name": spec["name"],
        "title": title,
        "svg": "" if table["empty"] else report.draw(spec, title, names, _number, labels),
        "figures": table,
        "empty": _empty(spec["name"]) if table["empty"] else "",
    }


@planner_required
def network(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    runs = SimulationRun.objects.only("pk", "mode", "seed", "days", "parcels_per_day",
                                      "from_date", "finished")[:20]  # fmt: skip
    run = (
        get_object_or_404(SimulationRun, pk=pk) if pk is not None else SimulationRun.objects.first()
    )
    ctx: dict = {"runs": runs, "run": run, "runs_total": SimulationRun.objects.count()}
    if run is not None:
        names, titles = _names(), _titles()
        dwell = run.summary.get("dwell_days", {})
        on_time = run.summary.get("on_time_share_by_service", {})
        ctx.update(
            s=_shown(run.summary),
            # a lane's service levels where it carries only some of its country's (a run kept
            # before lanes were the network's has a lane a country, and names none)
            lanes=[_shown(lane) | {"levels": _levels(lane, names)} for lane in run.lanes],
            charts=[_chart(spec, titles, names, run.from_date) for spec in run.charts],
            # in kpis.py's and params.py's order: jsonb keeps an object's keys sorted
            dwell=[(names.get(k, k), dwell.get(k)) for k in kpis.DWELL],
            services=[(names.get(k, k), _percent(on_time.get(k))) for k in P.SERVICES],
            legs=[
                {**row, "kind": names.get(row["kind"], row["kind"])}
                for row in report.lane_totals(run.rows("flights"))
            ],
            waiting=dashboard.waiting_by_lane(run.rows("waiting")),
            hubs=[
                hub
                | {
                    "used_pct": _pct_of(hub["capacity_used"]),
                    "bar_pct": min(100.0, _pct_of(hub["capacity_used"]) or 0.0),
                    "stages": [hub[s] for s in kpis.HUB_STAGES],
                }
                for hub in report.hub_totals(run.rows("hubs"))
            ],
            hub_stage_names=[names[s] for s in kpis.HUB_STAGES],
            stage_names=[names[s] for s in dashboard.WAITING_STAGES],
            reason_names=[names[r] for r in kpis.REASONS],
        )
    return render(request, "twin/network.html", ctx)


@planner_required
def network_csv(request: HttpRequest, pk: int, table: str) -> FileResponse:
    """The run's table as every export writes it (jobs.csvfile: a BOM, formulas kept as text)."""
    if table not in SimulationRun.TABLES:
        raise Http404("table")
    run = get_object_or_404(SimulationRun, pk=pk)
    if not getattr(run, SimulationRun.TABLES[table]):
        raise Http404("a run kept before this table was counted")
    rows = run.rows(table)
    header = list(rows[0]) if rows else []
    return FileResponse(
        csvfile.spool(header, ([row[k] for k in header] for row in rows)),
        as_attachment=True,
        filename=f"twin-run-{run.pk}-{table}.csv",
        content_type="text/csv; charset=utf-8",
    )
