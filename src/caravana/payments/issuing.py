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
from django.db import transaction
from django.utils.translation import gettext as _

from caravana import clock, inserts, markets
from caravana.errors import field_error
from caravana.orders import idempotency, lifecycle
from caravana.orders.models import Order, OrderGroup, OrderStatus
from caravana.payments import (
    captures,
    cards,
    installments,
    local_methods,
    method_offers,
    outbox,
    providers,
)
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
#: In a card's return_url, stands for the payment's reference (planned inside the call).
RETURN_PLACEHOLDER = "PAYREFERENCE"


def methods_for(country: str) -> tuple[str, ...]:
    """The methods the buyer's country offers now, in the order offered: the operator's data
    (payments.method_offers), else the market's tuple (caravana.markets)."""
    return method_offers.offered(country)


def check_method(
    country: str, method: str, amount: Decimal, currency: str, count: int,
    card: Mapping[str, Any] | None,
) -> list[Decimal]:  # fmt: skip
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
    if not card or not (card.get("token") or card.get("card_id")):
        raise field_error(
            "card_token", _("Enter your card, or choose a saved card."),
            PaymentsErrorCode.CARD_REQUIRED,
        )  # fmt: skip
    try:
        plan = installments.plan(country, amount, currency, count)
    except ValueError as exc:
        raise field_error(
            "installments", str(exc).split(": ", 1)[-1], PaymentsErrorCode.INVALID_INSTALLMENTS
        ) from exc
    return quoted_plan(country, amount, currency, count, card) or plan


def quoted_plan(
    country: str, amount: Decimal, currency: str, count: int, card: Mapping[str, Any]
) -> list[Decimal] | None:
    """The installments as Mercado Pago quotes them for this card's brand when it takes the
    country's cards (its payer_costs' total_amount for the count: the interest the buyer pays
    the issuer or Mercado Pago), so the payment records what the buyer really pays, not the
    market rule's figures. None when another provider takes the cards, for one installment,
    or when the quote cannot be had (the rule's plan stands). Asked outside any transaction
    (checkout's and create_payment's prepare step). A count Mercado Pago does not offer for
    the card is refused naming `installments`."""
    if count <= 1 or card_provider(country) != "mercadopago":
        return None
    provider = providers.registered().get("mercadopago")
    brand = str(card.get("payment_method_id") or "")
    try:
        costs = provider.installment_costs(amount, payment_method_id=brand)  # type: ignore[union-attr]
    except (providers.ProviderError, providers.ProviderRefused, AttributeError):
        return None
    cost = next((c for c in costs if c.count == count), None)
    if cost is None:
        if not costs:
            return None
        raise field_error(
            "installments",
            _("Mercado Pago does not offer this number of installments for this card."),
            PaymentsErrorCode.INVALID_INSTALLMENTS,
        )
    total = max(cost.total, amount)  # a quote below the price is not a discount we give
    return installments.split(total, currency, count)


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
    country: str, method: str, buyer: Any, data: Mapping[str, Any]
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
        card = card_for(buyer, method, data, country=country)
        if card is not None and not (card.get("token") or card.get("card_id")):
            raise field_error(
                "card_token", _("Enter your card, or choose a saved card."),
                PaymentsErrorCode.CARD_REQUIRED,
            )  # fmt: skip
        method_details(country, method, data)
    except ValidationError as exc:
        return exc.error_dict
    return {}


def public_data(data: Mapping[str, Any]) -> dict[str, Any]:
    """The request as fingerprinted for idempotency (raw card fields never get this far:
    cards.refuse_raw_card); a wallet's single-use approval code is not kept."""
    out = dict(data)
    if out.get("wallet_code"):
        out["wallet_code"] = "…"
    return out


def card_provider(country: str) -> str:
    """The provider a card is paid with in `country` (its routing, else the default), or ""
    when none is configured: saved cards and the card script are that provider's."""
    try:
        return provider_for_new_payment(country, "card")[0]
    except ValidationError:
        return ""


