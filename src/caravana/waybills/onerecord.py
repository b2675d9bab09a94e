"""A master air waybill and everything under it as IATA ONE Record JSON-LD: Waybill (master and
houses), Shipment, Piece (each bag, and each parcel inside it), ULD and the TransportMovement of
the flight, with the cargo ontology's IRIs (https://onerecord.iata.org/ns/cargo#).

Facts (reference/border-and-last-mile.md §2, IATA-Cargo/ONE-Record read 2026-08-18): data
model 3.2 is endorsed; there is no context file, `cargo` maps to the namespace above; classes
and properties as listed there. Confirmed 2026-12-03 against the ontology file itself
(github.com/IATA-Cargo/ONE-Record, 2025-07-standard/Data-Model/IATA-1R-DM-Ontology.ttl,
versionIRI .../ns/cargo/3.2, commit be3ea121 of 2026-08-18, and IATA-1R-CL-Ontology.ttl
beside it): cargo:MASTER, cargo:HOUSE and cargo:DIRECT are the named individuals of
cargo:WaybillType (owl:oneOf), the range of cargo:waybillType; cargo:Value carries
cargo:numericalValue (xsd:double) and cargo:unit (range code-lists MeasurementUnitCode, whose
individuals include .../code-lists/MeasurementUnitCode#KGM and #CMT); cargo:Dimensions,
cargo:MovementTime, cargo:Location and cargo:CodeListElement are classes, and
cargo:locationCodes, cargo:uldTypeCode and cargo:ownerCode range over cargo:CodeListElement
(so the ULD's type and owner are written as such objects, not as plain strings: corrected
2026-12-03). shapes/onerecord.ttl checks what we write.

Speed: one pass over the parcels of the version's bags (values_list, chunked), plain dicts,
one json.dumps: docs/benchmarks.md has the figure for a 100-tonne flight."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from django.conf import settings

from caravana.codes import uld as uld_codes
from caravana.fulfillment.models import Bag, Parcel
from caravana.waybills.handling import special_handling

CARGO = "https://onerecord.iata.org/ns/cargo#"
CODE_LISTS = "https://onerecord.iata.org/ns/code-lists/"
CONTEXT = {
    "cargo": CARGO,
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
KGM = {"@id": f"{CODE_LISTS}MeasurementUnitCode#KGM"}
MTQ = {"@id": f"{CODE_LISTS}MeasurementUnitCode#MTQ"}
CMT = {"@id": f"{CODE_LISTS}MeasurementUnitCode#CMT"}
#: Bags per parcel query (SQLite caps bound parameters).
CHUNK = 900


def base() -> str:
    """Where our logistics objects live (ONE Record IRIs are URLs on the holder's server)."""
    return getattr(settings, "CARAVANA_SITE_URL", "http://127.0.0.1:8000").rstrip("/") + (
        "/onerecord/logistics-objects/"
    )


def _value(number: float, unit: dict[str, str]) -> dict[str, Any]:
    return {"@type": "cargo:Value", "cargo:numericalValue": float(number), "cargo:unit": unit}


def _code(code: str, code_list: str) -> dict[str, Any]:
    """A code as the ontology's cargo:CodeListElement (uldTypeCode and ownerCode range over it)."""
    return {"@type": "cargo:CodeListElement", "cargo:code": code, "cargo:codeListName": code_list}


def _location(iata: str) -> dict[str, Any]:
    return {
        "@type": "cargo:Location",
        "cargo:locationName": iata,
        "cargo:locationCodes": [
            {
                "@type": "cargo:CodeListElement",
                "cargo:code": iata,
                "cargo:codeListName": "IATA three-letter location code",
            }
        ],
    }


def _party(role: str, name: str) -> dict[str, Any]:
    return {
        "@type": "cargo:Party",
        "cargo:partyRole": {"@id": f"{CODE_LISTS}ParticipantIdentifier#{role}"},
        "cargo:partyDetails": {"@type": "cargo:Organization", "cargo:name": name},
    }


def _parcels(bag_ids: list[int]) -> Iterator[tuple[Any, ...]]:
    for start in range(0, len(bag_ids), CHUNK):
        yield from (
            Parcel.objects.filter(bag_id__in=bag_ids[start : start + CHUNK])
            .order_by("bag_id", "pk")
            .values_list(
                "bag_id",
                "s10",
                "declared_weight_g",
                "measured_weight_g",
                "declared_length_cm",
                "declared_width_cm",
                "declared_height_cm",
                "measured_length_cm",
                "measured_width_cm",
                "measured_height_cm",
                "battery",
            )
            .iterator(chunk_size=2000)
        )


def graph(version: dict[str, Any]) -> list[dict[str, Any]]:
    """The logistics objects of one waybill version, as a JSON-LD @graph list."""
    root = base()
    mawb = version["mawb"]
    flight = version["flight"]
    movement_id = f"{root}movement-{flight['number']}-{flight['date']}"
    master_id = f"{root}waybill-{mawb}"
    out: list[dict[str, Any]] = []
    uld_ids = {}
    for u in version["ulds"]:
        kind, serial, owner = uld_codes.split(u["identifier"])
        uld_ids[u["identifier"]] = f"{root}uld-{u['identifier']}-{flight['date']}"
        out.append(
            {
                "@id": uld_ids[u["identifier"]],
                "@type": "cargo:ULD",
                "cargo:uldTypeCode": _code(kind, "IATA ULD type code"),
                "cargo:uldSerialNumber": serial,
                "cargo:ownerCode": _code(owner, "IATA ULD owner code"),
                "cargo:tareWeight": _value(u["tare_kg"], KGM),
            }
        )
    out.append(
        {
            "@id": movement_id,
            "@type": "cargo:TransportMovement",
            "cargo:transportIdentifier": flight["number"],
            "cargo:modeCode": {"@id": f"{CODE_LISTS}ModeCode#4"},
            "cargo:departureLocation": _location(flight["origin"]),
            "cargo:arrivalLocation": _location(version["gateway"]["iata"]),
            "cargo:movementTimes": [
                {
                    "@type": "cargo:MovementTime",
                    "cargo:movementTimestamp": {
                        "@value": flight["departs"],
                        "@type": "xsd:dateTime",
                    },
                    "cargo:movementMilestone": {"@id": f"{CODE_LISTS}MovementIndicator#STD"},
                    "cargo:direction": {"@id": f"{CODE_LISTS}DirectionCode#OUTBOUND"},
                },
                {
                    "@type": "cargo:MovementTime",
                    "cargo:movementTimestamp": {
                        "@value": flight["arrives"],
                        "@type": "xsd:dateTime",
                    },
                    "cargo:movementMilestone": {"@id": f"{CODE_LISTS}MovementIndicator#STA"},
                    "cargo:direction": {"@id": f"{CODE_LISTS}DirectionCode#INBOUND"},
                },
            ],
        }
    )
    houses = version["houses"]
    out.append(
        {
            "@id": master_id,
            "@type": "cargo:Waybill",
            "cargo:waybillType": {"@id": "cargo:MASTER"},
            "cargo:waybillPrefix": mawb[:3],
            "cargo:waybillNumber": mawb[3:],
            "cargo:departureLocation": _location(flight["origin"]),
            "cargo:arrivalLocation": _location(version["gateway"]["iata"]),
            "cargo:houseWaybills": [{"@id": f"{root}waybill-{h['number']}"} for h in houses],
            "cargo:involvedParties": [
                _party("SHP", version["shipper"]["name"]),
                _party("CNE", version["consignee"]["name"]),
            ],
        }
    )
    bag_house: dict[str, str] = {}
    for h in houses:
        house_id = f"{root}waybill-{h['number']}"
        shipment_id = f"{root}shipment-{h['number']}"
        out.append(
            {
                "@id": house_id,
                "@type": "cargo:Waybill",
                "cargo:waybillType": {"@id": "cargo:HOUSE"},
                "cargo:waybillNumber": h["number"],
                "cargo:masterWaybill": {"@id": master_id},
                "cargo:shipment": {"@id": shipment_id},
                "cargo:departureLocation": _location(flight["origin"]),
                "cargo:arrivalLocation": _location(version["gateway"]["iata"]),
                "cargo:involvedParties": [
                    _party("SHP", version["shipper"]["name"]),
                    _party("CNE", h["carrier_name"]),
                ],
            }
        )
        out.append(
            {
                "@id": shipment_id,
                "@type": "cargo:Shipment",
                "cargo:waybill": {"@id": house_id},
                "cargo:goodsDescription": "Consolidated e-commerce goods",
                "cargo:totalGrossWeight": _value(h["weight_g"] / 1000, KGM),
                "cargo:pieces": [{"@id": f"{root}piece-{b}"} for b in h["bags"]],
            }
        )
        for b in h["bags"]:
            bag_house[b] = shipment_id
    bags = _bag_ids(list(bag_house))
    contained: dict[str, list[dict[str, str]]] = {}
    for row in _parcels(sorted(bags)):
        bag_id, s10, dw, mw, dl, dwd, dh, ml, mwd, mh, battery = row
        bag = bags[bag_id]
        piece_id = f"{root}piece-{s10}"
        contained.setdefault(bag, []).append({"@id": piece_id})
        length, width, height = (ml, mwd, mh) if ml else (dl, dwd, dh)
        piece = {
            "@id": piece_id,
            "@type": "cargo:Piece",
            "cargo:upid": s10,
            "cargo:inPiece": {"@id": f"{root}piece-{bag}"},
            "cargo:ofShipment": {"@id": bag_house[bag]},
            "cargo:grossWeight": _value((mw or dw) / 1000, KGM),
            "cargo:dimensions": {
                "@type": "cargo:Dimensions",
                "cargo:length": _value(length, CMT),
                "cargo:width": _value(width, CMT),
                "cargo:height": _value(height, CMT),
            },
        }
        shc = special_handling([battery]) if battery != "none" else []
        if shc:
            piece["cargo:specialHandlingCodes"] = [
                {"@id": f"{CODE_LISTS}SpecialHandlingCode#{c}"} for c in shc
            ]
        out.append(piece)
    for h in houses:
        for b in h["bags"]:
            out.append(
                {
                    "@id": f"{root}piece-{b}",
                    "@type": "cargo:Piece",
                    "cargo:upid": b,
                    "cargo:ofShipment": {"@id": bag_house[b]},
                    "cargo:containedPieces": contained.get(b, []),
                    "cargo:goodsDescription": "Mail bag of e-commerce parcels",
                }
            )
    return out


def _bag_ids(identifiers: list[str]) -> dict[int, str]:
    out: dict[int, str] = {}
    for start in range(0, len(identifiers), CHUNK):
        out.update(
            Bag.objects.filter(identifier__in=identifiers[start : start + CHUNK]).values_list(
                "pk", "identifier"
            )
        )
    return out


def document(version: dict[str, Any]) -> dict[str, Any]:
    """The JSON-LD document: the ONE Record prefixes as @context, the objects as @graph."""
    return {"@context": CONTEXT, "@graph": graph(version)}


def dumps(version: dict[str, Any]) -> str:
    """The document serialised (compact separators: a 60,000-parcel flight is tens of MB)."""
    return json.dumps(document(version), separators=(",", ":"), ensure_ascii=False)
