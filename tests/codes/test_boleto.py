import datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength

from caravana.codes import boleto

D = datetime.date
# Banco do Brasil example used across boleto libraries: R$ 1,00 due 2007-12-31
BB_BARCODE = "00193373700000001000500940144816060680935031"
BB_LINE = "00190500954014481606906809350314337370000000100"
BB_PRINTED = "00190.50095 40144.816069 06809.350314 3 37370000000100"
# an Itau typed line from a public boleto library's README
ITAU_LINE = "34191670060463564064460910580004739290000307014"

banks = st.integers(0, 799).map(lambda n: f"{n:03d}")
amounts = st.integers(0, 9_999_999_999).map(lambda c: Decimal(c).scaleb(-2))
dates = st.dates(D(2000, 7, 3), D(2080, 12, 31))
free_fields = st.text("0123456789", min_size=25, max_size=25)


def mod11_residue(barcode: str) -> int:
    """Independent spelling of the general-DV sum (weights 2..9 from the right)."""
    body = barcode[:4] + barcode[5:]
    weights = [2, 3, 4, 5, 6, 7, 8, 9] * 6
    return sum(w * int(d) for w, d in zip(weights, reversed(body), strict=False)) % 11


def test_classic_example():
    assert boleto.validate(BB_BARCODE) == BB_BARCODE
    assert boleto.validate(BB_PRINTED) == BB_LINE
    assert boleto.typed_line(BB_BARCODE) == BB_LINE
    assert boleto.barcode_from_typed_line(BB_PRINTED) == BB_BARCODE
    assert boleto.format(BB_BARCODE) == BB_PRINTED
    assert boleto.format(BB_LINE) == BB_PRINTED
    info = boleto.parse(BB_LINE, near=D(2008, 1, 1))
    assert info["bank"] == "001"
    assert info["amount"] == Decimal("1.00")
    assert info["due"] == D(2007, 12, 31)
    assert info["factor"] == 3737
    built = boleto.build("001", Decimal("1.00"), D(2007, 12, 31), "0500940144816060680935031")
    assert built == BB_BARCODE


def test_itau_typed_line():
    assert boleto.is_valid(ITAU_LINE)
    assert boleto.parse(ITAU_LINE)["amount"] == Decimal("3070.14")
    assert boleto.typed_line(boleto.barcode_from_typed_line(ITAU_LINE)) == ITAU_LINE


@pytest.mark.parametrize(
    ("day", "factor"),
    [
        (D(1997, 10, 8), 1),
        (D(2000, 7, 3), 1000),
        (D(2007, 12, 31), 3737),
        (D(2025, 2, 21), 9999),
        (D(2025, 2, 22), 1000),
        (D(2049, 10, 13), 9999),
        (D(2049, 10, 14), 1000),
    ],
)
def test_due_factor_reference_dates(day, factor):
    assert boleto.due_factor(day) == factor
    assert boleto.due_date(factor, near=day) == day


def test_due_date_resolves_the_wrap_by_the_nearest_date():
    assert boleto.due_date(1000, near=D(2026, 1, 1)) == D(2025, 2, 22)
    assert boleto.due_date(1000, near=D(2005, 1, 1)) == D(2000, 7, 3)
    assert boleto.due_date(9999, near=D(2026, 1, 1)) == D(2025, 2, 21)
    assert boleto.due_date(9999, near=D(2045, 1, 1)) == D(2049, 10, 13)
    with pytest.raises(InvalidComponent):
        boleto.due_date(0, near=D(2026, 1, 1))
    with pytest.raises(InvalidComponent):
        boleto.due_factor(D(1997, 10, 7))


@given(dates, st.integers(-4499, 4499))
def test_due_date_round_trip_within_half_a_cycle(day, offset):
    near = day + datetime.timedelta(days=offset)
    assert boleto.due_date(boleto.due_factor(day), near=near) == day


def test_general_check_digit_zero_ten_eleven_give_one():
    bodies = {}
    for n in range(2000):
        body = f"{n:043d}"
        bodies.setdefault((11 - mod11_residue(body[:4] + "0" + body[4:]) % 11), body)
    for raw in (10, 11):
        assert boleto.calc_check_digit(bodies[raw]) == "1"


