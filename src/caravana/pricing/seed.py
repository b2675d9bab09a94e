"""The rule sets and rate cards shipped as package data (pricing/data/*.json). Migration 0003
loads them once; the operator edits them afterwards, and loading again never overwrites an
edited row."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any


def _load(name: str) -> Any:
    return json.loads(resources.files("caravana.pricing").joinpath("data", name).read_text("utf-8"))


def load_defaults(rule_model: Any = None, card_model: Any = None) -> None:
    """Create the missing default rows. Models are passed in by the migration (historical
    models); left out, the current ones are used."""
    if rule_model is None or card_model is None:
        from caravana.pricing.models import RateCardVersion, RuleSetVersion

        rule_model, card_model = RuleSetVersion, RateCardVersion
    for rs in _load("rules.json")["rule_sets"]:
        rule_model.objects.get_or_create(
            rule_id=rs["id"],
            defaults={
                "country": rs["country"],
                "effective_from": rs["effective_from"],
                "effective_to": rs.get("effective_to"),
                "source": rs.get("source", ""),
                "verified": bool(rs.get("verified", False)),
                "body": rs,
            },
        )
    for card in _load("rate_cards.json")["cards"]:
        card_model.objects.get_or_create(
            card_id=card["id"],
            defaults={
                "origin": card["origin"],
                "destination": card["destination"],
                "service": card["service"],
                "body": card,
            },
        )
