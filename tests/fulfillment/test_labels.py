import io
import re
import shutil
import subprocess

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from caravana.catalog.models import Merchant
from caravana.codes import s10 as s10_codes
from caravana.fulfillment import labels
from caravana.fulfillment.services import hub_steps
from caravana.fulfillment.services import parcels as parcel_services


def page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))


def test_many_labels_in_one_pdf(make_parcel, merchant, hub_user):
    Merchant.objects.filter(pk=merchant.pk).update(legal_name="深圳市测试电子有限公司")
    parcels = [make_parcel(), make_parcel(battery="in_equipment", ddp=False), make_parcel()]
    with CaptureQueriesContext(connection) as q:
        chosen = parcel_services.parcels_for_labels(
            merchant.__class__.objects.get(pk=merchant.pk), [p.s10 for p in parcels]
        )
        pdf = labels.render_labels(chosen)
    assert len(q) <= 4
    assert pdf.startswith(b"%PDF") and page_count(pdf) == 3
    assert b"/MediaBox [ 0 0 283.4646 425.1969 ]" in pdf  # 100 x 150 mm
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
        ).stdout.decode()
        assert "GRU-CORREIOS" in text and "São Paulo" in text and "DDP" in text
        assert s10_codes.format(parcels[0].s10) in text


def test_labels_only_for_own_parcels(make_parcel):
    from tests import factories as f

    p = make_parcel()
    assert parcel_services.parcels_for_labels(f.merchant(), [p.s10]) == []


def test_bag_label(make_parcel, hub_user):
    p = make_parcel(battery="in_equipment")
    hub_steps.receive(hub_user, p.s10, 500, 20, 15, 10)
    bag = hub_steps.sort_into_bag(hub_user, p.s10)
    pdf = labels.render_bag_label(bag)
    assert pdf.startswith(b"%PDF") and page_count(pdf) == 1


pytestmark = pytest.mark.django_db


def test_the_label_names_the_buyers_document(make_parcel):
    """The courier and customs read which document the number is, in the destination's
    language, written its usual way."""
    p = make_parcel(recipient_tax_id="39053344705", recipient_tax_id_type="br.cpf")
    assert p.recipient_tax_id_type == "br.cpf"
    assert labels._document(p) == "CPF 390.533.447-05"
    p.recipient_country, p.recipient_tax_id_type = "CO", "co.cc"
    p.recipient_tax_id = "1020304050"
    assert labels._document(p) == "Cédula de ciudadanía 1020304050"
    other = make_parcel(recipient_tax_id="39053344705", recipient_tax_id_type="br.cpf")
    assert labels.render_labels([other]).startswith(b"%PDF")


def test_a_document_type_of_another_country_is_refused(make_parcel):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as err:
        make_parcel(recipient_tax_id="1020304050", recipient_tax_id_type="co.cc")
    assert "recipient_tax_id_type" in err.value.message_dict


def test_the_label_embeds_a_font_that_draws_chinese(make_parcel, merchant):
    """ "寄件人" and a Chinese sender are drawn with a font the PDF carries (a TrueType subset),
    so a viewer with no Chinese font of its own (poppler showed boxes) still draws them; the
    text extracts as written. pdffonts and pdftotext confirm it where poppler is installed."""
    from pypdf import PdfReader

    Merchant.objects.filter(pk=merchant.pk).update(legal_name="深圳市华强电子有限公司")
    p = make_parcel()
    pdf = labels.render_labels(parcel_services.parcels_for_labels(Merchant.objects.get(), [p.s10]))
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    fonts = [f.get_object() for f in page["/Resources"]["/Font"].values()]
    cjk = [f for f in fonts if "WenQuanYi" in f["/BaseFont"]]
    assert cjk, [f["/BaseFont"] for f in fonts]
    for font in cjk:
        assert font["/Subtype"] == "/TrueType"
        assert "/FontFile2" in font["/FontDescriptor"]  # the glyphs travel inside the PDF
    # Only the standard 14 fonts, which every reader has, go unembedded.
    for font in fonts:
        if "/FontDescriptor" not in font:
            assert font["/BaseFont"].lstrip("/").startswith("Helvetica"), font["/BaseFont"]
    text = page.extract_text()
    assert "寄件人" in text and "深圳市华强电子有限公司" in text
    if shutil.which("pdffonts"):
        listing = subprocess.run(
            ["pdffonts", "-"], input=pdf, capture_output=True, check=True
        ).stdout.decode()
        rows = [r.split() for r in listing.splitlines() if "WenQuanYi" in r]
        assert rows and all(r[-5] == "yes" for r in rows), listing  # the "emb" column
        text = subprocess.run(
            ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
        ).stdout.decode()
        assert "寄件人" in text


def test_a_repeated_number_is_one_label_and_pushes_none_out(make_parcel, merchant):
    """500 repeats of one parcel and then another: both labels, each once (the cap counts
    parcels, not the numbers written)."""
    a, b = make_parcel(), make_parcel()
    chosen = parcel_services.parcels_for_labels(merchant, [a.s10] * 500 + [f" {b.s10.lower()}"])
    assert chosen == [a, b]
