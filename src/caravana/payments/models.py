"""Payments, refunds, webhook events, the double-entry ledger and payouts.

Card data is never stored: a payment keeps the card's brand and last four digits only."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from caravana import clock
from caravana.catalog.models import Merchant
from caravana.orders.models import Order, OrderGroup

MONEY = {"max_digits": 14, "decimal_places": 2}


class Method(models.TextChoices):
    PIX = "pix", _("Pix")
    BOLETO = "boleto", _("Boleto bancário")
    OXXO = "oxxo", _("OXXO")
    SPEI = "spei", _("SPEI bank transfer")
    CARD = "card", _("Card")
    # Chile
    WEBPAY = "webpay", _("Webpay Plus")
    KHIPU = "khipu", _("Bank transfer (Khipu)")
    # Colombia
    PSE = "pse", _("PSE")
    NEQUI = "nequi", _("Nequi")
    EFECTY = "efecty", _("Efecty")
    # Peru
    YAPE = "yape", _("Yape")
    PLIN = "plin", _("Plin")
    PAGOEFECTIVO = "pagoefectivo", _("PagoEfectivo")
    # Argentina
    MP_WALLET = "mp_wallet", _("Mercado Pago")
    RAPIPAGO = "rapipago", _("Rapipago")
    PAGOFACIL = "pagofacil", _("Pago Fácil")


class MethodOffer(models.Model):
    """A method a country's buyers are offered, as data: the operator turns one off, reorders
    them or routes one to another provider in the admin, without code. Seeded from each
    market's payment_methods (caravana.markets.countries); a country with no rows at all falls
    back to its market's tuple (payments.method_offers)."""

    country = models.CharField(max_length=2)
    method = models.CharField(max_length=20, choices=Method)
    active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)
    #: Which provider issues this method's payments here (payments.providers: "sandbox",
    #: "mercadopago", …). Blank: the default provider (PAYMENTS_PROVIDER).
    provider = models.CharField(max_length=20, default="sandbox", blank=True)

    class Meta:
        ordering = ["country", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["country", "method"], name="one_offer_per_method")
        ]
        indexes = [models.Index(fields=["country", "position"])]
        verbose_name = _("payment method offered")
        verbose_name_plural = _("payment methods offered")

    def __str__(self) -> str:
        return f"{self.country}:{self.method}"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        _forget_offers(self.country)

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        _forget_offers(self.country)
        return result


def offers_cache_key(country: str) -> str:
    """Where payments.method_offers caches a country's offers."""
    return f"payments:offers:{country}"


def _forget_offers(country: str) -> None:
    """A changed offer is seen by the next checkout (payments.method_offers caches them)."""
    from django.core.cache import cache

    cache.delete(offers_cache_key(country))


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for payment")
    SUCCEEDED = "succeeded", _("Paid")
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("Expired")
    CANCELLED = "cancelled", _("Cancelled")
    #: The provider reported an amount or currency other than what is owed: nothing is marked
    #: paid until an operator has looked at it (operations/review/).
    REVIEW = "review", _("Held for review")
    #: Money that arrived for a group already paid (or held for review and sent back): recorded
    #: in the ledger and refunded in full.
    RETURNED = "returned", _("Returned to the buyer")


