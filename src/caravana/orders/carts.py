"""Every write to carts: lines added, changed and merged at login, within the limits a checkout
accepts (MAX_CART_LINES, MAX_LINE_QUANTITY); and an order's lines put back when the buyer gives
up on its payment."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from caravana.catalog import sellable
from caravana.catalog.models import Stock, Variant
from caravana.errors import field_error
from caravana.orders.error_codes import OrdersErrorCode
from caravana.orders.models import (
    Cart,
    CartLine,
    OrderLine,
)

MAX_CART_LINES = 50
MAX_LINE_QUANTITY = 99


def check_quantity(quantity: Any) -> int:
    if type(quantity) is not int or not 1 <= quantity <= MAX_LINE_QUANTITY:
        raise field_error(
            "quantity",
            _("Choose between 1 and %(n)d units.") % {"n": MAX_LINE_QUANTITY},
            OrdersErrorCode.INVALID_QUANTITY,
        )
    return quantity


@transaction.atomic
def create_cart(user: Any = None) -> Cart:
    if user is not None and user.is_authenticated:
        cart, _created = Cart.objects.get_or_create(user=user)
        return cart
    return Cart.objects.create()


@transaction.atomic
def add_to_cart(cart: Cart, variant_id: int, quantity: int = 1) -> CartLine:
    """Add units (or more units of a line already there). Stock is only reserved at checkout,
    but a cart cannot ask for more than is on sale now."""
    check_quantity(quantity)
    variant = (
        Variant.objects.select_related("product")
        .filter(pk=variant_id, product__is_active=True)
        .first()
    )
    if variant is None or not sellable.receivable(variant):
        raise field_error(
            "variant", _("This product is not for sale."), OrdersErrorCode.NOT_FOR_SALE
        )
    line = CartLine.objects.select_for_update().filter(cart=cart, variant=variant).first()
    wanted = quantity + (line.quantity if line else 0)
    if line is None and cart.lines.count() >= MAX_CART_LINES:
        raise field_error(
            "variant", _("A cart holds at most 50 products."), OrdersErrorCode.CART_FULL
        )
    return _set_line(cart, variant, line, min(wanted, MAX_LINE_QUANTITY))


def _available(variant: Variant) -> int:
    return sum(s.quantity - s.reserved for s in Stock.objects.filter(variant=variant))


def _set_line(cart: Cart, variant: Variant, line: CartLine | None, quantity: int) -> CartLine:
    if quantity > _available(variant):
        raise field_error(
            "quantity", _("Not enough stock for this quantity."), OrdersErrorCode.OUT_OF_STOCK
        )
    if line is None:
        line = CartLine.objects.create(cart=cart, variant=variant, quantity=quantity)
    else:
        line.quantity = quantity
        line.save(update_fields=["quantity"])
    Cart.objects.filter(pk=cart.pk).update(updated_at=timezone.now())
    return line


@transaction.atomic
def set_cart_quantity(cart: Cart, line_id: int, quantity: int) -> CartLine | None:
    """Quantity 0 removes the line."""
    line = (
        CartLine.objects.select_for_update()
        .select_related("variant")
        .filter(cart=cart, pk=line_id)
        .first()
    )
    if line is None:
        raise field_error("line", _("This line is not in your cart."), OrdersErrorCode.NOT_IN_CART)
    if quantity == 0:
        line.delete()
        return None
    check_quantity(quantity)
    return _set_line(cart, line.variant, line, quantity)


@transaction.atomic
def merge_carts(anonymous_cart_id: int | None, user: Any) -> Cart:
    """At login the session's cart joins the user's: quantities of the same variant add up."""
    cart, _created = Cart.objects.get_or_create(user=user)
    if not anonymous_cart_id or anonymous_cart_id == cart.pk:
        return cart
    other = Cart.objects.filter(pk=anonymous_cart_id, user__isnull=True).first()
    if other is None:
        return cart
    mine = {ln.variant_id: ln for ln in cart.lines.all()}
    for ln in other.lines.all()[:MAX_CART_LINES]:
        if ln.variant_id in mine:
            target = mine[ln.variant_id]
            target.quantity = min(target.quantity + ln.quantity, MAX_LINE_QUANTITY)
            target.save(update_fields=["quantity"])
        elif len(mine) < MAX_CART_LINES:
            mine[ln.variant_id] = CartLine.objects.create(
                cart=cart, variant_id=ln.variant_id, quantity=ln.quantity
            )
    other.delete()
    return cart


def cart_items(cart: Cart) -> list[tuple[Variant, int, int]]:
    """(variant with product and store, quantity, line id), in one query."""
    lines = cart.lines.select_related("variant__product__store", "variant__merchant")[
        :MAX_CART_LINES
    ]
    return [(ln.variant, ln.quantity, ln.pk) for ln in lines]


def clear_cart(cart: Cart, variant_ids: Iterable[int]) -> None:
    CartLine.objects.filter(cart=cart, variant_id__in=list(variant_ids)).delete()


def restore_lines(buyer: Any, lines: Iterable[OrderLine]) -> None:
    """Put order lines back into the buyer's cart: quantities add up to a line already there
    (at most MAX_LINE_QUANTITY), the cart keeps at most MAX_CART_LINES lines, and a product no
    longer on sale is left out."""
    cart, _created = Cart.objects.get_or_create(user=buyer)
    mine = {ln.variant_id: ln for ln in cart.lines.select_for_update()}
    for line in lines:
        variant = line.variant
        if not variant.product.is_active or not sellable.receivable(variant):
            continue
        if variant.pk in mine:
            target = mine[variant.pk]
            target.quantity = min(target.quantity + line.quantity, MAX_LINE_QUANTITY)
            target.save(update_fields=["quantity"])
        elif len(mine) < MAX_CART_LINES:
            mine[variant.pk] = CartLine.objects.create(
                cart=cart, variant=variant, quantity=min(line.quantity, MAX_LINE_QUANTITY)
            )
    Cart.objects.filter(pk=cart.pk).update(updated_at=timezone.now())
