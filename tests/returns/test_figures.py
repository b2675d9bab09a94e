"""Returns per country, carrier and reason on the operators' carrier performance page: counted
from the returns app (tracking may not import it), a buyer's return carried by its order's
parcel's carrier, rejected returns left out, other periods and countries apart."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from caravana.network.models import Carrier
from caravana.returns import figures, services
from caravana.returns.models import ReturnRequest
from caravana.tracking import carrier_queries
from tests.returns.conftest import delivered, world  # noqa: F401

pytestmark = pytest.mark.django_db


def test_returns_by_reason_per_country_and_carrier(client, world):  # noqa: F811
    carrier = Carrier.objects.filter(country="BR").first()
    order, parcel = delivered("BR", world["variant"])
    parcel.carrier = carrier
    parcel.save(update_fields=["carrier"])
    services.request_return(order, order.buyer, {order.lines.get().pk: 1}, "damaged", "Broken")
    refused, _p = delivered("BR", world["variant"])
    rejected = services.request_return(refused, refused.buyer, {refused.lines.get().pk: 1},
                                       "changed_mind")  # fmt: skip
    services.decide(rejected, world["merchant_staff"], False)
    chile, cl_parcel = delivered("CL", world["variant"])
    services.expect_parcel(cl_parcel, "refused")
    now = timezone.now()
    start, end = now - dt.timedelta(days=1), now + dt.timedelta(days=1)
    got = carrier_queries.returns_by_reason(start, end)
    by_country = {s["country"]: s for s in got}
    assert set(by_country) == {"BR", "CL"}
    br = by_country["BR"]
    assert br["reasons"][0][0] == "damaged" and len(br["reasons"]) == 1
    assert br["rows"] == [{"carrier_id": carrier.pk, "carrier": carrier.name, "counts": [1],
                           "total": 1}]  # fmt: skip
    assert by_country["CL"]["rows"][0]["counts"] == [1]
    assert [s["country"] for s in carrier_queries.returns_by_reason(start, end, "CL")] == ["CL"]
    later = now + dt.timedelta(days=2)
    assert carrier_queries.returns_by_reason(later, later + dt.timedelta(days=1)) == []
    assert ReturnRequest.objects.count() == 3

    from caravana.accounts.models import Role
    from tests import factories as f

    client.force_login(f.user(Role.OPERATOR, username="ops-figures"))
    day = now.date().isoformat()
    page = client.get(reverse("carrier_performance:index"), {"start": day, "end": day})
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="returns-by-reason"' in html
    assert carrier.name in html


@pytest.mark.parametrize("country", ["", "BR"])
def test_returns_by_reason_reads_the_period_by_index(world, country):  # noqa: F811
    """The page counts live from the returns table: the period is a range of an index, with or
    without the country filter, and a buyer's return finds its order's parcel by index too."""
    order, _parcel = delivered("BR", world["variant"])
    services.request_return(order, order.buyer, {order.lines.get().pk: 1}, "damaged", "Broken")
    now = timezone.now()
    qs = figures.counts(now - dt.timedelta(days=1), now + dt.timedelta(days=1), country)
    sql, params = qs.query.get_compiler(using=qs.db).as_sql()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_bitmapscan = off")
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "returns_request_created" in plan, plan
            scans = [line for line in plan.splitlines() if "Scan" in line]
            assert scans and all("Index" in line for line in scans), plan
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            plan = "\n".join(row[-1] for row in cursor.fetchall())
            assert "USING INDEX returns_request_created" in plan, plan
            scans = [line for line in plan.splitlines() if line.startswith("SCAN")]
            assert not scans, plan
