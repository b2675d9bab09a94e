import string
from decimal import Decimal

import brcode  # PyPI "brcode", an independent decoder (test-only)
import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength

from caravana.codes import pix

MANUAL = (
    "00020126580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-4266554400005204000053039865802BR"
    "5913Fulano de Tal6008BRASILIA62070503***6304"
)
EVP = "123e4567-e12b-12d1-a456-426655440000"

names = st.text(string.ascii_letters + " ", min_size=1, max_size=25).filter(
    lambda s: s.strip() and " ".join(s.split()) == s
)
cities = names.map(lambda s: s[:15].strip()).filter(bool)
amounts = st.none() | st.integers(1, 10**10 - 1).map(lambda c: Decimal(c).scaleb(-2))
txids = st.none() | st.text(string.ascii_letters + string.digits, min_size=1, max_size=25)
keys = st.sampled_from(
    [EVP, "fulano@example.com", "+5561912345678", "39053344705", "11222333000181"]
)


def test_crc_check_value():
    assert pix.crc16("123456789") == "29B1"
    assert pix.crc16(b"123456789") == "29B1"


def test_manual_example():
    assert pix.calc_check_digit(MANUAL) == "1D3D"
    payload = pix.build(EVP, merchant_name="Fulano de Tal", merchant_city="BRASILIA")
    assert payload == MANUAL + "1D3D"
    assert pix.validate(payload) == payload
    fields = pix.parse(payload)
    assert fields["26"] == {"00": "br.gov.bcb.pix", "01": EVP}
    assert fields["62"] == {"05": "***"}
    assert fields["63"] == "1D3D"


@given(keys, amounts, names, cities, txids, st.booleans())
def test_static_payloads_decode_with_brcode(key, amount, name, city, txid, single_use):
    payload = pix.build(
        key,
        amount=amount,
        merchant_name=name,
        merchant_city=city,
        txid=txid,
        single_use=single_use,
    )
    assert pix.validate(payload) == payload
    qr = brcode.QR(payload)
    assert qr.PFI_value == "01"
    assert qr.MAI_GUI_value == "br.gov.bcb.pix"
    assert qr.MAI_CHAVEPIX_value == key
    assert qr.MCC_value == "0000"
    assert qr.TC_value == "986"
    assert qr.CC_value == "BR"
    assert qr.MN_value == name
    assert qr.MC_value == city
    assert qr.ADF_REF_value == (txid or "***")
    assert qr.CRC_value == payload[-4:]
    assert qr.PIM_value == ("12" if single_use else "Não Informado")
    if amount is not None:
        assert Decimal(qr.TA_value) == amount
    info = pix.info(payload)
    assert (info["key"], info["amount"], info["txid"]) == (key, amount, txid)


@given(amounts, names, cities)
def test_dynamic_payloads(amount, name, city):
    url = "https://pix.example.com/qr/v2/9d36b84fc70b478fb95c12729b90ca25"
    payload = pix.build(url=url, amount=amount, merchant_name=name, merchant_city=city)
    assert pix.parse(payload)["26"]["25"] == url.removeprefix("https://")
    assert pix.info(payload)["url"] == url
    qr = brcode.QR(payload)  # brcode ignores field 25 but must still read the rest
    assert (qr.MN_value, qr.MC_value, qr.CRC_value) == (name, city, payload[-4:])


@given(keys, amounts, names, cities, txids, st.data())
def test_every_single_character_substitution_is_caught(key, amount, name, city, txid, data):
    """CRC-16 detects every error burst of up to 16 bits, so any one changed byte."""
    payload = pix.build(key, amount=amount, merchant_name=name, merchant_city=city, txid=txid)
    pos = data.draw(st.integers(0, len(payload) - 1))
    new = data.draw(st.sampled_from(string.printable.strip()).filter(lambda c: c != payload[pos]))
    assert not pix.is_valid(payload[:pos] + new + payload[pos + 1 :])


def test_names_are_transliterated_and_cut():
    payload = pix.build(
        EVP,
        merchant_name="Comércio de Importados São João Ltda",
        merchant_city="São José dos Campos",
        description="Pedido nº 1234",
        postal_code="12245-000",
    )
    info = pix.info(payload)
    assert info["merchant_name"] == "Comercio de Importados Sa"
    assert info["merchant_city"] == "Sao Jose dos Ca"
    assert info["description"] == "Pedido no 1234"
    assert info["postal_code"] == "12245000"


def test_qr_images():
    payload = MANUAL + "1D3D"
    svg = pix.qr_svg(payload)
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert pix.qr_png(payload).startswith(b"\x89PNG\r\n\x1a\n")
    with pytest.raises(InvalidChecksum):
        pix.qr_png(MANUAL + "1D3E")


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        (MANUAL + "1D3E", InvalidChecksum),
        (MANUAL + "1d3d", InvalidChecksum),
        (MANUAL[:-4] + "63051D3D", InvalidFormat),
        ("000201" + "x" * 600, InvalidLength),
        ("000202" + MANUAL[6:] + "1D3D", InvalidFormat),
        (MANUAL.replace("5913Fulano de Tal", "5914Fulano de Tal"), InvalidFormat),
    ],
)
def test_bad_input(payload, error):
    with pytest.raises(error):
        pix.validate(payload)
    assert not pix.is_valid(payload)


def _with_crc(body: str) -> str:
    return body + pix.calc_check_digit(body)


@pytest.mark.parametrize(
    "body",
    [
        MANUAL.replace("5303986", "5303840"),  # not BRL
        MANUAL.replace("5802BR", "5802MX"),
        MANUAL.replace("br.gov.bcb.pix", "br.gov.bcb.xyz"),
        MANUAL.replace("62070503***", ""),  # no txid
        MANUAL.replace("5913Fulano de Tal", ""),  # no merchant name
    ],
)
def test_missing_or_wrong_mandatory_fields(body):
    with pytest.raises(InvalidComponent):
        pix.validate(_with_crc(body))


def test_build_refuses_bad_input():
    kw = {"merchant_name": "Fulano", "merchant_city": "BRASILIA"}
    with pytest.raises(InvalidComponent):
        pix.build(**kw)
    with pytest.raises(InvalidComponent):
        pix.build(EVP, url="pix.example.com/x", **kw)
    with pytest.raises(InvalidComponent):
        pix.build("12345678900", **kw)  # CPF with a wrong check digit
    with pytest.raises(InvalidFormat):
        pix.build(EVP, txid="with space", **kw)
    with pytest.raises(InvalidFormat):
        pix.build(EVP, amount=Decimal("1.005"), **kw)
    with pytest.raises(InvalidFormat):
        pix.build(EVP, amount=1.5, **kw)
    with pytest.raises(InvalidComponent):
        pix.build(EVP, amount=Decimal("0"), **kw)
    with pytest.raises(InvalidComponent):
        pix.build(url="pix.example.com/x", txid="ABC", **kw)
