"""A master air waybill and everything under it as IATA ONE Record JSON-LD: Waybill (master and
houses), Shipment, Piece (each bag, and each parcel inside it), ULD, the TransportMovement of
the flight, and the actions that put the bags into the ULDs and the ULDs and loose bags onto the
flight, with the cargo ontology's IRIs (https://onerecord.iata.org/ns/cargo#).

Checked against the ontology files themselves (github.com/IATA-Cargo/ONE-Record, commit
be3ea121, 2025-07-standard/Data-Model: IATA-1R-DM-Ontology.ttl, version IRI
https://onerecord.iata.org/ns/cargo/3.2, endorsed by COTB 28 July 2025, and
IATA-1R-CL-Ontology.ttl, code lists 1.1.0): every class, property and individual written here is
in shapes/onerecord-terms.ttl, which records what the ontology says of it, and
tests/waybills/test_onerecord_ontology.py checks the export against that list.

Which bag sits in which ULD (ontology 3.2, the classes and properties named in the list):
  * a ULD is built by a `Composing` action (`compositionType` COMPOSITION, `loadingUnit` the
    ULD, `composedPieces` its bags) serving a `UnitComposition` activity, the ULD's
    `inUnitComposition`;
  * a ULD goes onto the flight by a `Loading` action (`loadingType` LOADING, `loadedUnits`,
    `servedActivity` the TransportMovement, whose `loadingActions` lists it), ACTUAL once the
    hub loaded it at its position (`loadingPositionIdentifier`), PLANNED before; bags flying
    loose are the `loadedPieces` of one more Loading;
  * each bag names its action (`involvedInActions`); a parcel reaches its ULD through its bag
    (`inPiece`): a parcel is not built into the ULD by itself.
shapes/onerecord.ttl requires all of it. The bag-to-ULD links come from the version
(`uld_bags`); a version written before they were recorded takes them from the bags.

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
CMT = {"@id": f"{CODE_LISTS}MeasurementUnitCode#CMT"}
#: ModeCode individuals are named, not numbered: AIR_TRANSPORT is mode 4 (code lists 1.1.0).
AIR = {"@id": f"{CODE_LISTS}ModeCode#AIR_TRANSPORT"}
#: MovementIndicator SD / SA: scheduled departure / arrival (code lists 1.1.0).
SCHEDULED_DEPARTURE = {"@id": f"{CODE_LISTS}MovementIndicator#SD"}
SCHEDULED_ARRIVAL = {"@id": f"{CODE_LISTS}MovementIndicator#SA"}
#: Bags per parcel query (SQLite caps bound parameters).
CHUNK = 900


def base() -> str:
    """Where our logistics objects live (ONE Record IRIs are URLs on the holder's server)."""
    return getattr(settings, "CARAVANA_SITE_URL", "http://127.0.0.1:8000").rstrip("/") + (
        "/onerecord/logistics-objects/"
    )


def _value(number: float, unit: dict[str, str]) -> dict[str, Any]:
    return {"@type": "cargo:Value", "cargo:numericalValue": float(number), "cargo:unit": unit}


def _code(code: str, list_name: str) -> dict[str, Any]:
    """A code the ontology types as cargo:CodeListElement (no IRI list exists for it); the list
    names are ours, saying where the code comes from."""
    return {"@type": "cargo:CodeListElement", "cargo:code": code, "cargo:codeListName": list_name}


def _location(iata: str) -> dict[str, Any]:
    return {
        "@type": "cargo:Location",
        "cargo:locationName": iata,
        "cargo:locationCodes": [_code(iata, "IATA three-letter location code")],
    }


def _party(role: str, name: str) -> dict[str, Any]:
    return {
        "@type": "cargo:Party",
        "cargo:partyRole": {"@id": f"{CODE_LISTS}ParticipantIdentifier#{role}"},
        "cargo:partyDetails": {"@type": "cargo:Organization", "cargo:name": name},
    }


def _movement_time(at: str, milestone: dict[str, str], direction: str) -> dict[str, Any]:
    return {
        "@type": "cargo:MovementTime",
        "cargo:movementTimestamp": {"@value": at, "@type": "xsd:dateTime"},
        "cargo:movementMilestone": milestone,
        "cargo:direction": {"@id": f"cargo:{direction}"},
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
    origin = _location(flight["origin"])
    destination = _location(version["gateway"]["iata"])
    movement_id = f"{root}movement-{flight['number']}-{flight['date']}"
    master_id = f"{root}waybill-{mawb}"
    houses = version["houses"]
    bag_house: dict[str, str] = {}
    for h in houses:
        for b in h["bags"]:
            bag_house[b] = f"{root}shipment-{h['number']}"
    bags, live_uld = _bags(list(bag_house))
    uld_bags = _uld_bags(version, live_uld)
    out: list[dict[str, Any]] = []
    # What each bag piece took part in: the ULD's build-up, or the loose bags' loading.
    bag_action: dict[str, str] = {}
    loadings: list[dict[str, str]] = []
    for u in version["ulds"]:
        kind, serial, owner = uld_codes.split(u["identifier"])
        key = f"{u['identifier']}-{flight['date']}"
        uld_id = f"{root}uld-{key}"
        composition_id = f"{root}composition-{key}"
        composing_id = f"{root}composing-{key}"
        loading_id = f"{root}loading-{key}"
        loadings.append({"@id": loading_id})
        held = uld_bags.get(u["identifier"], [])
        for b in held:
            bag_action[b] = composing_id
        out.append(
            {
                "@id": uld_id,
                "@type": "cargo:ULD",
                "cargo:uldTypeCode": _code(kind, "ULD type code (IATA ULD Technical Manual)"),
                "cargo:uldSerialNumber": serial,
                "cargo:ownerCode": _code(owner, "ULD owner code"),
                "cargo:tareWeight": _value(u["tare_kg"], KGM),
                "cargo:inUnitComposition": {"@id": composition_id},
                "cargo:involvedInActions": [{"@id": composing_id}, {"@id": loading_id}],
            }
        )
        out.append(
            {
                "@id": composition_id,
                "@type": "cargo:UnitComposition",
                "cargo:loadingUnit": {"@id": uld_id},
                "cargo:compositionActions": [{"@id": composing_id}],
            }
        )
        out.append(
            {
                "@id": composing_id,
                "@type": "cargo:Composing",
                "cargo:compositionType": {"@id": "cargo:COMPOSITION"},
                "cargo:loadingUnit": {"@id": uld_id},
                "cargo:composedPieces": [{"@id": f"{root}piece-{b}"} for b in held],
                "cargo:servedActivity": {"@id": composition_id},
                "cargo:performedAt": origin,
            }
        )
        loading = {
            "@id": loading_id,
            "@type": "cargo:Loading",
            "cargo:loadingType": {"@id": "cargo:LOADING"},
            "cargo:actionTimeType": {"@id": "cargo:ACTUAL" if u["loaded"] else "cargo:PLANNED"},
            "cargo:loadedUnits": [{"@id": uld_id}],
            "cargo:servedActivity": {"@id": movement_id},
            "cargo:performedAt": origin,
        }
        if u.get("position"):
            loading["cargo:loadingPositionIdentifier"] = u["position"]
        out.append(loading)
    loose = [b for b in bag_house if b not in bag_action]
    if loose:
        loose_id = f"{root}loading-{flight['number']}-{flight['date']}-loose"
        loadings.append({"@id": loose_id})
        for b in loose:
            bag_action[b] = loose_id
        out.append(
            {
                "@id": loose_id,
                "@type": "cargo:Loading",
                "cargo:loadingType": {"@id": "cargo:LOADING"},
                "cargo:loadedPieces": [{"@id": f"{root}piece-{b}"} for b in loose],
                "cargo:servedActivity": {"@id": movement_id},
                "cargo:performedAt": origin,
            }
        )
    out.append(
        {
            "@id": movement_id,
            "@type": "cargo:TransportMovement",
            "cargo:transportIdentifier": flight["number"],
            "cargo:modeCode": AIR,
            "cargo:departureLocation": origin,
            "cargo:arrivalLocation": destination,
            "cargo:movementTimes": [
                _movement_time(flight["departs"], SCHEDULED_DEPARTURE, "OUTBOUND"),
                _movement_time(flight["arrives"], SCHEDULED_ARRIVAL, "INBOUND"),
            ],
            "cargo:loadingActions": loadings,
        }
    )
    out.append(
        {
            "@id": master_id,
            "@type": "cargo:Waybill",
            "cargo:waybillType": {"@id": "cargo:MASTER"},
            "cargo:waybillPrefix": mawb[:3],
            "cargo:waybillNumber": mawb[3:],
            "cargo:departureLocation": origin,
            "cargo:arrivalLocation": destination,
            "cargo:houseWaybills": [{"@id": f"{root}waybill-{h['number']}"} for h in houses],
            "cargo:involvedParties": [
                _party("SHP", version["shipper"]["name"]),
                _party("CNE", version["consignee"]["name"]),
            ],
        }
    )
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
                "cargo:departureLocation": origin,
                "cargo:arrivalLocation": destination,
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
                    "cargo:involvedInActions": [{"@id": bag_action[b]}],
                }
            )
    return out


