"""Carts, order groups (one per checkout), orders (one per merchant, one parcel each), their lines
and their recorded history. Amounts are in the buyer's currency as the snapshotted quote gave
them; a placed order never recomputes its price."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from caravana import clock
from caravana.catalog.models import Merchant, Stock, Variant
from caravana.markets import documents

MONEY = {"max_digits": 14, "decimal_places": 2}


class Cart(models.Model):
    """Anonymous carts live in the session (its id in request.session); at login the session's
    cart is merged into the user's."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="cart",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"cart {self.pk}"


class CartLine(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"))
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [models.UniqueConstraint(fields=["cart", "variant"], name="cartline_unique")]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.variant_id}"


class ServiceLevel(models.TextChoices):
    PREMIUM = "premium", _("Premium")
    STANDARD = "standard", _("Standard")
    ECONOMY = "economy", _("Economy")


class OrderGroup(models.Model):
    """One checkout: the address, the buyer's ID, the service level and one payment for all of
    its orders."""

    reference = models.CharField(max_length=20, unique=True)
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="order_groups"
    )
    country = models.CharField(_("country"), max_length=2)
    currency = models.CharField(max_length=3)
    service_level = models.CharField(_("service level"), max_length=16, choices=ServiceLevel)
    recipient = models.CharField(_("recipient"), max_length=120)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    street_address = models.CharField(_("street address"), max_length=300)
    city = models.CharField(_("city"), max_length=120)
    city_area = models.CharField(_("district"), max_length=120, blank=True)
    state = models.CharField(_("state"), max_length=60, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20)
    buyer_id_type = models.CharField(_("ID type"), max_length=20)
    buyer_id_number = models.CharField(_("ID number"), max_length=40)
    total = models.DecimalField(**MONEY)
    created_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # A buyer ID's orders of the year (orders.allowance: Peru's DNI, Argentina).
            models.Index(
                fields=["buyer_id_number", "buyer_id_type", "created_at"],
                name="ordergroup_buyer_id",
            )
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def buyer_id_name(self) -> str:
        """The document's name ("CPF", "Cédula de ciudadanía") in the active language."""
        return documents.name(self.buyer_id_type)

    @property
    def buyer_id_display(self) -> str:
        """The number written the document's way (390.533.447-05)."""
        doc = documents.get(self.buyer_id_type)
        return doc.format(self.buyer_id_number) if doc else self.buyer_id_number


class OrderStatus(models.TextChoices):
    AWAITING_PAYMENT = "awaiting_payment", _("Awaiting payment")
    PAID = "paid", _("Paid")
    IN_FULFILMENT = "in_fulfilment", _("In fulfilment")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    REFUNDED = "refunded", _("Refunded")


class RefundState(models.TextChoices):
    NONE = "none", _("Not refunded")
    PARTIAL = "partial", _("Partly refunded")
    FULL = "full", _("Refunded in full")


class OrderKind(models.TextChoices):
    """NETWORK: flown from China, a landed-cost quote (duties, taxes). LOCAL: local stock a
    returns point holds (caravana.returns): already imported and cleared, so no flight and no
    duties; goods + the country's last-mile carrier (docs/decisions/0022)."""

    NETWORK = "network", _("Through the network")
    LOCAL = "local", _("Local stock")


