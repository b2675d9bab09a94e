"""The duty rules as customs.md states them with its sources (issue 12, item 4): Roraima's ICMS
at 20% from 2025-04-01 (BR-RTS-2025-04), Peru's US$200 and US$2,000 limits measured on FOB
(PE-ERR-2020-11), and Argentina under Decreto 1065/2024 with the tariff of each HS heading and
the statistics fee on the excess over US$400 FOB (AR-1064-2024-12 becomes three dated versions,
AR-1065-*). Each shipped version is replaced only if the operator has not edited it; placed
orders keep their snapshots. A new database already has these from 0003 (which loads the
current rules.json), so there this changes nothing."""

from django.db import migrations

#: Digests (pricing.seed.body_digest) of the bodies 0003 shipped, before this correction.
SHIPPED = {
    "BR-RTS-2025-04": "8b92eb3b98bf156193cd64c408bf07edfcec48fe3a713cbdf0637ec184032a35",
    "PE-ERR-2020-11": "eb99df6f0b3a2ff82a209960fab9090f38bae0009903cada6c30e58c22d96eac",
    "AR-1064-2024-12": "6c422c361f37ac720c875657c78108b2669fdd42bc3ffc70f37bf464bbfcf675",
}
REPLACED_BY = {
    "BR-RTS-2025-04": ["BR-RTS-2025-04"],
    "PE-ERR-2020-11": ["PE-ERR-2020-11"],
    "AR-1064-2024-12": ["AR-1065-2024-12", "AR-1065-2025-03", "AR-1065-2025-11"],
}


def forwards(apps, schema_editor):
    from caravana.pricing.seed import replace_shipped

    replace_shipped(apps.get_model("pricing", "RuleSetVersion"), SHIPPED, REPLACED_BY)


class Migration(migrations.Migration):
    dependencies = [("pricing", "0003_seed_rules")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
