"""Each country's expiry rule, from data/expiry_rules.json (with its sources)."""

import datetime as dt

from django.db import migrations


def load(apps, schema_editor):
    from caravana.clearance.rules import seed_rows

    rule = apps.get_model("clearance", "ExpiryRule")
    for row in seed_rows():
        rule.objects.update_or_create(
            country=row["country"],
            effective_from=dt.date.fromisoformat(row["effective_from"]),
            defaults={
                k: row[k]
                for k in ("answer_days", "hold_days", "action", "source", "verified", "note")
            },
        )


class Migration(migrations.Migration):
    dependencies = [("clearance", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