class Order(models.Model):
    """One merchant's part of a checkout: one parcel, one landed-cost quote (or, for local
    stock, a local quote: goods + last-mile delivery, `kind` LOCAL)."""

    group = models.ForeignKey(OrderGroup, on_delete=models.CASCADE, related_name="orders")
    number = models.CharField(max_length=24, unique=True)
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders"
    )
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="orders")
    status = models.CharField(
        max_length=20, choices=OrderStatus, default=OrderStatus.AWAITING_PAYMENT
    )
    refund_state = models.CharField(max_length=10, choices=RefundState, default=RefundState.NONE)
    country = models.CharField(max_length=2)
    currency = models.CharField(max_length=3)
    service_level = models.CharField(max_length=16, choices=ServiceLevel)
    kind = models.CharField(
        max_length=8, choices=OrderKind, default=OrderKind.NETWORK, db_default=OrderKind.NETWORK
    )
    # The quote's components, rounded as the buyer saw them; total = what is collected now.
    goods = models.DecimalField(**MONEY)
    shipping = models.DecimalField(**MONEY)  # shipping + insurance
    duties = models.DecimalField(**MONEY)
    taxes = models.DecimalField(**MONEY)
    total = models.DecimalField(**MONEY)
    due_on_arrival = models.DecimalField(**MONEY, default=0)
    refunded = models.DecimalField(**MONEY, default=0)
    # Promotions (caravana.promotions, decision 0026): what the buyer was let off (a coupon,
    # free shipping), and who pays the part not already in `goods`: the platform, or the
    # merchant out of its share at release. A merchant coupon lowers `goods` itself (customs
    # value on the discounted price), so only its free shipping is in `merchant_funded`.
    discount = models.DecimalField(**MONEY, default=0, db_default=0)
    platform_funded = models.DecimalField(**MONEY, default=0, db_default=0)
    merchant_funded = models.DecimalField(**MONEY, default=0, db_default=0)
    coupon_code = models.CharField(max_length=32, blank=True, default="", db_default="")
    quote = models.JSONField()  # pricing.engine.Quote.to_dict(): FX, rule set, HS codes
    rule_set_id = models.CharField(max_length=60)
    promised_from = models.DateField()
    promised_by = models.DateField()
    expires_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "expires_at"]),
            models.Index(fields=["status", "delivered_at"]),
            models.Index(fields=["merchant", "-created_at"]),
            models.Index(fields=["buyer", "-created_at"]),
            # The console dashboard's orders to ship and late ones (console.dashboard).
            models.Index(
                fields=["merchant", "status", "paid_at"], name="order_merchant_status_paid"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(refunded__gte=0) & models.Q(refunded__lte=models.F("total")),
                name="order_refund_within_total",
            )
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def funded(self) -> Decimal:
        """What promotions take off the charges listed (a merchant coupon is in the goods)."""
        return self.platform_funded + self.merchant_funded

    @property
    def refundable(self):
        return self.total - self.refunded


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(Variant, on_delete=models.PROTECT, related_name="+")
    # The warehouse row reserved at checkout; null for a line of local stock, whose units are
    # the returns app's held item `held_item_id` (no foreign key: returns builds on orders).
    stock = models.ForeignKey(
        Stock, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    held_item_id = models.BigIntegerField(null=True, blank=True)
    sku = models.CharField(max_length=64)
    title = models.CharField(max_length=200)
    hs_code = models.CharField(max_length=6)
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(**MONEY)  # the merchant's price, in price_currency
    price_currency = models.CharField(max_length=3)
    amount = models.DecimalField(**MONEY)  # the line's goods in the buyer's currency (quote)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.sku} × {self.quantity}"


class OrderEvent(models.Model):
    """Every state change, with who or what caused it: the order's history."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    at = models.DateTimeField()
    source = models.CharField(max_length=40)  # checkout, payment, merchant, tracking, expiry…
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.from_status} → {self.to_status}"


class DisputeStatus(models.TextChoices):
    OPEN = "open", _("Open: waiting for the merchant")
    ANSWERED = "answered", _("Answered: waiting for the operator")
    REFUNDED = "refunded", _("Decided: refunded")
    REJECTED = "rejected", _("Decided: rejected")


class DisputeReason(models.TextChoices):
    NOT_RECEIVED = "not_received", _("Not received")
    DAMAGED = "damaged", _("Damaged")
    NOT_AS_DESCRIBED = "not_as_described", _("Not as described")
    OTHER = "other", _("Other")


#: The longest message, answer or decision a dispute keeps: longer ones are refused, not cut.
DISPUTE_TEXT_MAX = 4000


class Dispute(models.Model):
    """The buyer opens, the merchant answers, the operator decides."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="disputes")
    status = models.CharField(max_length=10, choices=DisputeStatus, default=DisputeStatus.OPEN)
    reason = models.CharField(_("reason"), max_length=40, choices=DisputeReason)
    buyer_message = models.TextField(_("what happened"))
    merchant_answer = models.TextField(_("merchant's answer"), blank=True)
    decision_note = models.TextField(_("decision"), blank=True)
    refund_amount = models.DecimalField(**MONEY, default=0)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        # Open disputes are few at any time: the dashboard reads them from here, not from a
        # merchant's every order (console.dashboard).
        indexes = [models.Index(fields=["status"], name="dispute_status")]
        constraints = [
            models.UniqueConstraint(
                fields=["order"],
                condition=models.Q(status__in=["open", "answered"]),
                name="one_open_dispute_per_order",
            )
        ]

    def __str__(self) -> str:
        return f"dispute {self.pk} on {self.order_id}"


class IdempotencyKey(models.Model):
    """A client's Idempotency-Key with a fingerprint of the request it came with and the result
    it got, so a retry returns the first result and the same key with another body is refused."""

    scope = models.CharField(max_length=30)
    owner = models.CharField(max_length=40)
    key = models.CharField(max_length=100)
    fingerprint = models.CharField(max_length=64)
    result = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "owner", "key"], name="idempotency_unique")
        ]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"


class Notification(models.Model):
    """One e-mail owed for one moment of an order's life: written in the transaction that made
    the moment happen (an outbox row), sent by a task after commit. Unique on (order, moment,
    ref), so a repeated event (a carrier resending EDG, a second capture notice) owes nothing
    more; `ref` tells apart moments that recur (each refund, each dispute, each parcel)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="notifications")
    moment = models.CharField(max_length=30)
    ref = models.CharField(max_length=40, blank=True)
    data = models.JSONField(default=dict, blank=True)  # facts of the moment (refund amount…)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)  # a sender's lease
    sent_at = models.DateTimeField(null=True, blank=True)
    recipient = models.EmailField(blank=True)
    language = models.CharField(max_length=10, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "moment", "ref"], name="notification_once_per_moment"
            )
        ]
        indexes = [models.Index(fields=["sent_at", "created_at"])]

    def __str__(self) -> str:
        return f"{self.order_id}:{self.moment}:{self.ref}"
