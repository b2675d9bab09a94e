"""The printed documents (reportlab, A4): the master and house air waybills in the IATA air
waybill layout, and the cargo manifest of a flight, ULD by ULD. They are drawn from one
WaybillVersion's content, so an earlier version prints as it was.

The box captions follow the AWB layout of IATA Resolution 600a as described in
reference/border-and-last-mile.md §2 (expedock air_waybill docs; hawaiianairlines.com AWB
instructions): parties, airport of departure and routing, airport of destination, flight/date,
handling information, the rate line (pieces, gross weight, kg, rate class, chargeable weight,
rate, total) and nature and quantity of goods with volume. Air waybills are printed in English,
the language of the carriage contract, whatever the reader's language. Charges are not priced
here: the rate and total boxes read "AS AGREED", as between a consolidator and its charter
carrier (practice unconfirmed)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from caravana.codes import awb
from caravana.fulfillment.labels import font_for
from caravana.waybills.handling import handling_lines, special_handling

W, H = A4
M = 10 * mm


def _kg(grams: int) -> str:
    return f"{Decimal(grams) / 1000:.1f}"


def _m3(cm3: int) -> str:
    return f"{Decimal(cm3) / 1_000_000:.3f}"


class _Form:
    """A canvas with captioned boxes: a caption in small type at the top left, the value below."""

    def __init__(self, c: Canvas) -> None:
        self.c = c

    def box(
        self,
        x: float,
        y: float,
        w: float,
        h: float,
        caption: str,
        lines: list[str],
        size: float = 9,
        bold: bool = False,
    ) -> None:
        c = self.c
        c.setLineWidth(0.6)
        c.rect(x, y, w, h)
        cs = 6.0
        while cs > 4 and c.stringWidth(caption, "Helvetica", cs) > w - 3 * mm:
            cs -= 0.5
        c.setFont("Helvetica", cs)
        c.drawString(x + 1.5 * mm, y + h - 3 * mm, caption)
        ty = y + h - 3 * mm - size - 1
        for text in lines:
            font = font_for(text, bold)
            c.setFont(font, size)
            for line in _wrap(text, font, size, w - 3 * mm):
                if ty < y + 1 * mm:
                    return
                c.drawString(x + 1.5 * mm, ty, line)
                ty -= size + 1.5


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """`text` in lines that fit `width`: at spaces, and inside a word too long for a line
    (Chinese names have no spaces), between characters. A long name wraps, never cut off."""
    out: list[str] = []
    for line in simpleSplit(text, font, size, width) or [""]:
        while stringWidth(line, font, size) > width and len(line) > 1:
            cut = len(line) - 1
            while cut > 1 and stringWidth(line[:cut], font, size) > width:
                cut -= 1
            out.append(line[:cut])
            line = line[cut:]
        out.append(line)
    return out


def _party(p: dict[str, Any]) -> list[str]:
    lines = [p.get("name", ""), f"{p.get('city', '')} {p.get('country', '')}".strip()]
    if p.get("code"):
        lines.append(p["code"])
    return lines


def _waybill_page(c: Canvas, v: dict[str, Any], house: dict[str, Any] | None) -> None:
    """One air waybill: the master when `house` is None, else that house under it."""
    f = _Form(c)
    flight, airline = v["flight"], v["airline"]
    number = awb.format(v["mawb"])
    title = "HOUSE AIR WAYBILL" if house else "AIR WAYBILL"
    top = H - M
    # Header: number boxes (prefix, airport of departure, serial), as printed on the AWB.
    c.setFont("Helvetica-Bold", 14)
    if house:
        c.drawString(M, top - 6 * mm, f"HAWB {house['number']}")
        c.setFont("Helvetica", 9)
        c.drawString(M, top - 11 * mm, f"MAWB {number}  ·  {flight['origin']}")
    else:
        c.drawString(M, top - 6 * mm, f"{v['mawb'][:3]}  {flight['origin']}  {v['mawb'][3:]}")
    c.setFont("Helvetica-Bold", 11)
    c.drawRightString(W - M, top - 5 * mm, title)
    c.setFont("Helvetica", 7)
    c.drawRightString(W - M, top - 9 * mm, "Not negotiable")
    issuer = "Caravana (consolidator)" if house else f"{airline['name']} ({airline['prefix']})"
    c.drawRightString(W - M, top - 12.5 * mm, f"Issued by {issuer}")
    code = house["number"] if house else v["mawb"]
    Code128(code, barHeight=10 * mm, barWidth=0.35 * mm).drawOn(c, W / 2 - 30 * mm, top - 14 * mm)
    if v.get("void") or (house and house.get("void")):
        c.saveState()
        c.setFont("Helvetica-Bold", 60)
        c.setFillColor(colors.Color(0.8, 0, 0, alpha=0.3))
        c.translate(W / 2, H / 2)
        c.rotate(35)
        c.drawCentredString(0, 0, "VOID")
        c.restoreState()

    half = (W - 2 * M) / 2
    y = top - 18 * mm
    shipper = v["shipper"]
    consignee = (
        {
            "name": house["carrier_name"],
            "city": "",
            "country": house["carrier_country"],
            "code": house["carrier"],
        }
        if house
        else v["consignee"]
    )
    f.box(M, y - 24 * mm, half, 24 * mm, "Shipper's Name and Address", _party(shipper))
    f.box(
        M + half,
        y - 24 * mm,
        half,
        24 * mm,
        "Not Negotiable · Copies 1, 2 and 3 are originals",
        [f"Version {v['version']}" + ("  VOID" if v.get("void") else "")],
        size=8,
    )
    y -= 24 * mm
    f.box(M, y - 24 * mm, half, 24 * mm, "Consignee's Name and Address", _party(consignee))
    f.box(
        M + half,
        y - 24 * mm,
        half,
        24 * mm,
        "Accounting Information",
        [
            "FREIGHT AS AGREED",
            f"Service level: {house['service_level']}"
            if house
            else f"Consolidation: {len(v['houses'])} house waybills",
        ],
        size=8,
    )
    y -= 24 * mm
    f.box(
        M,
        y - 14 * mm,
        half,
        14 * mm,
        "Issuing Carrier's Agent Name and City",
        ["Caravana " + shipper.get("city", "")],
    )
    f.box(M + half, y - 14 * mm, half / 3, 14 * mm, "Currency", ["USD"])
    f.box(
        M + half + half / 3, y - 14 * mm, half / 3, 14 * mm, "Declared Value for Carriage", ["NVD"]
    )
    f.box(
        M + half + 2 * half / 3,
        y - 14 * mm,
        half / 3,
        14 * mm,
        "Declared Value for Customs",
        ["NCV"],
    )
    y -= 14 * mm
    f.box(
        M,
        y - 14 * mm,
        half,
        14 * mm,
        "Airport of Departure (Addr. of First Carrier) and Requested Routing",
        [f"{flight['origin']}  →  {flight['destination']}"],
        bold=True,
    )
    f.box(
        M + half,
        y - 14 * mm,
        half / 2,
        14 * mm,
        "To / By First Carrier",
        [f"{flight['destination']} / {airline['designator']}"],
    )
    f.box(M + half * 1.5, y - 14 * mm, half / 2, 14 * mm, "Amount of Insurance", ["NIL"])
    y -= 14 * mm
    f.box(
        M,
        y - 14 * mm,
        half,
        14 * mm,
        "Airport of Destination",
        [f"{v['gateway']['iata']} {v['gateway']['city']}"],
        bold=True,
    )
    # The flight's date is its local departure date at the origin (network.Flight.date).
    departs = dt.date.fromisoformat(flight["date"])
    f.box(
        M + half,
        y - 14 * mm,
        half,
        14 * mm,
        "Requested Flight/Date",
        [f"{flight['number']} / {departs:%d%b%y}".upper()],
        bold=True,
    )
    y -= 14 * mm
    batteries = (
        house["batteries"] if house else sorted({b for h in v["houses"] for b in h["batteries"]})
    )
    shc = special_handling(batteries)
    handling = handling_lines(batteries) or ["NO DANGEROUS GOODS DECLARED"]
    if shc:
        handling = ["SHC: " + " ".join(shc), *handling]
    f.box(M, y - 20 * mm, W - 2 * M, 20 * mm, "Handling Information", handling, size=8)
    y -= 20 * mm
    # The rate line.
    t = house if house else v["totals"]
    cols = [
        ("No. of Pieces RCP", str(t["pieces"]), 22),
        ("Gross Weight", _kg(t["weight_g"]), 24),
        ("kg lb", "K", 10),
        ("Rate Class", "Q", 12),
        ("Chargeable Weight", _kg(t["chargeable_g"]), 26),
        ("Rate / Charge", "AS AGREED", 24),
        ("Total", "AS AGREED", 24),
    ]
    x = M
    for caption, value, width in cols:
        f.box(x, y - 42 * mm, width * mm, 42 * mm, caption, [value], bold=True)
        x += width * mm
    if house:
        goods = [
            "CONSOLIDATED E-COMMERCE GOODS",
            f"SLAC {t['slac']} PARCELS IN {t['pieces']} BAGS",
            f"VOLUME {_m3(t['volume_cm3'])} M3",
            "ULD " + ", ".join(house["ulds"]) if house["ulds"] else "LOOSE BAGS",
        ]
    else:
        goods = [
            "CONSOLIDATION AS PER MANIFEST",
            f"{len(v['houses'])} HAWB · SLAC {t['slac']} PARCELS",
            f"VOLUME {_m3(t['volume_cm3'])} M3",
            f"{len(v['ulds'])} ULD " + " ".join(u["identifier"] for u in v["ulds"][:8]),
        ]
    f.box(
        x,
        y - 42 * mm,
        W - M - x,
        42 * mm,
        "Nature and Quantity of Goods (incl. Dimensions or Volume)",
        goods,
        size=8,
    )
    y -= 42 * mm
    if not house:
        lines = [
            f"{h['number']}  {h['service_level']}/{h['carrier']}  {h['pieces']} pcs  "
            f"{_kg(h['weight_g'])} kg  SLAC {h['slac']}"
            for h in v["houses"]
        ]
        f.box(M, y - 40 * mm, W - 2 * M, 40 * mm, "House Waybills under this Master", lines, size=8)
        y -= 40 * mm
    f.box(
        M,
        y - 16 * mm,
        (W - 2 * M) / 2,
        16 * mm,
        "Executed on (date) at (place)",
        [f"{departs:%Y-%m-%d} {flight['origin']}"],
    )
    f.box(
        M + (W - 2 * M) / 2,
        y - 16 * mm,
        (W - 2 * M) / 2,
        16 * mm,
        "Signature of Issuing Carrier or its Agent",
        [""],
    )


def waybill_pdf(version: dict[str, Any], house_number: str | None = None) -> bytes:
    """The master air waybill of a version's content, or one house under it."""
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, pageCompression=1)
    name = house_number or awb.format(version["mawb"])
    c.setTitle(f"AWB {name} v{version['version']}")
    house = None
    if house_number is not None:
        house = next(h for h in version["houses"] if h["number"] == house_number)
    _waybill_page(c, version, house)
    c.showPage()
    c.save()
    return buf.getvalue()


