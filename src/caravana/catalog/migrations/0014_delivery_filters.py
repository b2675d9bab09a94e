"""The free-shipping and delivery-speed filters (decision 0028): two columns on the listing
rows and an index per scope, the merchant facts they are copied from, and local stock."""

import django.db.models.deletion
from django.db import migrations, models


COLUMNS = (("ships_free", "bool NOT NULL DEFAULT {false}"), ("speed", "smallint NOT NULL DEFAULT 3"))


def add_columns(apps, schema_editor):
    false = "0" if schema_editor.connection.vendor == "sqlite" else "false"
    for name, kind in COLUMNS:
        schema_editor.execute(
            f"ALTER TABLE catalog_listingprice ADD COLUMN {name} {kind.format(false=false)}"
        )


def drop_columns(apps, schema_editor):
    for name, _kind in COLUMNS:
        schema_editor.execute(f"ALTER TABLE catalog_listingprice DROP COLUMN {name}")


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0013_search_terms'),
    ]

    operations = [
        migrations.CreateModel(
            name='LocalStock',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('country', models.CharField(max_length=2)),
            ],
        ),
        # ALTER TABLE … ADD COLUMN with a constant default: no copy of a table of six rows per
        # product (Django's SQLite AddField rebuilds the table).
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(add_columns, drop_columns)],
            state_operations=[
                migrations.AddField(
                    model_name='listingprice',
                    name='ships_free',
                    field=models.BooleanField(db_default=False, default=False),
                ),
                migrations.AddField(
                    model_name='listingprice',
                    name='speed',
                    field=models.SmallIntegerField(db_default=3, default=3),
                ),
            ],
        ),
        migrations.AddField(
            model_name='merchant',
            name='ships_free',
            field=models.BooleanField(db_default=False, default=False, editable=False),
        ),
        migrations.AddField(
            model_name='merchant',
            name='ships_on_time',
            field=models.BooleanField(db_default=False, default=False, editable=False),
        ),
        migrations.AddIndex(
            model_name='listingprice',
            index=models.Index(fields=['country', 'is_active', 'ships_free', 'speed', 'product', 'amount'], name='lp_all_ship'),
        ),
        migrations.AddIndex(
            model_name='listingprice',
            index=models.Index(fields=['country', 'category_top', 'is_active', 'ships_free', 'speed', 'product', 'amount'], name='lp_top_ship'),
        ),
        migrations.AddIndex(
            model_name='listingprice',
            index=models.Index(fields=['country', 'category_ref', 'is_active', 'ships_free', 'speed', 'product', 'amount'], name='lp_cat_ship'),
        ),
        migrations.AddIndex(
            model_name='listingprice',
            index=models.Index(fields=['country', 'store_ref', 'is_active', 'ships_free', 'speed', 'product', 'amount'], name='lp_store_ship'),
        ),
        migrations.AddField(
            model_name='localstock',
            name='product',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='local_stock', to='catalog.product'),
        ),
        migrations.AddConstraint(
            model_name='localstock',
            constraint=models.UniqueConstraint(fields=('product', 'country'), name='localstock_unique'),
        ),
    ]
