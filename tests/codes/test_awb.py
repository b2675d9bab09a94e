import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength

from caravana.codes import awb

prefixes = st.integers(0, 999).map(lambda n: f"{n:03d}")
serials = st.integers(0, 9_999_999)


def test_worked_example_from_logistics_reference():
    assert awb.calc_check_digit("1234567") == "5"
    assert awb.validate("123-12345675") == "12312345675"
    assert awb.build("123", 1234567) == "12312345675"
    assert awb.format("12312345675") == "123-12345675"


@given(prefixes, serials)
def test_every_built_number_validates(prefix, serial):
    number = awb.build(prefix, serial)
    assert awb.validate(awb.format(number)) == number
    assert number[-1] in "0123456"


@given(prefixes, serials, st.integers(3, 9), st.sampled_from("0123456789"))
def test_single_digit_change_of_serial(prefix, serial, pos, digit):
    """Mod 7 catches every change except by +-7 (0<->7, 1<->8, 2<->9)."""
    number = awb.build(prefix, serial)
    if digit == number[pos]:
        return
    mutated = number[:pos] + digit + number[pos + 1 :]
    missed = abs(int(digit) - int(number[pos])) == 7
    assert awb.is_valid(mutated) is missed
    if not missed:
        with pytest.raises(InvalidChecksum):
            awb.validate(mutated)


@given(prefixes, serials, st.sampled_from("0123456789"))
def test_every_change_of_the_check_digit_is_caught(prefix, serial, digit):
    number = awb.build(prefix, serial)
    if digit != number[-1]:
        assert not awb.is_valid(number[:-1] + digit)


@given(prefixes, serials, st.integers(0, 2), st.sampled_from("0123456789"))
def test_prefix_is_not_covered_by_the_check_digit(prefix, serial, pos, digit):
    number = awb.build(prefix, serial)
    assert awb.is_valid(number[:pos] + digit + number[pos + 1 :])


def test_the_plus_minus_7_blind_spot():
    assert awb.is_valid("123-12345675")
    assert awb.is_valid("123-82345675")  # 1 -> 8 in the serial, same remainder


@pytest.mark.parametrize(
    ("number", "error"),
    [
        ("123-1234567", InvalidLength),
        ("123-123456755", InvalidLength),
        ("123-1234567A", InvalidFormat),
        ("ABC-12345675", InvalidFormat),
        ("123-12345674", InvalidChecksum),
        ("123-12345677", InvalidChecksum),
    ],
)
def test_bad_input(number, error):
    with pytest.raises(error):
        awb.validate(number)
    assert not awb.is_valid(number)


def test_build_refuses_bad_parts():
    with pytest.raises(InvalidFormat):
        awb.build("12", 1)
    with pytest.raises(InvalidComponent):
        awb.build("123", 10_000_000)


@pytest.mark.parametrize(
    "number",
    [
        # Australian Border Force, ICS "Airway bill check digit formula" (V1.1, 16 Jun 2002):
        # serial 1234567 -> remainder 5.
        "176-12345675",  # Emirates SkyCargo example, jetcurrent.com glossary "Check Digit"
        "020-81140743",  # Lufthansa Cargo example, same glossary: 8114074 mod 7 = 3
        "589 8114074 3",  # freight.domains "Air Way Bill Check Digit Calculator"
    ],
)
def test_published_awb_numbers_validate(number):
    assert awb.is_valid(number)
    compact = awb.compact(number)
    assert awb.build(compact[:3], int(compact[3:10])) == compact


@pytest.mark.parametrize(
    "number",
    ["020-81140742", "020-81140744", "176-12345670", "020-81140747"],
)
def test_published_numbers_with_another_check_digit_are_refused(number):
    with pytest.raises(InvalidChecksum):
        awb.validate(number)
