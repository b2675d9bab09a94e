"""The UPU EMSEVT table (shared/reference/logistics.md) and its normalised statuses."""

import doctest

from caravana.tracking import eta, upu

#: Every code of the logistics.md table, with the status a buyer should read.
EXPECTED = {
    "EMA": "pending", "EMB": "in_transit", "EXA": "in_transit", "EXB": "on_hold",
    "EXC": "in_transit", "EXD": "on_hold", "EXX": "cancelled", "EMC": "in_transit",
    "EMJ": "in_transit", "EMK": "in_transit", "EMD": "in_transit", "EDA": "on_hold",
    "EDB": "in_transit", "EME": "on_hold", "EDC": "in_transit", "EMF": "in_transit",
    "EDD": "in_transit", "EDE": "in_transit", "EMG": "in_transit", "EDF": "on_hold",
    "EDG": "out_for_delivery", "EDH": "ready_for_pickup", "EMH": "delivery_failed",
    "EMI": "delivered", "EDX": "return_to_sender",
}  # fmt: skip


def test_every_code_of_the_reference_table_with_its_status():
    assert {c: e.status for c, e in upu.CODES.items()} == EXPECTED
    assert set(upu.STATUSES) >= set(EXPECTED.values())
    assert all(e.meaning for e in upu.CODES.values())


def test_lookup_is_case_insensitive_and_unknown_is_none():
    assert upu.lookup(" emi ").code == "EMI"
    assert upu.lookup("XYZ") is None and upu.lookup(None) is None
    assert upu.status_of("XYZ") == "unknown"


def test_key_events_and_reasons():
    assert {c for c, e in upu.CODES.items() if e.is_key} == {
        "EXB", "EXX", "EMC", "EMD", "EME", "EDG", "EDH", "EMH", "EMI", "EDX",
    }  # fmt: skip
    assert {c for c, e in upu.CODES.items() if e.needs_reason} == {"EXB", "EME", "EMH"}


def test_stage_model_covers_every_code_and_grows():
    assert set(eta.PROGRESS) == set(upu.CODES) - {"EXX", "EDX"}
    path = ["EMA", "EMB", "EMC", "EMD", "EDB", "EMF", "EDG", "EMI"]
    shares = [eta.PROGRESS[c] for c in path]
    assert shares == sorted(shares) and shares[0] == 0 and shares[-1] == 1


def test_doctests():
    assert doctest.testmod(upu).failed == 0
