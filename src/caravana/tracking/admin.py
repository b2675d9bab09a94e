"""Back office for tracking. Events are read-only here: they change only through
tracking.recording (a hand edit would bypass the ordering rules and the notifications).
Webhook endpoints are the merchants' settings and are editable."""

from __future__ import annotations

from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from caravana import webhook_signing
from caravana.tracking.models import (
    TrackingEvent,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(TrackingEvent)
class TrackingEventAdmin(ReadOnly):
    list_display = ("parcel", "code", "status", "occurred_at", "location_name", "source",
                    "event_id", "received_at")  # fmt: skip
    list_filter = ("status", "code", "source", "carrier")
    search_fields = ("=parcel__s10", "=event_id")
    list_select_related = ("parcel",)
    raw_id_fields = ("parcel", "carrier")
    date_hierarchy = None
    show_full_result_count = False  # no COUNT(*) over millions of rows per page view


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ("url", "merchant", "active", "description", "created_at")
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
class WebhookDeliveryAdmin(ReadOnly):
    list_display = ("uuid", "endpoint", "event_type", "state", "attempts", "last_status_code",
                    "next_attempt_at", "created_at")  # fmt: skip
    list_filter = ("state", "event_type")
    search_fields = ("=uuid", "endpoint__url")
    list_select_related = ("endpoint",)
    raw_id_fields = ("endpoint", "event")
    inlines = [AttemptInline]


@admin.register(WebhookAttempt)
class WebhookAttemptAdmin(ReadOnly):
    list_display = ("delivery", "number", "at", "status_code", "error", "retry_in_s")
    list_filter = ("status_code",)
    search_fields = ("=delivery__uuid",)
    raw_id_fields = ("delivery",)
