"""Buyer pages: cart, checkout, order history and detail. Thin: every write is a service call;
a service's ValidationError becomes a message on the form."""

from __future__ import annotations

import functools
import uuid
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from caravana import markets
from caravana.checkout import services as checkout_services
from caravana.clearance import services as clearance_services
from caravana.fulfillment.models import Parcel
from caravana.guards import safe_next
from caravana.limits import valid_id
from caravana.markets import addresses, documents
from caravana.money import Money
from caravana.network.promise import Window
from caravana.orders import carts, disputes, lifecycle, placement
from caravana.orders.apps import SESSION_CART
from caravana.orders.models import Cart, DisputeReason, Order, OrderStatus, ServiceLevel
from caravana.orders.validation import state_choices, validate_address
from caravana.payments import (
    card_scripts,
    cards,
    installment_labels,
    issuing,
    local_methods,
    mercadopago,
    method_fields,
    refunds,
)
from caravana.payments.models import Method, PaymentStatus
from caravana.promotions import basket as promotions
from caravana.redelivery import services as redelivery
from caravana.returns import local_orders
from caravana.returns import windows as return_windows
from caravana.returns.models import OPEN_STATES
from caravana.reviews import views as review_pages
from caravana.storefront import delivery, local_stock
from caravana.storefront.landed import charge_label, default_state
from caravana.storefront.prices import PriceBook

FORM_FIELDS = (
    "recipient", "email", "phone", "street_address", "city", "city_area", "state", "postal_code",
    "buyer_id", "buyer_id_type", "service_level", "method", "installments",
    "pse_bank", "wallet_phone", "wallet_code",
    # The variants the page priced by a flash deal: a deal gone meanwhile is then refused by
    # name rather than charged at the normal price unseen (caravana.checkout.services).
    "deals_seen",
    # A card arrives as the provider's token or a saved card; a raw card field posted anyway is
    # read only to be refused by name (payments.cards).
    "card_token", "saved_card", "save_card", "card_payment_method_id", "card_issuer_id",
    "card_number", "card_expiry", "card_cvc",
)  # fmt: skip

#: What each method asks before the order is placed, shown under its choice (the card's fields
#: are in the template); the artefact itself comes after.
METHOD_HINTS = {
    "pix": gettext_lazy("After you place the order: a Pix code to pay in your bank's app."),
    "boleto": gettext_lazy("After you place the order: a boleto to pay at a bank or in its app."),
    "oxxo": gettext_lazy("After you place the order: a voucher to pay in cash at any OXXO store."),
    "spei": gettext_lazy("After you place the order: a CLABE to pay by bank transfer."),
    "webpay": gettext_lazy(
        "After you place the order: Webpay, to pay with a credit, debit (Redcompra) or prepaid "
        "card."
    ),
    "khipu": gettext_lazy("After you place the order: the details to pay by bank transfer."),
    "pse": gettext_lazy("After you place the order: your bank's page, to pay from your account."),
    "nequi": gettext_lazy("After you place the order: a payment request in your Nequi app."),
    "efecty": gettext_lazy("After you place the order: a code to pay in cash at any Efecty."),
    "yape": gettext_lazy("Open Yape, choose “Código de aprobación” and type the code here."),
    "plin": gettext_lazy("After you place the order: a QR code to scan in your bank's app."),
    "pagoefectivo": gettext_lazy(
        "After you place the order: a CIP code to pay in cash at an agent or in your bank's app."
    ),
    "mp_wallet": gettext_lazy(
        "After you place the order: Mercado Pago, to pay with your balance or your cards."
    ),
    "rapipago": gettext_lazy("After you place the order: a voucher to pay in cash at Rapipago."),
    "pagofacil": gettext_lazy("After you place the order: a voucher to pay in cash at Pago Fácil."),
}


ADDRESS_FIELDS = ("street_address", "city_area", "city", "state", "postal_code")


def _cart(request: HttpRequest, create: bool = False) -> Cart | None:
    if request.user.is_authenticated:
        cart = Cart.objects.filter(user=request.user).first()
    else:
        cart = Cart.objects.filter(pk=request.session.get(SESSION_CART), user__isnull=True).first()
    if cart is None and create:
        cart = carts.create_cart(request.user)
        request.session[SESSION_CART] = cart.pk
    return cart