def card_for(
    buyer: Any, method: str, data: Mapping[str, Any], return_url: str = "", *, country: str
) -> dict[str, Any] | None:
    """The card request for the provider the country's card is routed to (payments.cards),
    or None for another method. Raw card fields are refused for every method."""
    cards.refuse_raw_card(data)
    if method != "card":
        return None
    return cards.card_request(buyer, data, card_provider(country), return_url)


def provider_for_new_payment(country: str = "", method: str = "") -> tuple[str, providers.Provider]:
    """The provider the operator routed this country's method to (MethodOffer.provider), when
    it is enabled; else the default one (PAYMENTS_PROVIDER, or the sandbox when it is on). The
    seeded "sandbox" is the demo's placeholder: a deployment that names PAYMENTS_PROVIDER gets
    that one for every method not routed to a real provider."""
    routed = method_offers.provider_name(country, method) if country and method else ""
    if routed == "sandbox" and settings.PAYMENTS_PROVIDER:
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
    reference: str, method: str, amount: Decimal, currency: str, country: str,
    card: Mapping[str, Any] | None, payer: dict[str, Any] | None = None,
) -> tuple[str, providers.Issued]:  # fmt: skip
    """Ask the provider for the payment's artefact (Pix code, boleto, CLABE, card
    authorisation). Runs before the transaction that records the payment, with the planned
    payment reference as idempotency key: a retry gets the same answer. `payer`: who pays
    (a real provider needs the e-mail and ID; boleto the address)."""
    name, provider = provider_for_new_payment(country, method)
    extra = {}
    if card:
        back = str(card.get("return_url") or "").replace(RETURN_PLACEHOLDER, reference)
        extra = {"card_token": dict(card, installments=count_of(card), return_url=back)}
    issued = provider.issue(
        key=f"issue:{reference}", reference=reference, method=method, amount=amount,
        currency=currency, country=country, now=clock.now(), payer=payer, **extra,
    )  # fmt: skip
    return name, issued


def count_of(card: Mapping[str, Any]) -> int:
    return int(card.get("installments") or 1)


def payer_details(
    buyer: Any, name: str, email: str, id_type: str, id_number: str, address: Mapping[str, str]
) -> dict[str, Any]:
    return {
        "email": email or getattr(buyer, "email", "") or "",
        "name": name or getattr(buyer, "get_full_name", lambda: "")() or "",
        "id_type": id_type, "id_number": id_number, "address": dict(address),
    }  # fmt: skip


#: A card's holder as the pay-again form gives it: the form's field → our payer's key.
HOLDER_FIELDS = {"card_holder": "name", "card_holder_id_type": "id_type",
                 "card_holder_id": "id_number"}  # fmt: skip


