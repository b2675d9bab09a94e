"""Users, their role, and merchants' API tokens."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    BUYER = "buyer", _("Buyer")
    MERCHANT = "merchant", _("Merchant staff")
    HUB = "hub", _("Hub staff")
    PLANNER = "planner", _("Network planner")
    OPERATOR = "operator", _("Operator")


class Scope(models.TextChoices):
    """What an API token may do, one scope per API area: a token holds only the scopes it was
    given, so a leaked catalog token cannot refund an order."""

    CATALOG = "catalog", _("Catalog: products, variants, stock")
    ORDERS = "orders", _("Orders: cart, checkout, the buyer's orders")
    PARCELS = "parcels", _("Parcels: parcels, labels, hub scans")
    TRACKING = "tracking", _("Tracking: carriers' event posts")
    PAYMENTS = "payments", _("Payments: payments and refunds")
    CLEARANCE = "clearance", _("Clearance: customs decisions at one gateway (brokers)")


#: The scopes each role uses, the default for its tokens (and the most they may hold).
ROLE_SCOPES: dict[str, tuple[str, ...]] = {
    Role.BUYER: (Scope.ORDERS, Scope.PAYMENTS),
    Role.MERCHANT: (Scope.CATALOG, Scope.PARCELS, Scope.PAYMENTS),
    Role.HUB: (Scope.PARCELS,),
    Role.PLANNER: (Scope.PARCELS,),
    Role.OPERATOR: tuple(Scope.values),
}
#: What belonging to a merchant, a hub or a carrier adds, whatever the user's role (a carrier's
#: integration account is a plain user linked to the carrier): reverse accessor → scopes.
MEMBERSHIP_SCOPES: dict[str, tuple[str, ...]] = {
    "merchant_membership": ROLE_SCOPES[Role.MERCHANT],
    "hub_membership": (Scope.PARCELS,),
    "carrier_membership": (Scope.TRACKING,),
    # A gateway's customs desk officer or broker (caravana.clearance.GatewayMember).
    "clearance_membership": (Scope.CLEARANCE,),
}


def ordered_scopes(scopes) -> list[str]:
    """`scopes` deduplicated, in Scope's order."""
    wanted = set(scopes)
    return [s for s in Scope.values if s in wanted]


class User(AbstractUser):
    """One user, one role: what a person may see follows from it (and from the merchant or hub
    they belong to, which the catalog and network apps record)."""

    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.BUYER)
    language = models.CharField(_("language"), max_length=10, blank=True)

    class Meta:
        indexes = [models.Index(fields=["role"])]

    @property
    def is_operator(self) -> bool:
        return self.role == Role.OPERATOR or self.is_superuser

    @property
    def is_merchant_staff(self) -> bool:
        return self.role == Role.MERCHANT


class ApiToken(models.Model):
    """A bearer token for the API. Only a SHA-256 of the secret is kept: the secret is shown
    once, at creation, and cannot be recovered from the database."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=80)
    prefix = models.CharField(max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    #: Space-separated Scope values, as OAuth 2 writes a scope (RFC 6749, section 3.3).
    scopes = models.CharField(_("scopes"), max_length=100, blank=True, default="")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def scope_list(self) -> list[str]:
        return self.scopes.split()

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes.split()
