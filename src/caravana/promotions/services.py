"""Every write of promotions: coupons, flash deals and free-shipping thresholds created and
changed (field errors by name, nothing half-written), and inside a checkout's transaction a
coupon redeemed and flash-deal units taken, each by one conditional UPDATE so no number of
concurrent checkouts can exceed a limit (decision 0026)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from caravana.catalog import delivery_facts
from caravana.catalog.models import Merchant, Variant
from caravana.errors import field_error
from caravana.markets import market
from caravana.money import minor_unit, round_money
from caravana.promotions.error_codes import PromotionsErrorCode as E
from caravana.promotions.models import Coupon, CouponKind, FlashDeal, FreeShipping, Redemption

COUPON_FIELDS = (
    "code", "country", "kind", "value", "min_basket", "max_uses", "per_buyer", "starts_at",
    "ends_at", "is_active",
)  # fmt: skip


def normal_code(code: Any) -> str:
    return str(code or "").strip().upper()


def _decimal(
    errors: dict, name: str, raw: Any, *, minimum: Decimal = Decimal(0), max_digits: int = 14
) -> Decimal:
    """An amount with at most two decimals that fits a column of `max_digits` digits (two of
    them decimals): a longer one is a field error here, not a database error later."""
    try:
        value = Decimal(str(raw).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        errors[name] = _("Give a number.")
        return Decimal(0)
    if value.is_finite() and value.adjusted() > max_digits - 3:
        errors[name] = _("Give an amount with at most %(n)d digits before the decimal point.") % {
            "n": max_digits - 2
        }
    elif not value.is_finite() or value < minimum or value != value.quantize(Decimal("0.01")):
        errors[name] = _("Give an amount of at least %(min)s with at most two decimals.") % {
            "min": minimum
        }
    return value


def _in_minor_units(errors: dict, name: str, value: Decimal, currency: str) -> None:
    """Refuse decimals the currency is not paid in (CLP has none)."""
    if name not in errors and currency and value != round_money(value, currency):
        errors[name] = _("%(currency)s amounts have at most %(n)d decimals.") % {
            "currency": currency,
            "n": minor_unit(currency),
        }


def _moment(errors: dict, name: str, raw: Any) -> dt.datetime:
    if isinstance(raw, dt.datetime):
        value = raw
    else:
        try:
            value = dt.datetime.fromisoformat(str(raw or "").strip())
        except ValueError:
            errors[name] = _("Give a date and time like 2026-12-24 18:00.")
            return timezone.now()
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def _count(errors: dict, name: str, raw: Any, *, optional: bool = False) -> int | None:
    if optional and (raw is None or str(raw).strip() == ""):
        return None
    try:
        value = int(str(raw).strip())
    except ValueError:
        errors[name] = _("Give a whole number.")
        return None
    if not 1 <= value <= 1_000_000_000:  # the column is a 32-bit integer on PostgreSQL
        errors[name] = _("Give a whole number of at least 1.")
    return value


def clean_coupon(data: Mapping[str, Any], *, merchant: Merchant | None) -> dict[str, Any]:
    """The coupon's fields checked, every error at once by field name."""
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    code = normal_code(data.get("code"))
    if not code or len(code) > 32 or not code.replace("-", "").replace("_", "").isalnum():
        errors["code"] = _("Use 1 to 32 letters, digits, - or _.")
    out["code"] = code
    country = str(data.get("country") or "").strip().upper()
    m = market.get(country)
    if m is None:
        errors["country"] = _("Choose a country.")
    out["country"] = country
    out["currency"] = m.currency if m else ""
    kind = str(data.get("kind") or "")
    if kind not in CouponKind.values:
        errors["kind"] = _("Choose percentage or fixed amount.")
    out["kind"] = kind
    out["value"] = _decimal(errors, "value", data.get("value"), minimum=Decimal("0.01"))
    if kind == CouponKind.PERCENT and "value" not in errors and out["value"] > 90:
        errors["value"] = _("A percentage is at most 90.")
    out["min_basket"] = _decimal(errors, "min_basket", data.get("min_basket") or "0")
    if kind == CouponKind.FIXED:
        _in_minor_units(errors, "value", out["value"], out["currency"])
    _in_minor_units(errors, "min_basket", out["min_basket"], out["currency"])
    out["max_uses"] = _count(errors, "max_uses", data.get("max_uses"), optional=True)
    per_buyer = data.get("per_buyer")  # left out: once per buyer; 0 is refused, not read as 1
    if per_buyer is None or str(per_buyer).strip() == "":
        per_buyer = 1
    out["per_buyer"] = _count(errors, "per_buyer", per_buyer) or 1
    out["starts_at"] = _moment(errors, "starts_at", data.get("starts_at"))
    out["ends_at"] = _moment(errors, "ends_at", data.get("ends_at"))
    dated = "ends_at" not in errors and "starts_at" not in errors
    if dated and out["ends_at"] <= out["starts_at"]:
        errors["ends_at"] = _("The end must come after the start.")
    active = data.get("is_active", True)
    out["is_active"] = active not in (False, "", "0", "false", "off", None)
    if errors:
        raise ValidationError(
            {k: ValidationError(v, code=E.INVALID.value) for k, v in errors.items()}
        )
    out["merchant"] = merchant
    return out


