"""A new payment: the method checked against the buyer's country and the amount, the provider's
artefact (Pix code, boleto, CLABE, card authorisation) issued before any transaction with the
planned reference as idempotency key, then the payment recorded. Checkout
(caravana.checkout.services) uses these for a group's first payment; create_payment is every
later attempt (after a declined card or an expired code)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from caravana import inserts
from caravana.errors import field_error
from caravana.orders import idempotency, lifecycle
from caravana.orders.models import Order, OrderGroup, OrderStatus
from caravana.payments import installments, local_methods, method_offers, outbox, providers
from caravana.payments.error_codes import PaymentsErrorCode
from caravana.payments.models import (
    CallKind,
    Method,
    Payment,
    PaymentStatus,
)
from caravana.payments.references import new_reference

OXXO_MIN, OXXO_MAX = Decimal("10.00"), Decimal("10000.00")
#: Amount limits by method, in the market's currency (payments.local_methods, with sources).
LIMITS: dict[str, tuple[Decimal | None, Decimal | None]] = {
    "oxxo": (OXXO_MIN, OXXO_MAX),
    "pse": (local_methods.PSE_MIN, None),
    "efecty": (local_methods.EFECTY_MIN, local_methods.EFECTY_MAX),
    "plin": (local_methods.PLIN_MIN, local_methods.PLIN_MAX),
}


def methods_for(country: str) -> tuple[str, ...]:
    """The methods the buyer's country offers now, in the order offered: the operator's data
    (payments.method_offers), else the market's tuple (caravana.markets)."""
    return method_offers.offered(country)


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
    low, high = LIMITS.get(method, (None, None))
    if (low is not None and amount < low) or (high is not None and amount > high):
        if method == "oxxo":
            message = _("OXXO takes payments from 10 to 10,000 MXN; choose another method.")
        else:
            message = _(
                "This method takes payments from %(low)s to %(high)s %(currency)s; choose "
                "another method."
            ) % {"low": low or 0, "high": high or "∞", "currency": currency}
        raise field_error("method", message, PaymentsErrorCode.AMOUNT_OUT_OF_RANGE)
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


def method_details(country: str, method: str, data: Mapping[str, Any]) -> dict[str, str]:
    """What the buyer gave for the method itself (PSE's bank, Nequi's and Yape's phone, Yape's
    approval code), checked: a ValidationError names the wrong field."""
    if method == "pse":
        bank = str(data.get("pse_bank") or "").strip()
        if not local_methods.bank_name(bank):
            raise field_error(
                "pse_bank", _("Choose your bank."), PaymentsErrorCode.INVALID_METHOD_DETAILS
            )
        return {"pse_bank": bank}
    if method in ("nequi", "yape"):
        phone = str(data.get("wallet_phone") or "").strip()
        if not local_methods.valid_phone(country, phone):
            raise field_error(
                "wallet_phone",
                _("Give the mobile number your %(wallet)s account uses.")
                % {"wallet": Method(method).label},
                PaymentsErrorCode.INVALID_METHOD_DETAILS,
            )
        details = {"wallet_phone": local_methods.national(phone)}
        if method == "yape":
            code = local_methods.digits(data.get("wallet_code"))
            if len(code) != 6:
                raise field_error(
                    "wallet_code",
                    _("Give the 6-digit approval code shown in your Yape app."),
                    PaymentsErrorCode.INVALID_METHOD_DETAILS,
                )
            details["wallet_code"] = code
        return details
    return {}


def method_errors(
    country: str, method: str, card: str | None, data: Mapping[str, Any] | None = None
) -> dict[str, list[ValidationError]]:
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
        method_details(country, method, data or {})
    except ValidationError as exc:
        return exc.error_dict
    return {}


def public_data(data: Mapping[str, Any]) -> dict[str, Any]:
    """The request as fingerprinted for idempotency: never the full card number."""
    out = dict(data)
    if out.get("wallet_code"):  # a single-use approval code: not kept
        out["wallet_code"] = "…"
    if out.get("card_number"):
        digits = "".join(ch for ch in str(out["card_number"]) if ch.isdigit())
        out["card_number"] = f"…{digits[-4:]}:{len(digits)}"
    return out


def provider_for_new_payment(country: str = "", method: str = "") -> tuple[str, providers.Provider]:
    """The provider the operator routed this country's method to (MethodOffer.provider), when
    it is enabled; else the default one (PAYMENTS_PROVIDER, or the sandbox when it is on). The
    seeded "sandbox" is the demo's placeholder: a deployment that names PAYMENTS_PROVIDER gets
    that one for every method not routed to a real provider."""
    routed = method_offers.provider_name(country, method) if country and method else ""
    if routed == "sandbox" and getattr(settings, "PAYMENTS_PROVIDER", ""):
        routed = ""
    if routed and routed in providers.registered():
        return routed, providers.get(routed)
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
    name, provider = provider_for_new_payment(country, method)
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
    if issued.expires_at and method in local_methods.LONG_LIVED:
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
    details: Mapping[str, Any] | None = None,
) -> tuple[Payment, bool]:
    """Another attempt to pay a group (after a declined card or an expired Pix code). The
    provider issues it before the transaction; the checks are made again inside it."""
    if group.buyer_id != buyer.pk:
        raise field_error("group", _("No such order."), PaymentsErrorCode.ORDER_NOT_FOUND)
    planned = {"payment": new_reference("PAY")}

    def prepare() -> tuple[list[Decimal], str, providers.Issued]:
        plan = check_method(group.country, method, group.total, group.currency, count, card_number)
        own = method_details(group.country, method, details or {})
        _check_payable(group)
        payer = payer_details(
            buyer, group.recipient, group.email, group.buyer_id_type, group.buyer_id_number,
            {"street_address": group.street_address, "city": group.city,
             "city_area": group.city_area, "state": group.state, "postal_code": group.postal_code},
        )  # fmt: skip
        payer["method"] = own
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
                         "card_number": card_number, **dict(details or {})})  # fmt: skip
    result, replayed = idempotency.run(
        "payment", str(buyer.pk), key, data, work, prepare=prepare, result=planned
    )
    return Payment.objects.get(reference=result["payment"]), replayed
