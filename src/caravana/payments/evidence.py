"""The evidence bundle for a chargeback: what Caravana knows that shows the goods were ordered,
shipped and delivered, gathered from the orders, their parcels' tracking events (the delivery
event's details are the delivery proof: recipient, signature or photo reference, as the carrier
reported them) and the messages exchanged (the buyer's dispute and the merchant's answer, the
order's history). The operator reads it on the case page, downloads it as JSON, and sends it.

provider_fields maps it onto Stripe's text evidence fields (https://docs.stripe.com/api/disputes/update:
customer_name, customer_email_address, shipping_address, shipping_carrier,
shipping_tracking_number, shipping_date, product_description, uncategorized_text); files
(shipping_documentation, customer_communication) would need Stripe's File upload first and are
not sent: the bundle's text carries them."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from caravana.fulfillment.models import Parcel
from caravana.orders.models import Dispute, Order, OrderEvent
from caravana.tracking.models import TrackingEvent

if TYPE_CHECKING:
    from caravana.payments.models import Chargeback

#: Events per parcel put in the bundle (the newest ones).
MAX_EVENTS = 60


def _iso(value: Any) -> str:
    return value.isoformat(timespec="seconds") if value else ""


def bundle(case: Chargeback) -> dict[str, Any]:
    orders = list(
        Order.objects.filter(group_id=case.payment.group_id)
        .select_related("buyer", "merchant", "group")
        .prefetch_related("lines")
        .order_by("pk")
    )
    numbers = [o.number for o in orders]
    parcels: dict[str, list[Parcel]] = {}
    for parcel in Parcel.objects.filter(order_ref__in=numbers).select_related("carrier"):
        parcels.setdefault(parcel.order_ref, []).append(parcel)
    out_orders: list[dict[str, Any]] = []
    for order in orders:
        shipped: list[dict[str, Any]] = []
        for parcel in parcels.get(order.number, []):
            events = list(
                TrackingEvent.objects.filter(parcel=parcel).order_by("-occurred_at")[:MAX_EVENTS]
            )
            delivered = [e for e in events if e.status == "delivered"]
            shipped.append(
                {
                    "s10": parcel.s10,
                    "carrier": str(parcel.carrier or ""),
                    "carrier_tracking_number": parcel.carrier_tracking_number,
                    "events": [
                        {
                            "at": _iso(e.occurred_at),
                            "code": e.code,
                            "status": e.status,
                            "place": e.location_name or e.location_code,
                        }
                        for e in reversed(events)
                    ],
                    "delivery_proof": [
                        {"at": _iso(e.occurred_at), "place": e.location_name, "details": e.details}
                        for e in delivered
                    ],
                }
            )
        messages: list[dict[str, str]] = [
            {"at": _iso(d.opened_at), "from": "buyer", "text": d.buyer_message}
            for d in Dispute.objects.filter(order=order)
        ] + [
            {"at": _iso(d.answered_at), "from": "merchant", "text": d.merchant_answer}
            for d in Dispute.objects.filter(order=order).exclude(merchant_answer="")
        ]
        history = [
            {"at": _iso(e.at), "status": e.to_status, "note": e.note}
            for e in OrderEvent.objects.filter(order=order).order_by("at", "pk")
        ]
        out_orders.append(
            {
                "number": order.number,
                "placed_at": _iso(order.created_at),
                "buyer": {
                    "name": order.group.recipient,
                    "email": order.group.email or order.buyer.email,
                },
                "address": {
                    "street": order.group.street_address,
                    "area": order.group.city_area,
                    "city": order.group.city,
                    "state": order.group.state,
                    "postal_code": order.group.postal_code,
                    "country": order.group.country,
                },
                "merchant": order.merchant.legal_name,
                "total": f"{order.total} {order.currency}",
                "lines": [f"{line.quantity} × {line.title}" for line in order.lines.all()],
                "parcels": shipped,
                "messages": sorted(messages, key=lambda m: m["at"]),
                "history": history,
            }
        )
    return {
        "chargeback": {
            "provider": case.provider,
            "id": case.dispute_id,
            "payment": case.payment.reference,
            "amount": str(case.amount),
            "currency": case.currency,
            "reason": case.reason,
        },
        "orders": out_orders,
    }


def provider_fields(data: dict[str, Any]) -> dict[str, str]:
    """Stripe's text evidence fields from a bundle."""
    orders = data.get("orders") or []
    first = orders[0] if orders else {}
    parcels = [p for o in orders for p in o.get("parcels", [])]
    shipped_at = next(
        (e["at"][:10] for p in parcels for e in p["events"] if e.get("code") == "EMA"), ""
    )
    address = first.get("address") or {}
    return {
        "customer_name": str(first.get("buyer", {}).get("name", "")),
        "customer_email_address": str(first.get("buyer", {}).get("email", "")),
        "shipping_address": ", ".join(str(v) for v in address.values() if v)[:500],
        "shipping_carrier": ", ".join(sorted({p["carrier"] for p in parcels if p["carrier"]})),
        "shipping_tracking_number": ", ".join(
            p["carrier_tracking_number"] or p["s10"] for p in parcels
        ),
        "shipping_date": shipped_at,
        "product_description": "; ".join(line for o in orders for line in o.get("lines", [])),
        "uncategorized_text": json.dumps(
            {
                "delivery_proof": [p["delivery_proof"] for p in parcels],
                "messages": [m for o in orders for m in o.get("messages", [])],
            },
            ensure_ascii=False,
        )[:20000],
    }
