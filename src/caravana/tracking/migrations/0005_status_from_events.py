"""A parcel's status is read from its events (docs/decisions/0004): the status table goes."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("tracking", "0004_status_updates_in_place")]

    operations = [migrations.DeleteModel(name="TrackingStatus")]