class Payment(models.Model):
    """One attempt to pay an order group. A group may have several (a declined card, then Pix);
    at most one succeeds."""

    reference = models.CharField(max_length=32, unique=True)
    group = models.ForeignKey(OrderGroup, on_delete=models.PROTECT, related_name="payments")
    provider = models.CharField(max_length=20, default="sandbox")
    method = models.CharField(max_length=20, choices=Method)
    status = models.CharField(max_length=10, choices=PaymentStatus, default=PaymentStatus.PENDING)
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    installments = models.PositiveSmallIntegerField(default=1)
    installment_amounts = models.JSONField(default=list, blank=True)
    card_brand = models.CharField(max_length=20, blank=True)
    card_last4 = models.CharField(max_length=4, blank=True)
    artefact = models.JSONField(default=dict, blank=True)  # Pix payload, boleto line, CLABE…
    decline_reason = models.CharField(max_length=200, blank=True)
    notify_url = models.URLField(max_length=300, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    #: When the buyer was reminded that their voucher expires soon (payments.reminders).
    reminded_at = models.DateTimeField(null=True, blank=True)
    captured_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now, editable=False)
    # What the provider said arrived, when it is not what is owed (status review).
    received_amount = models.DecimalField(**MONEY, null=True, blank=True)
    received_currency = models.CharField(max_length=3, blank=True)
    review_note = models.CharField(max_length=300, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "expires_at"]),
            models.Index(fields=["status", "created_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["group"],
                condition=models.Q(status="succeeded"),
                name="one_capture_per_group",
            )
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def installment_total(self) -> Decimal:
        """What the buyer pays over all installments: the recorded amounts, which carry the
        provider's quoted interest (payments.issuing.quoted_plan) or the rule's."""
        if not self.installment_amounts:
            return self.amount
        return sum((Decimal(str(a)) for a in self.installment_amounts), Decimal(0))

    @property
    def installment_interest(self) -> Decimal:
        """The interest on top of the price (paid to the issuer or provider, not to us)."""
        return max(self.installment_total - self.amount, Decimal(0))


class RefundStatus(models.TextChoices):
    PENDING = "pending", _("Requested from the provider")
    PAID = "paid", _("Paid back")
    FAILED = "failed", _("Failed: needs an operator")


class Refund(models.Model):
    """Money given back. Written with its provider request (ProviderCall) in one transaction;
    `status` becomes paid when the provider has done it, with the provider's reference."""

    reference = models.CharField(max_length=32, unique=True)
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="refunds")
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    reason = models.CharField(max_length=40)
    note = models.CharField(max_length=300, blank=True)
    # What it gave back of the goods, the shipping and the duties the buyer paid (a return
    # knows; they sum to `amount`), or null: a refund known only as a sum comes off the goods,
    # then shipping, then duties (payments.split, decision 0026).
    goods = models.DecimalField(**MONEY, null=True, blank=True)
    shipping = models.DecimalField(**MONEY, null=True, blank=True)
    duties = models.DecimalField(**MONEY, null=True, blank=True)
    status = models.CharField(max_length=10, choices=RefundStatus, default=RefundStatus.PENDING)
    provider_reference = models.CharField(max_length=64, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.reference


class WebhookEvent(models.Model):
    """Every accepted provider event, by its id: a replayed id is refused."""

    provider = models.CharField(max_length=20)
    event_id = models.CharField(max_length=64)
    type = models.CharField(max_length=40)
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="webhook_event_once")
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.event_id}"


# --- ledger -------------------------------------------------------------------------------------


class AccountKind(models.TextChoices):
    CLEARING = "clearing", _("Buyer funds in clearing")
    ESCROW = "escrow", _("Escrow")
    MERCHANT_PAYABLE = "merchant_payable", _("Merchant payable")
    COMMISSION = "commission", _("Platform commission")
    SHIPPING = "shipping", _("Shipping revenue")
    DUTIES = "duties", _("Duties and taxes payable")
    REFUNDS = "refunds", _("Refunds")
    DUTY_ABSORBED = "duty_absorbed", _("Duty shortfalls absorbed by the platform")
    DUTY_RECEIVABLE = "duty_receivable", _("Duty shortfalls to recover from buyers")
    DUTY_SURPLUS = "duty_surplus", _("Duties collected beyond the assessment")
    CHARGEBACK_HOLD = "chargeback_hold", _("Merchant payables frozen by a chargeback")
    CHARGEBACK_LOSSES = "chargeback_losses", _("Chargebacks lost beyond what was frozen")
    PAYOUT_FEES = "payout_fees", _("Payout fees charged to merchants")
    FX_MARGIN = "fx_margin", _("FX margin on payouts")
    COUPONS = "coupons", _("Coupons and discounts funded by the platform")


class LedgerAccount(models.Model):
    """One account per kind, currency and (for payables) merchant or country; duties payable
    also per tax (its key ends with the rule component, duties:BRL:BR:icms). Debit-normal
    accounts (clearing, duty shortfalls absorbed or receivable) hold a positive balance as
    debits minus credits; the others are credit-normal. `balance` is kept in the same
    transaction as the entries and checked against them by reconciliation."""

    key = models.CharField(max_length=80, unique=True)
    kind = models.CharField(max_length=20, choices=AccountKind)
    currency = models.CharField(max_length=3)
    merchant = models.ForeignKey(
        Merchant, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_accounts"
    )
    country = models.CharField(max_length=2, blank=True)
    balance = models.DecimalField(**MONEY, default=0)  # in the account's normal direction

    class Meta:
        ordering = ["kind", "currency", "key"]

    def __str__(self) -> str:
        return self.key


