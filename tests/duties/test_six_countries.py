"""The duty books of each of the six countries, from real checkouts in the country's currency:
one parcel assessed one minor unit (a cent, a peso) more than was collected (absorbed, or
recovered where the country says so) and delivered, one assessed and then returned by customs
and refunded in full; every authority of the country paid for the period; the report balances
to the minor unit and ends at zero, and the ledger reconciles."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from caravana.duties import queries, services
from caravana.duties.models import CountryDutySetting, DutyAuthority
from caravana.duties.seed import ensure_reference
from caravana.money import minor_unit
from caravana.network.seed import seed_network
from caravana.orders import lifecycle
from caravana.orders.models import OrderStatus
from caravana.orders.shipping import ship_as_parcel
from caravana.payments import ledger, refunds, simulate
from caravana.payments.models import AccountKind, LedgerAccount
from tests import factories as f
from tests.orders.support import CHECKOUT, buyer, market, place  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()
TOMORROW = TODAY + dt.timedelta(days=1)
CURRENCY = {"BR": "BRL", "MX": "MXN", "CL": "CLP", "CO": "COP", "PE": "PEN", "AR": "ARS"}


def _paid(country: str, variant) -> object:
    group, payment, _r = place(buyer(), CHECKOUT[country], [(variant.pk, 1)], country=country)
    assert simulate.sandbox_simulate(payment)[0] == 200
    order = group.orders.get()
    order.refresh_from_db()
    assert order.currency == CURRENCY[country] and order.paid_at
    return order


def _liability(country: str) -> Decimal:
    return sum(
        (a.balance for a in LedgerAccount.objects.filter(kind=AccountKind.DUTIES, country=country)),
        Decimal(0),
    )


@pytest.mark.parametrize("policy", ["absorb", "recover"])
@pytest.mark.parametrize("country", list(CURRENCY))
def test_the_books_balance_to_the_cent_after_an_assessment_a_return_and_a_remittance(
    market,  # noqa: F811
    django_capture_on_commit_callbacks,
    country,
    policy,
):
    seed_network(timezone.now().date())
    ensure_reference()
    CountryDutySetting.objects.filter(country=country).update(difference_policy=policy)
    # About USD 280: above the small-parcel exemptions of Colombia and Peru (USD 200).
    tablet = f.product(price="2000.00", stock=10, title_en="Tablet").variants.get()
    delivered, returned = _paid(country, tablet), _paid(country, tablet)
    collected = delivered.duties + delivered.taxes + returned.duties + returned.taxes
    assert collected > 0

    # The delivered parcel: assessed one minor unit above what was collected on one tax.
    by_tax = ledger.collected_by_tax(delivered)
    tax = sorted(by_tax)[0]
    unit = Decimal(1).scaleb(-minor_unit(CURRENCY[country]))  # CLP and COP have no cents
    assessed = {**by_tax, tax: by_tax[tax] + unit}
    first = services.record_assessment(ship_as_parcel(delivered, "SZX-HUB"), assessed, "A-1")
    assert first.difference_total == unit and first.policy == policy
    lifecycle.mark_shipped(delivered)
    lifecycle.confirm_delivery(delivered.number, timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.confirm_receipt(delivered, delivered.buyer)

    # The returned parcel: assessed as collected, then sent back by customs and refunded.
    parcel = ship_as_parcel(returned, "SZX-HUB")
    services.record_assessment(parcel, ledger.collected_by_tax(returned), "A-2")
    assert services.record_return(parcel).status == "returned"
    with django_capture_on_commit_callbacks(execute=True):
        refunds.refund(returned, None, reason="returned_by_customs")
    returned.refresh_from_db()
    assert returned.status == OrderStatus.REFUNDED and returned.refunded == returned.total

    owed = sum(assessed.values())
    report = queries.reconciliation(country, TODAY, TOMORROW)
    assert report.balanced and report.stored_balance_checked
    assert report.currency == CURRENCY[country]
    assert report.total.collected == collected
    assert report.total.returned == -(returned.duties + returned.taxes)
    assert report.total.differences == unit
    assert report.total.closing == owed == _liability(country)
    assert (report.absorbed, report.receivable) == ((unit, 0) if policy == "absorb" else (0, unit))
    assert ledger.reconcile() == []

    authorities = DutyAuthority.objects.filter(country=country).order_by("code")
    batches = [
        services.remit(a, CURRENCY[country], TODAY, TOMORROW, f"receipt {a.code}")
        for a in authorities
    ]
    assert sum(b.total for b in batches) == owed  # every tax paid to one authority
    report = queries.reconciliation(country, TODAY, TOMORROW)
    assert report.balanced and report.total.closing == 0 == _liability(country)
    assert report.total.remitted == -owed and len(report.remittances) == len(batches)
    assert ledger.reconcile() == []
