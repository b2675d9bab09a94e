"""The printed documents: MAWB and HAWB in the air waybill layout, the cargo manifest ULD by
ULD; read back with pypdf."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from caravana.codes import awb
from caravana.waybills import documents

pytestmark = pytest.mark.django_db


def text(body: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)


def test_the_mawb_has_the_iata_boxes_and_the_lithium_handling(committed):
    _flight, master = committed
    v = master.versions.get(number=1)
    out = text(documents.waybill_pdf({**v.content, "version": 1}))
    for caption in (
        "Shipper's Name and Address",
        "Consignee's Name and Address",
        "Airport of Departure",
        "Airport of Destination",
        "Requested Flight/Date",
        "Handling Information",
        "No. of Pieces RCP",
        "Gross Weight",
        "Chargeable Weight",
        "Nature and Quantity of Goods",
    ):
        assert caption in out
    assert v.content["mawb"][3:] in out and "SZX" in out and "GRU" in out and "5Y8301" in out
    assert "UN3481" in out and "ELI" in out
    total_kg = f"{v.content['totals']['weight_g'] / 1000:.1f}"
    assert total_kg in out
    for h in v.content["houses"]:
        assert h["number"] in out


def test_a_hawb_names_its_master_and_its_own_totals(committed):
    _flight, master = committed
    v = master.versions.get(number=1).content
    house = next(h for h in v["houses"] if h["batteries"])
    out = text(documents.waybill_pdf({**v, "version": 1}, house["number"]))
    assert "HOUSE AIR WAYBILL" in out and house["number"] in out
    assert awb.format(v["mawb"]) in out
    assert f"{house['weight_g'] / 1000:.1f}" in out and f"SLAC {house['slac']}" in out


def test_the_manifest_lists_each_uld_with_its_houses_and_dangerous_goods(committed):
    _flight, master = committed
    v = master.versions.get(number=1).content
    out = text(documents.manifest_pdf([{**v, "version": 1}]))
    assert "CARGO MANIFEST" in out and awb.format(v["mawb"]) in out
    for u in v["ulds"]:
        assert u["identifier"] in out
    assert "BULK" in out and "DANGEROUS GOODS" in out and "UN3481" in out
    assert "TOTAL" in out and str(v["totals"]["slac"]) in out


def test_long_and_chinese_party_names_wrap_in_a_font_that_has_them(committed):
    """A shipper or carrier name in Chinese is drawn with the embedded CJK font (Helvetica has
    no such glyphs: boxes), and a name longer than its box wraps instead of being cut off."""
    _flight, master = committed
    v = {**master.versions.get(number=1).content, "version": 1}
    shipper = "Caravana 深圳宝安国际物流枢纽 Shenzhen Bao'an International Consolidation Hub Ltd"
    carrier = "中国邮政速递物流股份有限公司 China Post Express & Logistics Company Limited"
    v["shipper"] = {**v["shipper"], "name": shipper}
    house = {**v["houses"][0], "carrier_name": carrier}
    v["houses"] = [house, *v["houses"][1:]]
    for body, name in (
        (documents.waybill_pdf(v), shipper),
        (documents.waybill_pdf(v, house["number"]), carrier),
    ):
        reader = PdfReader(io.BytesIO(body))
        fonts = {str(f["/BaseFont"]) for f in reader.pages[0]["/Resources"]["/Font"].values()}
        assert any("WenQuanYi" in f for f in fonts), fonts
        flat = "".join(text(body).split())
        assert "".join(name.split()) in flat
    assert "CONSOLIDATIONASPERMANIFEST" in "".join(text(documents.waybill_pdf(v)).split())