def card_holder(country: str, data: Mapping[str, Any]) -> dict[str, str]:
    """The cardholder's name and ID document (type, compact number), checked as checkout checks
    the buyer's (orders.validation: the country's documents, python-stdnum's check digits),
    each error naming its card_holder* field. Mercado Pago's card token carries them
    (cardholderName, identificationType/Number), and its payment's payer is the holder."""
    from caravana.orders import validation

    errors: dict[str, list[str]] = {}
    name = str(data.get("card_holder") or "").strip()
    if not name:
        errors["card_holder"] = [_("Give the cardholder's name as printed on the card.")]
    elif len(name) > 100:
        errors["card_holder"] = [_("At most 100 characters.")]
    id_type, number = "", str(data.get("card_holder_id") or "").strip()
    if not number:
        errors["card_holder_id"] = [
            _("Give the cardholder's ID number; the card is checked with it.")
        ]
    else:
        try:
            id_type, number = validation.validate_buyer_id(
                country, number, str(data.get("card_holder_id_type") or "") or None
            )
        except ValidationError as exc:
            for field, msgs in exc.message_dict.items():
                key = {"buyer_id": "card_holder_id", "buyer_id_type": "card_holder_id_type"}
                errors[key.get(field, field)] = msgs
    if errors:
        raise ValidationError(errors)
    return {"name": name, "id_type": id_type, "id_number": number}


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
    save_card: bool = False,
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
    artefact = dict(issued.artefact)
    if save_card and not issued.approved and artefact.get("challenge_url"):
        # Kept until the bank's check passes (finish_challenge saves it then, or drops it).
        artefact["card_to_save"] = dict(issued.card)
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
        artefact=artefact,
        decline_reason=issued.decline_reason,
        notify_url=notify_url[:300],
        expires_at=issued.expires_at,
    )
    inserts.insert([payment])  # one cached statement (caravana.inserts)
    if save_card and issued.approved:  # a card still facing its challenge is saved on success
        cards.save(group.buyer_id, provider_name, issued.card)
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
    card: Mapping[str, Any] | None = None,
    key: str | None = None,
    notify_url: str = "",
    return_url: str = "",
    details: Mapping[str, Any] | None = None,
    holder: Mapping[str, str] | None = None,
) -> tuple[Payment, bool]:
    """Another attempt to pay a group (after a declined card or an expired Pix code). The
    provider issues it before the transaction; the checks are made again inside it. `card`:
    the request's card fields (card_token, saved_card, save_card); raw card fields are
    refused by name. `return_url`: where a card challenge sends the buyer back. `holder`: the
    card's holder (card_holder), who is then the payer the provider is told of."""
    if group.buyer_id != buyer.pk:
        raise field_error("group", _("No such order."), PaymentsErrorCode.ORDER_NOT_FOUND)
    planned = {"payment": new_reference("PAY")}
    card_req = card_for(buyer, method, card or {}, return_url, country=group.country)
    if card_req is not None:
        card_req["installments"] = count

    def prepare() -> tuple[list[Decimal], str, providers.Issued]:
        plan = check_method(group.country, method, group.total, group.currency, count, card_req)
        own = method_details(group.country, method, details or {})
        _check_payable(group)
        payer = payer_details(
            buyer, group.recipient, group.email, group.buyer_id_type, group.buyer_id_number,
            {"street_address": group.street_address, "city": group.city,
             "city_area": group.city_area, "state": group.state, "postal_code": group.postal_code},
        )  # fmt: skip
        payer["method"] = own
        if holder:
            payer.update({k: holder[k] for k in ("name", "id_type", "id_number") if holder.get(k)})
        name, issued = authorise(
            planned["payment"], method, group.total, group.currency, group.country, card_req,
            payer,
        )  # fmt: skip
        return plan, name, issued

    def work(ready: tuple[list[Decimal], str, providers.Issued]) -> dict:
        plan, name, issued = ready
        locked = OrderGroup.objects.select_for_update().get(pk=group.pk)
        payment = record_payment(
            locked, method, count, plan, name, issued, planned["payment"], notify_url,
            save_card=bool(card_req and card_req.get("save")),
        )  # fmt: skip
        return {"payment": payment.reference}

    data = public_data({"group": group.reference, "method": method, "installments": count,
                         "card": {k: v for k, v in (card_req or {}).items()
                                  if k != "return_url"}, **dict(details or {})})  # fmt: skip
    result, replayed = idempotency.run(
        "payment", str(buyer.pk), key, data, work, prepare=prepare, result=planned
    )
    return Payment.objects.get(reference=result["payment"]), replayed


def finish_challenge(payment: Payment) -> Payment:
    """The buyer is back from the provider's challenge page: ask the provider how it went
    (outside any transaction), then settle it once (settle_challenge). A payment no longer
    waiting, or asked again, is left as it is."""
    if payment.method != "card" or not payment.artefact.get("challenge_url"):
        return payment
    provider = providers.registered().get(payment.provider)
    result_of = getattr(provider, "challenge_result", None)
    if result_of is None:
        return payment
    answer = result_of(payment.reference)
    # A provider answers the result, or (result, decline reason) when it knows why it failed.
    result, reason = (answer, "") if isinstance(answer, str) else answer
    return settle_challenge(payment, result, reason)


