"""Seed the rule sets and rate cards shipped as package data; see caravana.pricing.seed."""

from django.db import migrations


def forwards(apps, schema_editor):
    from caravana.pricing.seed import load_defaults

    load_defaults(
        apps.get_model("pricing", "RuleSetVersion"), apps.get_model("pricing", "RateCardVersion")
    )


class Migration(migrations.Migration):
    dependencies = [("pricing", "0002_rules_and_rate_cards")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
