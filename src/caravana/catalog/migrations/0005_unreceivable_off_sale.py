"""Take off sale every product already listed with a variant the network refuses (a standalone
lithium battery, catalog.sellable): it was sold, paid and only refused at the parcel desk."""

from django.db import migrations

REFUSED = ["standalone"]  # catalog.sellable.REFUSED_BATTERIES when this was written


def off_sale(apps, schema_editor):
    Product = apps.get_model("catalog", "Product")
    Variant = apps.get_model("catalog", "Variant")
    ids = Variant.objects.filter(battery__in=REFUSED).values("product_id")
    Product.objects.filter(pk__in=ids, is_active=True).update(is_active=False)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0004_upload_names_and_reencoding")]

    operations = [migrations.RunPython(off_sale, migrations.RunPython.noop)]