def _errors(exc: ValidationError) -> dict[str, list[str]]:
    return exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}


def _fmt(request: HttpRequest, amount, currency: str) -> str:
    return Money(amount, currency).format(request.country.format_locale(get_language() or "en"))


def cart(request: HttpRequest) -> HttpResponse:
    c = _cart(request)
    lang = get_language() or "en"
    book = PriceBook(request.country, lang)
    rows = [
        {
            "line_id": line_id,
            "variant": v,
            "title": v.product.title(lang),
            "quantity": qty,
            "price": book.show(v.price * qty, v.currency),
        }
        for v, qty, line_id in (carts.cart_items(c) if c else [])
    ]
    context: dict = {"rows": rows}
    if rows:
        context.update(_summary_context(request, c))
        # The same goods held as local stock in the buyer's country: bought on their own.
        context["local_offers"] = local_stock.offers(
            [r["variant"] for r in rows], request.country, book.locale
        )
    template = "orders/_cart_lines.html" if request.htmx else "orders/cart.html"
    return render(request, template, context)


@require_POST
def cart_add(request: HttpRequest) -> HttpResponse:
    c = _cart(request, create=True)
    try:
        carts.add_to_cart(
            c, int(request.POST.get("variant") or 0), int(request.POST.get("quantity") or 1)
        )
    except (ValidationError, ValueError) as exc:
        msg = (
            "; ".join(sum(_errors(exc).values(), []))
            if isinstance(exc, ValidationError)
            else _("Choose a quantity.")
        )
        messages.error(request, msg)
        return redirect(safe_next(request, "orders:cart"))
    messages.success(request, _("Added to your cart."))
    return redirect("orders:cart")


@require_POST
def cart_update(request: HttpRequest, line_id: int) -> HttpResponse:
    c = _cart(request)
    if c is not None:
        try:
            carts.set_cart_quantity(c, line_id, int(request.POST.get("quantity") or 0))
        except (ValidationError, ValueError):
            messages.error(request, _("Not enough stock for this quantity."))
    if request.htmx:
        return cart(request)
    return redirect("orders:cart")


#: The session key of the coupon code the buyer entered in the cart (checked again at checkout).
SESSION_COUPON = "coupon"


def _summary_context(
    request: HttpRequest, c: Cart, service: str = "standard", state: str | None = None
) -> dict:
    """Landed total per merchant parcel, with its breakdown: the cart and the checkout. Live
    flash deals price their lines; the session's coupon and each merchant's free shipping
    come off the parcels they apply to (caravana.promotions)."""
    country = request.country.code
    items = [(v, q) for v, q, _id in carts.cart_items(c)]
    state = state or default_state(country)
    parcels = placement.quote_parcels(
        items, country, service, state=state, prices=promotions.deal_prices(items)
    )
    code = str(request.session.get(SESSION_COUPON) or "")
    coupon_error = ""
    if all(p.quote and p.quote.ok for p in parcels):
        try:
            applied = promotions.apply(
                parcels, country, service, code=code, buyer=request.user, state=state
            )
            code = applied.coupon.code if applied.coupon else ""
        except ValidationError as exc:
            coupon_error = " ".join(m for ms in _errors(exc).values() for m in ms)
            code = ""
            promotions.apply(parcels, country, service, state=state)
    ok = [p for p in parcels if p.quote and p.quote.ok]
    total = sum((p.charged for p in ok), 0)
    due = sum((p.quote.due_on_arrival for p in ok), 0)
    currency = request.country.currency
    lang = get_language() or "en"

    def rows(p, estimate: bool) -> list:
        out = [
            (charge_label(ch, p.quote), ch.kind, _fmt(request, ch.amount, currency))
            for ch in p.quote.charges()
            if ch.estimate == estimate
        ]
        if not estimate:
            out += _discount_rows(request, p, currency)
        return out

    def free_left(p) -> str:
        left = promotions.threshold_left(p) if p in ok and not p.merchant_funded else None
        if left is None:
            return ""
        book = PriceBook(request.country, lang)
        return _("Add %(amount)s more from this store for free shipping.") % {
            "amount": book.show(left[0], left[1])
        }

    # What is charged now (every component collected at checkout, summing to the parcel's
    # total) and, apart, what a country set to "paid on arrival" leaves to customs.
    return {
        "parcels": [
            {
                "merchant": p.merchant.legal_name,
                "items": [(v.product.title(lang), v.options_label, q) for v, q in p.items],
                "total": _fmt(request, p.charged, currency) if p in ok else "",
                "amount": p.charged if p in ok else None,
                "rows": rows(p, False) if p in ok else [],
                "arrival_rows": rows(p, True) if p in ok else [],
                "due": _fmt(request, p.quote.due_on_arrival, currency)
                if p in ok and p.quote.due_on_arrival
                else "",
                "discount": _fmt(request, p.discount, currency) if p.discount else "",
                "free_shipping": bool(p.merchant_funded),
                "free_left": free_left(p),
                "deal": bool(p.prices),
                "error": p.error,
            }
            for p in parcels
        ],
        "total": _fmt(request, total, currency),
        "total_raw": total,
        "due": _fmt(request, due, currency) if due else "",
        "ok": all(p.quote and p.quote.ok for p in parcels),
        "coupon": code,
        "coupon_error": coupon_error,
        "deals_seen": ",".join(str(v) for p in ok for v in sorted(p.prices)),
        "discount": _fmt(request, sum((p.discount for p in ok), 0), currency)
        if any(p.discount for p in ok)
        else "",
    }