@given(banks, amounts, dates | st.none(), free_fields)
def test_every_built_barcode_validates_in_both_forms(bank, amount, due, free_field):
    barcode = boleto.build(bank, amount, due, free_field)
    assert boleto.validate(barcode) == barcode
    line = boleto.typed_line(barcode)
    assert boleto.validate(line) == line
    assert boleto.barcode_from_typed_line(boleto.format(line)) == barcode
    info = boleto.parse(line, near=due)
    assert (info["bank"], info["amount"], info["due"], info["free_field"]) == (
        bank,
        amount,
        due,
        free_field,
    )


@given(banks, amounts, dates, free_fields, st.integers(0, 43), st.integers(1, 9))
def test_single_digit_change_of_the_barcode(bank, amount, due, free_field, pos, delta):
    """Caught unless it moves the mod-11 sum among residues 0, 1 and 10 (all give DV 1)."""
    barcode = boleto.build(bank, amount, due, free_field)
    mutated = barcode[:pos] + str((int(barcode[pos]) + delta) % 10) + barcode[pos + 1 :]
    if pos == 4:  # the check digit itself
        assert not boleto.is_valid(mutated)
        return
    before, after = mod11_residue(barcode), mod11_residue(mutated)
    assert before != after
    if not {before, after} <= {0, 1, 10}:
        assert not boleto.is_valid(mutated)


def test_the_three_residue_blind_spot_exists():
    barcode = boleto.build("001", Decimal("1.00"), D(2026, 1, 2), "0" * 25)
    undetected = [
        mutated
        for pos in range(5, 44)
        for digit in "0123456789"
        if digit != barcode[pos]
        and boleto.is_valid(mutated := barcode[:pos] + digit + barcode[pos + 1 :])
    ]
    assert undetected  # some single-digit changes do get through the mod-11 DV
    assert all({mod11_residue(barcode), mod11_residue(m)} <= {0, 1, 10} for m in undetected)


@given(banks, amounts, dates, free_fields, st.integers(0, 46), st.integers(1, 9))
def test_single_digit_change_of_the_typed_line(bank, amount, due, free_field, pos, delta):
    """Fields 1-3 (Luhn DV each) and field 4 catch every change; field 5 as the barcode."""
    line = boleto.typed_line(boleto.build(bank, amount, due, free_field))
    mutated = line[:pos] + str((int(line[pos]) + delta) % 10) + line[pos + 1 :]
    if pos <= 32:
        with pytest.raises((InvalidChecksum, InvalidComponent)):
            boleto.validate(mutated)
    else:
        before = mod11_residue(boleto.barcode_from_typed_line(line))
        after = mod11_residue(boleto._barcode_of(mutated))
        if not {before, after} <= {0, 1, 10}:
            assert not boleto.is_valid(mutated)


@pytest.mark.parametrize(
    ("number", "error"),
    [
        (BB_BARCODE[:-1], InvalidLength),
        (BB_LINE + "0", InvalidLength),
        ("0" * 48, InvalidLength),
        (BB_BARCODE[:-1] + "A", InvalidFormat),
        (BB_BARCODE[:4] + "4" + BB_BARCODE[5:], InvalidChecksum),
        (BB_LINE[:9] + "4" + BB_LINE[10:], InvalidChecksum),
        ("8" + BB_BARCODE[1:], InvalidComponent),
        (BB_BARCODE[:3] + "5" + BB_BARCODE[4:], InvalidComponent),
    ],
)
def test_bad_input(number, error):
    with pytest.raises(error):
        boleto.validate(number)
    assert not boleto.is_valid(number)


def test_build_refuses_bad_parts():
    free = "0" * 25
    with pytest.raises(InvalidComponent):
        boleto.build("01", Decimal("1"), D(2026, 1, 1), free)
    with pytest.raises(InvalidFormat):
        boleto.build("001", Decimal("1.001"), D(2026, 1, 1), free)
    with pytest.raises(InvalidFormat):
        boleto.build("001", 1.5, D(2026, 1, 1), free)
    with pytest.raises(InvalidComponent):
        boleto.build("001", Decimal("-1"), D(2026, 1, 1), free)
    with pytest.raises(InvalidComponent):
        boleto.build("001", Decimal("100000000.00"), D(2026, 1, 1), free)
    with pytest.raises(InvalidFormat):
        boleto.build("001", Decimal("1"), D(2026, 1, 1), "0" * 24)
