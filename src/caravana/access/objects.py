"""The per-object check: a row belongs to a tenant (a merchant, a hub, a buyer) or it is 404,
the same answer as for a row that does not exist, since whether it exists is not theirs to
know. How each kind of row belongs to each kind of tenant is written once, below; asking for a
pair not written there is a programming error, never an unfiltered read."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model, Q, QuerySet
from django.shortcuts import get_object_or_404

M = TypeVar("M", bound=Model)

#: (row's model, tenant's model), as app_label.model → the lookup from the row to its tenant,
#: or a function of the tenant giving the condition.
OWNERSHIP: dict[tuple[str, str], str | Callable[[Any], Q]] = {
    ("catalog.product", "catalog.merchant"): "store__merchant",
    ("catalog.productimage", "catalog.merchant"): "product__store__merchant",
    ("catalog.store", "catalog.merchant"): "merchant",
    ("catalog.variant", "catalog.merchant"): "merchant",
    ("catalog.warehouse", "catalog.merchant"): "merchant",
    ("fulfillment.parcel", "catalog.merchant"): "merchant",
    ("fulfillment.parcel", "network.hub"): "hub",
    ("fulfillment.bag", "network.hub"): "hub",
    ("fulfillment.uld", "network.hub"): "hub",
    # A hub hands over to the flights leaving its airport.
    ("network.flight", "network.hub"): lambda hub: Q(origin=hub.airport),
    ("orders.order", "catalog.merchant"): "merchant",
    ("orders.order", "accounts.user"): "buyer",
    ("orders.ordergroup", "accounts.user"): "buyer",
    ("payments.payment", "accounts.user"): "group__buyer",
    ("accounts.apitoken", "accounts.user"): "user",
}


class _AnyOwner:
    """The tenant of an operator, who sees every tenant's rows."""

    def __repr__(self) -> str:
        return "ANY_OWNER"


ANY_OWNER: Any = _AnyOwner()


def _queryset(rows: type[M] | QuerySet[M]) -> QuerySet[M]:
    return rows if isinstance(rows, QuerySet) else rows._default_manager.all()


def belongs_to(model: type[Model], owner: Any) -> Q:
    """The condition on `model`'s rows that they belong to `owner`."""
    # owner._meta, not type(owner)'s: request.user is a lazy object wrapping the user.
    key = (model._meta.label_lower, owner._meta.label_lower)
    rule = OWNERSHIP.get(key)
    if rule is None:
        raise ImproperlyConfigured(f"access.objects.OWNERSHIP has no rule for {key}")
    return rule(owner) if callable(rule) else Q(**{rule: owner})


def owned(rows: type[M] | QuerySet[M], owner: Any) -> QuerySet[M]:
    """`rows` narrowed to those of `owner`: none for no owner (None), all for ANY_OWNER."""
    qs = _queryset(rows)
    if owner is ANY_OWNER:
        return qs
    if owner is None:
        return qs.none()
    return qs.filter(belongs_to(qs.model, owner))


def owned_or_404(rows: type[M] | QuerySet[M], owner: Any, **lookup: Any) -> M:
    """The one row matching `lookup` among `owner`'s, or Http404 (404 on pages and in the
    API alike): another tenant's row answers as a row that does not exist."""
    return get_object_or_404(owned(rows, owner), **lookup)
