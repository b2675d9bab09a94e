"""The worked examples in each module's docstring are part of the test suite."""

import doctest

import pytest

from caravana.codes import awb, bag, boleto, clabe, pix, s10, uld


@pytest.mark.parametrize(
    "module", [s10, awb, uld, bag, pix, boleto, clabe], ids=lambda m: m.__name__
)
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
