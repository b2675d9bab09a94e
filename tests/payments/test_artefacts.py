"""Each method's artefact checked by an independent implementation or the spec's own rules."""

import datetime as dt
from decimal import Decimal

import brcode  # PyPI "brcode", an independent decoder (test-only)
import clabe as clabe_oracle  # PyPI "clabe", an independent implementation (test-only)
import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from caravana.codes import boleto, clabe, pix
from caravana.payments import installments
from caravana.payments.providers import SandboxProvider
from tests.orders.support import MX, buyer, place

NOW = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)


def _issue(method, amount="123.45", currency="BRL", ref="PAYABCDEFGH2345", **kw):
    return SandboxProvider().issue(
        reference=ref, method=method, amount=Decimal(amount), currency=currency,
        country="BR", now=NOW, **kw,
    )  # fmt: skip


def test_pix_payload_decodes_with_brcode():
    issued = _issue("pix")
    payload = issued.artefact["payload"]
    assert pix.is_valid(payload)
    qr = brcode.QR(payload)
    assert qr.PFI_value == "01" and qr.PIM_value == "12"
    assert qr.MAI_GUI_value == "br.gov.bcb.pix"
    assert qr.TC_value == "986" and qr.CC_value == "BR"
    assert Decimal(qr.TA_value) == Decimal("123.45")
    assert qr.CRC_value == payload[-4:] == pix.crc16(payload[:-4])
    assert pix.info(payload)["url"] == issued.artefact["location"]
    assert issued.artefact["txid"] in issued.artefact["location"]
    assert issued.expires_at == NOW + dt.timedelta(minutes=60)
    assert "<svg" in pix.qr_svg(payload)


def test_boleto_barcode_typed_line_and_due_factor():
    issued = _issue("boleto")
    art = issued.artefact
    assert len(art["barcode"]) == 44 and len(art["typed_line"]) == 47
    assert boleto.is_valid(art["barcode"]) and boleto.is_valid(art["typed_line"])
    parsed = boleto.parse(art["typed_line"], near=NOW.date())
    assert parsed["amount"] == Decimal("123.45")
    assert parsed["due"] == dt.date(2026, 11, 23)
    # the factor restarted at 1000 on 2025-02-22
    assert parsed["factor"] == 1000 + (dt.date(2026, 11, 23) - dt.date(2025, 2, 22)).days


@given(st.integers(min_value=0, max_value=36**12 - 1))
def test_spei_clabes_check_with_the_clabe_package(n):
    digits = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    ref = "PAY" + "".join(digits[(n >> (5 * i)) % 32] for i in range(12))
    number = _issue("spei", currency="MXN", ref=ref).artefact["clabe"]
    assert clabe.is_valid(number)
    assert clabe_oracle.compute_control_digit(number) == number[17]
    assert clabe_oracle.validate_clabe(number)  # 646 (STP) is in the package's bank list


def test_oxxo_reference_and_expiry():
    issued = _issue("oxxo", currency="MXN")
    assert issued.artefact["reference"].isdigit() and len(issued.artefact["reference"]) == 14
    assert issued.expires_at == NOW + dt.timedelta(days=3)


@pytest.mark.django_db
def test_cards_keep_brand_and_last4_and_0002_declines():
    ok = _issue("card", card_token={"token": "tok_mastercard"})
    assert ok.approved and (ok.card["brand"], ok.card["last4"]) == ("mastercard", "4444")
    assert "card_id" not in ok.card  # not saved unless asked
    bad = _issue("card", card_token={"token": "tok_declined"})
    assert not bad.approved and bad.status == "declined"


def test_installments_worked_example_and_rules():
    assert installments.split(Decimal("100.00"), "BRL", 3) == [
        Decimal("33.34"), Decimal("33.33"), Decimal("33.33"),
    ]  # fmt: skip
    assert installments.options("BR", Decimal("30.00"), "BRL") == [1, 2, 3, 4, 5, 6]
    assert installments.options("MX", Decimal("650.00"), "MXN") == [1, 3, 6]
    assert installments.options("AR", Decimal("1200"), "ARS") == list(range(1, 13))
    assert installments.options("CL", Decimal("100000"), "CLP") == list(range(1, 13))
    assert installments.options("CL", Decimal("1500"), "CLP") == [1]
    with pytest.raises(ValueError, match="at least 5.00"):
        installments.plan("BR", Decimal("30.00"), "BRL", 7)
    with pytest.raises(ValueError):
        installments.plan("MX", Decimal("5000.00"), "MXN", 2)


@given(
    st.decimals(min_value="0.01", max_value="1000000", places=2),
    st.integers(min_value=1, max_value=12),
)
def test_installments_add_up_and_differ_by_at_most_the_remainder(amount, n):
    parts = installments.split(amount, "BRL", n)
    assert sum(parts) == amount and len(parts) == n
    assert all(p == parts[-1] for p in parts[1:])
    assert Decimal(0) <= parts[0] - parts[-1] < Decimal("0.01") * n


@pytest.mark.django_db
def test_spei_checkout_gets_a_valid_clabe(market):
    a, _b = market
    _g, payment, _r = place(buyer(), data=MX, lines=[(a.pk, 1)], method="spei")
    assert clabe.is_valid(payment.artefact["clabe"])
    assert payment.expires_at > timezone.now()
