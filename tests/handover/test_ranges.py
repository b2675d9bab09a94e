"""Carrier number ranges: checked against the carrier's format and its other ranges, by field;
numbers given one by one, never twice, also from parallel transactions; a used-up range named."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.utils import timezone

from caravana.handover import numbers, ranges
from caravana.handover.models import CarrierRange
from caravana.network.models import Carrier
from caravana.network.seed import seed_network

pytestmark = pytest.mark.django_db


@pytest.fixture
def carriers():
    seed_network(timezone.now().date())
    return {c.code: c for c in Carrier.objects.all()}


def test_numbers_build_in_the_carriers_format():
    assert numbers.build("andreani", "91", 345, 8, "", "AR") == "9100000345"
    assert numbers.build("s10", "QA", 1, 8, "", "BR") == "QA000000014BR"
    assert numbers.build("olva", "", 1234567, 7, "26", "PE") == "123456726"
    with pytest.raises(ValueError):
        numbers.build("andreani", "9", 345, 8, "", "AR")  # nine digits
    with pytest.raises(ValueError):
        numbers.build("andreani", "91", 10**8, 8, "", "AR")  # serial wider than its digits


@pytest.mark.parametrize(
    "code, prefix, first, last, width, suffix, field",
    [
        ("ar-andreani", "9", 1, 99, 8, "", "first_serial"),  # 9 digits: not Andreani's 10
        ("ar-andreani", "91", 5, 4, 8, "", "last_serial"),
        ("ar-andreani", "91", 1, 10**8, 8, "", "last_serial"),
        ("ar-andreani", "91", 1, 9, 0, "", "width"),
        ("br-correios", "JA", 1, 9, 8, "", "first_serial"),  # J is reserved by the UPU
        ("br-correios", "QA", 1, 9, 8, "BR", "suffix"),
        ("cl-chilexpress", "ABC", 1, 9, 9, "", "first_serial"),  # digits only
    ],
)
def test_a_wrong_range_names_its_field_and_is_not_written(
    carriers, code, prefix, first, last, width, suffix, field
):
    with pytest.raises(ValidationError) as exc:
        ranges.add_range(carriers[code], prefix, first, last, width, "ref", suffix=suffix)
    assert field in exc.value.message_dict
    assert not CarrierRange.objects.exists()


def test_overlapping_ranges_of_a_carrier_are_refused_others_not(carriers):
    andreani = carriers["ar-andreani"]
    ranges.add_range(andreani, "91", 100, 199, 8, "Contract A-1")
    with pytest.raises(ValidationError) as exc:
        ranges.add_range(andreani, "91", 150, 250, 8, "Contract A-2")
    assert "overlaps" in exc.value.message_dict["first_serial"][0]
    # The same numbers written with a shorter prefix and one more digit are the same numbers.
    with pytest.raises(ValidationError):
        ranges.add_range(andreani, "9", 100000150, 100000160, 9, "Contract A-3")
    ranges.add_range(andreani, "91", 200, 299, 8, "Contract A-4")
    ranges.add_range(carriers["cl-chilexpress"], "9100", 100, 199, 8, "Another carrier")
    with pytest.raises(ValidationError) as exc:
        ranges.add_range(andreani, "92", 1, 2, 8, "  ")
    assert "reference" in exc.value.message_dict


def test_numbers_are_given_in_order_across_ranges_until_used_up(carriers):
    andreani = carriers["ar-andreani"]
    ranges.add_range(andreani, "91", 1, 2, 8, "first")
    ranges.add_range(andreani, "92", 7, 7, 8, "second")
    with transaction.atomic():
        got = [ranges.allocate(andreani) for _ in range(3)]
    assert got == ["9100000001", "9100000002", "9200000007"]
    with pytest.raises(ValidationError) as exc, transaction.atomic():
        ranges.allocate(andreani)
    message = exc.value.message_dict["carrier"][0]
    assert "9100000001–9100000002" in message and "9200000007–9200000007" in message


def test_no_range_says_so(carriers):
    with pytest.raises(ValidationError) as exc, transaction.atomic():
        ranges.allocate(carriers["ar-andreani"])
    assert "No number range of Andreani" in exc.value.message_dict["carrier"][0]


def test_a_rolled_back_allocation_gives_its_number_back(carriers):
    andreani = carriers["ar-andreani"]
    ranges.add_range(andreani, "91", 1, 9, 8, "first")
    with pytest.raises(RuntimeError), transaction.atomic():
        ranges.allocate(andreani)
        raise RuntimeError("the scan failed")
    with transaction.atomic():
        assert ranges.allocate(andreani) == "9100000001"


THREADS = 6
PER_THREAD = 5


@pytest.mark.django_db(transaction=True)
def test_parallel_allocations_never_share_a_number_and_stop_at_the_end():
    if connection.vendor == "sqlite" and "memory" in str(connection.settings_dict["NAME"]):
        # As tests/fulfillment/test_concurrency.py: SQLite's IMMEDIATE locking needs a file
        # database (SQLITE_TEST_NAME); PostgreSQL's FOR UPDATE runs as it is.
        pytest.skip("needs PostgreSQL or a file SQLite test database")
    seed_network(timezone.now().date())
    andreani = Carrier.objects.get(code="ar-andreani")
    last = THREADS * PER_THREAD - 3  # three allocations find the range used up
    ranges.add_range(andreani, "91", 1, last, 8, "parallel")
    got: list[str] = []
    refused: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(THREADS)

    def work() -> None:
        try:
            barrier.wait()
            for _ in range(PER_THREAD):
                try:
                    with transaction.atomic():
                        got.append(ranges.allocate(andreani))
                except ValidationError as exc:
                    refused.append(exc.message_dict["carrier"][0])
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
    assert sorted(got) == [f"91{n:08d}" for n in range(1, last + 1)]
    assert len(refused) == 3 and all("used up" in r for r in refused)
    assert CarrierRange.objects.get().next_serial == last + 1
