"""A placed order's quote snapshot replays to the same figures after the rules and FX change."""

from __future__ import annotations

import copy
import datetime as dt
import json
from decimal import Decimal as D

from caravana.pricing.engine import SCHEMA, Quote, quote, replay
from caravana.pricing.rules import RuleBook

from .support import CARDS, FX, RULES, line, make_fx, request


def test_snapshot_is_json_and_round_trips():
    qt = quote(request("BR", line("70.00", currency="CNY"), line("12.34")), RULES, CARDS, FX)
    snap = json.loads(json.dumps(qt.to_dict()))
    assert snap["schema"] == SCHEMA
    assert snap["total"] == str(qt.total) and snap["currency"] == "BRL"
    assert snap["rule_set"]["id"] == snap["rule_set_id"] == "BR-RTS-2025-04"
    assert Quote.from_dict(snap) == qt
    assert Quote.from_dict(snap).to_dict() == snap


def test_rule_and_fx_change_do_not_alter_a_replayed_quote():
    req = request("MX", line("100.00"), on=dt.date(2025, 9, 1))
    original = quote(req, RULES, CARDS, FX)
    snap = json.loads(json.dumps(original.to_dict()))

    # later: the operator edits the rule (40%) and a new FX rate is entered for the same day
    data = {"rule_sets": [rs.to_dict() for sets in RULES.by_country.values() for rs in sets]}
    edited = copy.deepcopy(data)
    for rs in edited["rule_sets"]:
        if rs["id"] == "MX-RGCE-2025-08":
            rs["components"][0]["params"]["rate"] = "0.40"
    new_rules = RuleBook.from_dict(edited)
    new_fx = make_fx({"MXN": "18.50"}, on=dt.date(2025, 8, 31))
    now = quote(req, new_rules, CARDS, new_fx)
    assert now.total != original.total  # the world changed …

    replayed = replay(snap)  # … the order did not
    assert replayed.to_dict() == snap
    assert replayed.total == original.total == D("2803.50")


def test_refused_quote_replays_refused():
    qt = quote(request("AR", line("3000.01"), on=dt.date(2025, 6, 1)), RULES, CARDS, FX)
    assert replay(qt.to_dict()).refusals == qt.refusals
