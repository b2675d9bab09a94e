"""Serials are taken under a row lock: parallel label creation never issues one S10 twice."""

import threading

import pytest
from django.db import connection, connections

from caravana.codes import s10 as s10_codes
from caravana.fulfillment.models import Parcel, SerialCounter
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
    assert SerialCounter.objects.get(scope="s10:HC:CN").next_value == THREADS * PER_THREAD + 1
