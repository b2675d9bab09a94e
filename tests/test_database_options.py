"""The options the app's PostgreSQL connections are opened with (caravana.settings)."""

import pytest
from django.db import connection

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's JIT"),
]


def test_postgresql_compiles_no_plan_with_its_jit():
    """A tracking batch's read over a thousand parcels is estimated above jit_above_cost, and
    compiling it took 130 ms for a 10 ms statement on each connection's first executions
    (docs/decisions/0038): the app's connections turn the JIT off."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) SELECT sum(g) FROM generate_series(1, 10) g")
        (plan,) = cursor.fetchone()
    assert "JIT" not in plan[0]
