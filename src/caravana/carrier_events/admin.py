"""Back office: each carrier's feed (adapter, webhook secret, tracking API) and the list of
events kept for review (statuses no adapter maps, numbers of no parcel, bad times), read-only:
they are the carriers' words as received."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from caravana import webhook_signing
from caravana.admin_lists import ListAdmin, ReadOnlyListAdmin, related_filter
from caravana.carrier_events import services
from caravana.carrier_events.models import CarrierFeed, HeldCarrierEvent


@admin.register(CarrierFeed)
class CarrierFeedAdmin(ListAdmin):
    list_display = ("carrier", "adapter", "webhook_auth", "poll_enabled", "last_polled_at")
    list_select_related = ("carrier",)
    list_filter = ("adapter", "webhook_auth", "poll_enabled")
    raw_id_fields = ("carrier",)
    readonly_fields = ("last_polled_at", "basic_password_set")
    ordering = ("id",)
    actions = ("new_basic_password",)

    @admin.display(description=_("HTTP Basic password set"), boolean=True)
    def basic_password_set(self, feed: CarrierFeed) -> bool:
        return bool(feed.basic_password_digest)

    @admin.action(description=_("New HTTP Basic password"), permissions=["change"])
    def new_basic_password(self, request: HttpRequest, queryset: QuerySet[CarrierFeed]) -> None:
        """Switch each chosen feed to HTTP Basic credentials with a new password, shown here
        once for the carrier: only its SHA-256 is kept."""
        for feed in queryset.select_related("carrier"):
            try:
                password = services.set_basic_credentials(feed)
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)
                continue
            self.message_user(
                request,
                _("%(c)s: user %(u)s, password %(p)s (shown once: give it to the carrier now).")
                % {"c": feed.carrier.code, "u": feed.basic_user, "p": password},
                messages.WARNING,
            )

    def get_changeform_initial_data(self, request: HttpRequest) -> dict:
        initial = super().get_changeform_initial_data(request)
        return {"webhook_secret": webhook_signing.new_secret(), **initial}


@admin.register(HeldCarrierEvent)
class HeldCarrierEventAdmin(ReadOnlyListAdmin):
    list_display = ("received_at", "carrier", "number", "status", "description", "problem",
                    "occurred_at", "via")  # fmt: skip
    list_filter = ("problem", "via", ("carrier", related_filter("code")))
    search_fields = ("=number",)
    search_help_text = _("A tracking number, exactly.")
    list_select_related = ("carrier",)
    ordering = ("-id",)
    sortable_by = ()
