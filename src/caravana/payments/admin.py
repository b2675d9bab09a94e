"""Back office: payments, refunds and webhook events to look at; the ledger read-only (entries
are immutable: corrections are new transactions, posted by the services)."""

from django.contrib import admin

from caravana.payments.models import (
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    Payment,
    PayoutBatch,
    PayoutItem,
    Refund,
    WebhookEvent,
)


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Payment)
class PaymentAdmin(ReadOnly):
    list_display = ("reference", "group", "method", "status", "amount", "currency", "created_at")
    list_filter = ("method", "status", "currency")
    search_fields = ("reference", "group__reference")


@admin.register(Refund)
class RefundAdmin(ReadOnly):
    list_display = ("reference", "order", "amount", "currency", "reason", "created_at")
    search_fields = ("reference", "order__number")


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnly):
    list_display = ("event_id", "provider", "type", "received_at")


@admin.register(LedgerAccount)
class LedgerAccountAdmin(ReadOnly):
    list_display = ("key", "kind", "currency", "merchant", "country", "balance")
    list_filter = ("kind", "currency")


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
    list_filter = ("kind",)
    search_fields = ("key", "order__number")
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
    inlines = [PayoutItemInline]
