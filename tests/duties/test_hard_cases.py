"""Hard cases of the duty books: two countries and currencies at once, an assessment of zero,
a refund after an assessment, remittances that overlap or reach into the future, and every
role that must not see the page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from caravana.accounts.models import Role
from caravana.duties import queries, services
from caravana.duties.models import CountryDutySetting, DutyAuthority, RemittanceBatch
from caravana.orders.shipping import ship_as_parcel
from caravana.payments import ledger, refunds, simulate
from caravana.payments.models import LedgerAccount, LedgerEntry
from tests import factories as f
from tests.orders.support import MX, buyer, place

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()
TOMORROW = TODAY + dt.timedelta(days=1)


def books() -> tuple[int, int, int]:
    return (LedgerEntry.objects.count(), LedgerAccount.objects.count(),
            RemittanceBatch.objects.count())  # fmt: skip


@pytest.fixture
def mexican(paid, market):
    a, _b = market
    group, payment, _r = place(buyer(), data=MX, lines=[(a.pk, 1)])
    simulate.sandbox_simulate(payment)
    order = group.orders.get()
    order.refresh_from_db()
    assert order.currency == "MXN" and order.paid_at
    return order


def test_two_countries_a_zero_assessment_and_a_recovered_shortfall_balance_apart(paid, mexican):
    first, second = paid
    CountryDutySetting.objects.filter(country="BR").update(difference_policy="recover")
    by_tax = ledger.collected_by_tax(first)
    services.record_assessment(ship_as_parcel(first, "SZX-HUB"),
                               {"ii": by_tax["ii"] + Decimal("0.01"), "icms": by_tax["icms"]},
                               "DI 1")  # fmt: skip
    # Customs let the second parcel in free of duty: everything collected is a surplus.
    zero = services.record_assessment(ship_as_parcel(second, "SZX-HUB"), {}, "DI 2")
    assert zero.assessed_total == 0 and zero.difference_total == -(second.duties + second.taxes)
    mx = services.record_assessment(ship_as_parcel(mexican, "SZX-HUB"), {"global": "0"}, "P 3")
    assert mx.currency == "MXN"
    br, mxr = (queries.reconciliation(c, TODAY, TOMORROW) for c in ("BR", "MX"))
    assert br.balanced and mxr.balanced and (br.currency, mxr.currency) == ("BRL", "MXN")
    assert br.receivable == Decimal("0.01") and br.surplus == second.duties + second.taxes
    assert br.total.closing == first.duties + first.taxes + Decimal("0.01")
    assert mxr.total.closing == 0 and mxr.surplus == mexican.duties + mexican.taxes
    assert ledger.reconcile() == []
    sat = DutyAuthority.objects.get(code="MX-SAT")
    assert services.remit(sat, "MXN", TODAY, TOMORROW, "pedimento 1").total == 0


def test_refund_of_the_rest_after_an_assessment_leaves_the_duties_owed(paid):
    first, _second = paid
    parcel = ship_as_parcel(first, "SZX-HUB")
    refunds.refund(first, Decimal("5.00"), reason="merchant", key="r1")
    first.refresh_from_db()
    by_tax = ledger.collected_by_tax(first)
    services.record_assessment(parcel, {k: str(v) for k, v in by_tax.items()}, "DI 1")
    refunds.refund(first, None, reason="merchant", key="r2")
    first.refresh_from_db()
    assert ledger.order_escrow(first) == 0 and ledger.reconcile() == []
    assert queries.reconciliation("BR", TODAY, TOMORROW).total.closing == sum(by_tax.values())


def test_remittances_that_overlap_or_reach_into_the_future_are_refused(paid):
    rfb = DutyAuthority.objects.get(code="BR-RFB")
    month = TODAY.replace(day=1)
    services.remit(rfb, "BRL", month - dt.timedelta(days=31), month, "DARF 1")
    before = books()
    for start, end, cur, field in [
        (month - dt.timedelta(days=5), TOMORROW, "BRL", "period_start"),  # pays days twice
        (TOMORROW, TOMORROW + dt.timedelta(days=30), "BRL", "period_start"),  # not begun
        (month, dt.date(9999, 12, 31), "BRL", "period_end"),  # would close the books forever
        (month, TOMORROW, "XYZ", "currency"),
        (month, TOMORROW, "MXN", "currency"),  # not Brazil's
    ]:
        with pytest.raises(ValidationError) as err:
            services.remit(rfb, cur, start, end, "DARF 2")
        assert field in err.value.message_dict, (start, end, cur, err.value.message_dict)
        assert books() == before
    batch = services.remit(rfb, "BRL", month, TOMORROW, "DARF 2")
    assert services.remit(rfb, "BRL", month, TOMORROW, " DARF 2 ") == batch  # a retry
    before = books()
    for start, receipt in [
        (month, "DARF 3"),
        (month - dt.timedelta(days=1), "DARF 2"),
    ]:  # the same period paid again
        with pytest.raises(ValidationError) as err:
            services.remit(rfb, "BRL", start, TOMORROW, receipt)
        assert "already paid" in err.value.message_dict["period_end"][0]
    assert books() == before


def test_the_remittance_form_names_the_field_and_changes_nothing(client, paid):
    client.force_login(f.user(Role.OPERATOR))
    rfb = DutyAuthority.objects.get(code="BR-RFB")
    good = {"authority": rfb.pk, "period_start": TODAY.isoformat(),
            "period_end": TOMORROW.isoformat(), "paid_reference": "DARF 1"}  # fmt: skip
    before = books()
    for bad, word in [
        ({"authority": 99999}, "Authority"),
        ({"authority": "BR-RFB"}, "Authority"),
        ({"period_start": "-1"}, "From"),
        (
            {
                "period_start": (TOMORROW + dt.timedelta(days=3)).isoformat(),
                "period_end": (TOMORROW + dt.timedelta(days=9)).isoformat(),
            },
            "From",
        ),  # fmt: skip
        ({"period_end": "9999-12-31"}, "To (exclusive)"),
        ({"paid_reference": "x" * 200}, "Authority's receipt"),
        ({"paid_reference": "  "}, "Authority's receipt"),
    ]:
        page = client.post(reverse("duties:remit"), {**good, **bad}, follow=True)
        said = [str(m) for m in page.context["messages"]]
        assert page.status_code == 200 and any(m.startswith(word) for m in said), (bad, said)
        assert books() == before, bad


def test_the_report_reads_in_the_same_queries_for_one_tax_or_many_days(paid):
    first, second = paid
    services.record_assessment(ship_as_parcel(first, "SZX-HUB"), {"ii": "1.00"}, "DI 1")
    with CaptureQueriesContext(connection) as one:
        queries.reconciliation("BR", TODAY, TOMORROW)
        queries.daily_figures(country="BR", start=TODAY, end=TOMORROW)
    services.record_assessment(ship_as_parcel(second, "SZX-HUB"), {"ii": "2.00", "icms": "1"},
                               "DI 2")  # fmt: skip
    year = TODAY - dt.timedelta(days=300)
    with CaptureQueriesContext(connection) as many:
        queries.reconciliation("BR", year, TOMORROW)
        queries.daily_figures(country="BR", start=year, end=TOMORROW)
    assert len(many) == len(one) <= 20, [q["sql"] for q in many]


@pytest.mark.parametrize("role", [Role.MERCHANT, Role.BUYER, Role.HUB, Role.PLANNER])
def test_nobody_but_operators_sees_or_remits(client, paid, role):
    client.force_login(f.user(role))
    rfb = DutyAuthority.objects.get(code="BR-RFB")
    data = {"authority": rfb.pk, "period_start": TODAY.isoformat(),
            "period_end": TOMORROW.isoformat(), "paid_reference": "DARF"}  # fmt: skip
    for name in ("duties:report", "duties:report_csv"):
        assert client.get(reverse(name)).status_code == 403
    assert client.post(reverse("duties:remit"), data).status_code == 403
    client.logout()
    for name in ("duties:report", "duties:report_csv"):
        assert client.get(reverse(name)).status_code == 302
    assert client.post(reverse("duties:remit"), data).status_code == 302
    assert RemittanceBatch.objects.count() == 0


def test_a_parcel_returned_after_the_period_is_not_paid_to_the_authority(paid, monkeypatch):
    first, _second = paid
    parcel = ship_as_parcel(first, "SZX-HUB")
    by_tax = ledger.collected_by_tax(first)
    yesterday = TODAY - dt.timedelta(days=1)
    with monkeypatch.context() as m:  # assessed yesterday: the ledger stamps its own time
        m.setattr(timezone, "now", lambda: services.day_start(yesterday) + dt.timedelta(hours=12))
        services.record_assessment(parcel, {k: str(v) for k, v in by_tax.items()}, "DI 1")
    services.record_return(parcel)  # today, after the period to pay ended
    rfb = DutyAuthority.objects.get(code="BR-RFB")
    batch = services.remit(rfb, "BRL", yesterday, TODAY, "DARF 1")
    assert batch.total == 0 and ledger.reconcile() == []
    rep = queries.reconciliation("BR", yesterday, TOMORROW)
    assert rep.balanced and rep.total.closing == 0
