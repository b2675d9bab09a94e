"""Authorities and country settings are the operator's data; assessments and remittances are
written by the duties services only, so they are read-only here."""

from django.contrib import admin

from caravana.admin_lists import ListAdmin
from caravana.duties.models import (
    CountryDutySetting,
    DutyAssessment,
    DutyAuthority,
    RemittanceBatch,
)


@admin.register(DutyAuthority)
class DutyAuthorityAdmin(ListAdmin):
    list_display = ["code", "country", "name", "taxes", "verified", "source"]
    search_fields = ["code", "name"]
    list_filter = ["verified"]


@admin.register(CountryDutySetting)
class CountryDutySettingAdmin(ListAdmin):
    list_display = ["country", "difference_policy", "note"]
    list_filter = ["difference_policy"]


class ReadOnly(ListAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(DutyAssessment)
class DutyAssessmentAdmin(ReadOnly):
    list_display = ["parcel", "order", "country", "assessed_total", "collected_total",
                    "difference_total", "policy", "status", "assessed_at"]  # fmt: skip
    list_filter = ["status", "policy"]
    raw_id_fields = ["parcel", "order"]
    list_select_related = ["parcel", "order"]  # not every key below them (1.1 s on SQLite)


@admin.register(RemittanceBatch)
class RemittanceBatchAdmin(ReadOnly):
    list_display = ["reference", "authority", "currency", "period_start", "period_end", "total",
                    "paid_reference", "created_at"]  # fmt: skip
    list_select_related = ("authority",)
    search_fields = ["reference"]
