"""The twin's report: CSV tables, a JSON summary, SVG charts and one HTML page that shows them.

Pure: counters in, files out. The charts are drawn here as SVG text (no chart library, no script),
so the page opens anywhere, offline, and the SVG files can be linked from docs.
"""

from __future__ import annotations

import csv
import html
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

from caravana.chart_scale import nice_top
from caravana.jobs import csvfile

from . import kpis
from . import params as P
from .kpis import Counters

#: Okabe–Ito colours: told apart with the common colour-vision deficiencies.
COLOURS = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
W, H, LEFT, RIGHT, TOP, BOTTOM = 720, 260, 56, 180, 28, 34
#: Tops whose quarters are round too (the scale has four ticks).
QUARTERS = (1, 2, 3, 4, 6, 8)


#: A number as a reader's locale writes it: (value, decimals) → text. The report's files are
#: written without one (Python's own, "1,234.5"); the operators' dashboard passes Django's
#: number_format in the reader's language ("1.234,5").
Number = Callable[[float, int], str]


def _fmt(value: float, percent: bool, number: Number | None = None) -> str:
    if number is not None:
        if percent:
            return f"{number(value * 100, 0)} %"
        for size, unit in ((1_000_000, " M"), (1_000, " k")):
            if value >= size:
                scaled = value / size
                return number(scaled, 0 if scaled == int(scaled) else 1) + unit
        return number(value, 0 if value == int(value) else 2)
    if percent:
        return f"{value:.0%}"
    if value >= 1_000_000:
        return f"{value / 1_000_000:g} M"
    if value >= 1_000:
        return f"{value / 1_000:g} k"
    return f"{value:g}"


def _shown(value: float, percent: bool, digits: int, number: Number | None) -> str:
    """One figure of a chart (a bar's or a point's title, a cell of its table) with `digits`
    after the point (of the per cent, for a share): in the reader's numbers where `number` is
    given ("97,5 %"), else Python's ("97.5%", "1,234.50") as the report's files write them."""
    if percent:
        return f"{number(value * 100, digits)}\u00a0%" if number else f"{value:.{digits}%}"
    return number(value, digits) if number else f"{value:,.{digits}f}"