def _discount_rows(request: HttpRequest, p: placement.Parcel, currency: str) -> list:
    """The promotions' lines of a parcel's breakdown: the coupon (a merchant's is already in
    the goods, at the lowered prices) and free shipping, as negative amounts."""
    out = []
    coupon = p.discount - p.merchant_funded
    if coupon:
        label = _("Coupon %(code)s") % {"code": p.coupon_code}
        if not p.platform_funded:
            label += " " + _("(in the goods' price)")
        out.append((label, "discount", _fmt(request, -coupon, currency)))
    if p.merchant_funded:
        out.append((_("Free shipping"), "discount", _fmt(request, -p.merchant_funded, currency)))
    return out


@require_POST
def cart_coupon(request: HttpRequest) -> HttpResponse:
    """The buyer enters (or, empty, removes) a coupon code: checked against the cart now,
    applied by the summary, redeemed only by the checkout."""
    code = str(request.POST.get("coupon") or "").strip()[:32]
    c = _cart(request)
    if not code:
        request.session.pop(SESSION_COUPON, None)
    elif c is not None:
        request.session[SESSION_COUPON] = code
        summary = _summary_context(request, c)
        if summary["coupon_error"]:
            request.session.pop(SESSION_COUPON, None)
            messages.error(request, summary["coupon_error"])
        else:
            messages.success(request, _("Coupon %(code)s applied.") % {"code": summary["coupon"]})
    return redirect(safe_next(request, reverse("orders:cart")))


def _local_id(request: HttpRequest) -> int | None:
    """The held item of a "buy local stock" checkout (?local=<id>), None for the cart's."""
    raw = str(request.GET.get("local") or request.POST.get("local") or "")
    return int(raw) if raw.isdigit() and valid_id(int(raw)) else None


def _local_summary(request: HttpRequest, held_id: int, data: dict) -> dict:
    """The summary of a checkout of one unit of local stock: goods + local delivery by the
    carrier for the postcode given (the point's own carrier until one is), no duties."""
    country = request.country.code
    currency = request.country.currency
    lang = get_language() or "en"
    postal = str(data.get("postal_code") or "") or local_stock.point_postcode(held_id)
    try:
        parcels = local_orders.parcels_for(
            country, SimpleNamespace(postal_code=postal), [(held_id, 1)],  # type: ignore[arg-type]
            str(data.get("service_level") or "standard"),
        )  # fmt: skip
    except ValidationError as exc:
        return {"parcels": [], "total": "", "total_raw": 0, "due": "", "ok": False,
                "local_error": " ".join(m for ms in _errors(exc).values() for m in ms)}  # fmt: skip
    p = parcels[0]
    q = p.quoted
    return {
        "parcels": [
            {
                "merchant": p.merchant.legal_name,
                "items": [(v.product.title(lang), v.options_label, n) for v, n in p.items],
                "total": _fmt(request, q.collect_at_checkout, currency),
                "amount": q.collect_at_checkout,
                "rows": [(c.label, c.kind, _fmt(request, c.amount, currency)) for c in q.charges()],
                "arrival_rows": [],
                "due": "",
                "error": "",
            }
        ],  # fmt: skip
        "total": _fmt(request, q.collect_at_checkout, currency),
        "total_raw": q.collect_at_checkout,
        "due": "",
        "ok": True,
        "local": held_id,
        "local_promise": local_stock.shown_promise(request.country, p.promise),
    }


