import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength
from stdnum.iso7064 import mod_37_36, mod_97_10

from caravana.codes import bag

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
hubs = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=3, max_size=3)
serials = st.integers(0, 99_999_999)


def test_worked_example():
    number = bag.build("GRU", 12345)
    assert number == "CBGRU0001234534"
    assert mod_97_10.is_valid(number)  # python-stdnum as the oracle
    assert bag.validate("cb-gru-00012345-34") == number
    assert bag.format(number) == "CB-GRU-00012345-34"
    assert bag.split(number) == ("GRU", 12345)


@given(hubs, serials)
def test_every_built_identifier_validates(hub, serial):
    number = bag.build(hub, serial)
    assert bag.validate(bag.format(number)) == number
    assert bag.split(number) == (hub, serial)
    assert mod_97_10.is_valid(number)


@given(hubs, serials)
def test_every_single_character_substitution_is_caught(hub, serial):
    number = bag.build(hub, serial)
    for pos, old in enumerate(number):
        for new in ALPHABET + "_*":
            if new != old:
                assert not bag.is_valid(number[:pos] + new + number[pos + 1 :]), (pos, new)


@given(hubs, serials)
def test_every_adjacent_transposition_is_caught(hub, serial):
    number = bag.build(hub, serial)
    for pos in range(len(number) - 1):
        a, b = number[pos], number[pos + 1]
        if a != b:
            assert not bag.is_valid(number[:pos] + b + a + number[pos + 2 :]), pos


def test_why_not_mod_37_36():
    # the alternative one-character scheme misses this adjacent transposition
    assert mod_37_36.is_valid("CBBUB000000010")
    assert mod_37_36.is_valid("CBBUB000000001")


@pytest.mark.parametrize(
    ("number", "error"),
    [
        ("CBGRU000123453", InvalidLength),
        ("CBGRU00012345344", InvalidLength),
        ("XXGRU0001234534", InvalidFormat),
        ("CBGR10001234534", InvalidFormat),
        ("CBGRU0001234A34", InvalidFormat),
        ("CBGRU0001234535", InvalidChecksum),
    ],
)
def test_bad_input(number, error):
    with pytest.raises(error):
        bag.validate(number)
    assert not bag.is_valid(number)


def test_build_refuses_bad_parts():
    with pytest.raises(InvalidFormat):
        bag.build("GR", 1)
    with pytest.raises(InvalidFormat):
        bag.build("GR1", 1)
    with pytest.raises(InvalidComponent):
        bag.build("GRU", 100_000_000)