def _frame(
    title: str, top: float, percent: bool, labels: Sequence[str], number: Number | None = None
) -> list[str]:
    plot_w, plot_h = W - LEFT - RIGHT, H - TOP - BOTTOM
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="{W}" height="{H}" '
        f'role="img" aria-label="{html.escape(title)}" font-family="sans-serif" font-size="11">',
        f"<title>{html.escape(title)}</title>",
        f'<text x="{LEFT}" y="16" font-size="13" font-weight="bold">{html.escape(title)}</text>',
    ]
    for i in range(5):
        y = TOP + plot_h * (1 - i / 4)
        out.append(f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y:.1f}" y2="{y:.1f}" '
                   'stroke="#ddd"/>')  # fmt: skip
        out.append(f'<text x="{LEFT - 4}" y="{y + 4:.1f}" text-anchor="end">'
                   f"{_fmt(top * i / 4, percent, number)}</text>")  # fmt: skip
    every = max(1, len(labels) // 10)
    step = plot_w / max(1, len(labels))
    for i, label in enumerate(labels):
        if i % every == 0:
            x = LEFT + step * (i + 0.5)
            out.append(f'<text x="{x:.1f}" y="{H - BOTTOM + 14}" text-anchor="middle">'
                       f"{html.escape(label)}</text>")  # fmt: skip
    return out


#: Characters a legend line holds beside the plot (11 px text, about 6 px a character).
LEGEND_CHARS = 25


def _wrap(name: str, width: int = LEGEND_CHARS) -> list[str]:
    """A legend name in lines that fit beside the plot (a translated reason runs longer)."""
    out: list[str] = []
    for word in name.split():
        if out and len(out[-1]) + 1 + len(word) <= width:
            out[-1] += " " + word
        else:
            out.append(word)
    return out or [""]


def _legend(names: Sequence[str]) -> list[str]:
    out = []
    y = TOP + 4
    for i, name in enumerate(names):
        colour = COLOURS[i % len(COLOURS)]
        out.append(f'<rect x="{W - RIGHT + 12}" y="{y}" width="10" height="10" fill="{colour}"/>')
        lines = _wrap(name)
        spans = "".join(
            f'<tspan x="{W - RIGHT + 26}" dy="{0 if j == 0 else 12}">{html.escape(line)}</tspan>'
            for j, line in enumerate(lines)
        )
        out.append(f'<text x="{W - RIGHT + 26}" y="{y + 9}">{spans}</text>')
        y += 16 + 12 * (len(lines) - 1)
    return out


def stacked_bars(
    title: str, labels: Sequence[str], series: dict[str, list[float]], number: Number | None = None
) -> str:
    """One stacked bar per label, a colour per series."""
    totals = [sum(values[i] for values in series.values()) for i in range(len(labels))]
    top = nice_top(max(totals, default=0.0), QUARTERS)
    out = _frame(title, top, False, labels, number)
    plot_w, plot_h = W - LEFT - RIGHT, H - TOP - BOTTOM
    step = plot_w / max(1, len(labels))
    for i, label in enumerate(labels):
        base = 0.0
        for s, (name, values) in enumerate(series.items()):
            value = values[i]
            if value <= 0:
                continue
            y0, y1 = plot_h * base / top, plot_h * (base + value) / top
            out.append(
                f'<rect x="{LEFT + step * i + step * 0.15:.1f}" y="{TOP + plot_h - y1:.1f}" '
                f'width="{step * 0.7:.1f}" height="{y1 - y0:.1f}" '
                f'fill="{COLOURS[s % len(COLOURS)]}"><title>{html.escape(label)} '
                f"{html.escape(name)}: {_shown(value, False, 0, number)}</title></rect>"
            )
            base += value
    return "\n".join(out + _legend(list(series)) + ["</svg>"])


def lines(
    title: str,
    labels: Sequence[str],
    series: dict[str, list[float | None]],
    percent: bool,
    number: Number | None = None,
) -> str:
    """A line per series (gaps where a value is None); shares run on a 0–100 % scale."""
    values = [v for vs in series.values() for v in vs if v is not None]
    top = 1.0 if percent else nice_top(max(values, default=0.0), QUARTERS)
    out = _frame(title, top, percent, labels, number)
    plot_w, plot_h = W - LEFT - RIGHT, H - TOP - BOTTOM
    step = plot_w / max(1, len(labels))
    for s, (name, vs) in enumerate(series.items()):
        colour = COLOURS[s % len(COLOURS)]
        points = [
            (LEFT + step * (i + 0.5), TOP + plot_h * (1 - min(v, top) / top), v)
            for i, v in enumerate(vs)
            if v is not None
        ]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in points)
            out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" '
                       'stroke-width="2"/>')  # fmt: skip
        for x, y, v in points:
            shown = _shown(v, percent, 1 if percent else 2, number)
            out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}">'
                       f"<title>{html.escape(name)}: {shown}</title></circle>")  # fmt: skip
    return "\n".join(out + _legend(list(series)) + ["</svg>"])


def write_csv(fh: IO[str], rows: list[dict[str, Any]]) -> None:
    """Rows as CSV, their keys the header (nothing for no rows); a text cell a spreadsheet would
    read as a formula is kept as text, as in every export (jobs.csvfile)."""
    if not rows:
        return
    writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows({k: csvfile.cell(v) for k, v in row.items()} for row in rows)


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", newline="") as fh:
        write_csv(fh, rows)


def _table(rows: list[dict[str, Any]], columns: Sequence[str]) -> str:
    head = "".join(f"<th scope='col'>{html.escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_cell(r.get(c)))}</td>" for c in columns) + "</tr>"
        for r in rows
    )
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    return f'<div class="wide">{table}</div>'


