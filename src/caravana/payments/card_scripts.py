"""Which script tokenises a new card in the buyer's browser, per provider, and what the page's
Content-Security-Policy must then allow. A provider's script is loaded only when that provider
is the one a country's cards are routed to and its public key is configured: no page loads
a third-party script otherwise (the CSP stays 'self').

Sources:
- Stripe.js: loaded from https://js.stripe.com/v3, never bundled or self-hosted
  (https://docs.stripe.com/js/including); a card Element made into a PaymentMethod with
  stripe.createPaymentMethod (https://docs.stripe.com/js/payment_methods/create_payment_method).
  CSP origins as Stripe's security guide lists them for Stripe.js
  (https://docs.stripe.com/security/guide#content-security-policy): script-src
  https://js.stripe.com, frame-src https://js.stripe.com https://hooks.stripe.com, connect-src
  https://api.stripe.com. form-action https://hooks.stripe.com: the checkout's POST is
  answered with a redirect to the bank's 3-D Secure page (next_action redirect_to_url), and
  browsers apply form-action to a form's redirects.
- MercadoPago.js v2: https://sdk.mercadopago.com/js/v2 with the account's public key, card
  fields as Secure Fields (iframes) and `mp.fields.createCardToken`, the card's
  payment_method_id and issuer from `mp.getPaymentMethods({bin})`, installments from
  `mp.getInstallments({amount, bin})` (mercadopago/sdk-js docs/core-methods.md and
  docs/fields.md; "Integration via Core Methods", mercadopago/devsite-docs
  guides/checkout-api-v2/integration-via-core-methods.en.md). Its CSP origins are not listed
  in those pages: https://sdk.mercadopago.com (script, frames), https://api.mercadopago.com
  (connect) and https://http2.mlstatic.com (scripts and frames the SDK loads) are our reading
  (unverified: check the browser console on go-live)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings


@dataclass(frozen=True)
class CardScript:
    name: str  # stripe | mercadopago: the page's data-card-fields and our script's name
    sdk: str  # the provider's own script, loaded before ours
    key_setting: str  # the setting holding the public (publishable) key
    csp: dict[str, list[str]] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return str(getattr(settings, self.key_setting, "") or "")

    @property
    def static(self) -> str:
        return f"payments/{self.name}-card.js"


SCRIPTS = {
    "stripe": CardScript(
        "stripe",
        "https://js.stripe.com/v3",
        "STRIPE_PUBLISHABLE_KEY",
        {
            "script-src": ["https://js.stripe.com"],
            "frame-src": ["https://js.stripe.com", "https://hooks.stripe.com"],
            "connect-src": ["https://api.stripe.com"],
            "form-action": ["https://hooks.stripe.com"],
        },
    ),
    "mercadopago": CardScript(
        "mercadopago",
        "https://sdk.mercadopago.com/js/v2",
        "MERCADOPAGO_PUBLIC_KEY",
        {
            "script-src": ["https://sdk.mercadopago.com", "https://http2.mlstatic.com"],
            "frame-src": ["https://sdk.mercadopago.com", "https://http2.mlstatic.com"],
            "connect-src": ["https://api.mercadopago.com", "https://api.mercadolibre.com"],
        },
    ),
}


def script_for(provider: str) -> CardScript | None:
    """The provider's card script when it has one and its public key is set, else None."""
    script = SCRIPTS.get(provider)
    return script if script is not None and script.key else None
