"""The six countries' authorities and difference settings exist in every database."""

from django.db import migrations


def forwards(apps, schema_editor):
    from caravana.duties.seed import ensure_reference

    ensure_reference(apps.get_model("duties", "DutyAuthority"),
                     apps.get_model("duties", "CountryDutySetting"))  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [("duties", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
