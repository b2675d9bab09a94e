"""The expiry rules re-read against their sources (2026-12-03): Brazil's terms from the Receita
Federal's page (15 days for the buyer's ID, 30 for the inspection's requirements, so a rule may
now give ID requests their own window), Mexico's hold from Ley Aduanera art. 29 fr. II c (two
months, not the three of exports), and every row's source. A row the operator already changed
(its terms differ from the first seed, or it was marked verified) keeps its terms."""

import datetime as dt

from django.db import migrations, models

#: The terms 0002 seeded: a row still holding them was not edited by the operator.
FIRST_SEED = {
    "BR": (20, 45, "returned"),
    "MX": (15, 90, "disposed"),
    "CL": (15, 90, "disposed"),
    "CO": (10, 30, "disposed"),
    "PE": (15, 30, "disposed"),
    "AR": (15, 30, "returned"),
}
FIELDS = ("answer_days", "hold_days", "action", "source", "verified", "note")


def load(apps, schema_editor):
    from caravana.clearance.rules import seed_rows

    rule = apps.get_model("clearance", "ExpiryRule")
    for row in seed_rows():
        seeded = FIRST_SEED.get(row["country"])
        rows = rule.objects.filter(
            country=row["country"], effective_from=dt.date.fromisoformat(row["effective_from"])
        )
        new = {k: row[k] for k in FIELDS} | {"id_answer_days": row.get("id_answer_days")}
        if seeded is not None:  # a site seeded by 0002 before the sources were re-read
            a, h, act = seeded
            rows.filter(answer_days=a, hold_days=h, action=act, verified=False).update(**new)
        # a site seeded by 0002 from the current data: only the new column is missing
        rows.filter(
            answer_days=row["answer_days"], hold_days=row["hold_days"], action=row["action"],
            id_answer_days__isnull=True,
        ).update(id_answer_days=row.get("id_answer_days"))  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [("clearance", "0002_expiry_rules")]
    operations = [
        migrations.AddField(
            model_name="expiryrule",
            name="id_answer_days",
            field=models.PositiveSmallIntegerField(
                blank=True, null=True, verbose_name="days to answer an ID request"
            ),
        ),
        migrations.RunPython(load, migrations.RunPython.noop),
    ]
