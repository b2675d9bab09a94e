"""The ONE Record export validates against the SHACL shapes written from the cargo ontology
(src/caravana/waybills/shapes/onerecord.ttl, with the ontology's class hierarchy from
shapes/onerecord-terms.ttl), and a broken export does not. Every bag is built into its ULD or
loaded loose, every ULD loaded onto the flight's TransportMovement."""

from __future__ import annotations

import json
from importlib.resources import files

import pytest
from pyshacl import validate
from rdflib import Graph

from caravana.waybills import onerecord

pytestmark = pytest.mark.django_db
SHAPES = files("caravana.waybills").joinpath("shapes/onerecord.ttl").read_text()
TERMS = files("caravana.waybills").joinpath("shapes/onerecord-terms.ttl").read_text()


def conforms(doc: dict) -> tuple[bool, str]:
    data = Graph().parse(data=json.dumps(doc), format="json-ld")
    shapes = Graph().parse(data=SHAPES, format="turtle")
    terms = Graph().parse(data=TERMS, format="turtle")
    ok, _graph, report = validate(
        data, shacl_graph=shapes, ont_graph=terms, advanced=True, inference="none"
    )
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


def test_each_bag_sits_in_its_uld_or_flies_loose_and_each_uld_is_on_the_flight(committed):
    _flight, master = committed
    v = master.versions.get(number=1).content
    graph = onerecord.document({**v, "version": 1})["@graph"]
    by_id = {o["@id"]: o for o in graph}
    movement = next(o for o in graph if o["@type"] == "cargo:TransportMovement")
    loadings = [by_id[ref["@id"]] for ref in movement["cargo:loadingActions"]]
    assert all(a["cargo:servedActivity"] == {"@id": movement["@id"]} for a in loadings)
    root = onerecord.base()
    in_uld = {}
    for u in v["ulds"]:
        uld = next(o for o in graph if o["@id"].startswith(f"{root}uld-{u['identifier']}-"))
        assert uld["cargo:uldTypeCode"]["cargo:code"] == u["uld_type"]
        composition = by_id[uld["cargo:inUnitComposition"]["@id"]]
        composing = by_id[composition["cargo:compositionActions"][0]["@id"]]
        assert composing["cargo:loadingUnit"] == {"@id": uld["@id"]}
        pieces = composing["cargo:composedPieces"]
        in_uld[u["identifier"]] = [p["@id"].removeprefix(f"{root}piece-") for p in pieces]
        assert [a for a in loadings if a.get("cargo:loadedUnits") == [{"@id": uld["@id"]}]]
    assert in_uld == v["uld_bags"] and all(in_uld.values())
    in_a_uld = {b for bags in in_uld.values() for b in bags}
    loose = next(a for a in loadings if "cargo:loadedPieces" in a)
    everything = {b for h in v["houses"] for b in h["bags"]}
    flying_loose = {p["@id"].removeprefix(f"{root}piece-") for p in loose["cargo:loadedPieces"]}
    assert len(flying_loose) == v["loose"]["pieces"] == 2
    assert flying_loose | in_a_uld == everything and not flying_loose & in_a_uld
    for b in everything:  # and each bag names the action that placed it
        action = by_id[f"{root}piece-{b}"]["cargo:involvedInActions"][0]["@id"]
        assert by_id[action]["@type"] == (
            "cargo:Loading" if b in flying_loose else "cargo:Composing"
        )


def test_a_version_without_its_uld_bags_takes_them_from_the_bags(committed):
    """A version written before the bag-to-ULD links were recorded still exports them."""
    _flight, master = committed
    v = master.versions.get(number=1).content
    older = {k: val for k, val in v.items() if k != "uld_bags"}
    new, old = onerecord.document({**v, "version": 1}), onerecord.document({**older, "version": 1})
    assert old == new
    ok, report = conforms(old)
    assert ok, report


@pytest.mark.parametrize(
    "breakage",
    [
        "check digit",
        "wrong check digit in 0-6",
        "no weight",
        "negative weight",
        "bad uld type",
        "no transport identifier",
        "bag in no uld and not loose",
        "bag in two places",
        "uld not loaded",
        "loading serves no movement",
        "uld type as a string",
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
    elif breakage == "bad uld type":
        next(o for o in graph if o["@type"] == "cargo:ULD")["cargo:uldTypeCode"] = "pm"
    elif breakage == "no transport identifier":
        del next(o for o in graph if o["@type"] == "cargo:TransportMovement")[
            "cargo:transportIdentifier"
        ]
    elif breakage == "bag in no uld and not loose":
        next(o for o in graph if o["@type"] == "cargo:Composing")["cargo:composedPieces"] = []
    elif breakage == "bag in two places":
        composing = next(o for o in graph if o["@type"] == "cargo:Composing")
        loose = next(o for o in graph if "cargo:loadedPieces" in o)
        loose["cargo:loadedPieces"] += composing["cargo:composedPieces"]
    elif breakage == "uld not loaded":
        movement = next(o for o in graph if o["@type"] == "cargo:TransportMovement")
        uld_loading = next(o for o in graph if "cargo:loadedUnits" in o)
        movement["cargo:loadingActions"].remove({"@id": uld_loading["@id"]})
        graph.remove(uld_loading)
    elif breakage == "loading serves no movement":
        del next(o for o in graph if "cargo:loadedUnits" in o)["cargo:servedActivity"]
    else:
        next(o for o in graph if o["@type"] == "cargo:ULD")["cargo:uldTypeCode"] = "PMC"
    ok, _report = conforms(doc)
    assert not ok
