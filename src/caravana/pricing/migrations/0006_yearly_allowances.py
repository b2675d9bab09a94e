"""A buyer ID's yearly allowance in the Peruvian and Argentine rule sets (`yearly_allowance`):
a DNI imports at most 3 express shipments and US$1,000 a year in Peru, and a buyer at most 5
courier shipments a year in Argentina (customs.md). Checkout counts the ID's orders of the
year against it (orders.allowance). A version the operator has edited is left as it is; placed
orders keep their snapshots."""

from django.db import migrations

#: Digests (pricing.seed.body_digest) of the bodies shipped before this change.
SHIPPED = {
    "PE-ERR-2020-11": "519559a0a2d933644aea86e6cbace43843f91a821e95607e3a694f2342058757",
    "AR-1065-2024-12": "1607fcbf6105fe66c5e0f207646e2fbb4166647b5ab0cfd0a177a0569de36325",
    "AR-1065-2025-03": "95248fa07e11dbec0e97fc4b5ca35008a4b17e103bb42cc6a84f6c925f0207e3",
    "AR-1065-2025-11": "870d1b3abac6c38ab5b3d3b279ff408a9fb099a6ffa2bdb624594dd00a1aaf95",
}
REPLACED_BY = {rule_id: [rule_id] for rule_id in SHIPPED}


def forwards(apps, schema_editor):
    from caravana.pricing.seed import replace_shipped

    replace_shipped(apps.get_model("pricing", "RuleSetVersion"), SHIPPED, REPLACED_BY)


class Migration(migrations.Migration):
    dependencies = [("pricing", "0005_ddp_by_default")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
