"""The back office's reviews: an operator hides (or shows again) a review, giving a reason;
the decision goes through reviews.services, which keeps it in the audit log (ModerationEntry,
read-only here). Nothing else of a review is edited by hand."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from caravana.admin_lists import ListAdmin
from caravana.reviews import services
from caravana.reviews.models import REASON_MAX, ModerationEntry, Reputation, Review


class ModerationInline(admin.TabularInline):
    model = ModerationEntry
    extra = 0
    can_delete = False
    fields = ["at", "action", "reason", "actor"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class ReviewForm(forms.ModelForm):
    decision = forms.ChoiceField(
        label=_("Decision"),
        required=False,
        choices=[("", "—"), ("hide", _("Hide this review")), ("show", _("Show it again"))],
    )
    reason = forms.CharField(label=_("Reason"), required=False, max_length=REASON_MAX)

    class Meta:
        model = Review
        fields: list[str] = []

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("decision") and not (data.get("reason") or "").strip():
            raise ValidationError({"reason": _("Say why.")})
        return data


@admin.register(Review)
class ReviewAdmin(ListAdmin):
    form = ReviewForm
    list_display = ["id", "product", "stars", "language", "hidden", "helpful", "created_at"]
    list_select_related = ("product",)
    list_filter = ["hidden"]  # fixed choices only (tests/admin/test_lists.py)
    search_fields = ["=id", "=product__id", "buyer__username"]
    raw_id_fields = ["line", "product", "merchant", "buyer", "answered_by"]
    readonly_fields = ["line", "product", "merchant", "buyer", "stars", "text", "language",
                       "helpful", "answer", "answered_at", "hidden", "hidden_reason",
                       "created_at"]  # fmt: skip
    fields = [*readonly_fields, "decision", "reason"]
    inlines = [ModerationInline]
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def save_model(self, request, obj: Review, form, change: bool) -> None:
        decision = form.cleaned_data.get("decision")
        reason = form.cleaned_data.get("reason")
        if not decision:
            return
        try:
            if decision == "hide":
                services.hide(obj, request.user, reason)
            else:
                services.show(obj, request.user, reason)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))


@admin.register(Reputation)
class ReputationAdmin(ListAdmin):
    list_display = ["merchant", "badge", "orders_counted", "shipped_on_time",
                    "delivered_in_promise", "dispute_rate", "refund_rate", "rating_avg",
                    "computed_at"]  # fmt: skip
    list_select_related = ("merchant",)
    list_filter = ["badge"]
    readonly_fields = [f.name for f in Reputation._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
