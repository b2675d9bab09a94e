"""A search by the start of a name (admin_lists.search.name_prefix_ids) finds every name that
starts with the term, whatever character follows it."""

from __future__ import annotations

import pytest

from caravana.admin_lists.search import name_prefix_ids
from caravana.catalog.models import Merchant
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_a_name_going_on_beyond_the_bmp_is_found():
    # 𠀀 (U+20000) and 𩸽 (U+29E3D, a fish in Japanese and Chinese names): CJK Extension B.
    names = ["陈𠀀贸易有限公司", "陈氏电子", "陈𩸽 Trading", "Ana Maria", "ANA 𠀀"]
    made = {name: f.merchant(name).pk for name in names}
    found = set(name_prefix_ids(Merchant.objects.all(), "legal_name", "陈"))
    assert found == {made["陈𠀀贸易有限公司"], made["陈氏电子"], made["陈𩸽 Trading"]}
    found = set(name_prefix_ids(Merchant.objects.all(), "legal_name", "ana "))
    assert found == {made["Ana Maria"], made["ANA 𠀀"]}
