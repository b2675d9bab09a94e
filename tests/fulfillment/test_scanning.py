"""One way to read a scanned code: scanning.parse with the kind of code (S10, bag, ULD). A good
scan gives the compact identifier; a bad one a ValidationError on the kind's own field that
says what is wrong, with the check-digit message only for codes that carry check digits."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from caravana.codes import bag as bag_codes
from caravana.codes import s10 as s10_codes
from caravana.fulfillment.services import scanning


def refusal(kind: scanning.CodeKind, value: str) -> str:
    with pytest.raises(ValidationError) as exc:
        scanning.parse(kind, value)
    assert set(exc.value.message_dict) == {kind.field}
    return exc.value.message_dict[kind.field][0]


def test_good_scans_come_back_compact():
    s10 = s10_codes.build("HC", 1234, "CN")
    bag = bag_codes.build("SZX", 7)
    assert scanning.parse(scanning.S10, f"  {s10.lower()} ") == s10
    assert scanning.parse(scanning.BAG, bag_codes.format(bag)) == bag
    assert scanning.parse(scanning.ULD, " pmc12345cv ") == "PMC12345CV"


def test_a_wrong_check_digit_is_named_and_shows_the_code_compacted():
    s10 = s10_codes.build("HC", 1234, "CN")
    wrong = s10[:10] + str((int(s10[10]) + 1) % 10) + s10[11:]
    assert refusal(scanning.S10, wrong.lower()) == (
        f"Wrong check digit: {wrong} is not a valid S10 identifier. Scan it again."
    )
    bag = bag_codes.build("SZX", 7)
    wrong_bag = bag[:-1] + str((int(bag[-1]) + 1) % 10)
    assert "Wrong check digits" in refusal(scanning.BAG, wrong_bag)


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (scanning.S10, "hello is not an S10 parcel identifier."),
        (scanning.BAG, "hello is not a bag identifier."),
        (scanning.ULD, "hello is not a ULD identifier (e.g. PMC12345CV)."),
    ],
)
def test_what_is_not_a_code_of_the_kind_is_refused_on_its_field(kind, expected):
    assert refusal(kind, "hello") == expected
    assert refusal(kind, "") == expected.replace("hello", "")
