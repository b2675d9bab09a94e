"""Pix BR Code: the EMV merchant-presented QR code payload used by Pix.

A BR Code is a string of TLV fields: a 2-digit ID, a 2-digit length and the
value, with some values (merchant account 26, additional data 62) themselves
lists of TLV fields. The fields Pix uses:

==== ==================================================================
00   payload format indicator ``01`` (first field)
01   point of initiation ``12`` = single use (optional)
26   merchant account: 00 ``br.gov.bcb.pix``; 01 Pix key (static code) or
     25 location URL without ``https://`` (dynamic code); 02 description
52   merchant category ``0000``
53   currency ``986`` (BRL)
54   amount, e.g. ``40.00`` (optional)
58   country ``BR``
59   merchant name (at most 25 characters)
60   merchant city (at most 15 characters)
61   postal code (optional)
62   additional data: 05 txid, ``***`` when none
63   CRC: ``6304`` + 4 upper-case hex digits (last field)
==== ==================================================================

The CRC is CRC-16/CCITT-FALSE (polynomial 0x1021, initial 0xFFFF, no
reflection, no final XOR) over the whole payload including ``6304``; the
standard library's :func:`binascii.crc_hqx` with initial value 0xFFFF is
exactly that. Check value: ``123456789`` gives ``29B1``.

The payer's bank shows the receiver's name from the Pix directory (DICT), not
from the QR code, so :func:`build` transliterates the merchant name and city
to ASCII and cuts them to 25 and 15 characters rather than refusing long
names; amounts and txids, which matter, are refused when malformed.

More information:

* Banco Central do Brasil, "Manual do BR Code" and "Manual de Padrões para
  Iniciação do Pix"
* EMVCo, "QR Code Specification for Payment Systems: Merchant-Presented Mode"

>>> crc16('123456789')
'29B1'
>>> payload = build('123e4567-e12b-12d1-a456-426655440000',
...                 merchant_name='Fulano de Tal', merchant_city='BRASILIA')
>>> payload[-4:]
'1D3D'
>>> parse(payload)['26']
{'00': 'br.gov.bcb.pix', '01': '123e4567-e12b-12d1-a456-426655440000'}
>>> info(payload)['merchant_name']
'Fulano de Tal'
>>> is_valid(payload[:-1] + 'E')
False
"""

from __future__ import annotations

import binascii
import io
import re
import unicodedata
from decimal import Decimal, InvalidOperation

import segno
from stdnum.br import cnpj, cpf
from stdnum.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
    ValidationError,
)

__all__ = [
    "GUI",
    "build",
    "calc_check_digit",
    "compact",
    "crc16",
    "format",
    "info",
    "is_valid",
    "key_type",
    "parse",
    "qr_png",
    "qr_svg",
    "validate",
]

#: Globally unique identifier of Pix inside the merchant account template.
GUI = "br.gov.bcb.pix"