def _cell(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1 else f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def waiting_series(c: Counters, days: range) -> dict[str, list[float]]:
    """Parcels waiting at the origin per day, all lanes: hub backlogs, then the planner's why."""
    sl = slice(days.start, days.stop)
    stages = c.stages()
    waiting: dict[str, list[float]] = {}
    for si, stage in enumerate(kpis.STAGES[1:4], start=1):
        waiting[f"hub: {stage[4:]}"] = stages[si, :, sl].sum(axis=0).tolist()
    for ri, reason in enumerate(kpis.REASONS):
        waiting[reason] = c.reasons[sl, :, ri].sum(axis=1).tolist()
    return waiting


#: The charts' titles, in English for the file report (the operators' page translates them).
TITLES = {
    "parcels_in": "Parcels ordered per day, by country",
    "on_time": "On-time share (delivered by the promise), by order day",
    "fill": "Charter fill per departure day",
    "waiting": "Parcels waiting at the origin at 00:00 UTC, and why",
    "cost_per_kg": "Airlift cost per kg carried (US$), per departure day",
}


def _floats(values: Any) -> list[float | None]:
    return [None if v is None else float(v) for v in values]


def chart_series(c: Counters, days: range, dates: list[str]) -> list[dict[str, Any]]:
    """What each chart draws, as plain JSON (name, kind, labels, series), so a run kept in the
    database can be drawn again by `draw` without its counters. Lists, not objects, hold the
    order: PostgreSQL's jsonb sorts an object's keys, and the order is the legend's colours."""
    labels = [dates[k][5:] for k in days]
    sl = slice(days.start, days.stop)
    parcels_in = {
        country: _floats(c.parcels["parcels_in"][sl, ci].sum(axis=1))
        for ci, country in enumerate(P.COUNTRIES)
    }
    on_time: dict[str, list[float | None]] = {}
    for si, service in enumerate(P.SERVICES):
        # delivered, and what never flew past its promise (kpis.Counters.stranded)
        delivered = (c.parcels["delivered"] + c.parcels["overdue"])[sl, :, si].sum(axis=1)
        good = c.parcels["on_time"][sl, :, si].sum(axis=1)
        on_time[service] = [
            float(g / d) if d else None for g, d in zip(good, delivered, strict=True)
        ]
    charter = c.legs["cap_kg"][sl, :, :2].sum(axis=(1, 2))
    charter_m3 = c.legs["cap_m3"][sl, :, :2].sum(axis=(1, 2))
    fill: dict[str, list[float | None]] = {
        "by weight": [float(v / cap) if cap else None for v, cap in
                      zip(c.legs["kg"][sl, :, :2].sum(axis=(1, 2)), charter, strict=True)],
        "by volume": [float(v / cap) if cap else None for v, cap in
                      zip(c.legs["m3"][sl, :, :2].sum(axis=(1, 2)), charter_m3, strict=True)],
    }  # fmt: skip
    waiting = {name: _floats(v) for name, v in waiting_series(c, days).items()}
    cost: dict[str, list[float | None]] = {}
    for li, lane in enumerate(c.lanes):
        kg = c.legs["kg"][sl, li].sum(axis=1)
        usd = c.legs["cost_usd"][sl, li].sum(axis=1)
        cost[lane.name] = [float(u / k) if k else None for u, k in zip(usd, kg, strict=True)]

    def spec(name: str, kind: str, series: dict[str, Any], percent: bool = False) -> dict[str, Any]:
        return {"name": name, "kind": kind, "percent": percent, "labels": labels,
                "series": [[k, v] for k, v in series.items()]}  # fmt: skip

    return [
        spec("parcels_in", "bars", parcels_in),
        spec("on_time", "lines", on_time, percent=True),
        spec("fill", "lines", fill, percent=True),
        spec("waiting", "bars", waiting),
        spec("cost_per_kg", "lines", cost),
    ]


def draw(
    spec: dict[str, Any],
    title: str,
    names: dict[str, str] | None = None,
    number: Number | None = None,
    labels: Sequence[str] | None = None,
) -> str:
    """One chart of `chart_series` as SVG; `names` renames its series (a translated legend),
    `number` writes its figures and `labels` replaces its days' labels (the reader's locale)."""
    names = names or {}
    series = {names.get(k, k): v for k, v in spec["series"]}
    days = spec["labels"] if labels is None else labels
    if spec["kind"] == "bars":
        return stacked_bars(title, days, {k: [v or 0.0 for v in vs]
                                          for k, vs in series.items()}, number)  # fmt: skip
    return lines(title, days, series, percent=spec["percent"], number=number)


def figures(
    spec: dict[str, Any],
    names: dict[str, str] | None = None,
    number: Number | None = None,
    labels: Sequence[str] | None = None,
) -> dict[str, Any]:
    """A chart's figures as a table, day by day (its text equivalent: a screen reader, or anyone
    who would rather read the figures than a chart's dots, gets them all); `empty` when no day
    has a figure to draw (a window in which no charter flew draws no fill)."""
    names = names or {}
    days = spec["labels"] if labels is None else labels
    columns = [names.get(k, k) for k, _ in spec["series"]]

    bars, percent = spec["kind"] == "bars", spec["percent"]
    digits = 0 if bars else 1 if percent else 2  # as the chart's own titles write them

    def cell(v: float | None) -> str:
        return "—" if v is None else _shown(v, percent, digits, number)

    rows = [[day, *(cell(vs[i]) for _, vs in spec["series"])] for i, day in enumerate(days)]
    values = [v for _, vs in spec["series"] for v in vs]
    empty = all(v is None or (bars and v == 0) for v in values)
    return {"columns": columns, "rows": rows, "empty": empty}


def charts(c: Counters, days: range, dates: list[str]) -> dict[str, str]:
    """The report's charts, name → SVG text."""
    return {spec["name"]: draw(spec, TITLES[spec["name"]]) for spec in chart_series(c, days, dates)}


def tables(c: Counters, days: range, dates: list[str], refund_usd: float) -> dict[str, Any]:
    """Everything the report shows, as JSON: what the files hold and what a kept run stores."""
    return {
        "summary": kpis.summary(c, days, refund_usd),
        "final_status": c.final_status(),
        "lanes": kpis.lane_summaries(c, days, refund_usd),
        "parcels": kpis.parcel_rows(c, days, dates, refund_usd),
        "flights": kpis.flight_rows(c, days, dates),
        "waiting": kpis.waiting_rows(c, days, dates),
        "hubs": kpis.hub_rows(c, days, dates),
        "charts": chart_series(c, days, dates),
    }


CSS = """body{font-family:sans-serif;max-width:1100px;margin:1.5rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;font-size:.8rem;margin:.5rem 0 1.5rem}td,th{border:1px solid #ccc;
padding:.2rem .4rem;text-align:right}th{background:#f3f3f3}svg{max-width:100%;height:auto}
.wide{overflow-x:auto}dl{display:grid;grid-template-columns:max-content auto;gap:.2rem 1rem}
dt{font-weight:bold}td:first-child{white-space:nowrap}
.note{background:#fff4d6;border-left:4px solid #c90;padding:.4rem .6rem}"""


def write(
    out: Path, c: Counters, days: range, dates: list[str], meta: dict[str, Any]
) -> list[Path]:
    """Write the report into `out` (created if missing); returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    refund = float(meta.get("order_value_usd", P.DEFAULT.order_value_usd))
    kept = tables(c, days, dates, refund)
    parcels, flights, waiting = kept["parcels"], kept["flights"], kept["waiting"]
    summary, final = kept["summary"], kept["final_status"]
    files = []
    tables_ = (("parcels", parcels), ("flights", flights), ("waiting", waiting),
               ("hubs", kept["hubs"]))  # fmt: skip
    for name, rows in tables_:
        path = out / f"{name}.csv"
        _write_csv(path, rows)
        files.append(path)
    doc = {"run": meta, "summary": summary, "final_status": final}
    (out / "summary.json").write_text(json.dumps(doc, indent=2, default=str) + "\n")
    files.append(out / "summary.json")
    svgs = {spec["name"]: draw(spec, TITLES[spec["name"]]) for spec in kept["charts"]}
    for name, svg in svgs.items():
        path = out / f"{name}.svg"
        path.write_text(svg + "\n")
        files.append(path)
    facts = "".join(
        f"<dt>{html.escape(k.replace('_', ' '))}</dt><dd>{html.escape(_cell(v))}</dd>"
        for k, v in summary.items()
        if not isinstance(v, dict)
    )
    nested = "".join(
        f"<h3>{html.escape(k.replace('_', ' '))}</h3>"
        + _table([{kk: vv for kk, vv in v.items()}], list(v))
        for k, v in summary.items()
        if isinstance(v, dict)
    )
    run = " · ".join(f"{k}: {html.escape(str(v))}" for k, v in meta.items())
    lanes = _lane_table(flights)
    cold = _cold_start_note(meta)
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Caravana network twin: {dates[days.start]}
to {dates[days.stop - 1]}</title><meta name="viewport" content="width=device-width,
initial-scale=1"><style>{CSS}</style></head><body><main>
<h1>Network twin report</h1>
<p>{run}</p>
<p>Parcels are counted by the day they were ordered, flights by the day they were due to depart.
The files beside this page hold every figure: parcels.csv (per day, lane, service level),
flights.csv (per day, lane, kind of leg), waiting.csv (per day and lane), hubs.csv (per day and
origin hub), summary.json.</p>
<h2>Summary of the window</h2>{cold}<dl>{facts}</dl>{nested}
<p><em>Flights of its parcels</em>: the flights the window's parcels took, whichever day they
left, each parcel paying its weight's share of its flight's cost and weight capacity and its
volume's share of the volume capacity. After the window the run takes no new orders, so the
flights that carry its last parcels fly emptier than a live network's would: read their fill as
a lower bound and their cost a kg as an upper bound.</p>
<h3>Where every parcel is when the run stops</h3>{_table([final], list(final))}
<h2>Charts</h2>
{"".join(f"<figure>{svg}</figure>" for svg in svgs.values())}
<h2>Lanes</h2>{cold}{lanes}
<h2>Origin hubs</h2>
<p>Over the window: the parcels each hub received, its receiving capacity over the window (the
model's: its mean inflow times the stage's headroom, parcels an hour × 24 a day) and the share of
it used, and the mean parcels at each of its stages at 00:00 UTC. A feeder hub's pallets are
trucked to its airport.</p>
{_hub_table(kept["hubs"])}
</main></body></html>
"""
    (out / "index.html").write_text(page)
    files.append(out / "index.html")
    return files


def _cold_start_note(meta: dict[str, Any]) -> str:
    """Why a run without warm-up days shows near-empty flights: its parcels reach the airport days
    after they are ordered, so the window's flights carry only what came before it (nothing)."""
    if meta.get("warmup_days") != 0:
        return ""
    return (
        '<p class="note"><strong>No warm-up days:</strong> the network started empty, so the '
        "flights of the reported days carried only the few parcels that reached the airport in "
        "time. Their fill and cost a kg do not describe a loaded network; run with warm-up days "
        "for those figures. The flights the window's parcels took, on whichever day, are under "
        "<em>flights of its parcels</em>.</p>"
    )


def _hub_table(rows: list[dict[str, Any]]) -> str:
    """The hubs' totals as the CSV holds them, but printed as read: the share used in per cent,
    the stages' means to the one decimal they are rounded to."""
    totals = [
        {
            **t,
            "capacity_used": None if t["capacity_used"] is None else f"{t['capacity_used']:.1%}",
            **{s: f"{t[s]:,.1f}" for s in kpis.HUB_STAGES},
        }
        for t in hub_totals(rows)
    ]
    return _table(totals, list(totals[0]) if totals else [])


def hub_totals(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Window figures per origin hub (from `kpis.hub_rows`): parcels received, their share of
    the hub's receiving capacity over the window, and the mean parcels at each hub stage at
    00:00 UTC (a snapshot is a count, so a mean sums fairly over days)."""
    hubs: dict[str, dict[str, Any]] = {}
    for row in rows:
        h = hubs.setdefault(row["hub"], {"hub": row["hub"], "airport": row["airport"],
                                         "received": 0, "receive_capacity": 0, "days": 0,
                                         **dict.fromkeys(kpis.HUB_STAGES, 0)})  # fmt: skip
        h["days"] += 1
        for name in ("received", "receive_capacity", *kpis.HUB_STAGES):
            h[name] += row[name]
    out = []
    for h in hubs.values():
        n = max(h.pop("days"), 1)
        cap = h["receive_capacity"]
        out.append({
            "hub": h["hub"], "airport": h["airport"], "received": h["received"],
            "receive_capacity": cap,
            "capacity_used": round(h["received"] / cap, 4) if cap else None,
            **{s: round(h[s] / n, 1) for s in kpis.HUB_STAGES},
        })  # fmt: skip
    return out


def _lane_table(flights: list[dict[str, Any]]) -> str:
    rows = lane_totals(flights)
    return _table(rows, list(rows[0]) if rows else [])


def lane_totals(flights: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Window totals per lane and kind of leg (from `kpis.flight_rows`)."""
    totals: dict[tuple[str, str], dict[str, float]] = {}
    for row in flights:
        t = totals.setdefault((row["lane"], row["kind"]), {})
        for name in ("offered", "operated", "cancelled", "kg", "m3", "cost_usd"):
            t[name] = t.get(name, 0.0) + float(row[name])
    rows = [
        {"lane": lane, "kind": kind, "offered": int(t["offered"]), "operated": int(t["operated"]),
         "cancelled": int(t["cancelled"]), "kg": round(t["kg"]), "m3": round(t["m3"], 1),
         "cost_usd": round(t["cost_usd"]),
         "cost_per_kg_usd": round(t["cost_usd"] / t["kg"], 2) if t["kg"] else None}
        for (lane, kind), t in sorted(totals.items())
    ]  # fmt: skip
    return rows
