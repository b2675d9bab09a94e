"""A payment's created_at takes caravana.clock's moment instead of auto_now_add's wall clock
(the twin's simulated payments). State only, as orders 0008."""

from django.db import migrations, models

import caravana.clock


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0010_refund_parts"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="payment",
                    name="created_at",
                    field=models.DateTimeField(default=caravana.clock.now, editable=False),
                ),
            ],
            database_operations=[],
        ),
    ]
