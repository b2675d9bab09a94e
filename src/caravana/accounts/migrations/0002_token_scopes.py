"""API tokens get scopes. Tokens made before keep working: each gets the scopes of its user's
role and of the merchant, hub or carrier the user belongs to (the mapping as it stood when
scopes came in, written out here so a later change to the defaults does not rewrite history)."""

from django.db import migrations, models

ALL = ["catalog", "orders", "parcels", "tracking", "payments"]
ROLE_SCOPES = {
    "buyer": {"orders", "payments"},
    "merchant": {"catalog", "parcels", "payments"},
    "hub": {"parcels"},
    "planner": {"parcels"},
    "operator": set(ALL),
}


def give_scopes(apps, schema_editor):
    ApiToken = apps.get_model("accounts", "ApiToken")
    members = {
        label: set(apps.get_model(app, model).objects.values_list("user_id", flat=True))
        for label, app, model in (
            ("merchant", "catalog", "MerchantMember"),
            ("hub", "network", "HubMember"),
            ("carrier", "network", "CarrierMember"),
        )
    }
    extra = {"merchant": ROLE_SCOPES["merchant"], "hub": {"parcels"}, "carrier": {"tracking"}}
    for token in ApiToken.objects.select_related("user").iterator():
        user = token.user
        scopes = set(ALL) if user.is_superuser else set(ROLE_SCOPES.get(user.role, ()))
        for label, ids in members.items():
            if user.pk in ids:
                scopes |= extra[label]
        token.scopes = " ".join(s for s in ALL if s in scopes)
        token.save(update_fields=["scopes"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("catalog", "0001_initial"),
        ("network", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="scopes",
            field=models.CharField(blank=True, default="", max_length=100, verbose_name="scopes"),
        ),
        migrations.RunPython(give_scopes, migrations.RunPython.noop),
    ]
