"""The corrected rules reach databases made before them (migration 0004), leave the operator's
edits alone, and change no placed order's snapshot."""

from __future__ import annotations

import datetime as dt
import importlib
import json
from decimal import Decimal as D
from pathlib import Path

import pytest
from django.apps import apps

from caravana.pricing import quoting
from caravana.pricing.engine import replay
from caravana.pricing.models import RuleSetVersion
from caravana.pricing.seed import body_digest
from tests import factories as f

from .support import line, request

pytestmark = pytest.mark.django_db
MIGRATION = importlib.import_module("caravana.pricing.migrations.0004_rules_match_the_law")
SHIPPED = {
    rs["id"]: rs
    for rs in json.loads(
        (Path(__file__).parent / "fixtures" / "rules-as-shipped-0003.json").read_text("utf-8")
    )["rule_sets"]
}
DAY = dt.date(2025, 11, 10)


def as_before_the_correction() -> None:
    """The rule rows as migration 0003 left a database made before this correction."""
    RuleSetVersion.objects.filter(country__in=("BR", "PE", "AR")).delete()
    for rs in SHIPPED.values():
        if rs["country"] in ("BR", "PE", "AR"):
            RuleSetVersion.objects.create(
                rule_id=rs["id"],
                country=rs["country"],
                effective_from=rs["effective_from"],
                effective_to=rs["effective_to"],
                source=rs["source"],
                verified=rs["verified"],
                body=rs,
            )


def migrate() -> None:
    MIGRATION.forwards(apps, None)


def ids(country: str) -> list[str]:
    return list(
        RuleSetVersion.objects.filter(country=country)
        .order_by("effective_from")
        .values_list("rule_id", flat=True)
    )


def test_digests_are_those_of_the_shipped_bodies():
    for rule_id, digest in MIGRATION.SHIPPED.items():
        assert body_digest(SHIPPED[rule_id]) == digest


def test_a_new_database_has_the_corrected_rules():
    assert ids("AR") == ["AR-1065-2024-12", "AR-1065-2025-03", "AR-1065-2025-11"]
    br = RuleSetVersion.objects.get(rule_id="BR-RTS-2025-04").body
    icms = next(c for c in br["components"] if c["id"] == "icms")
    assert icms["params"]["rates_by_state"]["RR"] == "0.20"
    migrate()  # and running the correction again changes nothing
    assert ids("AR") == ["AR-1065-2024-12", "AR-1065-2025-03", "AR-1065-2025-11"]


def test_an_existing_database_gets_the_corrections_and_orders_keep_their_snapshots():
    f.fx_rates(DAY)
    as_before_the_correction()
    rr = request("BR", line("45.00"), on=DAY, state="RR")
    placed = quoting.quote(rr).to_dict()  # priced before the correction: RR at 17%
    assert placed["taxes"][0]["rate"] == "0.17"

    migrate()
    assert ids("AR") == ["AR-1065-2024-12", "AR-1065-2025-03", "AR-1065-2025-11"]
    assert quoting.quote(rr).taxes[0].rate == D("0.20")
    pe = quoting.quote(request("PE", line("200.00"), on=DAY))
    assert pe.duties == [] and pe.taxes == []  # FOB 200 (CIF 205): nothing to pay
    assert {c.code for c in quoting.quote(request("AR", line("500.00"), on=DAY)).duties} == {
        "di",
        "te",
    }
    # the order placed before keeps what it was priced with
    assert replay(placed).to_dict() == placed


def test_a_version_the_operator_edited_is_left_alone():
    as_before_the_correction()
    row = RuleSetVersion.objects.get(rule_id="AR-1064-2024-12")
    row.body = {**row.body, "note": "rates confirmed by our broker"}
    row.save()
    migrate()
    assert ids("AR") == ["AR-1064-2024-12"]
    assert RuleSetVersion.objects.get(rule_id="AR-1064-2024-12").body["note"].startswith("rates")
    # the others, unedited, were corrected
    pe = RuleSetVersion.objects.get(rule_id="PE-ERR-2020-11").body
    assert pe["caps"][0]["measure"] == "fob"
