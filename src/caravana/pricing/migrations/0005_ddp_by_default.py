"""Duties and taxes collected at checkout in all six countries by default (issue 12, item 2):
the shipped Mexican, Chilean (over US$500), Colombian, Peruvian and Argentine rule sets said
"ddp": false, leaving them to be paid on arrival. Collection stays a per-country field of the
rule set: a version the operator has edited (its body no longer has the digest it was shipped
with) is left as it is. Placed orders keep their snapshots."""

from django.db import migrations

#: Digests (pricing.seed.body_digest) of the bodies shipped before this change.
SHIPPED = {
    "MX-RGCE-2025-01": "82d6b50c95be7582c7c821f186662156eabfd3b163ca655bd411062422913663",
    "MX-RGCE-2025-08": "39fa0b66c27c652f68a8b1462a9a5453038c2294e0556333b5d88746c6608492",
    "CL-21713-2025-10": "b64f53f84c36851dc2ba09691c86ac28f1caef0f45b10924562f887237e9e691",
    "CO-1165-2020-08": "3e2d17d4478c04e557f0a082145c2f1570a1050a872185a2fffdd20e47962c53",
    "PE-ERR-2020-11": "7773e6f4e86603bae1b4fc17ef3eba652b561162714f7146bcf5f0553f46614c",
    "AR-1065-2024-12": "bd9bcce5f19063011561f04acf74949b7595fc35de8b9938f60c29318da00d4a",
    "AR-1065-2025-03": "850bec1e72e19f019e1fd5e1a41a78050239683d2f834ed47d38c6e4c76f8cbd",
    "AR-1065-2025-11": "cf2f8df8d3deda6f7e384d83ab68e231cbc757e20fb2d135edaa85288c471f9f",
}
REPLACED_BY = {rule_id: [rule_id] for rule_id in SHIPPED}


def forwards(apps, schema_editor):
    from caravana.pricing.seed import replace_shipped

    replace_shipped(apps.get_model("pricing", "RuleSetVersion"), SHIPPED, REPLACED_BY)


class Migration(migrations.Migration):
    dependencies = [("pricing", "0004_rules_match_the_law")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