def _installment_choices(request: HttpRequest, total, selected: str = "") -> list:
    """(count, label, selected) for the installments select: each option's amount and whether
    it carries interest, in the buyer's words and currency format."""
    country, currency = request.country.code, request.country.currency
    if not total:
        return []
    opts = issuing.installment_options(country, Decimal(total), currency)
    labelled = installment_labels.labels(country, opts, lambda a: _fmt(request, a, currency))
    return [(n, label, str(n) == selected) for n, label in labelled]


def _checkout_context(request: HttpRequest, c: Cart | None, data: dict) -> dict:
    country = request.country.code
    held_id = _local_id(request)
    if held_id is not None:
        summary = _local_summary(request, held_id, data)
    else:
        assert c is not None
        summary = _summary_context(
            request, c, data.get("service_level") or "standard", data.get("state") or None
        )
    offered = issuing.methods_for(country)
    chosen = data.get("method") if data.get("method") in offered else (offered or [""])[0]
    return {
        **summary,
        "local_id": held_id,
        "windows": _windows(request.country),
        "methods": [
            {
                "code": m,
                "label": Method(m).label,
                "checked": m == chosen,
                "hint": METHOD_HINTS.get(m),
            }
            for m in offered
        ],
        "chosen_method": chosen,
        "pse_banks": local_methods.PSE_BANKS,
        "card_offered": "card" in offered,
        **_card_context(request, data, country, summary.get("total_raw")),
        "installments": _installment_choices(
            request, summary["total_raw"], str(data.get("installments") or "")
        ),
        "installment_note": issuing.installment_note(country),
        **_address_context(country),
        # With Mercado Pago's name for each (data-mp-type), which its card token needs.
        "id_types": [
            (d.code, d.name, mercadopago.identification_type(d.code))
            for d in documents.for_country(country)
        ],  # fmt: skip
        "data": data,
    }


def _card_context(request: HttpRequest, data: dict, country: str, amount: Any = None) -> dict:
    """The buyer's saved cards for the provider `country`'s card is routed to, and that
    provider's card script: the sandbox's own (payments.sandbox_cards), Stripe.js or
    MercadoPago.js when that provider's public key is set (payments.card_scripts; the page's
    CSP then allows its origins, card_csp), or none (the card is then offered only as a saved
    card). `amount`: what is paid, for the provider's own installment quotes."""
    provider = issuing.card_provider(country)
    chosen = str(data.get("saved_card") or "")
    script = card_scripts.script_for(provider)
    if script is not None:
        request.card_csp = script.csp  # type: ignore[attr-defined]
    return {
        "saved_cards": [
            (c, c.reference == chosen) for c in cards.saved_for(request.user, provider)
        ],
        "card_script": "sandbox" if provider == "sandbox" else (script.name if script else ""),
        "card_endpoint": reverse("sandbox_provider:card_tokens") if provider == "sandbox" else "",
        "card_sdk": script.sdk if script else "",
        "card_key": script.key if script else "",
        "card_static": script.static if script else "sandbox/cards.js",
        "card_amount": "" if amount is None else str(amount),
    }


