"""The tests' quick flush on PostgreSQL (tests/conftest.py) must empty what Django's TRUNCATE
empties, the immutable ledger included, or a transactional test would leave rows to the next."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection

from caravana.payments import ledger
from caravana.payments.models import AccountKind, LedgerEntry, LedgerTransaction
from tests import factories as f

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the quick flush is PostgreSQL's"),
]


def test_a_transactional_tests_flush_empties_every_table_the_ledger_included():
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('is_superuser')")
        if cursor.fetchone()[0] != "on":
            pytest.skip("the quick flush needs a superuser; others get Django's TRUNCATE")
    escrow = ledger.account(AccountKind.ESCROW, "BRL")
    clearing = ledger.account(AccountKind.CLEARING, "BRL")
    amount = Decimal("5.00")
    ledger.post(
        "flush-me", "capture", [ledger.debit(clearing, amount), ledger.credit(escrow, amount)]
    )
    assert LedgerEntry.objects.count() == 2
    f.product()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM catalog_product_search")
        assert cursor.fetchone()[0] == 1
    # The ledger's own trigger still refuses a DELETE outside the flush.
    with pytest.raises(Exception, match="immutable"):
        LedgerTransaction.objects.all()._raw_delete(using="default")

    # As TransactionTestCase ends: sequences kept, no CASCADE.
    call_command("flush", interactive=False, verbosity=0, reset_sequences=False)

    # Every table, the search table that no model owns included (a TRUNCATE of catalog_product
    # empties it by a trigger, which a DELETE under replica role does not fire).
    tables = connection.introspection.table_names(include_views=False)
    assert "catalog_product_search" in tables
    with connection.cursor() as cursor:
        union = " UNION ALL ".join(
            f"(SELECT {connection.ops.quote_name(t)!r} FROM {connection.ops.quote_name(t)} LIMIT 1)"
            for t in tables
        )
        cursor.execute(union)
        left = [row[0] for row in cursor.fetchall()]
    # post_migrate puts back the content types and permissions, as after Django's own flush.
    kept = {'"django_migrations"', '"django_content_type"', '"auth_permission"'}
    assert set(left) <= kept, left
    with connection.cursor() as cursor:
        cursor.execute("SHOW session_replication_role")
        assert cursor.fetchone()[0] == "origin"
