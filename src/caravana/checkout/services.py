"""Checkout, the application layer over orders, pricing and payments: a cart becomes one order
per merchant (orders.placement, quoted by pricing) and their payment (payments.issuing), in one
transaction under the buyer's Idempotency-Key. Neither orders nor payments imports this module;
orders imports no payments module at all."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from caravana.errors import field_error
from caravana.orders import idempotency, placement
from caravana.orders.models import OrderGroup
from caravana.payments import issuing, providers
from caravana.payments.error_codes import PaymentsErrorCode
from caravana.payments.models import Payment
from caravana.payments.references import new_reference
from caravana.promotions import basket as promotions
from caravana.promotions import services as promotion_services
from caravana.promotions.error_codes import PromotionsErrorCode
from caravana.returns import local_orders


def checkout(
    buyer: Any,
    country: str,
    data: Mapping[str, Any],
    lines: list[tuple[int, int]],
    *,
    key: str | None = None,
    notify_url: str = "",
    return_url: str = "",
    local: list[tuple[int, int]] | None = None,
    coupon: str = "",
) -> tuple[OrderGroup, Payment, bool]:
    """Place the orders and create their payment in one transaction: (group, payment,
    replayed). `data` holds the address, buyer ID, service level, method, installments and, for
    cards, the provider's card token or a saved card (payments.cards; a raw card number is
    refused by name). `return_url`: where a card challenge sends the buyer back. `local`:
    (held item id, quantity) of local stock a returns point holds (returns.local_orders): an
    order of kind LOCAL each, no flight and no duties, its units taken in the transaction.
    `coupon` (or data["coupon"]): a coupon's code (caravana.promotions), applied to the
    quoted parcels and redeemed in the transaction; live flash deals price their lines and
    their units are taken there too."""
    method = str(data.get("method") or "")
    coupon = coupon or str(data.get("coupon") or "")
    count = data.get("installments") or 1
    if type(count) is not int:
        raise field_error(
            "installments", _("Give a whole number."), PaymentsErrorCode.INVALID_INSTALLMENTS
        )

    card = issuing.card_for(buyer, method, data, return_url, country=country)  # refuses raw cards
    if card is not None:
        card["installments"] = count
    # Validation, variant reads, quotes and the provider's issue run before the transaction
    # (prepare); inside it: the idempotency key, the orders, the payment (with its capture
    # request, for an approved card), and last the stock reservations.
    planned = {"group": placement.new_reference(), "payment": new_reference("PAY")}
    made: dict[str, Any] = {}
    deals: dict = {}
    applied: list[promotions.Applied] = []

    def promote(parcels: list[placement.Parcel], state: str | None, id_type: str) -> None:
        applied.append(promotions.apply(
            parcels, country, str(data.get("service_level") or ""), code=coupon, buyer=buyer,
            state=state, buyer_id_type=id_type,
        ))  # fmt: skip

    def prepare() -> tuple[placement.PreparedOrder, list[Decimal], str, providers.Issued]:
        issuing.provider_for_new_payment(country, method)
        try:
            prepared = placement.prepare_order(
                buyer, country, data, lines,
                local=(lambda address: local_orders.parcels_for(
                    country, address, local, str(data.get("service_level") or "")
                )) if local else None,
                prices=lambda variants: _deal_prices(variants, lines, deals, data),
                promote=promote,
            )  # fmt: skip
        except ValidationError as exc:
            errors = issuing.method_errors(country, method, buyer, data)
            if errors and hasattr(exc, "error_dict"):
                raise ValidationError({**errors, **exc.error_dict}) from exc
            raise
        plan = issuing.check_method(country, method, prepared.total, prepared.currency, count, card)
        details = issuing.method_details(country, method, data)
        addr = prepared.address
        payer = issuing.payer_details(
            buyer, str(data.get("recipient") or ""), str(data.get("email") or ""),
            prepared.id_type, prepared.id_number,
            {"street_address": addr.street_address, "city": addr.city,
             "city_area": addr.city_area, "state": addr.state, "postal_code": addr.postal_code},
        )  # fmt: skip
        payer["method"] = details
        name, issued = issuing.authorise(
            planned["payment"], method, prepared.total, prepared.currency, country, card, payer
        )
        return prepared, plan, name, issued

    def work(ready: tuple[placement.PreparedOrder, list[Decimal], str, providers.Issued]) -> dict:
        prepared, plan, name, issued = ready

        def record(group: OrderGroup) -> None:  # before the stock rows are locked
            made["payment"] = issuing.record_payment(
                group, method, count, plan, name, issued, planned["payment"], notify_url,
                new_group=True, save_card=bool(card and card.get("save")),
            )  # fmt: skip
            # Promotions' limits, each one conditional UPDATE (a failure rolls all back).
            used = applied[-1] if applied else None
            if used is not None and used.coupon is not None:
                promotion_services.redeem(
                    used.coupon.pk, buyer, group.reference, used.amount, prepared.currency
                )
            promotion_services.take_deals(deals, lines)

        group = placement.write_order(
            prepared, reference=planned["group"], before_reserving=record,
            take_local=local_orders.take,
        )  # fmt: skip
        made["group"] = group
        return {"group": group.reference, "payment": made["payment"].reference}

    fingerprint = {"country": country, "lines": sorted(lines), **issuing.public_data(data)}
    if coupon:
        fingerprint["coupon"] = promotion_services.normal_code(coupon)
    if local:
        fingerprint["local"] = sorted(local)
    result, replayed = idempotency.run(
        "checkout", str(buyer.pk), key, fingerprint, work, prepare=prepare, result=planned
    )
    if not replayed and made:
        return made["group"], made["payment"], False
    group = OrderGroup.objects.get(reference=result["group"])
    return group, Payment.objects.get(reference=result["payment"]), replayed


def _quantities(variants: list, lines: list[tuple[int, int]]) -> list[tuple[Any, int]]:
    """Each loaded variant with the quantity the cart asks of it (lines of one variant summed)."""
    wanted: dict[int, int] = {}
    for variant_id, qty in lines:
        wanted[int(variant_id)] = wanted.get(int(variant_id), 0) + qty
    return [(v, wanted.get(v.pk, 0)) for v in variants]


def _deal_prices(
    variants: list, lines: list[tuple[int, int]], deals: dict, data: Mapping[str, Any]
) -> dict[int, Decimal]:
    """The live flash deals' prices (filling `deals`). A variant the buyer's page showed at a
    deal's price (data["deals_seen"], ids) that no longer has one is refused by name: the
    buyer sees the normal price before paying it."""
    prices = promotions.deal_prices(_quantities(variants, lines), deals)
    seen = {int(v) for v in str(data.get("deals_seen") or "").split(",") if v.strip().isdigit()}
    gone = [v for v in variants if v.pk in seen and v.pk not in prices]
    if gone:
        raise field_error(
            "cart",
            _("The flash deal on %(sku)s has ended or sold out: the price is back to normal.")
            % {"sku": gone[0].sku},
            PromotionsErrorCode.DEAL_ENDED,
        )
    return prices
