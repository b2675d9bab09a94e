"""Whom a user works for: the merchant, hub or carrier they are staff of, and whether they may
plan the network. One query each; None (or False) for anyone else. Pages, the API and the
services that check a scan all ask here, so the rule is written once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Model
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from caravana.access.error_codes import AccessErrorCode
from caravana.accounts.models import Role
from caravana.catalog.models import Merchant, MerchantMember
from caravana.network.models import Carrier, CarrierMember, Hub, HubMember


def _belongs_to(membership: type[Model], field: str, user: Any) -> Any:
    """What `user`'s row in `membership` (a one-to-one on the user) points to through `field`."""
    member = (
        membership._default_manager.select_related(field)
        .filter(user_id=getattr(user, "pk", None))
        .first()
    )
    return getattr(member, field) if member is not None else None


def merchant_of(user: Any) -> Merchant | None:
    """The merchant `user` is staff of."""
    return _belongs_to(MerchantMember, "merchant", user)


def hub_of(user: Any) -> Hub | None:
    """The hub `user` works at, if it is active: staff of a closed hub may not work there."""
    hub = _belongs_to(HubMember, "hub", user)
    return hub if hub is not None and hub.is_active else None


def carrier_of(user: Any) -> Carrier | None:
    """The active carrier `user` (a person or an integration account) speaks for."""
    carrier = _belongs_to(CarrierMember, "carrier", user)
    return carrier if carrier is not None and carrier.is_active else None


def is_operator(user: Any) -> bool:
    """Operators (and superusers) run the platform: every merchant's orders, the ledger."""
    return bool(getattr(user, "is_authenticated", False) and user.is_operator)


def can_plan(user: Any) -> bool:
    """Network planners and operators plan; nobody else sees capacity and costs."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser or user.role in (Role.PLANNER, Role.OPERATOR))


@dataclass(frozen=True)
class Membership:
    """One kind of staff: how to find what a user belongs to, the request attribute the API
    and pages put it on, and what a refusal says (the API's 403 detail, the page's reason)."""

    attribute: str
    find: Callable[[Any], Any | None]
    refusal: str | Promise
    code: AccessErrorCode


MERCHANT = Membership(
    "merchant", merchant_of, "merchant staff only", AccessErrorCode.MERCHANT_STAFF_ONLY
)
HUB = Membership("hub", hub_of, "hub staff only", AccessErrorCode.HUB_STAFF_ONLY)
CARRIER = Membership(
    "carrier",
    carrier_of,
    gettext_lazy("Only a carrier's API token can post tracking events."),
    AccessErrorCode.CARRIER_ONLY,
)