def manifest_pdf(versions: list[dict[str, Any]]) -> bytes:
    """The cargo manifest of a flight: per master (destination gateway), ULD by ULD with its
    position, houses, pieces, parcels, weights, volume and dangerous goods; then loose bags and
    the totals. `versions` are the current contents of the flight's masters."""
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=landscape(A4),
        leftMargin=M,
        rightMargin=M,
        topMargin=M,
        bottomMargin=M,
        title="Cargo manifest",
    )
    styles = getSampleStyleSheet()
    story: list[Any] = []
    for v in versions:
        flight = v["flight"]
        story.append(
            Paragraph(
                f"CARGO MANIFEST · {flight['number']} {flight['date']} · {flight['origin']} → "
                f"{v['gateway']['iata']} · {flight['aircraft']} · {v['airline']['name']}",
                styles["Heading2"],
            )
        )
        story.append(
            Paragraph(
                f"MAWB {awb.format(v['mawb'])} · version {v['version']}"
                + (" · VOID" if v.get("void") else ""),
                styles["Normal"],
            )
        )
        story.append(Spacer(1, 4 * mm))
        head = ["Pos.", "ULD", "Type", "HAWB", "Bags", "Parcels", "Net kg", "Gross kg", "m³", "DG"]
        rows: list[list[str]] = [head]
        for u in v["ulds"]:
            rows.append(
                [
                    u["position"] or "—",
                    u["identifier"],
                    u["uld_type"],
                    " ".join(u["hawbs"]),
                    str(u["pieces"]),
                    str(u["slac"]),
                    _kg(u["weight_g"]),
                    _kg(u["weight_g"] + u["tare_kg"] * 1000),
                    _m3(u["volume_cm3"]),
                    f"DG {u['dg_pieces']}" if u["dg_pieces"] else "",
                ]
            )
        loose = v["loose"]
        if loose["pieces"]:
            rows.append(
                [
                    "—",
                    "BULK",
                    "",
                    " ".join(loose["hawbs"]),
                    str(loose["pieces"]),
                    str(loose["slac"]),
                    _kg(loose["weight_g"]),
                    _kg(loose["weight_g"]),
                    _m3(loose["volume_cm3"]),
                    f"DG {loose['dg_pieces']}" if loose["dg_pieces"] else "",
                ]
            )
        t = v["totals"]
        tare = sum(u["tare_kg"] for u in v["ulds"]) * 1000
        rows.append(
            [
                "",
                "TOTAL",
                f"{len(v['ulds'])} ULD",
                f"{len(v['houses'])} HAWB",
                str(t["pieces"]),
                str(t["slac"]),
                _kg(t["weight_g"]),
                _kg(t["weight_g"] + tare),
                _m3(t["volume_cm3"]),
                f"DG {t['dg_pieces']}" if t["dg_pieces"] else "",
            ]
        )
        table = Table(rows, repeatRows=1, hAlign="LEFT")
        table.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8),
                    ("FONT", (0, 1), (-1, -1), "Helvetica", 8),
                    ("FONT", (0, -1), (-1, -1), "Helvetica-Bold", 8),
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.9, 0.9, 0.9)),
                    ("ALIGN", (4, 1), (-2, -1), "RIGHT"),
                ]
            )
        )
        story.append(table)
        batteries = sorted({b for h in v["houses"] for b in h["batteries"]})
        if batteries:
            story.append(Spacer(1, 3 * mm))
            story.append(
                Paragraph(
                    "DANGEROUS GOODS: "
                    + "; ".join(
                        [" ".join(special_handling(batteries)), *handling_lines(batteries)]
                    ),
                    styles["Normal"],
                )
            )
        story.append(Spacer(1, 8 * mm))
    if not story:
        story.append(Paragraph("No cargo on this flight.", styles["Normal"]))
    doc.build(story)
    return buf.getvalue()
