from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from caravana.accounts.models import ApiToken, User
from caravana.admin_lists import EstimatedCountPaginator, ListAdmin


@admin.register(User)
class UserAdmin(BaseUserAdmin, ListAdmin):
    list_display = ("username", "email", "role", "is_active", "date_joined")
    list_filter = ("role", "is_active", "is_staff")
    search_fields = ("username", "email", "first_name", "last_name")
    paginator = EstimatedCountPaginator
    ordering = ("username",)  # the unique index
    fieldsets = (*BaseUserAdmin.fieldsets, ("Caravana", {"fields": ("role", "language")}))


@admin.register(ApiToken)
class ApiTokenAdmin(ListAdmin):
    list_display = ("name", "user", "prefix", "scopes", "created_at", "last_used_at", "revoked_at")
    list_select_related = ("user",)
    list_filter = ("revoked_at",)
    search_fields = ("name", "prefix", "user__username")
    readonly_fields = ("digest", "prefix", "created_at", "last_used_at")
    raw_id_fields = ("user",)
