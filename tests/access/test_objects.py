"""access.objects: a row of another tenant is 404 like a row that does not exist, an operator
sees every tenant's, and a pair of models with no ownership rule is refused, never read
unfiltered."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404

from caravana.access.objects import ANY_OWNER, belongs_to, owned, owned_or_404
from caravana.catalog.models import Category, Product, Variant
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_own_row_found_another_tenants_is_404_like_a_missing_one():
    mine, theirs = f.product(), f.product()
    merchant = mine.store.merchant
    assert owned_or_404(Product, merchant, pk=mine.pk) == mine
    with pytest.raises(Http404):
        owned_or_404(Product, merchant, pk=theirs.pk)
    with pytest.raises(Http404):
        owned_or_404(Product, merchant, pk=theirs.pk + mine.pk + 1000)
    variant = theirs.variants.get()
    with pytest.raises(Http404):
        owned_or_404(Variant.objects.select_related("product"), merchant, pk=variant.pk)


def test_lists_narrow_to_the_owner():
    mine, theirs = f.product(), f.product()
    merchant = mine.store.merchant
    assert list(owned(Product, merchant)) == [mine]
    assert set(owned(Product, ANY_OWNER)) == {mine, theirs}
    assert list(owned(Product, None)) == []


def test_no_owner_reaches_nothing_and_any_owner_everything():
    product = f.product()
    with pytest.raises(Http404):
        owned_or_404(Product, None, pk=product.pk)
    assert owned_or_404(Product, ANY_OWNER, pk=product.pk) == product


def test_a_pair_without_a_rule_is_a_programming_error_not_an_unfiltered_read():
    product = f.product()
    with pytest.raises(ImproperlyConfigured, match="catalog.category"):
        belongs_to(Category, product.store.merchant)
    buyer = f.user()
    with pytest.raises(ImproperlyConfigured):
        owned_or_404(Product, buyer, pk=product.pk)
