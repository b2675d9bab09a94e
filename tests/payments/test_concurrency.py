"""Two transactions that lock the same ledger accounts take them in one order (primary key), so
they never deadlock: a capture that also refunds an order that expired before the money came
(two postings) and a merchant's refund (escrow and refunds owed) both complete."""

import datetime as dt
import threading
import time
from decimal import Decimal

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from caravana.orders import lifecycle
from caravana.orders.models import Order, OrderStatus
from caravana.payments import captures, ledger, refunds, simulate
from caravana.payments.models import AccountKind, Payment, PaymentStatus
from tests.orders.support import buyer, place

pytestmark = pytest.mark.django_db(transaction=True)


def wait_for_lock_waits(n: int, timeout: float = 60) -> None:
    """Until `n` other connections are waiting for a lock (PostgreSQL's pg_stat_activity): the
    threads have reached the point the test stages. Not a timing assertion: a bound on a wait."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0] >= n:
                return
            time.sleep(0.05)
    raise AssertionError(f"{n} connections never waited for a lock")


def run(target, errors: list) -> threading.Thread:
    def body():
        try:
            target()
        except BaseException as exc:  # reported by the test
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=body)
    thread.start()
    return thread


def test_a_capture_with_a_late_refund_and_a_refund_do_not_deadlock(market):
    if connection.vendor != "postgresql":
        pytest.skip("row locks and deadlock detection: PostgreSQL")
    a, b = market
    # Refunds owed gets the lowest primary key: a capture's second posting (refunds) then
    # comes before the accounts its first posting (clearing, escrow) locked.
    ledger.account(AccountKind.REFUNDS, "BRL")
    paid_group, paid_payment, _r = place(buyer(), lines=[(a.pk, 1)])
    assert simulate.sandbox_simulate(paid_payment)[0] == 200
    paid_order = paid_group.orders.get()
    late_group, late_payment, _r = place(buyer(), lines=[(b.pk, 1)])

    assert lifecycle.expire_unpaid(timezone.now() + dt.timedelta(hours=2)) == 1  # expired unpaid

    errors: list[BaseException] = []
    holding, release = threading.Event(), threading.Event()

    def hold_orders():  # keeps the capture waiting after its first posting
        with transaction.atomic():
            list(Order.objects.select_for_update().filter(group=late_group))
            holding.set()
            release.wait(60)

    def capture_late():  # capture (clearing, escrow), then refund the expired order (refunds)
        captures.capture(late_payment, amount=late_payment.amount, currency="BRL")

    def refund():  # escrow and refunds owed
        refunds.refund(paid_order, Decimal("10.00"), reason="merchant")

    threads = [run(hold_orders, errors)]
    assert holding.wait(30)
    threads.append(run(capture_late, errors))
    wait_for_lock_waits(1)
    threads.append(run(refund, errors))
    wait_for_lock_waits(2)
    release.set()
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    late_payment.refresh_from_db()
    assert late_payment.status == PaymentStatus.SUCCEEDED
    assert Order.objects.get(group=late_group).status == OrderStatus.CANCELLED
    assert set(late_group.orders.get().refunds.values_list("reason", flat=True)) == {
        "expired_before_payment"
    }
    assert paid_order.refunds.get().amount == Decimal("10.00")
    assert ledger.reconcile() == []
    assert Payment.objects.filter(status=PaymentStatus.SUCCEEDED).count() == 2


def test_a_capture_locks_every_ledger_account_it_posts_to_before_its_first_entry(market):
    """The order that makes the test above deadlock-free, shown from the statements: every
    account a capture with a late refund posts to is locked (FOR UPDATE, ascending ids) before
    the first entry is written. Posting-by-posting locking, as before, locked the refunds
    account only after clearing and escrow had entries."""
    if connection.vendor != "postgresql":
        pytest.skip("SELECT … FOR UPDATE is PostgreSQL's (SQLite locks the whole database)")
    import re

    from django.test.utils import CaptureQueriesContext

    from caravana.payments.models import LedgerAccount, LedgerEntry

    a, b = market
    # A capture first, so that the capture below finds its accounts made: the path every
    # capture but a currency's first takes (the accounts found by the locking read itself).
    _g, first_payment, _r = place(buyer(), lines=[(a.pk, 1)])
    captures.capture(first_payment, amount=first_payment.amount, currency="BRL")
    late_group, late_payment, _r = place(buyer(), lines=[(b.pk, 1)])
    assert lifecycle.expire_unpaid(timezone.now() + dt.timedelta(hours=2)) == 1
    before = LedgerEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    with CaptureQueriesContext(connection) as ctx:
        captures.capture(late_payment, amount=late_payment.amount, currency="BRL")

    posted = set(
        LedgerEntry.objects.filter(pk__gt=before).values_list("account_id", flat=True).distinct()
    )
    assert len(posted) >= 3  # clearing, escrow and refunds owed
    sqls = [q["sql"] for q in ctx.captured_queries]
    first_entry = next(i for i, s in enumerate(sqls) if 'INSERT INTO "payments_ledgerentry"' in s)
    locked: set[int] = set()
    for sql in sqls[:first_entry]:
        if 'FROM "payments_ledgeraccount"' in sql and "FOR UPDATE" in sql:
            listed = sql.split(" IN (", 1)[1].split(")")[0]
            keys = re.findall(r"'([^']+)'", listed)
            if keys:  # found by key: locked in ascending ids by the statement's order
                assert re.search(r'ORDER BY "payments_ledgeraccount"."id" ASC', sql), sql
                locked |= set(
                    LedgerAccount.objects.filter(key__in=keys).values_list("pk", flat=True)
                )
                continue
            ids = [int(x) for x in re.findall(r"\d+", listed)]
            assert ids == sorted(ids)
            locked |= set(ids)
    assert posted <= locked, f"posted to {posted - locked} without locking it first"
    assert any("'clearing:BRL'" in sql for sql in sqls[:first_entry])  # the path by key
