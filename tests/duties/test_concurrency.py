"""Two clearance clerks (or a retried request) recording the same assessment at once, and two
operators remitting the same period at once: one posting each, the books still balance."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from caravana.duties import queries, services
from caravana.duties.models import DutyAssessment, DutyAuthority, RemittanceBatch
from caravana.orders.shipping import ship_as_parcel
from caravana.payments import ledger
from caravana.payments.models import LedgerTransaction

THREADS = 4


def together(work) -> list[BaseException]:
    errors: list[BaseException] = []
    barrier = threading.Barrier(THREADS)

    def run() -> None:
        try:
            barrier.wait()
            work()
        except BaseException as exc:  # reported by the caller
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


@pytest.mark.django_db(transaction=True)
def test_parallel_assessments_and_remittances_post_once(paid):
    if connection.vendor == "sqlite" and "memory" in str(connection.settings_dict["NAME"]):
        pytest.skip("needs PostgreSQL or a file SQLite test database")
    first, _second = paid
    parcel = ship_as_parcel(first, "SZX-HUB")
    by_tax = ledger.collected_by_tax(first)
    amounts = {"ii": by_tax["ii"] + Decimal("5.00"), "icms": by_tax["icms"]}
    assert together(lambda: services.record_assessment(parcel, amounts, "DI 1")) == []
    assert DutyAssessment.objects.count() == 1
    assert LedgerTransaction.objects.filter(kind__in=["duty_collect", "duty_diff"]).count() == 2
    today = dt.date.today()
    rfb = DutyAuthority.objects.get(code="BR-RFB")
    tomorrow = today + dt.timedelta(days=1)
    errors = together(lambda: services.remit_safely(rfb, "BRL", today, tomorrow, "DARF 9"))
    assert errors == []
    assert RemittanceBatch.objects.count() == 1
    assert LedgerTransaction.objects.filter(kind="duty_remit").count() == 1
    assert queries.reconciliation("BR", today, tomorrow).balanced
    assert ledger.reconcile() == []