def _bags(identifiers: list[str]) -> tuple[dict[int, str], dict[str, str]]:
    """The bags' ids (to read their parcels) and the ULD each is in now."""
    ids: dict[int, str] = {}
    ulds: dict[str, str] = {}
    for start in range(0, len(identifiers), CHUNK):
        for pk, identifier, uld in Bag.objects.filter(
            identifier__in=identifiers[start : start + CHUNK]
        ).values_list("pk", "identifier", "uld__identifier"):
            ids[pk] = identifier
            if uld:
                ulds[identifier] = uld
    return ids, ulds


def _uld_bags(version: dict[str, Any], live: dict[str, str]) -> dict[str, list[str]]:
    """Which bags each of the version's ULDs holds: as the version recorded it, or, for a
    version written before that was recorded, as the bags say now (ULDs of the version only)."""
    if "uld_bags" in version:
        return version["uld_bags"]
    known = {u["identifier"] for u in version["ulds"]}
    out: dict[str, list[str]] = {}
    for bag, uld in sorted(live.items()):
        if uld in known:
            out.setdefault(uld, []).append(bag)
    return out


def document(version: dict[str, Any]) -> dict[str, Any]:
    """The JSON-LD document: the ONE Record prefixes as @context, the objects as @graph."""
    return {"@context": CONTEXT, "@graph": graph(version)}


def dumps(version: dict[str, Any]) -> str:
    """The document serialised (compact separators: a 60,000-parcel flight is tens of MB)."""
    return json.dumps(document(version), separators=(",", ":"), ensure_ascii=False)
