"""What the buyer reads after a failed delivery, written by orders.notifications (registered in
RedeliveryConfig.ready): in the buyer's language, with the reason in their words and the way
to choose on the order page."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from caravana.orders import notifications as n
from caravana.redelivery.models import Reason


def _reason(code: str) -> str:
    return str(Reason(code).label) if code in Reason.values else str(Reason.OTHER.label)


def delivery_failed(order: Any, row: Any, fmt: n.Formats, language: str) -> n.Content:
    data = row.data
    anchor = f"#attempt-{row.ref[1:]}" if row.ref.startswith("a") else ""
    left = int(data.get("limit", 3)) - int(data.get("attempt", 1))
    paragraphs = [
        _("The carrier could not deliver your parcel %(s10)s today.") % {"s10": data.get("s10")},
        _("Reason given: %(reason)s") % {"reason": _reason(data.get("reason", ""))},
        _("Tell us what to do on your order page: a new attempt on a day you choose, collecting "
          "it at a pick-up point, or a corrected address."),
    ]  # fmt: skip
    if left > 0:
        paragraphs.append(
            _("The carrier tries at most %(limit)s times; after that the parcel goes back to "
              "the sender.") % {"limit": data.get("limit")}
        )  # fmt: skip
    return n.Content(
        subject=_("We could not deliver order %(number)s: choose what to do")
        % {"number": order.number},
        heading=_("Delivery attempt failed"),
        paragraphs=paragraphs,
        parcels=n._parcels(order, data.get("s10", "")),
        action=(
            _("Choose on your order page"),
            n.url(reverse("orders:detail", args=[order.number]) + anchor),
        ),
    )


def delivery_returning(order: Any, row: Any, fmt: n.Formats, language: str) -> n.Content:
    data = row.data
    return n.Content(
        subject=_("Your parcel for order %(number)s is going back to the sender")
        % {"number": order.number},
        heading=_("Going back to the sender"),
        paragraphs=[
            _(
                "The carrier tried to deliver your parcel %(s10)s %(n)s times without success, "
                "so it is going back to the sender."
            )
            % {"s10": data.get("s10"), "n": data.get("attempt")},
            _("Last reason given: %(reason)s") % {"reason": _reason(data.get("reason", ""))},
            _("Your order page shows what happens next."),
        ],  # fmt: skip
        parcels=n._parcels(order, data.get("s10", "")),
        action=n._order_link(order),
    )