_MAX_PAYLOAD = 512  # EMV MPM limit
_TEMPLATES = {str(i) for i in range(26, 52)} | {"62"} | {str(i) for i in range(80, 100)}
_TXID_RE = re.compile(r"^(\*\*\*|[A-Za-z0-9]{1,25})$")
_AMOUNT_RE = re.compile(r"^[0-9]{1,10}(\.[0-9]{1,2})?$")
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE_RE = re.compile(r"^\+[1-9][0-9]{9,13}$")
_EVP_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def crc16(data: str | bytes) -> str:
    """CRC-16/CCITT-FALSE as 4 upper-case hex digits (``binascii.crc_hqx``, init 0xFFFF)."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    return f"{binascii.crc_hqx(data, 0xFFFF):04X}"


def calc_check_digit(payload: str) -> str:
    """The CRC value for a payload that ends with the CRC field header ``6304``."""
    if not payload.endswith("6304"):
        raise InvalidFormat("the CRC covers the payload up to and including '6304'")
    return crc16(payload)


def compact(payload: str) -> str:
    """Strip surrounding whitespace only: spaces inside the payload are data."""
    return payload.strip()


def _tlv(tag: str, value: str) -> str:
    if len(value) > 99:
        raise InvalidLength(f"field {tag} is longer than 99 characters")
    return f"{tag}{len(value):02d}{value}"


def _decode(data: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    pos = 0
    while pos < len(data):
        header = data[pos : pos + 4]
        if len(header) < 4 or not header.isascii() or not header.isdigit():
            raise InvalidFormat(f"bad TLV header at position {pos}")
        tag, length = header[:2], int(header[2:])
        value = data[pos + 4 : pos + 4 + length]
        if len(value) != length:
            raise InvalidFormat(f"field {tag} runs past the end")
        if tag in fields:
            raise InvalidFormat(f"field {tag} appears twice")
        fields[tag] = value
        pos += 4 + length
    return fields


def parse(payload: str) -> dict[str, str | dict[str, str]]:
    """Decode the TLV fields by ID; templates (26-51, 62, 80-99) become nested dicts.
    Does not check the CRC (see :func:`validate`)."""
    result: dict[str, str | dict[str, str]] = {}
    for tag, value in _decode(compact(payload)).items():
        result[tag] = _decode(value) if tag in _TEMPLATES else value
    return result


def _pix_account(fields: dict[str, str | dict[str, str]]) -> dict[str, str]:
    for tag in sorted(fields):
        value = fields[tag]
        if "26" <= tag <= "51" and isinstance(value, dict) and value.get("00", "").lower() == GUI:
            return value
    raise InvalidComponent("no merchant account template with br.gov.bcb.pix")


def validate(payload: str) -> str:
    """Return the payload if the CRC and the mandatory Pix fields are right, else raise."""
    payload = compact(payload)
    if len(payload) > _MAX_PAYLOAD:
        raise InvalidLength()
    if not payload.startswith("000201"):
        raise InvalidFormat("a BR Code starts with 000201")
    if len(payload) < 8 or payload[-8:-4] != "6304":
        raise InvalidFormat("a BR Code ends with the CRC field 6304XXXX")
    fields = parse(payload)
    if list(fields)[-1] != "63":
        raise InvalidFormat("the CRC field is the last one")
    if payload[-4:] != calc_check_digit(payload[:-4]):  # upper-case hex, per the manual
        raise InvalidChecksum()
    account = _pix_account(fields)
    if not account.get("01") and not account.get("25"):
        raise InvalidComponent("the Pix account has neither a key (01) nor a URL (25)")
    for tag, expected in (("52", None), ("53", "986"), ("58", "BR"), ("59", None), ("60", None)):
        value = fields.get(tag)
        if not isinstance(value, str) or not value or expected not in (None, value):
            raise InvalidComponent(f"field {tag} is missing or wrong")
    amount = fields.get("54")
    if amount is not None and (not isinstance(amount, str) or not _AMOUNT_RE.match(amount)):
        raise InvalidComponent("field 54 (amount) is not a decimal amount")
    extra = fields.get("62")
    if not isinstance(extra, dict) or not extra.get("05"):
        raise InvalidComponent("field 62-05 (txid) is missing; '***' when none")
    return payload


def is_valid(payload: str) -> bool:
    """Whether the payload is a valid Pix BR Code."""
    try:
        return bool(validate(payload))
    except ValidationError:
        return False


def format(payload: str) -> str:
    """The payload as it is printed for copy and paste ("Pix copia e cola"): unchanged."""
    return compact(payload)


def info(payload: str) -> dict[str, object]:
    """The fields of a valid payload by name: key, url, description, amount
    (Decimal or None), merchant_name, merchant_city, postal_code, txid, single_use."""
    fields = parse(validate(payload))
    account = _pix_account(fields)
    extra = fields["62"]
    assert isinstance(extra, dict)
    amount = fields.get("54")
    url = account.get("25")
    return {
        "key": account.get("01"),
        "url": None if url is None else "https://" + url,
        "description": account.get("02"),
        "amount": None if amount is None else Decimal(str(amount)),
        "merchant_name": fields["59"],
        "merchant_city": fields["60"],
        "postal_code": fields.get("61"),
        "txid": None if extra["05"] == "***" else extra["05"],
        "single_use": fields.get("01") == "12",
    }


def key_type(key: str) -> str:
    """Kind of Pix key as the directory stores it: cpf, cnpj, phone, email or evp."""
    if cpf.is_valid(key) and key.isdigit():
        return "cpf"
    if cnpj.is_valid(key) and key.isdigit():
        return "cnpj"
    if _PHONE_RE.match(key):
        return "phone"
    if _EVP_RE.match(key):
        return "evp"
    if _EMAIL_RE.match(key) and len(key) <= 77:
        return "email"
    raise InvalidComponent(f"{key!r} is not a Pix key (CPF, CNPJ, +phone, e-mail or EVP)")


def _ascii(text: str, limit: int, what: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = " ".join(text.split())[:limit].strip()
    if not text:
        raise InvalidComponent(f"the {what} is empty")
    return text


def _amount(amount: Decimal) -> str:
    if isinstance(amount, float):
        raise InvalidFormat("give the amount as a Decimal, not a float")
    try:
        value = Decimal(amount)
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise InvalidFormat("the amount is a Decimal") from exc
    if not value.is_finite() or value <= 0:
        raise InvalidComponent("the amount is positive")
    if value != value.quantize(Decimal("0.01")):
        raise InvalidFormat("the amount has at most 2 decimal places")
    text = f"{value:.2f}"
    if len(text) > 13:
        raise InvalidLength("the amount is at most 13 characters")
    return text


def build(
    key: str | None = None,
    *,
    url: str | None = None,
    amount: Decimal | None = None,
    merchant_name: str,
    merchant_city: str,
    txid: str | None = None,
    description: str | None = None,
    postal_code: str | None = None,
    single_use: bool = False,
) -> str:
    """Payload of a static code (``key``) or a dynamic one (``url`` of the PSP's
    location, with or without ``https://``), CRC included."""
    if (key is None) == (url is None):
        raise InvalidComponent("give either a Pix key or a location URL")
    account = _tlv("00", GUI)
    if key is not None:
        key_type(key)
        account += _tlv("01", key)
        if description:
            account += _tlv("02", _ascii(description, 72, "description"))
    else:
        assert url is not None
        location = url.removeprefix("https://")
        if not location or location.startswith("http://") or any(c.isspace() for c in location):
            raise InvalidComponent("the location URL is an https URL")
        account += _tlv("25", location)
        if txid not in (None, "***"):
            raise InvalidComponent("a dynamic code carries its txid at the location, not here")
    txid = txid or "***"
    if not _TXID_RE.match(txid):
        raise InvalidFormat("the txid is 1-25 letters and digits, or '***'")
    parts = [_tlv("00", "01")]
    if single_use:
        parts.append(_tlv("01", "12"))
    parts += [_tlv("26", account), _tlv("52", "0000"), _tlv("53", "986")]
    if amount is not None:
        parts.append(_tlv("54", _amount(amount)))
    parts += [
        _tlv("58", "BR"),
        _tlv("59", _ascii(merchant_name, 25, "merchant name")),
        _tlv("60", _ascii(merchant_city, 15, "merchant city")),
    ]
    if postal_code is not None:
        postal_code = postal_code.replace("-", "").strip()
        if not re.fullmatch(r"[0-9]{8}", postal_code):
            raise InvalidFormat("the postal code (CEP) is 8 digits")
        parts.append(_tlv("61", postal_code))
    parts.append(_tlv("62", _tlv("05", txid)))
    payload = "".join(parts) + "6304"
    payload += calc_check_digit(payload)
    if len(payload) > _MAX_PAYLOAD:
        raise InvalidLength()
    return payload


def _qr(payload: str) -> segno.QRCode:
    return segno.make_qr(validate(payload), error="m")


def qr_svg(payload: str, scale: int = 4, border: int = 4) -> str:
    """Inline SVG of the QR code (error correction M or better), for web pages."""
    return _qr(payload).svg_inline(scale=scale, border=border)


def qr_png(payload: str, scale: int = 8, border: int = 4) -> bytes:
    """PNG of the QR code, for e-mails and printed vouchers."""
    buffer = io.BytesIO()
    _qr(payload).save(buffer, kind="png", scale=scale, border=border)
    return buffer.getvalue()
