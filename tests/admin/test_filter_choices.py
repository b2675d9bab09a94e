"""A related filter's cached choices are forgotten when a row of their model is written, even
while other requests' threads add choices of their own."""

from __future__ import annotations

import pytest

from caravana.admin_lists import filters
from caravana.network.models import Carrier

pytestmark = pytest.mark.django_db


class _Busy(str):
    """A model label whose comparison stands for another thread caching choices meanwhile."""

    def __eq__(self, other: object) -> bool:
        filters._CHOICES[("other.Model", "pk", len(filters._CHOICES), "en")] = (0.0, [])
        return str.__eq__(self, other)

    __hash__ = str.__hash__


def test_forgetting_survives_choices_cached_meanwhile(monkeypatch):
    monkeypatch.setattr(filters, "_CHOICES", {})
    label = Carrier._meta.label
    filters._CHOICES[(label, "pk", 30, "en")] = (0.0, [("1", "A carrier")])
    filters._CHOICES[(_Busy("tracking.Event"), "pk", 30, "en")] = (0.0, [])
    filters._forget_choices(Carrier)
    labels = [str(key[0]) for key in list(filters._CHOICES)]
    assert label not in labels and "other.Model" in labels
