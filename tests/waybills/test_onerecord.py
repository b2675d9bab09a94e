"""The ONE Record export validates against the SHACL shapes written from the cargo ontology
(src/caravana/waybills/shapes/onerecord.ttl), and a broken export does not."""

from __future__ import annotations

import json
from importlib.resources import files

import pytest
from pyshacl import validate
from rdflib import Graph

from caravana.waybills import onerecord

pytestmark = pytest.mark.django_db
SHAPES = files("caravana.waybills").joinpath("shapes/onerecord.ttl").read_text()


def conforms(doc: dict) -> tuple[bool, str]:
    data = Graph().parse(data=json.dumps(doc), format="json-ld")
    shapes = Graph().parse(data=SHAPES, format="turtle")
    ok, _graph, report = validate(data, shacl_graph=shapes, advanced=True, inference="none")
    return ok, report


def test_the_export_conforms_to_the_shapes(committed):
    _flight, master = committed
    v = master.versions.get(number=1).content
    doc = onerecord.document({**v, "version": 1})
    ok, report = conforms(doc)
    assert ok, report
    types = [o["@type"] for o in doc["@graph"]]
    for kind in ("cargo:Waybill", "cargo:Shipment", "cargo:Piece", "cargo:ULD",
                 "cargo:TransportMovement"):  # fmt: skip
        assert kind in types
    parcels = [o for o in doc["@graph"] if "cargo:inPiece" in o]
    assert len(parcels) == v["totals"]["slac"]
    assert any("cargo:specialHandlingCodes" in p for p in parcels)  # the lithium parcel
    masters = [o for o in doc["@graph"] if o.get("cargo:waybillPrefix")]
    assert masters[0]["cargo:waybillPrefix"] + masters[0]["cargo:waybillNumber"] == v["mawb"]
    assert len(masters[0]["cargo:houseWaybills"]) == len(v["houses"])
    # cargo:uldTypeCode and cargo:ownerCode range over cargo:CodeListElement in the ontology.
    uld = next(o for o in doc["@graph"] if o["@type"] == "cargo:ULD")
    for prop in ("cargo:uldTypeCode", "cargo:ownerCode"):
        assert uld[prop]["@type"] == "cargo:CodeListElement" and uld[prop]["cargo:code"]


@pytest.mark.parametrize(
    "breakage",
    [
        "check digit",
        "wrong check digit in 0-6",
        "no weight",
        "negative weight",
        "bad uld type",
        "two-digit uld owner",
        "no transport identifier",
    ],
)
def test_a_broken_export_does_not_conform(committed, breakage):
    _flight, master = committed
    doc = onerecord.document({**master.versions.get(number=1).content, "version": 1})
    graph = doc["@graph"]
    if breakage == "check digit":
        m = next(o for o in graph if o.get("cargo:waybillPrefix"))
        m["cargo:waybillNumber"] = m["cargo:waybillNumber"][:7] + "9"
    elif breakage == "wrong check digit in 0-6":
        # a digit the pattern allows but the serial's remainder (mod 7) does not
        m = next(o for o in graph if o.get("cargo:waybillPrefix"))
        wrong = (int(m["cargo:waybillNumber"][-1]) + 1) % 7
        m["cargo:waybillNumber"] = m["cargo:waybillNumber"][:7] + str(wrong)
    elif breakage == "no weight":
        del next(o for o in graph if "cargo:inPiece" in o)["cargo:grossWeight"]
    elif breakage == "negative weight":
        parcel = next(o for o in graph if "cargo:inPiece" in o)
        parcel["cargo:grossWeight"]["cargo:numericalValue"] = -1.0
    elif breakage == "two-digit uld owner":
        next(o for o in graph if o["@type"] == "cargo:ULD")["cargo:ownerCode"]["cargo:code"] = "56"
    elif breakage == "bad uld type":
        next(o for o in graph if o["@type"] == "cargo:ULD")["cargo:uldTypeCode"]["cargo:code"] = (
            "pm"
        )
    else:
        del next(o for o in graph if o["@type"] == "cargo:TransportMovement")[
            "cargo:transportIdentifier"
        ]
    ok, _report = conforms(doc)
    assert not ok
