"""What every back-office list shares, so that it stays fast at ten million rows: estimated
counts (`counts`), filters whose choices cost no query over the listed table (`filters`) and
exact search by code (`search`). Every ModelAdmin derives from `ListAdmin`."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected
from django.contrib.admin.views.main import ALL_VAR, PAGE_VAR, ChangeList
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from caravana.admin_lists.counts import EstimatedCountPaginator, capped_count
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


#: Rows "Delete selected" deletes in one request. Django first collects every row the deletion
#: reaches, to list them on its confirmation page, then deletes them one by one where signals
#: or cascades require it: over "all N" of a million-row list that is minutes in the request.
DELETE_AT_MOST = 500


def bounded_delete_selected(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet
) -> HttpResponse | None:
    """Django's "Delete selected", refused (changing nothing, saying why and what to do)
    when more than DELETE_AT_MOST rows are selected; counting stops one row past the bound."""
    if capped_count(queryset, DELETE_AT_MOST).capped:
        modeladmin.message_user(
            request,
            _(
                "More than %(n)d rows are selected; nothing was deleted. The back office "
                "deletes at most %(n)d rows at once: narrow the list with its filters or its "
                "search, and delete page by page."
            )
            % {"n": DELETE_AT_MOST},
            messages.ERROR,
        )
        return None
    return delete_selected(modeladmin, request, queryset)


bounded_delete_selected.allowed_permissions = ("delete",)  # type: ignore[attr-defined]


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

    def get_paginator(
        self, request: HttpRequest, queryset: QuerySet, per_page: int, *args: Any, **kwargs: Any
    ) -> EstimatedCountPaginator:
        """On the first page, the paginator reads that page's rows first (`head`): a short
        list (a search's result) is then counted by its length, in that one query."""
        first = request.GET.get(PAGE_VAR, "1") in ("", "1") and ALL_VAR not in request.GET
        paginator = self.paginator(queryset, per_page, *args, head=first, **kwargs)
        request.list_paginator = paginator  # type: ignore[attr-defined]  # for ListChangeList
        return paginator

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return ListChangeList

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        """Django's actions, with "Delete selected" bounded (bounded_delete_selected)."""
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            _func, name, description = actions["delete_selected"]
            actions["delete_selected"] = (bounded_delete_selected, name, description)
        return actions


class ListChangeList(ChangeList):
    """Django's change list, showing a one-page list from the rows its paginator already read
    (Django queries a list that fits on one page a second time, unsliced)."""

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        paginator = getattr(request, "list_paginator", None)
        head = getattr(paginator, "head", None)
        if head is not None and not self.multi_page and not self.list_editable:
            self.result_list = head


class ReadOnlyListAdmin(ListAdmin):
    """A list to look at: rows change only through the app's services."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
