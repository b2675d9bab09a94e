from django.db import migrations, models


class Migration(migrations.Migration):
    """Returns by reason on the carriers' page reads a period of all merchants by index."""

    dependencies = [
        ("returns", "0002_helditem_chosen_at_helditem_chosen_by_and_more"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="returnrequest",
            index=models.Index(fields=["created_at"], name="returns_request_created"),
        ),
    ]
