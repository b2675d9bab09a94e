"""Reads: what other apps need (tracking fans flight movements out to parcels with these) and
the parcel list the hub's page and the merchant console's page both show."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet

from caravana.admin_lists.counts import EstimatedCountPaginator
from caravana.catalog.models import Merchant
from caravana.fulfillment.models import Parcel
from caravana.network.models import Flight, Hub

PARCELS_PER_PAGE = 50


def parcels_on_flight(flight: Flight) -> QuerySet[Parcel]:
    """Every parcel in a bag in a ULD loaded on `flight` (one query; iterate or .values())."""
    return Parcel.objects.filter(bag__uld__flight=flight)


def parcels(
    *, hub: Hub | None = None, merchant: Merchant | None = None, state: str = ""
) -> QuerySet[Parcel]:
    """One hub's or one merchant's parcels, newest first; only those in `state` when it is one
    of Parcel.State (anything else, e.g. "", means all)."""
    if (hub is None) == (merchant is None):
        raise ValueError("parcels of a hub or of a merchant: give exactly one")
    rows = (
        Parcel.objects.filter(**({"hub": hub} if hub is not None else {"merchant": merchant}))
        .select_related("gateway", "service_level", "carrier", "bag")
        .order_by("-created_at", "-id")
    )
    if hub is not None:  # local stock leaves from a returns point, never from a hub
        rows = rows.exclude(kind="local")
    if state in Parcel.State.values:
        rows = rows.filter(state=state)
    return rows


def parcel_list(
    params: Mapping[str, str], *, hub: Hub | None = None, merchant: Merchant | None = None
) -> dict[str, Any]:
    """A parcel list page's context (the one _parcel_state_filter.html and _parcel_pager.html
    read): the page asked for in `params` (a request's GET: `state`, `page`), the state and the
    states to choose from."""
    state = params.get("state", "")
    rows = parcels(hub=hub, merchant=merchant, state=state)
    page = EstimatedCountPaginator(rows, PARCELS_PER_PAGE).get_page(params.get("page"))
    return {"page": page, "state": state, "states": Parcel.State.choices}
