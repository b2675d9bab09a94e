"""Who works which gateway's customs desk: operators every gateway, a desk officer or a
broker their own (GatewayMember). Pages and the API ask here; the same Membership shape as
access.members, so access.auth's MemberAuth serves the broker's token."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext_lazy

from caravana.access.auth import MemberAuth
from caravana.access.members import Membership, is_operator
from caravana.clearance.error_codes import ClearanceErrorCode
from caravana.clearance.models import GatewayMember
from caravana.network.models import Gateway


def gateway_of(user: Any) -> Gateway | None:
    """The (active) gateway `user` works the customs desk of, as an officer or a broker."""
    member = (
        GatewayMember.objects.select_related("gateway")
        .filter(user_id=getattr(user, "pk", None))
        .first()
    )
    if member is None or not member.gateway.is_active:
        return None
    return member.gateway


def may_work(user: Any, gateway: Gateway) -> bool:
    """Operators work every gateway's desk; members their own."""
    if is_operator(user):
        return True
    own = gateway_of(user)
    return own is not None and own.pk == gateway.pk


def desk_user(user: Any) -> bool:
    return is_operator(user) or gateway_of(user) is not None


def check(request: HttpRequest, gateway: Gateway) -> None:
    """403 unless the signed-in user may work `gateway`'s desk."""
    if not may_work(request.user, gateway):
        raise PermissionDenied("this gateway's customs desk only")


GATEWAY = Membership(
    "gateway",
    gateway_of,
    gettext_lazy("Only a customs broker or desk officer of a gateway may do this."),
    ClearanceErrorCode.GATEWAY_STAFF_ONLY,  # type: ignore[arg-type]  # a StrEnum like access's
)


class BrokerAuth(MemberAuth):
    """A broker's (or desk officer's) token with the clearance scope: request.gateway is the
    one gateway it may decide for."""

    membership = GATEWAY