class LedgerTransaction(models.Model):
    """A balanced set of entries. `key` makes posting idempotent (capture:PAY…, release:ORD…)."""

    key = models.CharField(max_length=80, unique=True)
    kind = models.CharField(max_length=20)
    memo = models.CharField(max_length=200, blank=True)
    order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_transactions"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.key

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("ledger transactions are immutable")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("ledger transactions are immutable")


class LedgerEntry(models.Model):
    """`amount` is signed: debit positive, credit negative; each transaction sums to zero per
    currency."""

    transaction = models.ForeignKey(
        LedgerTransaction, on_delete=models.PROTECT, related_name="entries"
    )
    account = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT, related_name="entries")
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_entries"
    )
    merchant = models.ForeignKey(
        Merchant, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_entries"
    )

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["account", "order"])]

    def __str__(self) -> str:
        return f"{self.account_id} {self.amount}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("ledger entries are immutable")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("ledger entries are immutable")


class PayoutBatch(models.Model):
    """What a merchant is paid at once, converted to its payout currency (CNY) at the recorded
    rate; each source currency is one item. At most one per merchant and `period` (2026-W49,
    2026-12: the merchant's schedule), so a retried or crashed run never pays twice."""

    reference = models.CharField(max_length=32, unique=True)
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="payouts")
    currency = models.CharField(max_length=3)
    total = models.DecimalField(**MONEY)
    #: pending until the provider has made the transfer (ProviderCall kind payout).
    status = models.CharField(max_length=10, default="pending")
    provider_reference = models.CharField(max_length=64, blank=True)
    #: The payout provider (payments.payout_providers) and the period paid ("" before periods).
    provider = models.CharField(max_length=20, blank=True)
    period = models.CharField(max_length=10, blank=True)
    #: Where the bank-file adapter wrote this payout's rows (Django storage), for operators.
    file = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "period"],
                condition=~models.Q(period=""),
                name="payout_once_per_merchant_period",
            )
        ]

    def __str__(self) -> str:
        return self.reference


class PayoutItem(models.Model):
    batch = models.ForeignKey(PayoutBatch, on_delete=models.CASCADE, related_name="items")
    source_currency = models.CharField(max_length=3)
    source_amount = models.DecimalField(**MONEY)  # the payable paid, fee and margin included
    #: Kept by the platform out of source_amount, in the source currency (own ledger entries).
    fee = models.DecimalField(**MONEY, default=0)
    fx_margin = models.DecimalField(**MONEY, default=0)
    rate = models.DecimalField(max_digits=24, decimal_places=12)
    rate_date = models.DateField()
    rate_source = models.CharField(max_length=300)
    amount = models.DecimalField(**MONEY)  # in the batch currency
    ledger_transaction = models.OneToOneField(
        LedgerTransaction, on_delete=models.PROTECT, related_name="payout_item"
    )

    def __str__(self) -> str:
        return f"{self.source_amount} {self.source_currency} → {self.amount}"


# --- the outbox: requests to payment providers --------------------------------------------------


class CallKind(models.TextChoices):
    CAPTURE = "capture", _("Capture an authorised card")
    REFUND = "refund", _("Refund")
    PAYOUT = "payout", _("Payout transfer")
    EVIDENCE = "evidence", _("Chargeback evidence")


class CallStatus(models.TextChoices):
    PENDING = "pending", _("To send")
    DONE = "done", _("Done")
    FAILED = "failed", _("Gave up: needs an operator")


class ProviderCall(models.Model):
    """A request to a payment provider, committed in the same transaction as the business change
    that needs it (the outbox). A task sends it after commit, outside any transaction; a sweeper
    sends again what a lost task left behind. `key` is the idempotency key the provider dedupes
    on, so a request sent twice moves money once."""

    key = models.CharField(max_length=80, unique=True)
    kind = models.CharField(max_length=10, choices=CallKind)
    provider = models.CharField(max_length=20)
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="calls"
    )
    refund = models.ForeignKey(
        Refund, null=True, blank=True, on_delete=models.PROTECT, related_name="calls"
    )
    payout = models.ForeignKey(
        PayoutBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="calls"
    )
    chargeback = models.ForeignKey(
        "Chargeback", null=True, blank=True, on_delete=models.PROTECT, related_name="calls"
    )
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=10, choices=CallStatus, default=CallStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_error = models.CharField(max_length=300, blank=True)
    provider_reference = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return self.key