@transaction.atomic
def save_coupon(
    data: Mapping[str, Any], *, merchant: Merchant | None, coupon: Coupon | None = None
) -> Coupon:
    """Create (or change) a coupon: a merchant's own, or with merchant None the platform's."""
    fields = clean_coupon(data, merchant=merchant)
    taken = Coupon.objects.filter(code=fields["code"])
    if coupon is not None:
        taken = taken.exclude(pk=coupon.pk)
    if taken.exists():
        raise _code_taken()
    if coupon is None:
        try:
            with transaction.atomic():  # a concurrent save of the same code won the race
                return Coupon.objects.create(**fields)
        except IntegrityError:
            raise _code_taken() from None
    # The row the caller loaded may be stale: a checkout may have counted a use since. Read it
    # again under a lock and write only the edited fields, never `used`.
    coupon = Coupon.objects.select_for_update().get(pk=coupon.pk)
    if coupon.used and (fields["kind"], fields["value"]) != (coupon.kind, coupon.value):
        raise field_error("value", _("A coupon already used keeps its kind and value."), E.INVALID)
    for name, value in fields.items():
        setattr(coupon, name, value)
    if coupon.max_uses is not None and coupon.max_uses < coupon.used:
        raise field_error(
            "max_uses", _("It was already used %(n)d times.") % {"n": coupon.used}, E.INVALID
        )
    try:
        with transaction.atomic():
            coupon.save(update_fields=list(fields))
    except IntegrityError:
        raise _code_taken() from None
    return coupon


def _code_taken() -> ValidationError:
    return field_error("code", _("This code is already taken."), E.CODE_TAKEN)


@transaction.atomic
def delete_coupon(coupon: Coupon) -> None:
    """A used coupon is switched off (its redemptions stay); an unused one is deleted."""
    if coupon.used or coupon.redemptions.exists():
        Coupon.objects.filter(pk=coupon.pk).update(is_active=False)
    else:
        coupon.delete()


@transaction.atomic
def save_deal(data: Mapping[str, Any], *, merchant: Merchant) -> FlashDeal:
    """A flash deal on one of the merchant's variants: a price below the variant's own."""
    errors: dict[str, str] = {}
    variant = None
    raw = str(data.get("variant") or "").strip()
    sku = str(data.get("sku") or "").strip()
    if sku:  # the console names the variant by its SKU
        variant = Variant.objects.filter(sku=sku, merchant=merchant).first()
    elif raw.isdigit() and len(raw) < 19:
        variant = Variant.objects.filter(pk=int(raw), merchant=merchant).first()
    if variant is None:
        errors["sku" if sku else "variant"] = _("Choose one of your variants.")
    price = _decimal(errors, "price", data.get("price"), minimum=Decimal("0.01"), max_digits=12)
    if variant is not None and "price" not in errors and price >= variant.price:
        errors["price"] = _("The deal price must be below the price (%(p)s).") % {
            "p": variant.price
        }
    cap = _count(errors, "cap", data.get("cap"))
    starts = _moment(errors, "starts_at", data.get("starts_at") or timezone.now())
    ends = _moment(errors, "ends_at", data.get("ends_at"))
    if "ends_at" not in errors and ends <= max(starts, timezone.now()):
        errors["ends_at"] = _("The end must come after the start and after now.")
    if errors:
        raise ValidationError(
            {k: ValidationError(v, code=E.INVALID.value) for k, v in errors.items()}
        )
    assert cap is not None and variant is not None
    return FlashDeal.objects.create(
        variant=variant, price=price, cap=cap, remaining=cap, starts_at=starts, ends_at=ends
    )


