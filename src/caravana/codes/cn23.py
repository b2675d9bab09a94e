"""UPU CN 23 customs declaration: the categories of item (box 10) and the numbered boxes.

The CN 23 goes with every postal parcel and with letter-post items worth more than 300 SDR
(CN 22 below that). Its boxes, as the UPU form numbers them:

1 detailed description of contents, 2 quantity, 3 net weight (kg), 4 total gross weight,
5 value, 6 total value, 7 HS tariff number, 8 country of origin of goods, 9 postal charges /
fees, 10 category of item, 11 comments (e.g. quarantine), 12 licence, 13 certificate,
14 invoice number (mandatory for commercial items), 15 date and sender's signature; plus the
sender, the addressee with the importer's reference (tax code / VAT / importer code) and the
office and date of posting.

Sources (read 2026-11, re-read 2026-12-03; the three agree box for box): OECD 2018 annex A
reproducing the form (docslib.org/doc/3085148); hongkongpost.hk/en/sending_mail/clearance/
cn23.html; India Post's printed CN 23 (scribd.com/doc/281894462); the categories of the CN 22
from the India Post form (indiacustomercare.com/customs-declaration-cn-22). The article of the
UPU Letter Post Regulations that prescribes the form was not found (unconfirmed).
"""

from __future__ import annotations

SALE_OF_GOODS = "sale_of_goods"
COMMERCIAL_SAMPLE = "commercial_sample"
GIFT = "gift"
DOCUMENTS = "documents"
RETURNED_GOODS = "returned_goods"
OTHER = "other"

#: Box 10 in the order the form prints its tick boxes, with the form's English wording.
CATEGORIES: tuple[tuple[str, str], ...] = (
    (COMMERCIAL_SAMPLE, "Commercial sample"),
    (GIFT, "Gift"),
    (DOCUMENTS, "Documents"),
    (RETURNED_GOODS, "Returned goods"),
    (SALE_OF_GOODS, "Sale of goods"),
    (OTHER, "Other"),
)

#: Categories that are commercial items: the invoice number (box 14) is mandatory.
COMMERCIAL = frozenset({SALE_OF_GOODS, COMMERCIAL_SAMPLE})

#: The form's boxes by number, in English as the UPU form prints them.
BOXES: dict[int, str] = {
    1: "Detailed description of contents",
    2: "Quantity",
    3: "Net weight (in kg)",
    4: "Total gross weight (in kg)",
    5: "Value",
    6: "Total value",
    7: "HS tariff number",
    8: "Country of origin of goods",
    9: "Postal charges/Fees",
    10: "Category of item",
    11: "Comments",
    12: "Licence",
    13: "Certificate",
    14: "Invoice",
    15: "Date and sender's signature",
}


def label(category: str) -> str:
    """The form's wording of a category ("Sale of goods"); ValueError for an unknown one."""
    for code, text in CATEGORIES:
        if code == category:
            return text
    raise ValueError(f"{category!r} is not a CN 23 category")
