"""List filters whose choices cost nothing to build.

Django's own filters read their choices from the database: a filter on a foreign key lists
every row of the related table (twenty thousand merchants), one on a plain text column runs
SELECT DISTINCT over the whole listed table (ten million tracking events). These take their
choices from a fixed list (`values_filter`) or from at most `limit` rows of a small related
table (`related_filter`); past the limit, or for free text (`text_filter`), the operator types
the value into a box and the list is filtered on it exactly.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import ValidationError
from django.db.models import Field, Model, QuerySet
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

Choices = Iterable[tuple[str, str]]

#: How long a related filter's choices (hubs, gateways, service levels: tables an operator
#: changes a few times a year) are kept in the process before they are read again: every list
#: view otherwise spends a query on each.
CHOICES_SECONDS = 60.0
_CHOICES: dict[tuple, tuple[float, list[tuple[str, str]]]] = {}


def _forget_choices(sender: type[Model], **kwargs: Any) -> None:
    """A saved or deleted hub (any related row) is offered anew on the next view here."""
    label = sender._meta.label
    # list() copies the keys in one step: another thread may cache choices meanwhile, and a
    # dict that grows while a loop walks it raises RuntimeError.
    for key in list(_CHOICES):
        if key[0] == label:
            _CHOICES.pop(key, None)


def _watch(model: type[Model]) -> None:
    """Forget `model`'s cached choices when one of its rows is saved or deleted. Connected per
    model, the first time its choices are cached, so other models' writes (checkout's inserts
    above all, caravana.inserts) carry no receiver."""
    label = model._meta.label
    post_save.connect(_forget_choices, sender=model, dispatch_uid=f"admin_lists.save.{label}")
    post_delete.connect(_forget_choices, sender=model, dispatch_uid=f"admin_lists.del.{label}")


class _ExactFilter(admin.FieldListFilter):
    """One parameter, `<field_path>__exact`, matched exactly; subclasses say what to offer."""

    template = "admin_lists/filter.html"
    box = False  # show a text box for a value not in the list

    def __init__(self, field, request, params, model, model_admin, field_path) -> None:
        self.lookup_kwarg = f"{field_path}__exact"
        self.request = request
        super().__init__(field, request, params, model, model_admin, field_path)
        self.value = str(self.used_parameters.get(self.lookup_kwarg, [""])[-1] or "")

    def expected_parameters(self) -> list[str]:
        return [self.lookup_kwarg]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if not self.value:
            return queryset
        try:
            return queryset.filter(**{self.lookup_kwarg: self.value})
        except (ValueError, ValidationError) as exc:
            raise IncorrectLookupParameters(exc) from exc

    def offered(self) -> list[tuple[str, str]]:
        """The values listed under the filter; none here (a box alone), subclasses say which."""
        return []

    def has_output(self) -> bool:
        return True

    def choices(self, changelist) -> Iterator[dict[str, Any]]:
        yield {
            "selected": not self.value,
            "query_string": changelist.get_query_string(remove=[self.lookup_kwarg]),
            "display": _("All"),
        }
        offered = self.offered()
        for value, label in offered:
            yield {
                "selected": self.value == str(value),
                "query_string": changelist.get_query_string({self.lookup_kwarg: value}),
                "display": label,
            }
        if self.value and all(self.value != str(v) for v, _label in offered):
            yield {
                "selected": True,
                "query_string": changelist.get_query_string({self.lookup_kwarg: self.value}),
                "display": self.value,
            }

    def keep(self) -> list[tuple[str, str]]:
        """The page's other parameters, carried by the box's form."""
        return [
            (k, v)
            for k, values in self.request.GET.lists()
            if k not in (self.lookup_kwarg, "p")
            for v in values
        ]


class _ValuesFilter(_ExactFilter):
    values: Callable[[], Choices] = staticmethod(lambda: ())

    def offered(self) -> list[tuple[str, str]]:
        return [(str(v), str(label)) for v, label in type(self).values()]


def values_filter(values: Choices | Callable[[], Choices], box: bool = False) -> type:
    """A filter offering `values` ((value, label) pairs, or a function returning them), never
    a SELECT DISTINCT. `box` adds a text box for any other value."""
    if callable(values):
        fn = values
    else:
        fixed = list(values)
        fn = lambda: fixed  # noqa: E731
    return type("ValuesFilter", (_ValuesFilter,), {"values": staticmethod(fn), "box": box})


def text_filter() -> type:
    """A text box only: the list keeps the rows whose column equals what was typed."""
    return values_filter((), box=True)


class _RelatedFilter(_ExactFilter):
    """A foreign key filtered by a natural key of the related row (a hub's code, a carrier's
    code): the first `limit` related rows are offered, and a box takes any other."""

    key = "pk"
    limit = 30

    def __init__(self, field: Field, request, params, model, model_admin, field_path) -> None:
        self.key_path = f"{field_path}__{self.key}"
        super().__init__(field, request, params, model, model_admin, field_path)
        self.title = getattr(field, "verbose_name", field_path)

    def expected_parameters(self) -> list[str]:
        return [self.lookup_kwarg]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if not self.value:
            return queryset
        related: type[Model] = self.field.related_model
        # The related row first (a unique key: one index probe), then the list by its id, so
        # the listed table is read through its own foreign-key index, never joined.
        try:
            pk = related._default_manager.filter(**{self.key: self.value}).values_list(
                "pk", flat=True
            )[:1]
            found = list(pk)
        except (ValueError, ValidationError) as exc:
            raise IncorrectLookupParameters(exc) from exc
        return queryset.filter(**{f"{self.field_path}_id": found[0] if found else None})

    def offered(self) -> list[tuple[str, str]]:
        if self.limit == 0:
            self.box = True  # a box alone: nothing to read
            return []
        related: type[Model] = self.field.related_model
        key = (related._meta.label, self.key, self.limit, get_language())
        cached = _CHOICES.get(key)
        if cached is None or cached[0] < time.monotonic():
            rows = list(related._default_manager.order_by(self.key)[: self.limit + 1])
            choices = [(str(getattr(r, self.key)), str(r)) for r in rows]
            cached = (time.monotonic() + CHOICES_SECONDS, choices)
            _watch(related)
            _CHOICES[key] = cached
        choices = cached[1]
        self.box = len(choices) > self.limit
        return choices[: self.limit]


def related_filter(key: str = "pk", limit: int = 30) -> type:
    """A filter for a foreign key, offering at most `limit` related rows ordered by `key` (a
    unique field: hub code, carrier code, flight number…) and a box for any other."""
    return type("RelatedFilter", (_RelatedFilter,), {"key": key, "limit": limit})
