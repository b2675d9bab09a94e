"""Seed the rule sets and rate cards shipped as package data (pricing/data/*.json). The operator
edits them afterwards; re-running never overwrites an edited row."""

import json
from importlib import resources

from django.db import migrations


def _load(name):
    return json.loads(resources.files("caravana.pricing").joinpath("data", name).read_text("utf-8"))


def forwards(apps, schema_editor):
    RuleSetVersion = apps.get_model("pricing", "RuleSetVersion")
    RateCardVersion = apps.get_model("pricing", "RateCardVersion")
    for rs in _load("rules.json")["rule_sets"]:
        RuleSetVersion.objects.get_or_create(
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
        RateCardVersion.objects.get_or_create(
            card_id=card["id"],
            defaults={
                "origin": card["origin"],
                "destination": card["destination"],
                "service": card["service"],
                "body": card,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("pricing", "0002_rules_and_rate_cards")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
