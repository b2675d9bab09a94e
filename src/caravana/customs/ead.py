"""Electronic advance data (EAD) per parcel, in the documented schema caravana.ead/1
(customs/schema/ead-1.schema.json; which country asks for which field, with sources: docs/
customs.md), and its flat CSV form, one row per item. Pure: plain mappings in, plain dicts and
text out, so a 60,000-parcel flight is only a loop."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from importlib.resources import files
from typing import Any

SCHEMA = "caravana.ead/1"
SCHEMA_FILE = ("caravana.customs", "schema/ead-1.schema.json")

#: The keys `record` reads from a parcel row (customs.services.ead_rows builds them).
ROW_KEYS = (
    "s10",
    "order_ref",
    "battery",
    "gross_weight_g",
    "category",
    "invoice_number",
    "currency",
    "goods_value",
    "freight",
    "insurance",
    "customs_value",
    "ddp",
    "prepaid_currency",
    "prepaid_duties",
    "prepaid_taxes",
    "sender_name",
    "sender_address",
    "sender_uscc",
    "recipient_name",
    "recipient_address",
    "recipient_city",
    "recipient_state",
    "recipient_postal_code",
    "recipient_country",
    "recipient_phone",
    "recipient_email",
    "document_type",
    "document_short",
    "document_number",
    "items",
    "flight",
    "departure",
    "origin",
    "destination",
    "uld",
    "bag",
)


def schema() -> dict[str, Any]:
    """The JSON Schema of one record."""
    data: dict[str, Any] = json.loads(
        files(SCHEMA_FILE[0]).joinpath(SCHEMA_FILE[1]).read_text("utf-8")
    )
    return data


def record(row: Mapping[str, Any]) -> dict[str, Any]:
    """One parcel's advance data as the schema has it."""
    prepaid = None
    if row["prepaid_currency"]:
        prepaid = {
            "currency": row["prepaid_currency"],
            "duties": str(row["prepaid_duties"]),
            "taxes": str(row["prepaid_taxes"]),
        }
    parcel = {
        "s10": row["s10"],
        "gross_weight_g": row["gross_weight_g"],
        "pieces": 1,
        "battery": row["battery"],
    }
    if row["order_ref"]:
        parcel["order_number"] = row["order_ref"]
    transport = {
        "flight": row["flight"],
        "departure": row["departure"],
        "origin": row["origin"],
        "destination": row["destination"],
    }
    for key in ("uld", "bag"):
        if row.get(key):
            transport[key] = row[key]
    return {
        "schema": SCHEMA,
        "parcel": parcel,
        "declaration": {
            "category": row["category"],
            "invoice_number": row["invoice_number"],
            "currency": row["currency"],
            "goods_value": str(row["goods_value"]),
            "freight": str(row["freight"]),
            "insurance": str(row["insurance"]),
            "customs_value": str(row["customs_value"]),
            "incoterm": "DDP" if row["ddp"] else "DAP",
            "prepaid_taxes": prepaid,
        },
        "sender": {
            "name": row["sender_name"],
            "address": row["sender_address"],
            "country": "CN",
            "uscc": row["sender_uscc"],
        },
        "consignee": {
            "name": row["recipient_name"],
            "address": row["recipient_address"],
            "city": row["recipient_city"],
            "state": row["recipient_state"],
            "postal_code": row["recipient_postal_code"],
            "country": row["recipient_country"],
            "phone": row["recipient_phone"],
            "email": row["recipient_email"],
            "document": {
                "type": row["document_type"],
                "short": row["document_short"],
                "number": row["document_number"],
            },
        },
        "items": [
            {
                "description_en": it["description_en"],
                "description_local": it["description_local"],
                "hs_code": it["hs_code"],
                "national_code": it.get("national_code", ""),
                "quantity": it["quantity"],
                "net_weight_g": it["net_weight_g"],
                "value": str(it["value"]),
                "origin_country": it["origin_country"],
            }
            for it in row["items"]
        ],
        "transport": transport,
    }


#: The CSV's columns: the parcel's fields repeated on each of its item rows.
CSV_COLUMNS = (
    "s10",
    "order_number",
    "flight",
    "departure",
    "origin",
    "destination",
    "uld",
    "bag",
    "gross_weight_g",
    "battery",
    "category",
    "invoice_number",
    "currency",
    "goods_value",
    "freight",
    "insurance",
    "customs_value",
    "incoterm",
    "prepaid_currency",
    "prepaid_duties",
    "prepaid_taxes",
    "sender_name",
    "sender_address",
    "sender_country",
    "sender_uscc",
    "consignee_name",
    "consignee_address",
    "consignee_city",
    "consignee_state",
    "consignee_postal_code",
    "consignee_country",
    "consignee_phone",
    "consignee_email",
    "consignee_document_type",
    "consignee_document_number",
    "item_no",
    "item_description_en",
    "item_description_local",
    "item_hs_code",
    "item_national_code",
    "item_quantity",
    "item_net_weight_g",
    "item_value",
    "item_origin_country",
)


def csv_rows(rec: Mapping[str, Any]) -> list[list[Any]]:
    """A record's CSV rows, one per item, in CSV_COLUMNS order."""
    p, d, s, c, t = (rec[k] for k in ("parcel", "declaration", "sender", "consignee", "transport"))
    pre = d["prepaid_taxes"] or {}
    head = [
        p["s10"],
        p.get("order_number", ""),
        t["flight"],
        t["departure"],
        t["origin"],
        t["destination"],
        t.get("uld", ""),
        t.get("bag", ""),
        p["gross_weight_g"],
        p["battery"],
        d["category"],
        d["invoice_number"],
        d["currency"],
        d["goods_value"],
        d["freight"],
        d["insurance"],
        d["customs_value"],
        d["incoterm"],
        pre.get("currency", ""),
        pre.get("duties", ""),
        pre.get("taxes", ""),
        s["name"],
        s["address"],
        s["country"],
        s["uscc"],
        c["name"],
        c["address"],
        c["city"],
        c["state"],
        c["postal_code"],
        c["country"],
        c["phone"],
        c["email"],
        c["document"]["short"] or c["document"]["type"],
        c["document"]["number"],
    ]
    return [
        [
            *head,
            n,
            it["description_en"],
            it["description_local"],
            it["hs_code"],
            it["national_code"],
            it["quantity"],
            it["net_weight_g"],
            it["value"],
            it["origin_country"],
        ]
        for n, it in enumerate(rec["items"], start=1)
    ]


def to_json(records: Iterable[Mapping[str, Any]], header: Mapping[str, Any]) -> str:
    """A file of records: `header` (flight, destination, count…) and the list."""
    recs = list(records)
    return json.dumps(
        {**header, "schema": SCHEMA, "count": len(recs), "parcels": recs},
        ensure_ascii=False,
        separators=(",", ":"),
    )