@transaction.atomic
def end_deal(deal: FlashDeal) -> None:
    """End a deal now (its sales stay)."""
    now = timezone.now()
    FlashDeal.objects.filter(pk=deal.pk, ends_at__gt=now).update(
        ends_at=max(now, deal.starts_at + dt.timedelta(seconds=1))
    )


@transaction.atomic
def set_free_shipping(merchant: Merchant, threshold: Any) -> FreeShipping | None:
    """The merchant's free-shipping threshold (CNY); empty switches it off."""
    if threshold is None or str(threshold).strip() == "":
        FreeShipping.objects.filter(merchant=merchant).update(is_active=False)
        sync_free_shipping(merchant.pk)
        return None
    errors: dict[str, str] = {}
    value = _decimal(errors, "threshold", threshold, minimum=Decimal("0.01"), max_digits=12)
    if errors:
        raise field_error("threshold", errors["threshold"], E.INVALID)
    offer, _created = FreeShipping.objects.update_or_create(
        merchant=merchant, defaults={"threshold": value, "is_active": True}
    )
    sync_free_shipping(merchant.pk)
    return offer


def sync_free_shipping(merchant_id: int) -> None:
    """Copy whether the merchant has an active offer onto its listing rows (the listings' free
    shipping filter, decision 0028). Also run on every save and delete of an offer (the admin:
    promotions.receivers)."""
    active = FreeShipping.objects.filter(merchant_id=merchant_id, is_active=True).exists()
    delivery_facts.set_merchant_facts(merchant_id, ships_free=active)


# --- inside a checkout's transaction -------------------------------------------------------------


def redeem(
    coupon_id: int, buyer: Any, group_reference: str, amount: Decimal, currency: str
) -> None:
    """Count one use of the coupon for this checkout. The conditional UPDATE re-checks the
    window and the total limit on the row (PostgreSQL re-evaluates it after waiting for a
    concurrent redemption's lock, which it then holds until commit, so the per-buyer count
    that follows sees every committed use). Call inside the checkout's transaction: an error
    rolls the whole checkout back."""
    now = timezone.now()
    done = (
        Coupon.objects.filter(pk=coupon_id, is_active=True, starts_at__lte=now, ends_at__gt=now)
        .filter(Q(max_uses__isnull=True) | Q(used__lt=F("max_uses")))
        .update(used=F("used") + 1)
    )
    if not done:
        raise field_error(
            "coupon", _("This coupon has been used up or has ended."), E.COUPON_USED_UP
        )
    per_buyer = Coupon.objects.values_list("per_buyer", flat=True).get(pk=coupon_id)
    if Redemption.objects.filter(coupon_id=coupon_id, buyer=buyer).count() >= per_buyer:
        raise field_error("coupon", _("You have already used this coupon."), E.COUPON_BUYER_LIMIT)
    Redemption.objects.create(
        coupon_id=coupon_id, buyer=buyer, group_reference=group_reference, amount=amount,
        currency=currency, created_at=now,
    )  # fmt: skip


def take_deals(deals: Mapping[int, FlashDeal], lines: Iterable[tuple[int, int]]) -> None:
    """Take the units sold at a deal's price: `remaining = remaining - n` only WHERE enough
    remain and the window is still open. Two checkouts racing for the last unit: the second
    UPDATE (after waiting for the first's row lock on PostgreSQL, or for the write lock on
    SQLite) finds none left, and its checkout fails with the price changed, nothing placed."""
    now = timezone.now()
    wanted: dict[int, int] = {}
    for variant_id, qty in lines:
        if variant_id in deals:
            wanted[variant_id] = wanted.get(variant_id, 0) + qty
    for variant_id in sorted(wanted):  # one order of row locks: no deadlock between carts
        deal = deals[variant_id]
        done = FlashDeal.objects.filter(
            pk=deal.pk, remaining__gte=wanted[variant_id], starts_at__lte=now, ends_at__gt=now
        ).update(remaining=F("remaining") - wanted[variant_id])
        if not done:
            raise field_error(
                "cart",
                _("The flash deal on %(sku)s has ended or sold out: the price is back to normal.")
                % {"sku": deal.variant.sku},
                E.DEAL_ENDED,
            )
