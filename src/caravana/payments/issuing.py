"""A new payment: the method checked against the buyer's country and the amount, the provider's
artefact (Pix code, boleto, CLABE, card authorisation) issued before any transaction with the
planned reference as idempotency key, then the payment recorded. Checkout
(caravana.checkout.services) uses these for a group's first payment; create_payment is every
later attempt (after a declined card or an expired code)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from caravana import inserts, markets
from caravana.errors import field_error
from caravana.orders import idempotency, lifecycle
from caravana.orders.models import Order, OrderGroup, OrderStatus
from caravana.payments import installments, outbox, providers
from caravana.payments.error_codes import PaymentsErrorCode
from caravana.payments.models import (
    CallKind,
    Payment,
    PaymentStatus,
)
from caravana.payments.references import new_reference

OXXO_MIN, OXXO_MAX = Decimal("10.00"), Decimal("10000.00")


def methods_for(country: str) -> tuple[str, ...]:
    """The methods the buyer's market offers (caravana.markets), in the order offered."""
    market = markets.get(country)
    return market.payment_methods if market else ()


def _card_digits(card_number: str | None) -> str:
    digits = "".join(ch for ch in (card_number or "") if ch.isdigit())
    if not 12 <= len(digits) <= 19 or not providers.luhn_ok(digits):
        raise field_error(
            "card_number",
            _("This is not a valid card number."),
            PaymentsErrorCode.INVALID_CARD_NUMBER,
        )
    return digits


def check_method(
    country: str, method: str, amount: Decimal, currency: str, count: int, card: str | None
) -> list[Decimal]:
    if method not in methods_for(country):
        raise field_error(
            "method",
            _("This payment method is not offered in your country."),
            PaymentsErrorCode.METHOD_NOT_OFFERED,
        )
    if method == "oxxo" and not OXXO_MIN <= amount <= OXXO_MAX:
        raise field_error(
            "method",
            _("OXXO takes payments from 10 to 10,000 MXN; choose another method."),
            PaymentsErrorCode.AMOUNT_OUT_OF_RANGE,
        )
    if method != "card":
        if count != 1:
            raise field_error(
                "installments",
                _("Only cards are paid in installments."),
                PaymentsErrorCode.INSTALLMENTS_CARD_ONLY,
            )
        return [amount]
    _card_digits(card)
    try:
        return installments.plan(country, amount, currency, count)
    except ValueError as exc:
        raise field_error(
            "installments", str(exc).split(": ", 1)[-1], PaymentsErrorCode.INVALID_INSTALLMENTS
        ) from exc


def method_errors(country: str, method: str, card: str | None) -> dict[str, list[ValidationError]]:
    """What is wrong with the chosen method's own fields, checked without the total: shown with
    the address's and the ID's errors, so the buyer sees every wrong field at once."""
    try:
        if method not in methods_for(country):
            raise field_error(
                "method",
                _("This payment method is not offered in your country."),
                PaymentsErrorCode.METHOD_NOT_OFFERED,
            )
        if method == "card":
            _card_digits(card)
    except ValidationError as exc:
        return exc.error_dict
    return {}


def public_data(data: Mapping[str, Any]) -> dict[str, Any]:
    """The request as fingerprinted for idempotency: never the full card number."""
    out = dict(data)
    if out.get("card_number"):
        digits = "".join(ch for ch in str(out["card_number"]) if ch.isdigit())
        out["card_number"] = f"…{digits[-4:]}:{len(digits)}"
    return out


def provider_for_new_payment() -> tuple[str, providers.Provider]:
    name = providers.default_name()
    if name is None:
        raise field_error(
            "method",
            _("Payments are not available: no payment provider is configured."),
            PaymentsErrorCode.NO_PROVIDER,
        )
    return name, providers.get(name)


def authorise(
    reference: str, method: str, amount: Decimal, currency: str, country: str, card: str | None,
    payer: dict[str, Any] | None = None,
) -> tuple[str, providers.Issued]:  # fmt: skip
    """Ask the provider for the payment's artefact (Pix code, boleto, CLABE, card
    authorisation). Runs before the transaction that records the payment, with the planned
    payment reference as idempotency key: a retry gets the same answer. `payer`: who pays
    (a real provider needs the e-mail and ID; boleto the address)."""
    name, provider = provider_for_new_payment()
    issued = provider.issue(
        key=f"issue:{reference}", reference=reference, method=method, amount=amount,
        currency=currency, country=country, card_number=card, now=timezone.now(), payer=payer,
    )  # fmt: skip
    return name, issued


