"""Writes to pricing data. Imports replace a (base, quote, date) rate rather than adding a
second one, so running an import twice changes nothing."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from caravana.codes import hs
from caravana.errors import field_error
from caravana.pricing import fx
from caravana.pricing.error_codes import PricingErrorCode
from caravana.pricing.fx_import import RateRow
from caravana.pricing.models import FxRate, RateCardVersion, RuleSetVersion
from caravana.pricing.rules import RateCard, RuleBook, RuleError, RuleSet


@transaction.atomic
def save_rates(rows: Iterable[RateRow]) -> int:
    count = 0
    for row in rows:
        FxRate.objects.update_or_create(
            base=row.base,
            quote=row.quote,
            date=row.date,
            defaults={"rate": row.rate, "source": row.source[:200]},
        )
        count += 1
    transaction.on_commit(fx.invalidate)
    return count


def _rule_error(
    exc: Exception, field: str = "body", code: PricingErrorCode = PricingErrorCode.INVALID_RULE
) -> ValidationError:
    return field_error(field, str(exc), code)


@transaction.atomic
def save_rule_set(body: dict[str, Any]) -> RuleSetVersion:
    """Create or replace one rule-set version. The body must parse, and the country's versions
    must still not overlap, or nothing is written."""
    try:
        rs = RuleSet.from_dict(body)
    except (RuleError, KeyError, TypeError, ValueError) as exc:
        raise _rule_error(exc) from exc
    row, _created = RuleSetVersion.objects.update_or_create(
        rule_id=rs.id,
        defaults={
            "country": rs.country,
            "effective_from": rs.effective_from,
            "effective_to": rs.effective_to,
            "source": rs.source,
            "verified": rs.verified,
            "body": body,
        },
    )
    others = RuleSetVersion.objects.filter(country=rs.country).values_list("body", flat=True)
    try:
        RuleBook.from_dict({"rule_sets": list(others)}, hs.table())
    except (RuleError, KeyError, TypeError, ValueError) as exc:
        raise _rule_error(exc, "effective_from", PricingErrorCode.RULES_OVERLAP) from exc
    return row


@transaction.atomic
def save_rate_card(body: dict[str, Any]) -> RateCardVersion:
    try:
        card = RateCard.from_dict(body)
    except (RuleError, KeyError, TypeError, ValueError) as exc:
        raise _rule_error(exc) from exc
    clash = (
        RateCardVersion.objects.filter(
            origin=card.origin, destination=card.destination, service=card.service
        )
        .exclude(card_id=card.id)
        .exists()
    )
    if clash:
        raise field_error(
            "service",
            "another card already prices this lane and service",
            PricingErrorCode.LANE_TAKEN,
        )
    row, _created = RateCardVersion.objects.update_or_create(
        card_id=card.id,
        defaults={
            "origin": card.origin,
            "destination": card.destination,
            "service": card.service,
            "body": body,
        },
    )
    return row
