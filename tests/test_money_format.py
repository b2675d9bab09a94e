"""Money.format keeps written amounts by value: equal Decimals must be written alike."""

from decimal import Decimal

from caravana.money import Money, _formatted


def test_zero_is_written_as_zero_whichever_sign_came_first():
    _formatted.cache_clear()
    negated = -Money(Decimal(0), "BRL")  # Decimal('-0'), equal to 0 and hashed alike
    assert negated.format("pt-BR") == Money(Decimal(0), "BRL").format("pt-BR")
    assert not Money(Decimal(0), "BRL").format("pt-BR").startswith("-")
    assert not Money(Decimal("-0.001"), "USD").format("en").startswith("-")


def test_a_real_negative_keeps_its_sign():
    assert Money(Decimal("-1.5"), "USD").format("en") == "-$1.50"
    assert Money(Decimal("1.50"), "USD").format("en") == Money(Decimal("1.5"), "USD").format("en")
