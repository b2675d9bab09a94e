"""Back office: payments, refunds and webhook events to look at; the ledger read-only (entries
are immutable: corrections are new transactions, posted by the services). The big lists are
read newest first through the primary key, counted by estimate and searched by reference
through their unique index (caravana.admin_lists)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from caravana import markets
from caravana.admin_lists import Code, ListAdmin, ReadOnlyListAdmin, related_filter, values_filter
from caravana.admin_lists.search import (
    GROUP_REFERENCE,
    ORDER_NUMBER,
    PAYMENT_REFERENCE,
    prefix,
)
from caravana.payments.models import (
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    MethodOffer,
    Payment,
    PayoutBatch,
    PayoutItem,
    Refund,
    WebhookEvent,
)

ReadOnly = ReadOnlyListAdmin
#: What ledger.post is called with: the kinds of transaction there are.
TRANSACTION_KINDS = (
    "capture", "refund", "refund_paid", "release", "payout", "fx_margin", "payout_fee",
)  # fmt: skip


def _currencies() -> list[tuple[str, str]]:
    """Every currency a row can carry: the markets' and the merchants' (CNY, USD)."""
    codes = sorted({m.currency for m in markets.all()} | {"CNY", "USD"})
    return [(c, c) for c in codes]


CURRENCY = values_filter(_currencies)


@admin.register(Payment)
class PaymentAdmin(ReadOnly):
    list_display = ("reference", "group", "method", "status", "amount", "currency", "created_at")
    list_filter = ("method", "status", ("currency", CURRENCY))
    search_fields = ("reference",)
    search_codes = (
        Code(PAYMENT_REFERENCE, "reference"),
        Code(GROUP_REFERENCE, "group__reference"),
        prefix("reference"),
    )
    search_help_text = _("A payment reference, a checkout reference, or the start of one.")
    list_select_related = ("group",)
    ordering = ("-id",)
    sortable_by = ("reference",)


@admin.register(Refund)
class RefundAdmin(ReadOnly):
    list_display = ("reference", "order", "amount", "currency", "reason", "created_at")
    search_fields = ("reference",)
    search_codes = (
        Code(PAYMENT_REFERENCE, "reference"),
        Code(ORDER_NUMBER, "order__number"),
        prefix("reference"),
    )
    list_select_related = ("order",)
    ordering = ("-id",)


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnly):
    list_display = ("event_id", "provider", "type", "received_at")
    ordering = ("-id",)


@admin.register(LedgerAccount)
class LedgerAccountAdmin(ReadOnly):
    list_display = ("key", "kind", "currency", "merchant", "country", "balance")
    list_filter = ("kind", ("currency", CURRENCY))
    search_fields = ("key",)
    search_codes = (prefix("key"),)
    list_select_related = ("merchant",)


class EntryInline(admin.TabularInline):
    model = LedgerEntry
    extra = 0
    can_delete = False
    readonly_fields = ("account", "amount", "currency", "order", "merchant")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(LedgerTransaction)
class LedgerTransactionAdmin(ReadOnly):
    list_display = ("key", "kind", "order", "memo", "created_at")
    list_filter = (("kind", values_filter([(k, k) for k in TRANSACTION_KINDS], box=True)),)
    search_fields = ("key",)
    search_codes = (Code(ORDER_NUMBER, "order__number"), prefix("key"))
    list_select_related = ("order",)
    ordering = ("-id",)
    inlines = [EntryInline]


class PayoutItemInline(admin.TabularInline):
    model = PayoutItem
    extra = 0
    can_delete = False
    readonly_fields = (
        "source_currency",
        "source_amount",
        "rate",
        "rate_date",
        "rate_source",
        "amount",
    )
    exclude = ("ledger_transaction",)


@admin.register(PayoutBatch)
class PayoutBatchAdmin(ReadOnly):
    list_display = ("reference", "merchant", "total", "currency", "created_at")
    list_filter = (("currency", CURRENCY), ("merchant", related_filter("uscc", limit=0)))
    search_fields = ("reference",)
    search_codes = (prefix("reference"),)
    list_select_related = ("merchant",)
    ordering = ("-id",)
    inlines = [PayoutItemInline]


def _countries() -> list[tuple[str, str]]:
    return [(m.code, m.code) for m in markets.all()]


def _providers() -> list[tuple[str, str]]:
    from caravana.payments.providers import PROVIDERS

    return [(name, name) for name in sorted(PROVIDERS)]


@admin.register(MethodOffer)
class MethodOfferAdmin(ListAdmin):
    """The methods each country offers: untick "active" to stop offering one (checkout and the
    API refuse it at once), change "position" to reorder, "provider" to route it to another
    provider (docs/payments.md)."""

    list_display = ("country", "method", "active", "position", "provider")
    list_editable = ("active", "position", "provider")
    list_filter = (
        ("country", values_filter(_countries, box=True)),
        "active",
        ("provider", values_filter(_providers)),
    )
    ordering = ("country", "position")