def card_csp(view: Any) -> Any:
    """Adds the card provider's CSP origins (set by _card_context) to the page's policy, so a
    provider's script is allowed only on the pages that load it."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        extra = getattr(request, "card_csp", None)
        if extra:
            response._csp_update = extra  # django-csp 4 merges it into the policy
        return response

    return wrapped


def _field_labels(country: str) -> dict[str, str]:
    """The checkout's fields in page order, by the label the buyer reads beside each."""
    form = addresses.form_for(country)
    return {
        "recipient": _("Recipient"), "email": _("E-mail"),
        "street_address": _("Street and number"), "city_area": _("District"),
        "city": _("City"), "state": str(form.area_label), "postal_code": str(form.postal_label),
        "buyer_id_type": _("ID type"), "buyer_id": _("ID number"),
        "service_level": _("Delivery service"), "method": _("Payment method"),
        "card_token": _("Card"), "saved_card": _("Saved card"), "card_number": _("Card number"),
        "installments": _("Installments"),
        "pse_bank": _("Your bank"), "wallet_phone": _("Mobile number"),
        "wallet_code": _("Approval code"),
    }  # fmt: skip


def _error_summary(country: str, errors: dict[str, list[str]], method: str) -> list[dict]:
    """The errors for the top of the page: those about no one field first (the cart, the
    country), then each field's in page order, linked to the field. Every field's message is
    also shown beside the field."""
    labels = _field_labels(country)
    out = [
        {"field": name, "anchor": "", "label": "", "message": msg}
        for name, msgs in errors.items()
        if name not in labels
        for msg in msgs
    ]
    for name, label in labels.items():
        anchor = {
            "method": f"method-{method}",
            "card_token": "card-fields",
            "wallet_phone": f"wallet_phone_{method}",
        }.get(name, name)
        out += [
            {"field": name, "anchor": anchor, "label": label, "message": msg}
            for msg in errors.get(name, ())
        ]
    return out


def _windows(country: markets.Market) -> list[tuple[str, str, delivery.ShownPromise]]:
    """Each service the network offers, with what it promises a buyer ordering now."""
    now = timezone.now()
    shown = (
        (code, label, delivery.promise_for(country, code, now))
        for code, label in ServiceLevel.choices
    )
    return [(code, label, promise) for code, label, promise in shown if promise is not None]


def _address_context(country: str) -> dict:
    form = addresses.form_for(country)
    return {
        "states": state_choices(country),
        "area_label": form.area_label,
        "postal_label": form.postal_label,
        "cep_lookup": _postal_lookup(country) is not None,
    }


def _postal_lookup(country: str):
    """The market's postal-code lookup (Brazil's CEPs), or None."""
    market = markets.get(country)
    return market.postal_lookup if market else None


@login_required
def cep_lookup(request: HttpRequest) -> HttpResponse:
    """htmx: the address fields again, with street (when empty), district, city and state
    filled from the CEP where the demo's CEP table knows it (caravana.markets.demo_ceps; a
    production shop would ask a CEP service). Typed values are kept otherwise. When the page
    came back with errors (`recheck`), the address is checked again so each field's mark stays
    true: a fixed field loses it, a still wrong one keeps it."""
    country = request.country.code
    data = {k: request.GET.get(k, "") for k in ADDRESS_FIELDS}
    lookup = _postal_lookup(country)
    found = lookup(data["postal_code"]) if lookup else None
    if found is not None:
        data["street_address"] = data["street_address"] or found.street
        data.update(city_area=found.district, city=found.city, state=found.state)
    errors: dict[str, list[str]] = {}
    if request.GET.get("recheck"):  # the page showed errors: keep those still true, drop the rest
        try:
            validate_address(country, data)
        except ValidationError as exc:
            errors = {k: v for k, v in _errors(exc).items() if k in ADDRESS_FIELDS}
    response = render(
        request,
        "orders/_address.html",
        {
            **_address_context(country),
            "data": data,
            "cep_filled": found is not None,
            "errors": errors,
            "recheck": bool(errors),
        },
    )
    if found is not None:
        response["HX-Trigger-After-Settle"] = "address-filled"  # the summary follows the state
    return response


