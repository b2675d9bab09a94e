"""Each country's rule for a held parcel not released in time (ExpiryRule rows, seeded from
data/expiry_rules.json with their sources): the one in force on a day."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from caravana.clearance import outcomes as o
from caravana.clearance.models import ExpiryRule

DATA = Path(__file__).parent / "data" / "expiry_rules.json"


@dataclass(frozen=True)
class Rule:
    country: str
    answer_days: int
    hold_days: int
    action: str  # outcomes.RETURNED or outcomes.DISPOSED
    source: str
    id_answer_days: int | None = None  # a request for the buyer's ID, when the law differs

    def days_to_answer(self, reason: str) -> int:
        """The buyer's window for a request of this hold reason (outcomes.BUYER_ID or other)."""
        if reason == o.BUYER_ID and self.id_answer_days:
            return self.id_answer_days
        return self.answer_days


#: Where a country has no row: return the parcel after a month, the buyer answering in 15
#: days (the commonest terms of the table); the desk shows that no rule was found.
FALLBACK = Rule("", 15, 30, o.RETURNED, "")


def rules_in_force(on: dt.date) -> dict[str, Rule]:
    """Every country's rule in force on `on` (one query)."""
    found: dict[str, Rule] = {}
    for r in ExpiryRule.objects.filter(effective_from__lte=on).order_by(
        "country", "-effective_from"
    ):
        found.setdefault(
            r.country,
            Rule(r.country, r.answer_days, r.hold_days, r.action, r.source, r.id_answer_days),
        )
    return found


def rule_for(country: str, on: dt.date) -> Rule:
    return rules_in_force(on).get(country, FALLBACK)


def seed_rows() -> list[dict]:
    """The rows of data/expiry_rules.json (the data migration and the tests load them)."""
    return json.loads(DATA.read_text(encoding="utf-8"))["rules"]
