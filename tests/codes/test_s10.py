import pycountry
import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength

from caravana.codes import s10

WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)
COUNTRIES = sorted(c.alpha_2 for c in pycountry.countries)
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
FREE_FIRST = [c for c in LETTERS if c not in "JKSTW"]

indicators = st.builds(lambda a, b: a + b, st.sampled_from(FREE_FIRST), st.sampled_from(LETTERS))
serials = st.integers(0, 99_999_999)
countries = st.sampled_from(COUNTRIES)


def residue(serial: str) -> int:
    return sum(w * int(d) for w, d in zip(WEIGHTS, serial, strict=True)) % 11


def test_worked_example_from_logistics_reference():
    assert s10.calc_check_digit("12345678") == "5"
    assert s10.validate("RB123456785GB") == "RB123456785GB"
    assert s10.build("RB", 12345678, "GB") == "RB123456785GB"


def test_check_digit_special_cases():
    # sum mod 11 == 1 -> C = 10 -> 0; sum mod 11 == 0 -> C = 11 -> 5
    assert residue("00000001") == 7
    assert s10.calc_check_digit("00000000") == "5"
    one = next(f"{n:08d}" for n in range(1000) if residue(f"{n:08d}") == 1)
    assert s10.calc_check_digit(one) == "0"


def test_compact_and_format():
    assert s10.compact(" rb 123-456-785 gb ") == "RB123456785GB"
    assert s10.format("RB123456785GB") == "RB 123 456 785 GB"


@given(indicators, serials, countries)
def test_every_built_identifier_validates(indicator, serial, country):
    number = s10.build(indicator, serial, country)
    assert s10.validate(number, strict=True) == number
    assert s10.validate(s10.format(number)) == number


@given(indicators, serials, countries, st.integers(0, 7), st.integers(1, 9))
def test_single_digit_change_of_serial(indicator, serial, country, pos, delta):
    """Caught unless it moves the weighted sum between residues 0 and 6 (both give 5)."""
    number = s10.build(indicator, serial, country)
    digits = number[2:10]
    new_digit = (int(digits[pos]) + delta) % 10
    changed = digits[:pos] + str(new_digit) + digits[pos + 1 :]
    mutated = number[:2] + changed + number[10:]
    undetectable = {residue(digits), residue(changed)} == {0, 6}
    assert residue(digits) != residue(changed)  # the sum itself always changes
    assert s10.is_valid(mutated) is undetectable
    if not undetectable:
        with pytest.raises(InvalidChecksum):
            s10.validate(mutated)


def test_the_11_to_5_rule_lets_a_single_digit_change_through():
    assert s10.is_valid("RB123456785GB")
    assert s10.is_valid("RB323456785GB")  # first digit 1 -> 3, same check digit 5


@given(indicators, serials, countries, st.sampled_from("0123456789"))
def test_every_change_of_the_check_digit_is_caught(indicator, serial, country, digit):
    number = s10.build(indicator, serial, country)
    if digit != number[10]:
        with pytest.raises(InvalidChecksum):
            s10.validate(number[:10] + digit + number[11:])


def test_reserved_indicators():
    for letter in "JKSTW":
        with pytest.raises(InvalidComponent):
            s10.build(letter + "A", 12345678, "GB")
    number = "SA123456785GB"
    assert s10.is_reserved(number)
    assert s10.validate(number) == number  # a label in the network is tracked
    with pytest.raises(InvalidComponent):
        s10.validate(number, strict=True)
    assert not s10.is_valid(number, strict=True)


@pytest.mark.parametrize(
    ("number", "error"),
    [
        ("RB12345678GB", InvalidLength),
        ("RB1234567855GB", InvalidLength),
        ("", InvalidLength),
        ("R1123456785GB", InvalidFormat),
        ("RB12345678AGB", InvalidFormat),
        ("RB123456785G1", InvalidFormat),
        ("RB123456784GB", InvalidChecksum),
        ("RB123456785XX", InvalidComponent),
        ("RB123456785UK", InvalidComponent),
    ],
)
def test_bad_input(number, error):
    with pytest.raises(error):
        s10.validate(number)
    assert not s10.is_valid(number)


def test_build_refuses_bad_parts():
    with pytest.raises(InvalidComponent):
        s10.build("RB", 100_000_000, "GB")
    with pytest.raises(InvalidComponent):
        s10.build("RB", -1, "GB")
    with pytest.raises(InvalidFormat):
        s10.build("R1", 1, "GB")
    with pytest.raises(InvalidComponent):
        s10.build("RB", 1, "XX")
