"""Who hands parcels over to carriers at a gateway: operators at every gateway, the gateway's
own desk officers (clearance.GatewayMember of kind officer) at theirs. A customs broker's
account decides customs matters only: it does not hand parcels to carriers."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _

from caravana.access.members import is_operator
from caravana.clearance.models import GatewayMember
from caravana.errors import field_error
from caravana.handover.error_codes import HandoverErrorCode
from caravana.network.models import Gateway


def gateway_of(user: Any) -> Gateway | None:
    """The active gateway `user` is a desk officer of (brokers: None)."""
    member = (
        GatewayMember.objects.select_related("gateway")
        .filter(user_id=getattr(user, "pk", None), kind=GatewayMember.Kind.OFFICER)
        .first()
    )
    if member is None or not member.gateway.is_active:
        return None
    return member.gateway


def may_hand_over(user: Any, gateway: Gateway) -> bool:
    if is_operator(user):
        return True
    own = gateway_of(user)
    return own is not None and own.pk == gateway.pk


def require(user: Any, gateway: Gateway) -> None:
    """A ValidationError on "user" (the services' check) unless `user` may hand over here."""
    if not may_hand_over(user, gateway):
        raise field_error(
            "user",
            _("Only an operator or a desk officer of %(g)s hands parcels to carriers there.")
            % {"g": gateway.iata},
            HandoverErrorCode.HANDOVER_STAFF_ONLY,
        )


def check(request: HttpRequest, gateway: Gateway) -> None:
    """403 unless the signed-in user may hand over at `gateway` (the pages' check)."""
    if not may_hand_over(request.user, gateway):
        raise PermissionDenied("this gateway's handover staff only")
