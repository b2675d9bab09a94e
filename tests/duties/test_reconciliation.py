"""Duties from checkout to the authority: customs' assessment moves an order's duties from
escrow into each tax's liability and books the difference; a return puts them back; a release
adds no second time; remittances pay the liability; the report balances to the cent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from caravana.duties import queries, services
from caravana.duties.models import CountryDutySetting, DutyAssessment, DutyAuthority
from caravana.fulfillment.models import Parcel
from caravana.orders import lifecycle
from caravana.orders.models import OrderStatus
from caravana.orders.shipping import ship_as_parcel
from caravana.payments import ledger, refunds
from caravana.payments.models import AccountKind, LedgerAccount, LedgerEntry

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()
TOMORROW = TODAY + dt.timedelta(days=1)


def balance(kind, tax=""):
    key = f"{kind}:BRL:BR" + (f":{tax}" if tax else "")
    acct = LedgerAccount.objects.filter(key=key).first()
    return acct.balance if acct else Decimal("0.00")


def complete(order, capture):
    lifecycle.mark_shipped(order)
    lifecycle.confirm_delivery(order.number, timezone.now())
    with capture(execute=True):
        lifecycle.confirm_receipt(order, order.buyer)
    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETED


def report():
    return queries.reconciliation("BR", TODAY, TOMORROW)


def test_collected_duties_are_split_by_tax_at_release(paid, django_capture_on_commit_callbacks):
    first, _second = paid
    by_tax = ledger.collected_by_tax(first)
    assert set(by_tax) == {"ii", "icms"} and sum(by_tax.values()) == first.duties + first.taxes
    ship_as_parcel(first, "SZX-HUB")
    complete(first, django_capture_on_commit_callbacks)
    assert balance("duties", "ii") == by_tax["ii"]
    assert balance("duties", "icms") == by_tax["icms"]
    rep = report()
    assert rep.balanced and rep.total.collected == first.duties + first.taxes
    assert ledger.reconcile() == []


def test_shortfall_after_a_hold_is_absorbed_then_released_and_remitted(
    paid, django_capture_on_commit_callbacks
):
    first, second = paid
    parcel = ship_as_parcel(first, "SZX-HUB")
    by_tax = ledger.collected_by_tax(first)
    # Held by customs for valuation, then assessed 7.35 more import tax than was collected.
    assessed = {"ii": by_tax["ii"] + Decimal("7.35"), "icms": by_tax["icms"]}
    a = services.record_assessment(parcel, assessed, "DI 26/0001234-5")
    assert a.difference_total == Decimal("7.35") and a.policy == "absorb"
    assert services.record_assessment(parcel, {k: str(v) for k, v in assessed.items()}, "x") == a
    assert ledger.order_escrow(first) == first.total - first.duties - first.taxes
    assert balance("duties", "ii") == assessed["ii"]
    assert balance("duty_absorbed") == Decimal("7.35")
    assert ledger.reconcile() == []
    complete(first, django_capture_on_commit_callbacks)
    # The release moves only what is left: the duties are not counted twice.
    assert balance("duties", "ii") == assessed["ii"]
    assert balance("duties", "icms") == assessed["icms"]
    assert ledger.order_escrow(first) == 0 and ledger.reconcile() == []
    rep = report()
    assert rep.balanced and rep.stored_balance_checked
    assert rep.total.closing == sum(assessed.values())
    assert rep.total.differences == Decimal("7.35")
    assert (rep.parcels_assessed, rep.assessed, rep.absorbed) == (
        1, sum(assessed.values()), Decimal("7.35"),
    )  # fmt: skip

    rfb = DutyAuthority.objects.get(code="BR-RFB")
    batch = services.remit(rfb, "BRL", TODAY, TOMORROW, "DARF 0001")
    assert batch.lines == {"ii": str(assessed["ii"])} and batch.total == assessed["ii"]
    assert services.remit(rfb, "BRL", TODAY, TOMORROW, "DARF 0001") == batch  # a retry
    assert balance("duties", "ii") == 0 and balance("duties", "icms") == assessed["icms"]
    sefaz = DutyAuthority.objects.get(code="BR-SEFAZ")
    services.remit(sefaz, "BRL", TODAY, TOMORROW, "GNRE 77")
    rep = report()
    assert rep.balanced and rep.total.closing == 0
    assert rep.total.remitted == -sum(assessed.values())
    assert len(rep.remittances) == 2 and ledger.reconcile() == []
    with pytest.raises(ValidationError) as err:
        services.remit(rfb, "BRL", TODAY, TODAY, "DARF 0002")
    assert "period_end" in err.value.message_dict
    # The other order, never assessed, leaves nothing behind in the books.
    assert LedgerEntry.objects.filter(order=second, account__kind=AccountKind.DUTIES).count() == 0


def test_surplus_then_return_before_delivery_gives_the_buyer_everything_back(
    paid, django_capture_on_commit_callbacks
):
    first, _second = paid
    parcel = ship_as_parcel(first, "SZX-HUB")
    by_tax = ledger.collected_by_tax(first)
    services.record_assessment(parcel, {"ii": by_tax["ii"] - Decimal("1.10"),
                                        "icms": by_tax["icms"]}, "DI 2")  # fmt: skip
    assert balance("duty_surplus") == Decimal("1.10")
    # Customs returns the parcel: the duties go back to escrow and the buyer is refunded.
    assert services.record_return(parcel).status == "returned"
    assert services.record_return(parcel).status == "returned"  # a retry changes nothing
    assert balance("duties", "ii") == 0 and balance("duty_surplus") == 0
    assert ledger.order_escrow(first) == first.total
    with django_capture_on_commit_callbacks(execute=True):
        refunds.refund(first, None, reason="returned_by_customs")
    first.refresh_from_db()
    assert first.status == OrderStatus.REFUNDED and first.refunded == first.total
    assert ledger.reconcile() == []
    rep = report()
    assert rep.balanced and rep.total.closing == 0
    assert rep.total.collected == first.duties + first.taxes
    assert rep.total.returned == -(first.duties + first.taxes)
    assert rep.parcels_assessed == 0  # the returned assessment no longer counts


def test_partial_refund_then_shortfall_recovered_from_the_buyer(
    paid, django_capture_on_commit_callbacks
):
    first, _second = paid
    CountryDutySetting.objects.filter(country="BR").update(difference_policy="recover")
    refunds.refund(first, Decimal("10.00"), reason="merchant", key="r1")
    first.refresh_from_db()
    parcel = ship_as_parcel(first, "SZX-HUB")
    by_tax = ledger.collected_by_tax(first)
    a = services.record_assessment(parcel, {"ii": by_tax["ii"], "icms": by_tax["icms"] + 2},
                                   "broker file 2026-12-03.csv")  # fmt: skip
    assert a.policy == "recover" and balance("duty_receivable") == Decimal("2.00")
    # A lost-parcel style "refund the rest" takes only what escrow still holds.
    complete(first, django_capture_on_commit_callbacks)
    assert ledger.reconcile() == []
    rep = report()
    assert rep.balanced and rep.receivable == Decimal("2.00") and rep.absorbed == 0
    figures = queries.daily_figures(country="BR", start=TODAY, end=TOMORROW)
    assert [(f.day, f.collected, f.assessed) for f in figures] == [
        (TODAY, first.duties + first.taxes, a.assessed_total)
    ]
    gru = queries.daily_figures(gateway="GRU", start=TODAY, end=TOMORROW)
    assert gru[0].collected == first.duties + first.taxes and gru[0].assessed == a.assessed_total
    assert queries.daily_figures(gateway="MEX", start=TODAY, end=TOMORROW)[0].collected == 0


def test_bad_assessments_are_refused_by_field_and_change_nothing(paid):
    first, second = paid
    parcel = ship_as_parcel(first, "SZX-HUB")
    before = (LedgerEntry.objects.count(), DutyAssessment.objects.count())
    for amounts, source, field in [
        ({"vat": "1.00"}, "DI", "amounts.vat"),
        ({"ii": "-1"}, "DI", "amounts.ii"),
        ({"ii": "NaN"}, "DI", "amounts.ii"),
        ({"ii": "1e30"}, "DI", "amounts.ii"),
        ({"ii": "1.00"}, "  ", "source"),
    ]:
        with pytest.raises(ValidationError) as err:
            services.record_assessment(parcel, amounts, source)
        assert field in err.value.message_dict, (amounts, err.value.message_dict)
    assert (LedgerEntry.objects.count(), DutyAssessment.objects.count()) == before
    services.record_assessment(parcel, {"ii": "1.00"}, "DI")
    with pytest.raises(ValidationError) as err:
        services.record_assessment(parcel, {"ii": "2.00"}, "DI")
    assert "already assessed" in err.value.message_dict["parcel"][0]
    other = ship_as_parcel(second, "SZX-HUB")
    Parcel.objects.filter(pk=other.pk).update(order_ref="")  # a parcel sold outside Caravana
    with pytest.raises(ValidationError) as err:
        services.record_assessment(other, {"ii": "1.00"}, "DI")
    assert "no paid order" in err.value.message_dict["parcel"][0]


def test_a_settled_order_cannot_be_assessed_or_returned(paid, django_capture_on_commit_callbacks):
    first, _second = paid
    parcel = ship_as_parcel(first, "SZX-HUB")
    complete(first, django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError) as err:
        services.record_assessment(parcel, {"ii": "1.00"}, "DI")
    assert "already settled" in err.value.message_dict["parcel"][0]
    assert services.record_return(parcel) is None  # never assessed: nothing to reverse
