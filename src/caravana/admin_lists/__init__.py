"""What every back-office list shares, so that it stays fast at ten million rows: estimated
counts (`counts`), filters whose choices cost no query over the listed table (`filters`) and
exact search by code (`search`). Every ModelAdmin derives from `ListAdmin`."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from caravana.admin_lists.counts import EstimatedCountPaginator
from caravana.admin_lists.filters import related_filter, text_filter, values_filter
from caravana.admin_lists.search import Code, code_search

__all__ = [
    "Code",
    "EstimatedCountPaginator",
    "ListAdmin",
    "ReadOnlyListAdmin",
    "related_filter",
    "text_filter",
    "values_filter",
]


class ListAdmin(admin.ModelAdmin):
    """A ModelAdmin whose change list counts by estimate, never counts the whole table again
    for "(N total)", computes no facets, and answers a term shaped like one of `search_codes`
    through that code's unique index. `ordering` should be one an index serves (the tests
    check it with EXPLAIN)."""

    paginator = EstimatedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    search_codes: tuple[Code, ...] = ()

    class Media:
        css = {"all": ("admin_lists/lists.css",)}

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        found = code_search(self.search_codes, queryset, search_term.strip())
        if found is not None:
            return found, False
        return super().get_search_results(request, queryset, search_term)


class ReadOnlyListAdmin(ListAdmin):
    """A list to look at: rows change only through the app's services."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