class SandboxKind(models.TextChoices):
    CHARGE = "charge", _("Charge")
    REFUND = "refund", _("Refund")
    PAYOUT = "payout", _("Payout")


class SandboxOperation(models.Model):
    """The sandbox provider's own books: what its "bank" moved. It dedupes requests on `key`
    (the idempotency key), answers retrieve() from any process, and lets a fault run compare
    what moved with what Caravana recorded. Not Caravana's records: a real provider keeps these."""

    kind = models.CharField(max_length=10, choices=SandboxKind)
    key = models.CharField(max_length=80, unique=True)
    payment_reference = models.CharField(max_length=32, db_index=True)
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    reference = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.key}"


# --- chargebacks --------------------------------------------------------------------------------


class ChargebackStatus(models.TextChoices):
    OPEN = "open", _("Open: evidence to send")
    SUBMITTED = "submitted", _("Evidence sent")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class Chargeback(models.Model):
    """A buyer's bank took back a payment (the provider's dispute): opened by the provider's
    notification, it freezes the merchants' shares not yet paid out, gathers evidence for the
    operator to send, and books the outcome (payments.chargebacks). `holds` says, per order,
    how much of the amount fell on it and where that was frozen (escrow, payable, or nothing
    left to freeze)."""

    provider = models.CharField(max_length=20)
    dispute_id = models.CharField(max_length=64)
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="chargebacks")
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    reason = models.CharField(max_length=60, blank=True)
    status = models.CharField(
        max_length=10, choices=ChargebackStatus, default=ChargebackStatus.OPEN
    )
    provider_status = models.CharField(max_length=40, blank=True)
    due_by = models.DateTimeField(null=True, blank=True)
    holds = models.JSONField(default=list, blank=True)
    evidence = models.JSONField(default=dict, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        indexes = [models.Index(fields=["status", "due_by"])]
        constraints = [
            models.UniqueConstraint(fields=["provider", "dispute_id"], name="chargeback_once")
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.dispute_id}"

    @property
    def is_open(self) -> bool:
        return self.status in (ChargebackStatus.OPEN, ChargebackStatus.SUBMITTED)


class SavedCard(models.Model):
    """A returning buyer's card, kept as the provider's reusable token: the brand, last four
    digits and expiry to show, never the number. Paying with it sends the token back to the
    provider that issued it; deleting it forgets the token here."""

    reference = models.CharField(max_length=32, unique=True)
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_cards"
    )
    provider = models.CharField(max_length=20)
    provider_token = models.CharField(max_length=100)
    brand = models.CharField(max_length=20)
    last4 = models.CharField(max_length=4)
    exp_month = models.PositiveSmallIntegerField()
    exp_year = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["buyer", "provider", "provider_token"], name="one_saved_card_per_token"
            )
        ]

    def __str__(self) -> str:
        return f"{self.brand} ···{self.last4}"


class SandboxCard(models.Model):
    """The sandbox provider's own books of the cards its browser script tokenized (the part a
    real provider keeps in its PCI DSS scope): brand, last four, expiry and the test outcome
    its number stands for, never the number. `token` is single use (by one payment reference,
    which may retry); `card_id` is the reusable id given when the buyer asked to save it."""

    token = models.CharField(max_length=64, unique=True)
    card_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    brand = models.CharField(max_length=20)
    last4 = models.CharField(max_length=4)
    exp_month = models.PositiveSmallIntegerField()
    exp_year = models.PositiveSmallIntegerField()
    outcome = models.CharField(max_length=10)  # approve, decline, challenge
    used_by = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.token


class SandboxChallenge(models.Model):
    """A 3-D Secure style challenge the sandbox asked of a card payment: the buyer approves or
    fails it on the sandbox's own page, which then sends them back to `return_url`."""

    payment_reference = models.CharField(max_length=32, unique=True)
    return_url = models.CharField(max_length=300)
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    brand = models.CharField(max_length=20)
    last4 = models.CharField(max_length=4)
    status = models.CharField(max_length=10, default="pending")  # pending, approved, failed
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.payment_reference
