"""The printed manifests' shared paper: text from the database never breaks reportlab's markup,
and a Chinese name is set in a font that has it."""

from __future__ import annotations

from decimal import Decimal

from caravana import manifest_paper as paper


def test_hostile_and_chinese_text_make_a_pdf():
    story = [
        *paper.heading("Manifest", "GRU-X-000001", "Carrier: A<B & <i>C</i> · 深圳"),
        paper.grid(
            [["#", "Name"], ["1", paper.cell('<para>"x" & </b>')], ["", paper.cell("张伟")]],
            (10, 60),
        ),
        paper.signatures("Handed over by", "Received by", "Name, signature"),
    ]
    pdf = paper.build("Manifest GRU-X-000001", story)
    assert pdf.startswith(b"%PDF")
    assert paper.cell("张伟").style.fontName != paper.cell("Ana").style.fontName


def test_weights_and_times():
    assert paper.kg(1234) == Decimal("1.234")
    assert paper.utc_iso(None) is None