@login_required
@card_csp
def checkout(request: HttpRequest) -> HttpResponse:
    c = _cart(request)
    held_id = _local_id(request)  # buying local stock: the cart is left as it is
    if held_id is None and (c is None or not c.lines.exists()):
        messages.info(request, _("Your cart is empty."))
        return redirect("orders:cart")
    data = {k: request.POST.get(k, "") for k in FORM_FIELDS} if request.method == "POST" else {
        "service_level": "standard", "recipient": request.user.get_full_name(),
        "email": request.user.email,
        "buyer_id_type": getattr(documents.default(request.country.code), "code", ""),
    }  # fmt: skip
    if request.method == "POST" and not request.htmx:
        lines = [(v.pk, q) for v, q, _id in carts.cart_items(c)] if held_id is None else []
        # Only the chosen method's fields are read: a card number left behind by a buyer who
        # then chose Pix is neither validated nor sent.
        form = method_fields.only_chosen(data["method"], data)
        raw = str(form.get("installments") or "1").strip()
        form["installments"] = int(raw) if raw.isdigit() else raw  # refused by name if not
        try:
            group, payment, _replayed = checkout_services.checkout(
                request.user, request.country.code, form, lines,
                key=request.POST.get("idempotency_key") or None,
                notify_url=request.build_absolute_uri("/api/v1/payments/webhooks/sandbox"),
                return_url=_challenge_return(),
                local=[(held_id, 1)] if held_id is not None else None,
                coupon="" if held_id is not None else str(request.session.get(SESSION_COUPON, "")),
            )  # fmt: skip
        except ValidationError as exc:
            ctx = _checkout_context(request, c, data)
            ctx["errors"] = _errors(exc)
            ctx["error_summary"] = _error_summary(
                request.country.code, ctx["errors"], ctx["chosen_method"]
            )
            ctx["retype_card"] = data["method"] == "card" and bool(data.get("card_token"))
            ctx["idempotency_key"] = uuid.uuid4().hex  # nothing was placed: a new attempt
            return render(request, "orders/checkout.html", ctx, status=422)
        if c is not None and lines:
            carts.clear_cart(c, [v for v, _q in lines])
            request.session.pop(SESSION_COUPON, None)
        return _to_payment(payment)
    ctx = _checkout_context(request, c, data)
    if request.htmx:  # a change of service or state: the summary, and the installments with it
        return render(request, "orders/_checkout_update.html", ctx)
    ctx["idempotency_key"] = uuid.uuid4().hex
    return render(request, "orders/checkout.html", ctx)


def _to_payment(payment: Any) -> HttpResponse:
    """After a payment is made: a card whose bank asks for 3-D Secure on the provider's own
    site (Stripe's next_action redirect_to_url) goes straight there; everything else to the
    payment's page (the sandbox's challenge is a link there)."""
    url = str(payment.artefact.get("challenge_url") or "")
    if payment.status == PaymentStatus.PENDING and url.startswith("https://"):
        return redirect(url)
    return redirect("payments:pay", reference=payment.reference)


def _challenge_return() -> str:
    """Where the provider's card challenge page sends the buyer back (issuing fills in the
    payment's reference)."""
    return reverse("payments:challenge_return", args=[issuing.RETURN_PLACEHOLDER])


@login_required
def order_list(request: HttpRequest) -> HttpResponse:
    qs = Order.objects.filter(buyer=request.user).select_related("merchant")
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    return render(request, "orders/order_list.html", {"page": page})


