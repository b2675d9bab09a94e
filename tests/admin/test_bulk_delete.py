"""Issue 19: "Delete selected" over a whole list (Django collects every row it reaches, then
deletes, all in the request) is bounded: above DELETE_AT_MOST rows it is refused, naming the
bound and what to do, and deletes nothing; below, it is Django's own confirmation and deletion."""

from __future__ import annotations

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client
from django.urls import reverse

import caravana.admin_lists as admin_lists
from caravana.accounts.models import Role
from caravana.network.models import Carrier
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator() -> Client:
    c = Client()
    c.force_login(f.user(Role.OPERATOR, is_staff=True, is_superuser=True))
    return c


def _carriers(n: int) -> list[int]:
    return [
        Carrier.objects.create(code=f"br-test-{i}", name=f"Test {i}", country="BR").pk
        for i in range(n)
    ]


def test_delete_selected_over_the_bound_is_refused_and_deletes_nothing(
    operator, monkeypatch, django_assert_max_num_queries
):
    monkeypatch.setattr(admin_lists, "DELETE_AT_MOST", 3)
    pks = _carriers(5)
    url = reverse("admin:network_carrier_changelist")
    every = {"action": "delete_selected", "select_across": "1", ACTION_CHECKBOX_NAME: pks[:1]}
    with django_assert_max_num_queries(12):
        r = operator.post(url, every, follow=True)
    assert Carrier.objects.count() == 5
    assert "More than 3 rows are selected; nothing was deleted." in r.content.decode()
    # Confirming ("post": "yes") is refused the same way.
    operator.post(url, {**every, "post": "yes"})
    assert Carrier.objects.count() == 5


def test_delete_selected_within_the_bound_is_djangos(operator, monkeypatch):
    monkeypatch.setattr(admin_lists, "DELETE_AT_MOST", 3)
    pks = _carriers(5)
    url = reverse("admin:network_carrier_changelist")
    picked = {"action": "delete_selected", ACTION_CHECKBOX_NAME: pks[:3]}
    confirm = operator.post(url, picked)
    assert confirm.status_code == 200 and b"Are you sure" in confirm.content
    operator.post(url, {**picked, "post": "yes"})
    assert sorted(Carrier.objects.values_list("pk", flat=True)) == pks[3:]
