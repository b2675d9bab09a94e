"""The CN 23 form as a PDF (text read back with pypdf), the label's customs block, and who may
print them: a merchant its own parcels, hub staff their hub's."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from pypdf import PdfReader

from caravana.accounts.models import Role
from caravana.customs import services as customs
from caravana.fulfillment import labels
from caravana.fulfillment.services import parcels as parcel_services
from tests import factories as f
from tests.customs.conftest import set_national_codes, ship
from tests.fulfillment.conftest import parcel_data

pytestmark = pytest.mark.django_db


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_the_cn23_carries_every_box_of_the_declaration(shop):
    merchant, earphones, case = shop
    set_national_codes(earphones)
    order, parcel = ship("BR", [(earphones.variants.get().pk, 2), (case.variants.get().pk, 1)])
    d = customs.declaration_for(parcel)
    text = text_of(customs.cn23_pdf_for([parcel]))
    for expected in (
        "CN 23",
        "Sale of goods",
        "Commercial sample",
        merchant.legal_name,
        merchant.uscc,
        "Ana Souza",
        "CPF 390.533.447-05",  # the importer's reference, written the document's way
        "BRAZIL",
        "Wireless earphones / Fones de ouvido sem fio",
        "85183000",  # national code given: the NCM
        "392690",  # none given: the HS subheading
        f"{d.goods_value} USD",
        f"{d.freight + d.insurance} USD",
        f"{d.gross_weight_g / 1000:.3f}",
        order.number,  # invoice number
        "SZX-HUB",
    ):
        assert expected in text, expected
    values = [str(it.value) for it in customs.items_of(d)]
    assert all(f"{v} USD" in text for v in values)


def test_many_items_continue_on_a_second_page(shop):
    merchant, _e, _c = shop
    item = parcel_data()["items"][0]
    data = parcel_data(items=[{**item, "description": f"Item {n}"} for n in range(20)])
    parcel = parcel_services.create_parcel(merchant, data)
    reader = PdfReader(io.BytesIO(customs.cn23_pdf_for([parcel])))
    assert len(reader.pages) == 2
    first, second = (p.extract_text() for p in reader.pages)
    assert "Item 0" in first and "Item 19" in second and "Item 19" not in first
    assert "Total value" in second and "Total value" not in first


def test_the_label_shows_the_cn23_marks(shop):
    _m, earphones, _c = shop
    _order, parcel = ship("MX", [(earphones.variants.get().pk, 1)])
    parcels = parcel_services.parcels_for_labels(parcel.merchant, [parcel.s10])
    text = text_of(labels.render_labels(parcels))
    for expected in ("CUSTOMS DECLARATION CN 23", "Sale of goods", "Gift", "HS 8518.30"):
        assert expected in text, expected
    # The value the CN 23 declares (the order's USD values), not the merchant's prices.
    d = customs.declaration_for(parcel)
    assert d.currency == "USD" != parcel.declared_currency
    assert f"Total value {d.goods_value} USD" in text
    assert f"{d.goods_value} USD" in text_of(customs.cn23_pdf_for([parcel]))


def test_a_label_without_a_declaration_shows_the_merchants_value(shop):
    from caravana.customs.models import Declaration

    merchant, _e, _c = shop
    parcel = parcel_services.create_parcel(merchant, parcel_data())
    Declaration.objects.filter(parcel=parcel).delete()  # a parcel from before customs
    parcels = parcel_services.parcels_for_labels(merchant, [parcel.s10])
    text = text_of(labels.render_labels(parcels))
    assert f"Total value {parcel.declared_value} {parcel.declared_currency}" in text


def test_merchant_prints_its_own_cn23_and_no_other(shop):
    merchant, earphones, _c = shop
    _order, parcel = ship("CO", [(earphones.variants.get().pk, 1)])
    own = client_for(merchant.members.get().user)
    r = own.get(f"/console/customs/{parcel.s10}/cn23.pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert parcel.s10 in text_of(r.content).replace(" ", "")
    assert (
        f"/console/customs/{parcel.s10}/cn23.pdf" in own.get("/console/parcels/").content.decode()
    )

    stranger = f.merchant(staff=f.user(Role.MERCHANT))
    other = client_for(stranger.members.get().user)
    assert other.get(f"/console/customs/{parcel.s10}/cn23.pdf").status_code == 404
    buyer = client_for(f.user(Role.BUYER))
    assert buyer.get(f"/console/customs/{parcel.s10}/cn23.pdf").status_code in (302, 403)


def test_hub_staff_print_their_hubs_cn23_only(shop, hub_staff):
    from caravana.network.models import Hub
    from caravana.network.services import add_hub_member

    _m, earphones, _c = shop
    _order, parcel = ship("PE", [(earphones.variants.get().pk, 1)])
    hub = client_for(hub_staff)
    r = hub.get(f"/hub/customs/{parcel.s10}/cn23.pdf")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    assert f"/hub/customs/{parcel.s10}/cn23.pdf" in hub.get("/hub/parcels/").content.decode()

    elsewhere = f.user(Role.HUB)
    add_hub_member(Hub.objects.get(code="CAN-HUB"), elsewhere)
    assert client_for(elsewhere).get(f"/hub/customs/{parcel.s10}/cn23.pdf").status_code == 404
    merchant = client_for(parcel.merchant.members.get().user)
    assert merchant.get(f"/hub/customs/{parcel.s10}/cn23.pdf").status_code in (302, 403)


def test_a_letter_post_item_has_no_cn23(shop):
    from caravana.fulfillment.models import Parcel

    _m, earphones, _c = shop
    _order, parcel = ship("AR", [(earphones.variants.get().pk, 1)])
    Parcel.objects.filter(pk=parcel.pk).update(s10="RB123456785CN")  # registered letter series
    parcel.refresh_from_db()
    assert not customs.travels_as_postal_item(parcel)
    own = client_for(parcel.merchant.members.get().user)
    assert own.get(f"/console/customs/{parcel.s10}/cn23.pdf").status_code == 404


def text_runs(pdf: bytes) -> list[tuple[float, float, str]]:
    """(x, font size, text) of every Latin text run the PDF draws (reportlab sets Tm per run)."""
    runs: list[tuple[float, float, str]] = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            runs.append((tm[4] * cm[0] + cm[4], size * tm[0] * cm[0], text))

    for page in PdfReader(io.BytesIO(pdf)).pages:
        page.extract_text(visitor_text=visit)
    return runs


LONG_PT = "Fone de ouvido sem fio com cancelamento de ruído, coração, ação, órgão " * 3


def test_a_long_description_stays_in_its_column(shop):
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics

    from caravana.customs import cn23_pdf

    merchant, _e, _c = shop
    item = parcel_data()["items"][0]
    data = parcel_data(items=[{**item, "description": LONG_PT[:200]}])
    parcel = parcel_services.create_parcel(merchant, data)
    right = cn23_pdf.M + (A4[0] - 2 * cn23_pdf.M) * cn23_pdf._COLUMNS[0][2]
    runs = [r for r in text_runs(customs.cn23_pdf_for([parcel])) if "ruído" in r[2]]
    assert runs
    for x, size, text in runs:
        assert x + pdfmetrics.stringWidth(text, "Helvetica", size) <= right, text
    label = labels.render_labels(parcel_services.parcels_for_labels(merchant, [parcel.s10]))
    runs = [r for r in text_runs(label) if "ruído" in r[2]]
    assert runs
    for x, size, text in runs:
        assert x + pdfmetrics.stringWidth(text, "Helvetica", size) <= labels.PAGE[0], text
