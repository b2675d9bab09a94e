"""The rule sets seeded before the table of buyer documents (caravana.markets.documents) listed
only python-stdnum modules: a cédula de ciudadanía, a CUIL, an Argentine DNI or a Peruvian carné
de extranjería were unknown to them, and Peru's and Argentina's (verified) refused them. Rows an
operator has not edited (still the list shipped before) get the lists pricing/data/rules.json
now ships; edited rows are left."""

from django.db import migrations

OLD_TO_NEW = {
    "CO-1165-2020-08": (["co.nit"], ["co.cc", "co.ce", "co.nit", "co.passport"]),
    "PE-ERR-2020-11": (["pe.cui", "pe.ruc"], ["pe.cui", "pe.ce", "pe.ruc"]),
    **{
        rule_id: (["ar.cuit"], ["ar.cuit", "ar.cuil", "ar.dni"])
        for rule_id in ("AR-1064-2024-12", "AR-1065-2024-12", "AR-1065-2025-03", "AR-1065-2025-11")
    },
}


def forwards(apps, schema_editor):
    RuleSetVersion = apps.get_model("pricing", "RuleSetVersion")
    for row in RuleSetVersion.objects.filter(rule_id__in=OLD_TO_NEW):
        old, new = OLD_TO_NEW[row.rule_id]
        if row.body.get("buyer_id_types") == old:
            row.body = {**row.body, "buyer_id_types": new}
            row.save(update_fields=["body"])


class Migration(migrations.Migration):
    # After pricing 0004, which replaces shipped bodies only while their digest is unchanged.
    dependencies = [("orders", "0001_initial"), ("pricing", "0004_rules_match_the_law")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