def _order_page(
    request: HttpRequest,
    order: Order,
    *,
    errors: dict[str, list[str]] | None = None,
    data: dict | None = None,
    status: int = 200,
    extra: dict | None = None,
) -> HttpResponse:
    """The buyer's order, written for its destination: amounts with their currency in the
    buyer's locale (money_tags), times in the destination's zone, statuses and titles in the
    buyer's language, every parcel with its S10 and tracking link; and, while it waits for
    payment, the way on: pay again, another way, or cancel."""
    lang = get_language() or "en"
    country = markets.get(order.country) or request.country
    lines = [
        {
            "title": line.variant.product.title(lang) or line.title,
            "options": line.variant.options_label,
            "sku": line.sku,
            "quantity": line.quantity,
            "hs_code": line.hs_code,
            "amount": line.amount,
        }
        for line in order.lines.select_related("variant__product")[:200]
    ]
    group_payments = list(order.group.payments.all()[:20])
    delivered = order.status in (OrderStatus.DELIVERED, OrderStatus.COMPLETED)
    window = return_windows.window_for(order) if delivered else None
    # A parcel customs or the carrier sent back has a return before any delivery.
    sent = order.status not in (OrderStatus.AWAITING_PAYMENT, OrderStatus.CANCELLED)
    order_returns = list(order.return_requests.select_related("point")[:10]) if sent else []
    last = group_payments[0] if group_payments else None
    awaiting = order.status == OrderStatus.AWAITING_PAYMENT
    review_lines = review_pages.order_lines(order, lang)
    context = {
        "order": order,
        "lines": lines,
        "review_lines": review_lines,
        "events": [
            (e.at, OrderStatus(e.to_status).label if e.to_status in OrderStatus.values else "")
            for e in order.events.all()[:100]
        ],
        "disputes": order.disputes.all()[:20],
        "order_returns": order_returns,
        "can_return": window is not None
        and window.open_on(return_windows.today_in(order.country))
        and not any(r.state in OPEN_STATES for r in order_returns),
        "return_window": window,
        "dispute_reasons": DisputeReason.choices,
        "payments": group_payments,
        "last_payment": last,
        "refunds": order.refunds.all()[:50],
        "customs_requests": clearance_services.open_requests_for(order),
        **_failed_context(order),
        "parcels": Parcel.objects.filter(order_ref=order.number, merchant=order.merchant)[:20],
        "protection_due": lifecycle.protection_due(order),
        "money_locale": country.format_locale(lang),
        "promise": delivery.shown(
            Window(order.promised_from, order.promised_by), country, order.service_level
        ),
        "time_zone": country.time_zone,
        "awaiting": awaiting,
        "retry": awaiting and (last is None or last.status != PaymentStatus.PENDING),
        "group_orders": order.group.orders.exclude(pk=order.pk).count() if awaiting else 0,
        "methods": [(m, Method(m).label) for m in issuing.methods_for(order.country)]
        if awaiting
        else [],
        "installments": installment_labels.labels(
            order.country,
            issuing.installment_options(order.country, order.group.total, order.currency),
            lambda a: Money(a, order.currency).format(country.format_locale(lang)),
        )
        if awaiting
        else [],
        "installment_note": issuing.installment_note(order.country) if awaiting else "",
        "pse_banks": local_methods.PSE_BANKS,
        "errors": errors or {},
        "data": data or {"method": last.method if last else ""},
        **(
            _card_context(request, data or {}, order.country, order.group.total) if awaiting else {}
        ),
        **(_holder_context(order, data or {}) if awaiting else {}),
        "idempotency_key": uuid.uuid4().hex,
        **(extra or {}),
    }
    with timezone.override(country.zone):
        return render(request, "orders/order_detail.html", context, status=status)


def _failed_context(order: Order) -> dict:
    """Failed deliveries of the order's parcels and what the choice form needs (the
    country's address fields, the days a new attempt may take); nothing once delivered."""
    if order.status in (OrderStatus.DELIVERED, OrderStatus.COMPLETED):
        return {"failed_attempts": []}
    attempts = redelivery.open_for(order)
    if not attempts:
        return {"failed_attempts": []}
    return {
        "failed_attempts": attempts,
        "redeliver_window": redelivery.redeliver_window(order.country),
        "choice_errors": {},
        "choice_data": {},
        **_address_context(order.country),
    }


