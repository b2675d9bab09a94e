"""Back office for tracking. Events are read-only here: they change only through
tracking.recording (a hand edit would bypass the ordering rules and the notifications).
Webhook endpoints are the merchants' settings and are editable.

The event list holds tens of millions of rows: it is read newest first through the primary
key, counted by estimate, filtered on fixed choices, and searched by S10 (the parcel first,
then its events through trk_event_parcel_time) or by event id (through trk_event_source_id,
one probe per source), never by scanning (caravana.admin_lists)."""

from __future__ import annotations

from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from caravana import webhook_signing
from caravana.admin_lists import (
    Code,
    ListAdmin,
    ReadOnlyListAdmin,
    related_filter,
    values_filter,
)
from caravana.admin_lists.search import S10, UUID
from caravana.network.models import Carrier
from caravana.tracking.models import (
    EVENT_LABELS,
    TrackingEvent,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from caravana.tracking.models import Source as EventSource

EVENT_TYPE = "parcel.status_changed"  # what tracking.tasks sends
HTTP_CODES = [(str(c), str(c)) for c in (200, 204, 400, 401, 403, 404, 410, 429, 500, 502, 503)]


def _upu_codes() -> list[tuple[str, str]]:
    return [(code, f"{code} · {label}") for code, label in EVENT_LABELS.items() if code.isupper()]


def _sources() -> list[str]:
    """Every source an event can have: the hub, flights and each carrier (a small table)."""
    carriers = Carrier.objects.order_by("code").values_list("code", flat=True)[:500]
    return [EventSource.HUB, EventSource.FLIGHT, *(EventSource.carrier(c) for c in carriers)]


@admin.register(TrackingEvent)
class TrackingEventAdmin(ReadOnlyListAdmin):
    list_display = ("parcel", "code", "status", "occurred_at", "location_name", "source",
                    "event_id", "received_at")  # fmt: skip
    list_filter = (
        "status",
        ("code", values_filter(_upu_codes)),
        (
            "source",
            values_filter([(s, s) for s in (EventSource.HUB, EventSource.FLIGHT)], box=True),
        ),
        ("carrier", related_filter("code")),
    )
    search_fields = ("=event_id",)
    search_codes = (Code(S10, "parcel__s10"),)
    search_help_text = _("An S10 number or an event id, exactly.")
    list_select_related = ("parcel",)
    raw_id_fields = ("parcel", "carrier")
    ordering = ("-id",)  # the primary key: newest first without a sort
    sortable_by = ()  # any other order sorts ten million rows

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        term = search_term.strip()
        if not term or self.search_codes[0].looks_like(term):
            return super().get_search_results(request, queryset, search_term)
        # An event id is unique within its source: one probe of trk_event_source_id per source.
        return queryset.filter(source__in=_sources(), event_id=term), False


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ListAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ("url", "merchant", "active", "description", "created_at")
    list_select_related = ("merchant",)
    list_filter = ("active",)
    search_fields = ("url", "merchant__legal_name", "description")
    raw_id_fields = ("merchant",)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict:
        """A new endpoint starts with a fresh Standard Webhooks secret (whsec_…)."""
        initial = super().get_changeform_initial_data(request)
        return {"secret": webhook_signing.new_secret(), **initial}


class AttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    readonly_fields = ("number", "at", "status_code", "error", "duration_ms", "retry_in_s")

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyListAdmin):
    list_display = ("uuid", "endpoint", "event_type", "state", "attempts", "last_status_code",
                    "next_attempt_at", "created_at")  # fmt: skip
    list_filter = ("state", ("event_type", values_filter([(EVENT_TYPE, EVENT_TYPE)], box=True)))
    search_fields = ("endpoint__url",)
    search_codes = (Code(UUID, "uuid"),)
    ordering = ("-id",)
    list_select_related = ("endpoint",)
    raw_id_fields = ("endpoint", "event")
    inlines = [AttemptInline]


@admin.register(WebhookAttempt)
class WebhookAttemptAdmin(ReadOnlyListAdmin):
    list_display = ("delivery", "number", "at", "status_code", "error", "retry_in_s")
    list_select_related = ("delivery",)
    list_filter = (("status_code", values_filter(HTTP_CODES, box=True)),)
    search_fields = ("delivery__endpoint__url",)
    search_codes = (Code(UUID, "delivery__uuid"),)
    ordering = ("-id",)
    raw_id_fields = ("delivery",)
