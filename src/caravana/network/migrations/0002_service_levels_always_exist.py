"""Premium, standard and economy exist in every database (tests, `make demo`, a new site): the
delivery promise is read from them (caravana.network.promise). Existing rows are left as they
are; a range whose minimum exceeds its maximum is refused from now on."""

from django.db import migrations, models


def forwards(apps, schema_editor):
    from caravana.network.seed import ensure_service_levels

    ensure_service_levels(apps.get_model("network", "ServiceLevel"))


class Migration(migrations.Migration):
    dependencies = [("network", "0001_initial")]

    operations = [
        migrations.AddConstraint(
            model_name="servicelevel",
            constraint=models.CheckConstraint(
                condition=models.Q(("transit_min_days__lte", models.F("transit_max_days"))),
                name="service_level_transit_range",
            ),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
