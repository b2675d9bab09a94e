"""The rule sets and rate cards shipped as package data (pricing/data/*.json). Migration 0003
loads them once; the operator edits them afterwards, and loading again never overwrites an
edited row. A correction to a shipped rule set reaches existing databases through a data
migration calling `replace_shipped`, which likewise leaves the operator's edits alone."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from importlib import resources
from typing import Any


def _load(name: str) -> Any:
    return json.loads(resources.files("caravana.pricing").joinpath("data", name).read_text("utf-8"))


def _rule_set_row(rs: Mapping[str, Any]) -> dict[str, Any]:
    """A RuleSetVersion's fields from a rule set of rules.json (its id aside)."""
    return {
        "country": rs["country"],
        "effective_from": rs["effective_from"],
        "effective_to": rs.get("effective_to"),
        "source": rs.get("source", ""),
        "verified": bool(rs.get("verified", False)),
        "body": rs,
    }


def load_defaults(rule_model: Any = None, card_model: Any = None) -> None:
    """Create the missing default rows. Models are passed in by the migration (historical
    models); left out, the current ones are used."""
    from django.db import transaction

    if rule_model is None or card_model is None:
        from caravana.pricing.models import RateCardVersion, RuleSetVersion

        rule_model, card_model = RuleSetVersion, RateCardVersion
    # One transaction: all or none, and listing prices are refreshed once after it, not once
    # per row (catalog.receivers gathers a transaction's changes).
    # Read first, one query per table: the rows are nearly always there already (a test's
    # fixtures call this each time), and get_or_create row by row cost a SELECT each (28).
    rule_sets = _load("rules.json")["rule_sets"]
    cards = _load("rate_cards.json")["cards"]
    have_rules = set(
        rule_model.objects.filter(rule_id__in=[rs["id"] for rs in rule_sets]).values_list(
            "rule_id", flat=True
        )
    )
    have_cards = set(
        card_model.objects.filter(card_id__in=[c["id"] for c in cards]).values_list(
            "card_id", flat=True
        )
    )
    with transaction.atomic():
        for rs in rule_sets:
            if rs["id"] not in have_rules:
                rule_model.objects.get_or_create(rule_id=rs["id"], defaults=_rule_set_row(rs))
        for card in cards:
            if card["id"] not in have_cards:
                card_model.objects.get_or_create(
                    card_id=card["id"],
                    defaults={
                        "origin": card["origin"],
                        "destination": card["destination"],
                        "service": card["service"],
                        "body": card,
                    },
                )


def body_digest(body: Any) -> str:
    """SHA-256 of a rule-set body in canonical JSON: tells a shipped body from an edited one
    (JSON key order and whitespace do not count; jsonb reorders keys)."""
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def replace_shipped(
    rule_model: Any, shipped: Mapping[str, str], replaced_by: Mapping[str, Sequence[str]]
) -> list[str]:
    """Replace each shipped rule-set version the operator has not edited (its body still has the
    digest it was shipped with) by the versions of rules.json named in `replaced_by`. A version
    the operator edited is left as it is, and so are its periods: the operator decides. Returns
    the ids replaced. Orders keep their own snapshot of the rules they were priced with, so a
    replaced version changes no placed order."""
    current = {rs["id"]: rs for rs in _load("rules.json")["rule_sets"]}
    done = []
    for old_id, digest in shipped.items():
        row = rule_model.objects.filter(rule_id=old_id).first()
        if row is None or body_digest(row.body) != digest:
            continue
        row.delete()
        for new_id in replaced_by[old_id]:
            rs = current[new_id]
            rule_model.objects.update_or_create(
                rule_id=new_id,
                defaults=_rule_set_row(rs),
            )
        done.append(old_id)
    return done