def payer_details(
    buyer: Any, name: str, email: str, id_type: str, id_number: str, address: Mapping[str, str]
) -> dict[str, Any]:
    return {
        "email": email or getattr(buyer, "email", "") or "",
        "name": name or getattr(buyer, "get_full_name", lambda: "")() or "",
        "id_type": id_type, "id_number": id_number, "address": dict(address),
    }  # fmt: skip


def _check_payable(group: OrderGroup) -> None:
    if Payment.objects.filter(group=group, status=PaymentStatus.SUCCEEDED).exists():
        raise field_error(
            "payment", _("This order is already paid."), PaymentsErrorCode.ALREADY_PAID
        )
    if not Order.objects.filter(group=group, status=OrderStatus.AWAITING_PAYMENT).exists():
        raise field_error(
            "payment",
            _("These orders are no longer waiting for payment."),
            PaymentsErrorCode.NOT_AWAITING_PAYMENT,
        )


def record_payment(
    group: OrderGroup,
    method: str,
    count: int,
    plan: list[Decimal],
    provider_name: str,
    issued: providers.Issued,
    reference: str,
    notify_url: str,
    *,
    new_group: bool = False,
) -> Payment:
    """Write the payment the provider issued. `new_group`: the group was placed in this very
    transaction (checkout), so it has no payment yet and all its orders await payment: the
    checks for a later attempt are skipped. An approved card's capture is a request row sent
    after commit (the outbox), never a call from here."""
    if not new_group:
        _check_payable(group)
        # A new attempt replaces any earlier one still open (the buyer changed method).
        Payment.objects.filter(group=group, status=PaymentStatus.PENDING).update(
            status=PaymentStatus.CANCELLED
        )
    payment = Payment(
        reference=reference,
        group=group,
        provider=provider_name,
        method=method,
        status=PaymentStatus.DECLINED if issued.status == "declined" else PaymentStatus.PENDING,
        amount=group.total,
        currency=group.currency,
        installments=count,
        installment_amounts=[str(a) for a in plan],
        card_brand=issued.card.get("brand", ""),
        card_last4=issued.card.get("last4", ""),
        artefact=issued.artefact,
        decline_reason=issued.decline_reason,
        notify_url=notify_url[:300],
        expires_at=issued.expires_at,
    )
    inserts.insert([payment])  # one cached statement (caravana.inserts)
    if issued.expires_at and method in ("boleto", "oxxo", "spei"):
        lifecycle.extend_expiry(group, issued.expires_at)
    if issued.approved:
        outbox.request_call(
            CallKind.CAPTURE, key=f"capture:{reference}", provider=provider_name,
            amount=payment.amount, currency=payment.currency, payment=payment,
        )  # fmt: skip
    return payment


def create_payment(
    group: OrderGroup,
    buyer: Any,
    method: str,
    *,
    count: int = 1,
    card_number: str | None = None,
    key: str | None = None,
    notify_url: str = "",
) -> tuple[Payment, bool]:
    """Another attempt to pay a group (after a declined card or an expired Pix code). The
    provider issues it before the transaction; the checks are made again inside it."""
    if group.buyer_id != buyer.pk:
        raise field_error("group", _("No such order."), PaymentsErrorCode.ORDER_NOT_FOUND)
    planned = {"payment": new_reference("PAY")}

    def prepare() -> tuple[list[Decimal], str, providers.Issued]:
        plan = check_method(group.country, method, group.total, group.currency, count, card_number)
        _check_payable(group)
        payer = payer_details(
            buyer, group.recipient, group.email, group.buyer_id_type, group.buyer_id_number,
            {"street_address": group.street_address, "city": group.city,
             "city_area": group.city_area, "state": group.state, "postal_code": group.postal_code},
        )  # fmt: skip
        name, issued = authorise(
            planned["payment"], method, group.total, group.currency, group.country, card_number,
            payer,
        )  # fmt: skip
        return plan, name, issued

    def work(ready: tuple[list[Decimal], str, providers.Issued]) -> dict:
        plan, name, issued = ready
        locked = OrderGroup.objects.select_for_update().get(pk=group.pk)
        payment = record_payment(
            locked, method, count, plan, name, issued, planned["payment"], notify_url
        )
        return {"payment": payment.reference}

    data = public_data({"group": group.reference, "method": method, "installments": count,
                         "card_number": card_number})  # fmt: skip
    result, replayed = idempotency.run(
        "payment", str(buyer.pk), key, data, work, prepare=prepare, result=planned
    )
    return Payment.objects.get(reference=result["payment"]), replayed