@login_required
@require_POST
def delivery_choice(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    """The buyer's choice after a failed delivery (redelivery.services.choose); a bad field is
    shown beside it on the order page, nothing saved."""
    order = get_object_or_404(
        Order.objects.select_related("group", "merchant"), number=number, buyer=request.user
    )
    attempt = redelivery.attempt_of(order, pk)
    if attempt is None:
        raise Http404
    try:
        redelivery.choose(attempt, request.POST, actor=request.user)
    except ValidationError as exc:
        context = _failed_context(order)
        context.update(
            choice_errors=_errors(exc), choice_data=request.POST.dict(), choice_pk=attempt.pk
        )
        return _order_page(request, order, status=422, extra=context)
    messages.success(request, _("Thank you: the carrier will see your choice."))
    return redirect(reverse("orders:detail", args=[order.number]) + f"#attempt-{pk}")


@login_required
@card_csp
def order_detail(request: HttpRequest, number: str) -> HttpResponse:
    order = get_object_or_404(
        Order.objects.select_related("group", "merchant"), number=number, buyer=request.user
    )
    return _order_page(request, order)


def _pay_again(request: HttpRequest, order: Order) -> HttpResponse:
    """Another attempt to pay the order's checkout (the same method again, or another one):
    issuing.create_payment, then the payment's page; a bad field is shown on the order page."""
    method = request.POST.get("method", "")
    data = {"method": method, "installments": request.POST.get("installments", ""),
            "saved_card": request.POST.get("saved_card", ""),
            **{k: request.POST.get(k, "") for k in issuing.HOLDER_FIELDS}}  # fmt: skip
    # The other methods' fields are ignored, as at checkout (payments.method_fields).
    form = method_fields.only_chosen(method, request.POST.dict())
    try:
        count = int(form.get("installments") or 1)
    except ValueError:
        return _order_page(
            request, order, errors={"installments": [_("Give a whole number.")]}, data=data,
            status=422,
        )  # fmt: skip
    holder = None
    try:
        if _asks_holder(order.country, method, form):
            holder = issuing.card_holder(order.country, form)
        payment, _replayed = issuing.create_payment(
            order.group, request.user, method, count=count, holder=holder,
            card=form,
            key=request.POST.get("idempotency_key") or None,
            details={k: form[k] for k in ("pse_bank", "wallet_phone", "wallet_code") if k in form},
            notify_url=request.build_absolute_uri("/api/v1/payments/webhooks/sandbox"),
            return_url=_challenge_return(),
        )  # fmt: skip
    except ValidationError as exc:
        return _order_page(request, order, errors=_errors(exc), data=data, status=422)
    return _to_payment(payment)


def _asks_holder(country: str, method: str, form: dict) -> bool:
    """A new card through MercadoPago.js: its token needs the holder's name and ID document,
    which the pay-again form asks for (checkout has the recipient's)."""
    if method != "card" or form.get("saved_card"):
        return False
    script = card_scripts.script_for(issuing.card_provider(country))
    return script is not None and script.name == "mercadopago"


def _holder_context(order: Order, data: dict) -> dict:
    """The pay-again form's cardholder fields, filled from the order until the buyer changes
    them: the country's documents with Mercado Pago's name for each (data-mp-type)."""
    group = order.group
    return {
        "holder_types": [
            (d.code, d.name, mercadopago.identification_type(d.code))
            for d in documents.for_country(order.country)
        ],  # fmt: skip
        "holder": {
            "card_holder": data.get("card_holder", group.recipient),
            "card_holder_id_type": data.get("card_holder_id_type", group.buyer_id_type),
            "card_holder_id": data.get("card_holder_id", group.buyer_id_number),
        },
    }


@login_required
@require_POST
@card_csp
def order_action(request: HttpRequest, number: str, action: str) -> HttpResponse:
    order = get_object_or_404(
        Order.objects.select_related("group", "merchant"), number=number, buyer=request.user
    )
    if action == "pay":
        return _pay_again(request, order)
    try:
        if action == "cancel":
            lifecycle.cancel_by_buyer(order, request.user)
            messages.success(request, _("Order cancelled: its products are back in your cart."))
            return redirect("orders:cart")
        if action == "confirm":
            lifecycle.confirm_receipt(order, request.user)
            messages.success(request, _("Thank you: the merchant will now be paid."))
        elif action == "protection":
            refunds.refund_late(order, request.user)
            messages.success(request, _("Refunded: the money is on its way back to you."))
        elif action == "dispute":
            disputes.open_dispute(
                order,
                request.user,
                request.POST.get("reason", "other"),
                request.POST.get("message", ""),
            )
            messages.success(request, _("Dispute opened: the merchant will answer."))
    except ValidationError as exc:
        messages.error(request, "; ".join(sum(_errors(exc).values(), [])))
    return redirect(reverse("orders:detail", args=[order.number]))
