"""The sandbox's artefacts for Chile's, Colombia's, Peru's and Argentina's methods, shaped as
each real provider gives them, so the pages, vouchers and life cycle are the ones a buyer meets
with the real provider. Pure Python, no Django: providers.SandboxProvider passes in the serial
it derives from the payment reference (deterministic: the same reference issues the same
artefact, the dedupe a provider does on the idempotency key), the time and the buyer's details.

Sources (reference/payments-latam.md, §1 and its links); "unverified" marks what no primary
source confirmed:

* Webpay Plus [TB]: create answers a `token` (64 characters) and the form `url`; the browser
  posts `token_ws` there; the token lives 5 minutes; `buy_order` ≤ 26 characters.
* Khipu [KH]: a payment has a `payment_id` and a `payment_url` (also simplified_transfer_url,
  app_url); the transfer details shown here (bank, account, RUT, reference) are the
  "Khipu-style" manual-transfer instructions: field set unverified.
* PSE [MPpse]: the buyer picks a `financial_institution` from the provider's list (Mercado
  Pago's /v1/payment_methods, refreshed hourly) and is redirected to `external_resource_url`;
  minimum 1,600 COP [SGp]. The bank codes below are PSE/ACH codes as Mercado Pago's PSE guide
  and bank lists show them (1007 Bancolombia, 1040 Banco Agrario; the others unverified).
* Nequi [NQ]: the merchant starts a push to the buyer's Nequi phone, who approves it in the
  app; the merchant sets its expiry. Colombian mobiles are 10 digits starting with 3 (national
  numbering plan, unverified here).
* Efecty [MPo][PMX]: a cash voucher (`ticket`) with a payment reference; 1,000–15,000,000 COP,
  closes in 5 days. Reference format unverified.
* Yape [MPy]: the buyer gives the phone and the 6-digit approval code from the app; the payment
  is approved or rejected at once, installments 1. Peruvian mobiles are 9 digits starting with 9
  (unverified here).
* Plin [CQ]: a QR order with a merchant-set validity, S/ 6–500. The QR is an EMV merchant-
  presented code (EMVCo MPM: ID-length-value, CRC-16/CCITT-FALSE in field 63, currency 604 =
  PEN per ISO 4217); the account template's GUI is unverified.
* PagoEfectivo [EBpe][MPo]: a CIP code paid at an agent, a bank or in online banking; expires
  in 3–5 days. CIP length unverified (the published examples are 7–8 digits).
* Mercado Pago wallet: Checkout Pro redirects to the preference's `init_point` (unverified).
* Rapipago, Pago Fácil [MPo]: a ticket with `external_resource_url` and a barcode
  (`barcode.content` in the payment, Mercado Pago's SDKs); `date_of_expiration` 1–30 days.
  The barcode's layout is unverified: here company code + reference + amount + due date + a
  Luhn check digit, drawn as Interleaved 2 of 5.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from typing import Any

from stdnum import luhn

from caravana.codes import pix

#: Methods that send the buyer to another page (the provider's, or its bank's) and back.
REDIRECT = frozenset({"webpay", "pse", "mp_wallet"})
#: Cash vouchers with a reference to pay at a counter, printable (payments.vouchers).
CASH_VOUCHERS = frozenset({"oxxo", "efecty", "pagoefectivo", "rapipago", "pagofacil"})
#: Methods paid later, whose orders wait as long as the artefact lives (lifecycle.extend_expiry)
#: and whose buyer is reminded before it expires (payments.reminders).
LONG_LIVED = frozenset({"boleto", "oxxo", "spei", "khipu", "efecty", "pagoefectivo", "rapipago",
                        "pagofacil"})  # fmt: skip
#: Every method this module issues.
METHODS = frozenset({"webpay", "khipu", "pse", "nequi", "efecty", "yape", "plin",
                     "pagoefectivo", "mp_wallet", "rapipago", "pagofacil"})  # fmt: skip

#: The sandbox's PSE bank list (id, name): PSE/ACH codes, see the module docstring.
PSE_BANKS: tuple[tuple[str, str], ...] = (
    ("1007", "Bancolombia"),
    ("1001", "Banco de Bogotá"),
    ("1051", "Davivienda"),
    ("1013", "BBVA Colombia"),
    ("1002", "Banco Popular"),
    ("1040", "Banco Agrario"),
    ("1507", "Nequi"),
)
PSE_MIN = Decimal("1600")
EFECTY_MIN, EFECTY_MAX = Decimal("1000"), Decimal("15000000")
PLIN_MIN, PLIN_MAX = Decimal("6.00"), Decimal("500.00")
#: A Yape approval code the sandbox rejects (as a card ending 0002 is declined).
YAPE_DECLINED_CODE = "000000"
#: Minutes or days each artefact lives, by default (PAYMENTS_<METHOD>_… settings override).
LIFETIME = {
    "webpay": dt.timedelta(minutes=5),  # [TB]: the token lives 5 minutes
    "khipu": dt.timedelta(hours=24),  # unverified
    "pse": dt.timedelta(minutes=30),  # unverified
    "nequi": dt.timedelta(minutes=30),  # the merchant sets it [NQ]
    "efecty": dt.timedelta(days=5),  # [PMX]
    "plin": dt.timedelta(minutes=30),  # the merchant sets it [CQ]
    "pagoefectivo": dt.timedelta(days=3),  # [MPo]: 3–5 days
    "mp_wallet": dt.timedelta(hours=1),  # unverified
    "rapipago": dt.timedelta(days=3),  # [MPo]: 1–30 days
    "pagofacil": dt.timedelta(days=3),  # [MPo]: 1–30 days
}


def digits(text: str | None) -> str:
    return "".join(ch for ch in (text or "") if ch.isdigit())


def valid_phone(country: str, phone: str | None) -> bool:
    """A mobile number the wallet can reach: Colombia 10 digits from 3, Peru 9 from 9
    (unverified numbering plans); a leading country code (57, 51) is dropped."""
    d = digits(phone)
    if country == "CO":
        d = d[2:] if len(d) == 12 and d.startswith("57") else d
        return len(d) == 10 and d.startswith("3")
    if country == "PE":
        d = d[2:] if len(d) == 11 and d.startswith("51") else d
        return len(d) == 9 and d.startswith("9")
    return False


def national(phone: str) -> str:
    d = digits(phone)
    return d[-10:] if d.startswith("57") and len(d) == 12 else d[-9:] if len(d) == 11 else d


def masked(phone: str) -> str:
    """The phone as the page shows it back: the last four digits only."""
    d = national(phone)
    return f"{d[:3]} *** {d[-4:]}" if len(d) >= 7 else d


def bank_name(code: str) -> str:
    return dict(PSE_BANKS).get(code, "")


def _hex(reference: str, salt: str, n: int) -> str:
    return hashlib.sha256(f"{salt}:{reference}".encode()).hexdigest()[:n]


def _emv_qr(reference: str, amount: Decimal, name: str, city: str) -> str:
    """An EMV merchant-presented payload (the TLV and CRC rules Pix uses too, codes.pix)."""
    tlv = pix._tlv
    body = (
        tlv("00", "01") + tlv("01", "12")
        + tlv("26", tlv("00", "pe.plin.sandbox") + tlv("01", _hex(reference, "plin", 16)))
        + tlv("52", "0000") + tlv("53", "604") + tlv("54", f"{amount:.2f}")
        + tlv("58", "PE") + tlv("59", name[:25]) + tlv("60", city[:15])
        + tlv("62", tlv("05", reference.replace("_", "")[:25]))
        + "6304"
    )  # fmt: skip
    return body + pix.crc16(body)


def qr_svg(payload: str, scale: int = 4) -> str:
    """The Plin QR as inline SVG (segno), as codes.pix draws Pix's; Pix's own checks do not
    apply to it (no br.gov.bcb.pix account)."""
    import segno

    return segno.make_qr(payload, error="m").svg_inline(scale=scale, border=4)


def cash_barcode(company: str, reference: str, amount: Decimal, due: dt.date) -> str:
    """Company (4) + reference (10) + amount in cents (10) + due date YYMMDD (6) + Luhn check
    digit: 31 digits, padded to an even length for Interleaved 2 of 5 (layout unverified)."""
    cents = int((amount * 100).to_integral_value())
    body = f"{company[:4]:0>4}{reference[-10:]:0>10}{cents:010d}{due:%y%m%d}"
    body += luhn.calc_check_digit(body)
    return body if len(body) % 2 == 0 else "0" + body


def issue(
    method: str,
    *,
    reference: str,
    serial: int,
    amount: Decimal,
    currency: str,
    now: dt.datetime,
    details: dict[str, Any],
    gateway_url: str,
    lifetime: dt.timedelta | None = None,
) -> tuple[dict[str, Any], dt.datetime, bool, str]:
    """(artefact, expires_at, approved, decline_reason) for one of METHODS. `details`: what the
    buyer gave for the method (pse_bank, wallet_phone, wallet_code); `gateway_url`: the
    sandbox's stand-in for the provider's or bank's page, where a redirect method goes."""
    expires = now + (lifetime or LIFETIME.get(method, dt.timedelta(hours=1)))
    if method == "webpay":
        token = _hex(reference, "webpay", 64)
        return (
            {"token": token, "url": gateway_url, "buy_order": reference[:26],
             "session_id": reference[:61], "gateway": "Webpay Plus"},
            expires, False, "",
        )  # fmt: skip
    if method == "khipu":
        pid = _hex(reference, "khipu", 12)
        return (
            {"payment_id": pid, "payment_url": f"https://khipu.sandbox.caravana.dev/payment/{pid}",
             "bank": "Banco Sandbox", "account_type": "Cuenta corriente",
             "account": f"{serial % 10**10:010d}", "holder": "Caravana Marketplace SpA",
             "rut": "76.086.428-5", "email": "pagos@caravana.dev", "subject": reference},
            expires, False, "",
        )  # fmt: skip
    if method == "pse":
        bank = str(details.get("pse_bank") or "")
        cus = f"{serial % 10**9:09d}"  # PSE's tracking number (CUS): format unverified
        return (
            {"bank_code": bank, "bank_name": bank_name(bank), "url": gateway_url, "cus": cus,
             "gateway": "PSE"},
            expires, False, "",
        )  # fmt: skip
    if method == "nequi":
        phone = national(str(details.get("wallet_phone") or ""))
        return ({"phone": masked(phone), "push_id": _hex(reference, "nequi", 20)},
                expires, False, "")  # fmt: skip
    if method == "efecty":
        ref = f"{serial % 10**10:010d}"
        return ({"reference": ref, "agreement": "110757", "expires": expires.isoformat()},
                expires, False, "")  # fmt: skip
    if method == "yape":
        phone = national(str(details.get("wallet_phone") or ""))
        code = digits(details.get("wallet_code"))
        art = {"phone": masked(phone)}
        if code == YAPE_DECLINED_CODE:
            return art, expires, False, "yape_rejected"
        return art, expires, True, ""
    if method == "plin":
        payload = _emv_qr(reference, amount, "Caravana Marketplace", "Lima")
        return ({"payload": payload, "phone": "999 *** 100"}, expires, False, "")
    if method == "pagoefectivo":
        cip = f"{serial % 10**8:08d}"
        return ({"cip": cip, "expires": expires.isoformat()}, expires, False, "")
    if method == "mp_wallet":
        pref = f"1234567-{_hex(reference, 'mp', 8)}-{_hex(reference, 'mp2', 4)}"
        return ({"preference_id": pref, "url": gateway_url, "gateway": "Mercado Pago"},
                expires, False, "")  # fmt: skip
    if method in ("rapipago", "pagofacil"):
        ref = f"{serial % 10**10:010d}"
        company = "4210" if method == "rapipago" else "4220"  # sandbox codes
        barcode = cash_barcode(company, ref, amount, expires.date())
        return ({"reference": ref, "barcode": barcode, "expires": expires.isoformat()},
                expires, False, "")  # fmt: skip
    raise ValueError(f"method: {method!r} is not a method")
