"""The network twin: the whole China → Latin America network simulated through time (issue 17).

params.py holds every figure with its source, demand.py the order curve, model.py the simulation,
kpis.py what it counts, report.py the HTML, CSV and SVG it writes; `python -m caravana simulate`
runs it (docs/twin.md). All of it is pure (no Django) but the management command.
"""
