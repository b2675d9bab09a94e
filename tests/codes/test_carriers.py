"""Last-mile carriers' number formats: real-looking numbers from the reference pass, near
misses fail, and a tracking link is built only over https with the number percent-encoded."""

from __future__ import annotations

import doctest

import pytest
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength

from caravana.codes import carriers
from caravana.codes.carriers import (
    andreani,
    chilexpress,
    coordinadora,
    dhl_ecommerce,
    estafeta,
    olva,
    unknown,
)

MODULES = [carriers, andreani, chilexpress, coordinadora, dhl_ecommerce, estafeta, olva, unknown]


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize(
    ("key", "number", "compact"),
    [
        ("andreani", "9134669991", "9134669991"),  # the reference's example
        ("andreani", "9134 669 991", "9134669991"),
        ("chilexpress", "713012345678", "713012345678"),
        ("chilexpress", "7130-1234-5678", "713012345678"),
        ("estafeta", "3039999999061710015581", "3039999999061710015581"),  # the reference's
        ("estafeta", "3039999999 061710015581", "3039999999061710015581"),
        ("coordinadora", "73940012345", "73940012345"),
        ("olva", "1234567-26", "123456726"),
        ("olva", "1234 25", "123425"),
        ("dhl_ecommerce", "GM2951173400001234567", "GM2951173400001234567"),
        ("dhl_ecommerce", "12345678901234", "12345678901234"),
        ("dhl_ecommerce", "420" + "1" * 27, "420" + "1" * 27),
        ("s10", "RR 123 456 785 BR", "RR123456785BR"),
        ("unknown", "jt-0012 3456 789", "JT00123456789"),
        ("unknown", "ABC123", "ABC123"),
    ],
)
def test_good_numbers(key, number, compact):
    assert carriers.validate(key, number) == compact
    assert carriers.is_valid(key, number)


@pytest.mark.parametrize(
    ("key", "number", "error"),
    [
        ("andreani", "913466999", InvalidLength),  # 9 digits
        ("andreani", "91346699912", InvalidLength),
        ("andreani", "913466999A", InvalidFormat),
        ("chilexpress", "71301234567", InvalidLength),
        ("chilexpress", "71301234567X", InvalidFormat),
        ("estafeta", "303999999906171001558", InvalidLength),  # 21
        ("estafeta", "3039999999061710015581-", None),  # a dash is a separator: still valid
        ("estafeta", "30399999990617100155#1", InvalidFormat),
        ("coordinadora", "7394001234", InvalidLength),
        ("olva", "12345", InvalidLength),  # 3 digits + year: too short
        ("olva", "123456789012345", InvalidLength),
        ("dhl_ecommerce", "GM123", InvalidLength),
        ("dhl_ecommerce", "XX295117340000123456", InvalidFormat),
        ("s10", "RR123456784BR", InvalidChecksum),
        ("unknown", "12345", InvalidLength),
        ("unknown", "A" * 41, InvalidLength),
        ("unknown", "ÁBC1234", InvalidFormat),
    ],
)
def test_bad_numbers(key, number, error):
    if error is None:
        assert carriers.is_valid(key, number)
        return
    with pytest.raises(error):
        carriers.validate(key, number)
    assert not carriers.is_valid(key, number)


def test_only_s10_has_a_check_digit_and_every_format_names_its_source():
    for key, module in carriers.FORMATS.items():
        if key == "s10":
            continue
        assert module.CHECK_RULE is None, key
        assert "border-and-last-mile.md" in module.SOURCE, key
        assert module.VERIFIED or "unverified" in module.SOURCE, key
    assert dict(carriers.choices())["unknown"].startswith("Unknown format")


def test_tracking_links_are_https_and_escaped():
    link = carriers.tracking_link(
        "https://www.estafeta.com/Herramientas/Rastreo?wayBillType=1&wayBill={n}",
        "estafeta",
        "3039999999 061710015581",
    )
    assert link == (
        "https://www.estafeta.com/Herramientas/Rastreo?wayBillType=1&wayBill=3039999999061710015581"
    )
    olva_link = carriers.tracking_link(
        "https://tracking.olvaexpress.pe/?emision={yy}&tracking={tracking}", "olva", "1234567-26"
    )
    assert olva_link == "https://tracking.olvaexpress.pe/?emision=26&tracking=1234567"
    # A number can add no path, query or markup of its own: every character is encoded.
    hostile = carriers.tracking_link("https://t.example/{n}", "unknown", '"><script>/../?x=1')
    assert hostile is not None and "<" not in hostile and "/.." not in hostile[18:]
    assert carriers.tracking_link("http://t.example/{n}", "unknown", "ABC123") is None
    assert carriers.tracking_link("javascript:alert(1)//{n}", "unknown", "ABC123") is None
    assert carriers.tracking_link("https://t.example/{x}", "unknown", "ABC123") is None
    assert carriers.tracking_link("", "unknown", "ABC123") is None
    assert carriers.tracking_link("https://t.example/{n}", "unknown", "") is None
    # A page that takes no number is still a link.
    assert carriers.tracking_link("https://t.example/track/", "unknown", "ABC123") == (
        "https://t.example/track/"
    )
    assert carriers.pattern_problem("https://t.example/{n") == "placeholder"
    # The host is the operator's, never the number's: a placeholder there is refused.
    assert carriers.pattern_problem("https://{n}.t.example/") == "https"
    assert carriers.tracking_link("https://{n}.t.example/", "unknown", "ABC123") is None
