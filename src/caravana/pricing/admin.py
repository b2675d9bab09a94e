from django.contrib import admin

from caravana.pricing.models import FxRate


@admin.register(FxRate)
class FxRateAdmin(admin.ModelAdmin):
    list_display = ("base", "quote", "rate", "date", "source")
    list_filter = ("base", "quote", "date")
    search_fields = ("base", "quote", "source")
    date_hierarchy = "date"
