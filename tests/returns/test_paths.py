"""Each return path end to end, on the real ledger: the buyer's (before and after the escrow
is released), a parcel refused or undeliverable, a parcel returned by customs; each refund as
the rules say, every transaction balanced, the books reconciled, repeats changing nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from caravana.duties.models import DutyAssessment
from caravana.orders import lifecycle
from caravana.orders.models import OrderStatus
from caravana.payments import escrow, ledger
from caravana.payments.models import AccountKind, LedgerAccount, LedgerTransaction, Refund
from caravana.returns import services
from caravana.returns.models import HeldItem, MerchantReturnPolicy, ReturnRequest, ReturnState
from caravana.tracking import upu
from caravana.tracking.batch import EventIn
from caravana.tracking.recording import record_event
from tests.returns.conftest import books_balance, delivered, world  # noqa: F401

pytestmark = pytest.mark.django_db


def _all_lines(order, qty=None):
    return {line.pk: qty or line.quantity for line in order.lines.all()}


def _absorbed(country: str) -> Decimal:
    return sum(
        (a.balance for a in LedgerAccount.objects.filter(kind=AccountKind.DUTY_ABSORBED,
                                                         country=country)),
        Decimal(0),
    )  # fmt: skip


def test_brazilian_change_of_mind_before_release_gives_back_everything_paid(world):  # noqa: F811
    order, parcel = delivered("BR", world["variant"])
    ret = services.request_return(order, order.buyer, _all_lines(order), "changed_mind")
    assert ret.state == ReturnState.REQUESTED
    approved = services.decide(ret, world["merchant_staff"], True)
    assert approved.state == ReturnState.APPROVED and len(approved.drop_off_code) == 8
    assert approved.point.country == "BR"
    # A second approval changes nothing, and a change of heart afterwards is refused.
    again = services.decide(ret, world["merchant_staff"], True)
    assert again.drop_off_code == approved.drop_off_code
    with pytest.raises(ValidationError) as err:
        services.decide(ret, world["merchant_staff"], False)
    assert "return" in err.value.message_dict

    got = services.receive(world["staff"]["BR"], approved.drop_off_code.lower(), "as_new")
    order.refresh_from_db()
    # CDC art. 49: everything paid comes back. Brazil does not give the duties back after
    # clearance, so the platform bears them (duty_absorbed), and the country keeps its due.
    assert got.state == ReturnState.REFUNDED and got.refund_total == order.total
    assert not got.duties_reclaimed and _absorbed("BR") == order.duties + order.taxes
    assert order.status == OrderStatus.REFUNDED and order.refunded == order.total
    held = HeldItem.objects.get(request=got)
    assert (held.quantity, held.condition, held.point.country) == (2, "as_new", "BR")
    books_balance()

    # A second scan: the same return, no second refund, no second held item.
    entries = LedgerTransaction.objects.count()
    services.receive(world["staff"]["BR"], approved.drop_off_code, "damaged")
    assert LedgerTransaction.objects.count() == entries
    assert Refund.objects.filter(order=order).count() == 1
    assert HeldItem.objects.filter(request=got).count() == 1

    # The goods came back once: asking to return them again is refused, and nothing is kept.
    with pytest.raises(ValidationError):
        services.request_return(order, order.buyer, _all_lines(order), "changed_mind")
    assert ReturnRequest.objects.filter(order=order).count() == 1


def test_a_parcel_coming_back_while_its_buyer_return_is_open_joins_that_return(world):  # noqa: F811
    order, parcel = delivered("BR", world["variant"])
    ret = services.request_return(order, order.buyer, _all_lines(order), "changed_mind")
    assert services.expect_parcel(parcel, "refused").pk == ret.pk
    assert ReturnRequest.objects.filter(order=order).count() == 1


def _sent_back(parcel) -> None:
    """The carrier sends the parcel back (tracking's return-to-sender state)."""
    record_event(
        EventIn(
            parcel_id=parcel.pk, identifier=parcel.s10, source="carrier",
            event_id=f"{parcel.pk}-back", code="", status=upu.RETURN_TO_SENDER,
            occurred_at=timezone.now(), location_code="GRU", location_name="São Paulo",
            tz="America/Sao_Paulo", details={"reason": "Recusado"},
        )
    )  # fmt: skip


def test_chilean_change_of_mind_reclaims_the_duties_and_keeps_shipping(world):  # noqa: F811
    order, parcel = delivered("CL", world["variant"])
    ret = services.request_return(order, order.buyer, _all_lines(order), "changed_mind")
    ret = services.decide(ret, world["merchant_staff"], True)
    got = services.receive(world["staff"]["CL"], ret.reference, "opened")
    # Chile gives IVA back on a return (CountryReturnRule, unverified): reversed assessment.
    assert got.duties_reclaimed
    assert DutyAssessment.objects.get(parcel=parcel).status == "returned"
    assert got.refund_total == order.goods + order.duties + order.taxes
    assert got.refund_shipping == 0 and _absorbed("CL") == 0
    order.refresh_from_db()
    assert order.refunded == got.refund_total and order.status == OrderStatus.DELIVERED
    books_balance()
    # The shipping stays with the platform once the order completes.
    lifecycle.auto_complete(timezone.now() + dt.timedelta(days=30))
    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETED
    escrow.release(order)
    assert ledger.order_escrow(order) == 0
    books_balance()


def test_a_damaged_item_after_release_is_charged_back_to_the_merchant(world):  # noqa: F811
    order, _parcel = delivered("BR", world["variant"])
    lifecycle.confirm_receipt(order, order.buyer)
    escrow.release(order)
    payable = ledger.merchant_payable(order.merchant)["BRL"]
    one = {order.lines.get().pk: 1}
    ret = services.request_return(order, order.buyer, one, "damaged", "The screen is cracked")
    # Buyer protection covers it: an operator may approve instead of the merchant.
    ret = services.decide(ret, world["operator"], True, "photos show the crack")
    assert ret.decided_as == "operator"
    got = services.receive(world["staff"]["BR"], ret.drop_off_code, "damaged")
    assert got.state == ReturnState.REFUNDED, got.refund_error
    half = order.goods / 2
    cent = Decimal("0.01")
    shares = [(x / 2).quantize(cent, rounding="ROUND_HALF_UP")
              for x in (order.shipping, order.duties + order.taxes)]  # fmt: skip
    assert got.refund_goods == half and got.refund_total == half + sum(shares)
    # The merchant ends where a release after the return would have left it: the goods it
    # keeps less their commission (decision 0026: the release's split without and with it).
    kept = order.goods - half
    commission = (kept * ledger.commission_rate()).quantize(Decimal("0.01"))
    assert payable > ledger.merchant_payable(order.merchant)["BRL"] == kept - commission
    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETED and order.refunded == got.refund_total
    books_balance()


def test_a_merchant_already_paid_out_keeps_the_return_received_with_the_reason(world):  # noqa: F811
    order, _parcel = delivered("BR", world["variant"])
    lifecycle.confirm_receipt(order, order.buyer)
    escrow.release(order)
    payable = ledger.account(AccountKind.MERCHANT_PAYABLE, "BRL", merchant=order.merchant)
    ledger.post(
        "payout:test",
        "payout",
        [
            ledger.debit(payable, payable.balance),
            ledger.credit(ledger.account(AccountKind.CLEARING, "BRL"), payable.balance),
        ],
    )
    ret = services.request_return(order, order.buyer, _all_lines(order), "not_as_described",
                                  "Blue, not black")  # fmt: skip
    ret = services.decide(ret, world["merchant_staff"], True)
    got = services.receive(world["staff"]["BR"], ret.drop_off_code, "as_new")
    assert got.state == ReturnState.RECEIVED and "negative" in got.refund_error
    assert not Refund.objects.filter(order=order).exists()
    with pytest.raises(ValidationError):
        services.retry_refund(got, world["merchant_staff"])
    # The merchant earns again (another order released): the operator retries, and it is paid.
    ledger.post("payable:test", "release", [
        ledger.debit(ledger.account(AccountKind.CLEARING, "BRL"), order.total),
        ledger.credit(payable, order.total)])  # fmt: skip
    got = services.retry_refund(got, world["operator"])
    assert got.state == ReturnState.REFUNDED and not got.refund_error
    assert Refund.objects.filter(order=order).count() == 1


def test_a_return_waiting_keeps_the_order_from_completing(world):  # noqa: F811
    order, _parcel = delivered("BR", world["variant"], days_ago=3)
    services.request_return(order, order.buyer, _all_lines(order), "changed_mind")
    assert lifecycle.auto_complete(timezone.now() + dt.timedelta(days=30)) == 0
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED


def test_refused_parcel_scanned_unannounced_refunds_the_goods_only(world):  # noqa: F811
    order, parcel = delivered("BR", world["variant"], days_ago=0)
    with pytest.raises(ValidationError) as err:
        services.receive(world["staff"]["BR"], parcel.s10, "as_new")
    assert "reason" in err.value.message_dict
    # Tracking shows it delivered, not coming back: a desk cannot take it in (and refund it).
    with pytest.raises(ValidationError) as err:
        services.receive(world["staff"]["BR"], parcel.s10, "as_new", reason="refused")
    assert "code" in err.value.message_dict
    assert not ReturnRequest.objects.filter(order=order).exists()
    # customs' returns are clearance's to announce, never a desk's
    with pytest.raises(ValidationError) as err:
        services.receive(world["staff"]["BR"], parcel.s10, "as_new", reason="customs_returned")
    assert "reason" in err.value.message_dict
    _sent_back(parcel)
    got = services.receive(world["staff"]["BR"], parcel.s10, "as_new", reason="refused")
    assert got.state == ReturnState.REFUNDED and not got.by_buyer
    assert got.refund_total == order.goods  # shipping kept, Brazil keeps the duties
    books_balance()
    assert services.receive(world["staff"]["BR"], parcel.s10, "as_new").pk == got.pk


def test_customs_returned_parcel_reverses_the_assessment_and_refunds_in_full(world):  # noqa: F811
    from caravana.returns import rules

    order, parcel = delivered("BR", world["variant"])
    Order = type(order)
    # Not delivered after all: customs sent it back (clearance calls this, tested there too).
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.SHIPPED, delivered_at=None)
    ret = services.expect_parcel(parcel, rules.CUSTOMS_RETURNED)
    assert ret.state == ReturnState.APPROVED and ret.point.country == "BR"
    assert DutyAssessment.objects.get(parcel=parcel).status == "returned"
    assert services.expect_parcel(parcel, rules.CUSTOMS_RETURNED).pk == ret.pk
    got = services.receive(world["staff"]["BR"], parcel.s10, "as_new")
    order.refresh_from_db()
    assert got.refund_total == order.total and got.duties_reclaimed
    assert order.status == OrderStatus.REFUNDED and _absorbed("BR") == 0
    books_balance()


