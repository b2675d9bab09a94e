"""Review figures on the product (cards) and on its listing rows (rating sort and filter)."""

from decimal import Decimal
from django.db import migrations, models


def add_product_columns(apps, schema_editor):
    numeric = "decimal" if schema_editor.connection.vendor == "sqlite" else "numeric(3, 2)"
    schema_editor.execute(
        f"ALTER TABLE catalog_product ADD COLUMN rating_avg {numeric} NOT NULL DEFAULT 0"
    )
    schema_editor.execute(
        "ALTER TABLE catalog_product ADD COLUMN rating_count integer NOT NULL DEFAULT 0 "
        'CHECK ("rating_count" >= 0)'
    )


def drop_product_columns(apps, schema_editor):
    for column in ("rating_avg", "rating_count"):
        schema_editor.execute(f"ALTER TABLE catalog_product DROP COLUMN {column}")


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0011_product_image_variant'),
    ]

    operations = [
        migrations.AddField(
            model_name='listingprice',
            name='rating',
            field=models.DecimalField(db_default=Decimal('0'), decimal_places=2, default=Decimal('0'), max_digits=3),
        ),
        # ALTER TABLE … ADD COLUMN, not Django's SQLite table rebuild, which would drop the
        # full-text triggers on catalog_product (migration 0002) and leave new products unfound.
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(add_product_columns, drop_product_columns)],
            state_operations=[
                migrations.AddField(
                    model_name='product',
                    name='rating_avg',
                    field=models.DecimalField(db_default=Decimal('0'), decimal_places=2, default=Decimal('0'), max_digits=3),
                ),
                migrations.AddField(
                    model_name='product',
                    name='rating_count',
                    field=models.PositiveIntegerField(db_default=0, default=0),
                ),
            ],
        ),
        migrations.AddIndex(
            model_name='listingprice',
            index=models.Index(fields=['country', 'is_active', 'rating', 'product'], name='lp_all_rating'),
        ),
        migrations.AddIndex(
            model_name='listingprice',
            index=models.Index(fields=['country', 'category_top', 'is_active', 'rating', 'product'], name='lp_top_rating'),
        ),
        migrations.AddIndex(
            model_name='listingprice',
            index=models.Index(fields=['country', 'category_ref', 'is_active', 'rating', 'product'], name='lp_cat_rating'),
        ),
        migrations.AddIndex(
            model_name='listingprice',
            index=models.Index(fields=['country', 'store_ref', 'is_active', 'rating', 'product'], name='lp_store_rating'),
        ),
    ]
