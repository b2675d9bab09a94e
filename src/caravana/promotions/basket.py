"""Promotions applied to a quoted cart, for the cart and checkout pages and for the checkout
itself (caravana.checkout passes these to orders.placement.prepare_order): flash-deal prices
before quoting, then a coupon and each merchant's free shipping on the parcels.

Who pays, and what customs sees (docs/quotes.md, "Discounts and the customs value"):

- a flash deal is the merchant's price: every line is quoted at it;
- a merchant's coupon lowers the price the merchant is paid: its parcel is quoted again at the
  lowered unit prices, so duties and taxes follow the price actually paid, and `goods` is the
  discounted goods (the merchant's share is computed on it);
- a platform coupon is paid by the platform, not the buyer, to the merchant: the quote keeps
  the full price and the discount is `platform_funded`, the platform's cost at release;
- free shipping is paid by the merchant: `merchant_funded`, taken from its share at release."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from caravana.catalog.models import Variant
from caravana.errors import field_error
from caravana.orders.models import OrderKind
from caravana.orders.placement import Parcel, quote_parcels
from caravana.pricing import local as local_pricing
from caravana.promotions import discounts, queries
from caravana.promotions.error_codes import PromotionsErrorCode as E
from caravana.promotions.models import Coupon, FlashDeal, FreeShipping, Redemption
from caravana.promotions.services import normal_code

ZERO = Decimal(0)


def deal_prices(
    items: list[tuple[Variant, int]], deals: dict[int, FlashDeal] | None = None
) -> dict[int, Decimal]:
    """Unit price by variant id for the lines a live deal covers (with enough units left for
    the line's quantity; else the line keeps its own price). `deals` is filled with them."""
    wanted: dict[int, int] = {}
    for v, q in items:
        wanted[v.pk] = wanted.get(v.pk, 0) + q
    live = queries.live_deals(wanted)
    out: dict[int, Decimal] = {}
    for vid, deal in live.items():
        if deal.remaining >= wanted[vid]:
            out[vid] = deal.price
            if deals is not None:
                deals[vid] = deal
    return out


@dataclass
class Applied:
    """The coupon that applied (None without one) and its total discount."""

    coupon: Coupon | None
    amount: Decimal = ZERO


def find_coupon(code: str, country: str, buyer: Any = None) -> Coupon:
    """The coupon for `code`, usable now in `country` by `buyer`, or a field error on "coupon"
    saying why not (basket-dependent checks are in `apply`)."""
    now = timezone.now()
    coupon = Coupon.objects.filter(code=normal_code(code), is_active=True).first()
    if coupon is None:
        raise field_error("coupon", _("There is no coupon with this code."), E.COUPON_UNKNOWN)
    if coupon.country != country:
        raise field_error(
            "coupon", _("This coupon is not valid in your country."), E.COUPON_WRONG_COUNTRY
        )
    if coupon.starts_at > now:
        raise field_error("coupon", _("This coupon is not valid yet."), E.COUPON_NOT_STARTED)
    if coupon.ends_at <= now:
        raise field_error("coupon", _("This coupon has expired."), E.COUPON_EXPIRED)
    if coupon.max_uses is not None and coupon.used >= coupon.max_uses:
        raise field_error("coupon", _("This coupon has been used up."), E.COUPON_USED_UP)
    if getattr(buyer, "is_authenticated", False):
        uses = Redemption.objects.filter(coupon=coupon, buyer=buyer).count()
        if uses >= coupon.per_buyer:
            raise field_error(
                "coupon", _("You have already used this coupon."), E.COUPON_BUYER_LIMIT
            )
    return coupon


def apply(
    parcels: list[Parcel],
    country: str,
    service: str,
    *,
    code: str = "",
    buyer: Any = None,
    state: str | None = None,
    buyer_id_type: str | None = None,
) -> Applied:
    """Apply a coupon (by code) and free shipping to quoted parcels, in place. Raises a field
    error on "coupon" when the code does not apply to this basket."""
    applied = Applied(None)
    if code.strip():
        coupon = find_coupon(code, country, buyer)
        mine = coupon.merchant_id
        eligible = [
            i
            for i, p in enumerate(parcels)
            if p.quote is not None and (mine is None or p.merchant.pk == mine)
        ]
        if not eligible:
            raise field_error(
                "coupon",
                _("This coupon is for another store's products."),
                E.COUPON_NOT_APPLICABLE,
            )
        goods = sum((parcels[i].quoted.goods for i in eligible), ZERO)
        if goods < coupon.min_basket:
            raise field_error(
                "coupon",
                _("This coupon needs a basket of at least %(amount)s %(currency)s.")
                % {"amount": coupon.min_basket, "currency": coupon.currency},
                E.COUPON_MIN_BASKET,
            )
        off = discounts.coupon_amount(coupon.kind, coupon.value, goods, coupon.currency)
        if coupon.merchant_id is None:
            shares = discounts.share(
                off, [parcels[i].quoted.goods for i in eligible], coupon.currency
            )
            for i, amount in zip(eligible, shares, strict=True):
                parcels[i].platform_funded += amount
                parcels[i].discount += amount
                parcels[i].coupon_code = coupon.code
            applied = Applied(coupon, off)
        elif parcels[eligible[0]].kind == OrderKind.LOCAL:
            # Local stock (decision 0022): no customs value to quote again, the lines' goods
            # are lowered by the coupon's share and the delivery stays.
            i = eligible[0]
            before = parcels[i]
            lowered: Any = local_pricing.discounted(  # answers what a Quote is asked (0022)
                cast(local_pricing.LocalQuote, before.quote), 1 - off / before.quoted.goods
            )
            again_local = replace(before, quote=lowered)
            saved = before.quoted.goods - again_local.quoted.goods
            again_local.discount, again_local.coupon_code = saved, coupon.code
            parcels[i] = again_local
            applied = Applied(coupon, saved)
        else:
            i = eligible[0]
            before = parcels[i]
            factor = 1 - off / before.quoted.goods
            prices = {
                v.pk: discounts.scaled_price(before.prices.get(v.pk, v.price), factor)
                for v, _q in before.items
            }
            again = quote_parcels(
                before.items, country, service, state=state, buyer_id_type=buyer_id_type,
                prices=prices,
            )[0]  # fmt: skip
            if again.quote is None or not again.quote.ok:
                raise field_error("coupon", again.error or _("This coupon cannot be applied."),
                                  E.COUPON_NOT_APPLICABLE)  # fmt: skip
            saved = before.quoted.goods - again.quoted.goods
            again.discount, again.coupon_code = saved, coupon.code
            parcels[i] = again
            applied = Applied(coupon, saved)
    free_shipping(parcels)
    return applied


def free_shipping(parcels: list[Parcel]) -> None:
    """A merchant's parcel whose goods (at the prices paid, in the merchant's currency) reach
    its threshold ships free: the merchant pays the shipping (not the insurance)."""
    offers: Mapping[int, FreeShipping] = queries.free_shipping_by_merchant(
        p.merchant.pk for p in parcels
    )
    for p in parcels:
        offer = offers.get(p.merchant.pk)
        # Not local stock: the threshold is on the merchant's prices (CNY) for carriage from
        # China; a returns point's local delivery is another carrier's price (decision 0026).
        if offer is None or p.quote is None or not p.quote.ok or p.kind == OrderKind.LOCAL:
            continue
        goods = sum(
            (p.prices.get(v.pk, v.price) * q for v, q in p.items if v.currency == offer.currency),
            ZERO,
        )
        if goods >= offer.threshold and p.quoted.shipping is not None:
            amount = p.quoted.shipping.amount
            p.merchant_funded += amount
            p.discount += amount


def threshold_left(parcel: Parcel) -> tuple[Decimal, str] | None:
    """How much more (merchant's currency) would make this parcel ship free, if its merchant
    offers free shipping and it is not reached yet."""
    offer = FreeShipping.objects.filter(merchant_id=parcel.merchant.pk, is_active=True).first()
    if offer is None:
        return None
    goods = sum((parcel.prices.get(v.pk, v.price) * q for v, q in parcel.items), ZERO)
    if goods >= offer.threshold:
        return None
    return offer.threshold - goods, offer.currency


def check(
    code: str,
    country: str,
    buyer: Any,
    parcels: list[Parcel],
    service: str,
    state: str | None = None,
) -> dict:
    """A coupon checked against a basket (the API's validation): its discount or the error."""
    try:
        applied = apply(parcels, country, service, code=code, buyer=buyer, state=state)
    except ValidationError as exc:
        return {"valid": False, "errors": exc.message_dict}
    assert applied.coupon is not None
    return {"valid": True, "discount": applied.amount, "currency": applied.coupon.currency,
            "funding": applied.coupon.funding}  # fmt: skip