def settle_challenge(payment: Payment, result: str, reason: str = "") -> Payment:
    """Apply a card challenge's result once, in one transaction: approved → the capture is
    requested (the outbox sends it after commit, as for a card approved at checkout);
    succeeded (the provider captured by itself) → paid; failed → declined with `reason`
    (authentication_failed when none). Called on the buyer's return and by the provider's
    webhook, whichever comes first; the second changes nothing."""
    if result not in ("approved", "succeeded", "failed"):
        return payment
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if locked.status != PaymentStatus.PENDING or locked.artefact.get("challenge"):
            return locked
        to_save = locked.artefact.get("card_to_save")
        locked.artefact = {
            **{k: v for k, v in locked.artefact.items() if k != "card_to_save"},
            "challenge": "failed" if result == "failed" else "approved",
        }
        if result == "failed":
            locked.status = PaymentStatus.DECLINED
            locked.decline_reason = reason or "authentication_failed"
            locked.save(update_fields=["artefact", "status", "decline_reason"])
            return locked
        locked.save(update_fields=["artefact"])
        if to_save:
            cards.save(locked.group.buyer_id, locked.provider, to_save)
        if result == "succeeded":
            return captures.capture(locked, amount=locked.amount, currency=locked.currency)
        outbox.request_call(
            CallKind.CAPTURE, key=f"capture:{locked.reference}", provider=locked.provider,
            amount=locked.amount, currency=locked.currency, payment=locked,
        )  # fmt: skip
    return locked


#: How long Mercado Pago's installment quote for an amount is reused (the page re-renders on
#: every change of delivery service or state).
QUOTE_SECONDS = 600


def installment_options(country: str, amount: Decimal, currency: str) -> list[installments.Option]:
    """The installment options the checkout shows: the market's rule (counts, minimum), each
    priced as the provider that takes the country's cards quotes it when that is Mercado Pago
    (its payer_costs: the issuer's or account's interest), else by the rule's own rate.
    Mercado Pago is asked outside any transaction and its answer cached; if it cannot be
    asked, the rule's figures are shown. Counts Mercado Pago does not offer are left out."""
    options = installments.choices(country, amount, currency)
    if card_provider(country) != "mercadopago":
        return options
    from django.core.cache import cache

    method = str(getattr(settings, "MERCADOPAGO_QUOTE_METHOD", "") or "visa")
    cache_key = f"mp-installments:{country}:{currency}:{amount}:{method}"
    quoted = cache.get(cache_key)
    if quoted is None:
        provider = providers.registered().get("mercadopago")
        try:
            costs = provider.installment_costs(amount, payment_method_id=method)  # type: ignore[union-attr]
        except (providers.ProviderError, providers.ProviderRefused, AttributeError):
            return options
        quoted = {c.count: str(c.total) for c in costs}
        cache.set(cache_key, quoted, QUOTE_SECONDS)
    out = []
    for option in options:
        total = quoted.get(option.count)
        if total is None:
            continue
        if option.count == 1 or Decimal(total) < amount:  # in full is the price
            out.append(option)
            continue
        amounts = installments.split(Decimal(total), currency, option.count)
        out.append(installments.Option(option.count, tuple(amounts), amount))
    return out or options


def installment_note(country: str) -> str:
    """A line under the installments list saying where its interest comes from: the sandbox's
    monthly rate is a demo assumption (no bank's or provider's published rate), Mercado Pago's
    is its own quote. Empty when the options carry no interest."""
    market = markets.get(country)
    rule = market.installments if market else None
    provider = card_provider(country)
    if provider == "mercadopago":
        return _("Interest as Mercado Pago quotes it; your card's own shows once you type it.")
    if rule is None or not rule.interest or provider != "sandbox":
        return ""
    rate = max(rule.interest.values()) * 100
    return _(
        "Sandbox demo: the interest (%(rate)s %% a month) is an assumption for the demo, not a "
        "bank's or provider's rate."
    ) % {"rate": f"{rate.normalize():f}"}
