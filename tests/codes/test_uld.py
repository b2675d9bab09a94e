import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.exceptions import InvalidComponent, InvalidFormat, InvalidLength

from caravana.codes import uld

letters = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=3, max_size=3)
serials = st.text("0123456789", min_size=4, max_size=5)
owners = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=2, max_size=2).filter(
    lambda s: not s.isdigit()
)


def test_worked_example_from_logistics_reference():
    assert uld.validate("PMC12345AB") == "PMC12345AB"
    assert uld.split("PMC12345AB") == ("PMC", "12345", "AB")
    assert uld.split("AKE 1234 AB") == ("AKE", "1234", "AB")
    assert uld.format("pmc12345ab") == "PMC 12345 AB"


def test_three_character_owners_are_read_and_kept_whole():
    assert uld.validate("ake 12345 abc") == "AKE12345ABC"
    assert uld.split("AKE12345ABC") == ("AKE", "12345", "ABC")
    assert uld.split("PMC1234AAB") == ("PMC", "1234", "AAB")
    assert uld.format("AKE1234ABC") == "AKE 1234 ABC"
    # The serial is read greedily: a digit after four is the fifth digit, never the owner's.
    assert uld.split("PMC123456B") == ("PMC", "12345", "6B")


def test_a_serial_may_start_with_a_letter():
    # IATA Cargo-IMP element 115 (mnnn(n)) and the ULD CARE FAQ: the first serial character
    # may be a letter; the rest are digits.
    assert uld.split("AKEA1234AB") == ("AKE", "A1234", "AB")
    assert uld.split("PMC Z123 5Y") == ("PMC", "Z123", "5Y")
    assert uld.split("AKEA1234ABC") == ("AKE", "A1234", "ABC")
    assert not uld.is_valid("AKE1A234AB")  # only the first may be a letter
    assert not uld.is_valid("AKEAB123CD")


owners3 = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=3, max_size=3)


@given(letters, serials, owners3)
def test_every_identifier_with_a_three_letter_owner_validates(type_code, serial, owner):
    number = type_code + serial + owner
    assert uld.split(number) == (type_code, serial, owner)


@given(letters, serials, owners)
def test_every_structured_identifier_validates(type_code, serial, owner):
    number = type_code + serial + owner
    assert uld.validate(number) == number
    assert uld.split(uld.format(number)) == (type_code, serial, owner)


def test_type_table_facts():
    pmc, pag, ake = uld.TYPES["PMC"], uld.TYPES["PAG"], uld.TYPES["AKE"]
    assert pmc.base_cm == (318, 244) and pmc.usable_base_cm == (304, 230)
    assert pmc.max_gross_kg == 6804 and "P6P" in pmc.aliases
    assert pag.base_cm == (318, 224) and not pag.verified
    assert ake.base_cm == (156, 153) and ake.top_cm == (201, 149)
    assert ake.height_cm == 163 and ake.max_gross_kg == 1588 and ake.volume_m3 == 4.3
    assert "LD3" in ake.aliases
    assert all(t.source for t in uld.TYPES.values())


@pytest.mark.parametrize(
    ("number", "error"),
    [
        ("PMC123AB", InvalidLength),
        ("PMC123456ABCD", InvalidLength),
        ("PMC123456AB", InvalidFormat),  # six digits: no reading leaves a valid owner
        ("PM112345AB", InvalidFormat),
        ("AKE12345AB1", InvalidFormat),  # a three-character owner is letters only
        ("PMC12A45AB", InvalidFormat),
        ("PMC12345A_", InvalidFormat),
        ("AKE123456", InvalidComponent),
    ],
)
def test_bad_input(number, error):
    with pytest.raises(error):
        uld.validate(number)
    assert not uld.is_valid(number)