def test_window_edges_and_a_merchants_longer_promise(world):  # noqa: F811
    order, _parcel = delivered("BR", world["variant"], days_ago=8)
    with pytest.raises(ValidationError) as err:
        services.request_return(order, order.buyer, _all_lines(order), "changed_mind")
    assert "order" in err.value.message_dict
    today = timezone.localdate()
    window = services.windows.window_for(order)
    assert window.ends_on == window.delivered_on + dt.timedelta(days=7)
    # The last day is in; the next is out.
    last = window.ends_on
    assert (
        services.request_return(
            order, order.buyer, _all_lines(order), "changed_mind", today=last
        ).state
        == ReturnState.REQUESTED
    )
    ReturnRequest.objects.all().delete()
    with pytest.raises(ValidationError):
        services.request_return(order, order.buyer, _all_lines(order), "changed_mind",
                                today=last + dt.timedelta(days=1))  # fmt: skip
    MerchantReturnPolicy.objects.create(merchant=order.merchant, window_days=30)
    assert services.returnable(order)
    assert services.request_return(order, order.buyer, _all_lines(order), "changed_mind",
                                   today=today).state == ReturnState.REQUESTED  # fmt: skip


def test_roles_decide_who_may_ask_decide_and_scan(world):  # noqa: F811
    from tests import factories as f

    order, _parcel = delivered("BR", world["variant"])
    stranger = f.user("buyer", username="stranger")
    with pytest.raises(ValidationError):
        services.request_return(order, stranger, _all_lines(order), "changed_mind")
    ret = services.request_return(order, order.buyer, _all_lines(order), "changed_mind")
    with pytest.raises(ValidationError):  # a second open return of the same order
        services.request_return(order, order.buyer, _all_lines(order), "damaged", "broken")
    other_merchant = f.user("merchant", username="other-merchant")
    f.merchant(staff=other_merchant)
    for outsider in (other_merchant, order.buyer, world["operator"]):  # changed mind: merchant
        with pytest.raises(ValidationError):
            services.decide(ret, outsider, True)
    ret = services.decide(ret, world["merchant_staff"], True)
    for wrong in (world["staff"]["CL"], order.buyer, world["operator"]):
        with pytest.raises(ValidationError):
            services.receive(wrong, ret.drop_off_code, "as_new")
    ret.refresh_from_db()
    assert ret.state == ReturnState.APPROVED


@pytest.mark.parametrize(
    ("field", "lines", "reason", "message"),
    [
        ("reason", None, "bored", ""),
        ("lines", {}, "changed_mind", ""),
        ("quantity_X", {"X": 1}, "changed_mind", ""),
        ("message", None, "damaged", "  "),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(world, field, lines, reason, message):  # noqa: F811
    order, _parcel = delivered("BR", world["variant"])
    with pytest.raises(ValidationError) as err:
        services.request_return(order, order.buyer, _all_lines(order) if lines is None
                                else lines, reason, message)  # fmt: skip
    assert field in err.value.message_dict
    assert not ReturnRequest.objects.exists()


def test_too_many_units_names_the_line(world):  # noqa: F811
    order, _parcel = delivered("BR", world["variant"])
    line = order.lines.get()
    with pytest.raises(ValidationError) as err:
        services.request_return(order, order.buyer, {line.pk: 3}, "changed_mind")
    assert f"quantity_{line.pk}" in err.value.message_dict
