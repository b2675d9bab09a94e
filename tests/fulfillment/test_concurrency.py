"""Serials are taken under a row lock on their S10 range: parallel label creation never issues
one S10 twice, and a small range runs out for exactly the labels beyond it."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from caravana.codes import s10 as s10_codes
from caravana.fulfillment.models import Parcel, S10Range
from caravana.fulfillment.services import parcels
from caravana.network.seed import seed_network
from tests import factories as f
from tests.fulfillment.conftest import TODAY, parcel_data

THREADS = 6
PER_THREAD = 5


@pytest.mark.django_db(transaction=True)
def test_parallel_parcels_get_distinct_serials():
    if connection.vendor == "sqlite" and "memory" in str(connection.settings_dict["NAME"]):
        # Django's in-memory test database is one connection shared by threads; SQLite's own
        # locking (IMMEDIATE transactions) is exercised with a file database (SQLITE_TEST_NAME).
        pytest.skip("needs PostgreSQL or a file SQLite test database")
    seed_network(TODAY)
    merchant = f.merchant()
    errors: list[BaseException] = []
    barrier = threading.Barrier(THREADS)

    def work() -> None:
        try:
            barrier.wait()
            for _ in range(PER_THREAD):
                parcels.create_parcel(merchant, parcel_data())
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    s10s = list(Parcel.objects.values_list("s10", flat=True))
    assert len(s10s) == len(set(s10s)) == THREADS * PER_THREAD
    assert all(s10_codes.is_valid(s) for s in s10s)
    serials = sorted(int(s[2:10]) for s in s10s)
    assert serials == list(range(1, THREADS * PER_THREAD + 1))
    assert S10Range.objects.get(service_indicator="HC").next_serial == THREADS * PER_THREAD + 1


@pytest.mark.django_db(transaction=True)
def test_parallel_parcels_exhaust_a_small_range_exactly():
    if connection.vendor == "sqlite" and "memory" in str(connection.settings_dict["NAME"]):
        pytest.skip("needs PostgreSQL or a file SQLite test database")
    seed_network(TODAY)
    S10Range.objects.filter(service_indicator="HC").update(active=False)
    S10Range.objects.create(service_indicator="HC", country="MX", first_serial=500,
                            last_serial=509, next_serial=500, agreement="test")  # fmt: skip
    merchant = f.merchant()
    made: list[str] = []
    refused: list[str] = []
    barrier = threading.Barrier(THREADS)

    def work() -> None:
        try:
            barrier.wait()
            for _ in range(3):
                try:
                    made.append(parcels.create_parcel(merchant, parcel_data()).s10)
                except ValidationError as exc:
                    refused.append(exc.message_dict["service_level"][0])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(int(s[2:10]) for s in made) == list(range(500, 510))
    assert all(s.endswith("MX") for s in made) and len(refused) == THREADS * 3 - 10
    assert all("HC 00000500–00000509 MX" in r for r in refused)
