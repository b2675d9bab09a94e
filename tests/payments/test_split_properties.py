"""payments.split for every order shape and refund sequence (hypothesis): the release balances,
escrow ends at zero after a full refund, the merchant never pays for a platform coupon, nobody
pays more than they funded, each funder's cost shrinks as refunds grow, and refunds given back
after release (the difference of two splits) add up to what the release would have posted."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from caravana.payments.split import ZERO, Charges, Parts, allocate, fit, split

CENT, UNIT = Decimal("0.01"), Decimal(1)


@st.composite
def orders(draw):
    exp = draw(st.sampled_from([CENT, UNIT]))  # BRL-like and CLP-like
    places = 2 if exp == CENT else 0

    def money(hi: int) -> Decimal:
        return draw(st.decimals(min_value=0, max_value=hi, places=places))

    goods = money(5000)
    platform = min(money(5000), goods) if draw(st.booleans()) else ZERO
    shipping = money(800)
    merchant = draw(st.sampled_from([ZERO, shipping, min(money(800), shipping)]))
    charges = Charges(goods, shipping, money(1500), platform, merchant)
    rate = draw(st.sampled_from([ZERO, Decimal("0.08"), Decimal("0.15"), Decimal(1)]))
    return charges, rate, exp


@st.composite
def refunds(draw, charges: Charges, exp: Decimal):
    """A sequence of refunds: each with parts (a return) or as a sum (a dispute), never more
    than what is left of what the buyer paid."""
    places = 2 if exp == CENT else 0
    out: list[tuple[Decimal, Parts | None]] = []
    known, amount = Parts(), ZERO
    for _ in range(draw(st.integers(0, 4))):
        now = allocate(charges, known, amount)
        room = (
            charges.paid_goods - now.goods,
            charges.paid_shipping - now.shipping,
            charges.duties - now.duties,
        )
        if draw(st.booleans()):
            parts = Parts(
                *(draw(st.decimals(min_value=0, max_value=r, places=places)) for r in room)
            )
            out.append((parts.total, parts))
            known, amount = known + parts, amount + parts.total
        else:
            value = draw(st.decimals(min_value=0, max_value=sum(room), places=places))
            out.append((value, None))
            amount += value
    if draw(st.booleans()):  # and sometimes everything that is left
        out.append((charges.total - amount, None))
    return out


def _replay(charges: Charges, seq) -> tuple[Parts, list[tuple[Decimal, Parts]]]:
    """The known parts and the running refunded total after each refund."""
    known = Parts()
    amount = ZERO
    steps = []
    for value, parts in seq:
        amount += value
        if parts is not None:
            known = known + parts
        steps.append((amount, allocate(charges, known, amount)))
    return known, steps


def _check(charges: Charges, refunded: Parts, rate: Decimal, exp: Decimal):
    out = split(charges, refunded, rate, exp)
    held = charges.total - refunded.total
    # The release balances: Dr escrow held + Dr coupons = Cr merchant, commission, shipping, duties.
    assert held + out.platform == out.merchant + out.commission + out.shipping + out.duties
    for value in (out.merchant, out.commission, out.shipping, out.duties, out.platform):
        assert value >= ZERO and value == value.quantize(exp)
    # Nobody pays more than they funded.
    assert ZERO <= out.coupon <= charges.platform
    assert ZERO <= out.free_shipping <= charges.merchant
    assert ZERO <= out.merchant_funding <= out.free_shipping
    # The merchant is credited the goods it keeps at their full price: the platform's coupon on
    # them is never taken off its share, only its own free shipping is.
    assert out.merchant + out.commission == out.goods_kept - out.merchant_funding
    returned_at_full_price = charges.goods - out.goods_kept
    assert returned_at_full_price == refunded.goods + (charges.platform - out.coupon)
    # Each discount shrinks with the share of the goods given back (to a rounding unit).
    if charges.paid_goods > ZERO:
        share = refunded.goods / charges.paid_goods
        assert abs(out.coupon - charges.platform * (1 - share)) <= exp
        assert abs(out.free_shipping - charges.merchant * (1 - share)) <= exp
    # A full refund leaves nothing to share and nobody pays anything.
    if held == ZERO < charges.total:
        assert out == split(charges, allocate(charges, Parts(), charges.total), rate, exp)
        assert out.platform == out.merchant == out.shipping == out.duties == ZERO
    return out


@settings(max_examples=400, deadline=None)
@given(data=st.data())
def test_release_balances_and_nobody_pays_more_than_they_funded(data):
    charges, rate, exp = data.draw(orders())
    seq = data.draw(refunds(charges, exp))
    _known, steps = _replay(charges, seq)
    before = _check(charges, Parts(), rate, exp)
    for amount, refunded in steps:
        assert refunded.total == amount  # what left escrow is all accounted for
        after = _check(charges, refunded, rate, exp)
        # More refunded never makes a funder pay more.
        assert after.coupon <= before.coupon and after.free_shipping <= before.free_shipping
        # Refunded after release instead: the difference of the two splits is the charge back;
        # it balances against the buyer's refund, and takes back no more than was released.
        back = {
            k: getattr(before, k) - getattr(after, k)
            for k in ("merchant", "commission", "shipping", "duties", "platform")
        }
        assert (
            back["merchant"] + back["commission"] + back["shipping"] + back["duties"]
            - back["platform"]
            == before.held - after.held
        )  # fmt: skip
        assert back["platform"] >= ZERO and back["shipping"] >= ZERO and back["duties"] >= ZERO
        before = after


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_refunds_before_or_after_release_end_in_the_same_place(data):
    """Released with nothing refunded and then charged back refund by refund, or released after
    the same refunds: each account ends with the same amount."""
    charges, rate, exp = data.draw(orders())
    seq = data.draw(refunds(charges, exp))
    _known, steps = _replay(charges, seq)
    if not steps:
        return
    released = split(charges, Parts(), rate, exp)
    running = {k: getattr(released, k) for k in ("merchant", "commission", "shipping", "platform")}
    prev = released
    for _amount, refunded in steps:
        now = split(charges, refunded, rate, exp)
        for k in running:
            running[k] -= getattr(prev, k) - getattr(now, k)
        prev = now
    late = split(charges, steps[-1][1], rate, exp)
    assert running == {k: getattr(late, k) for k in running}


@given(
    parts=st.tuples(*[st.decimals(min_value=0, max_value=100, places=2)] * 3),
    amount=st.decimals(min_value=0, max_value=400, places=2),
)
def test_fit_sums_to_the_amount_goods_first(parts, amount):
    fitted = fit(Parts(*parts), amount)
    assert fitted.total == amount
    assert fitted.shipping <= parts[1] and fitted.duties <= parts[2]
    if amount <= parts[0]:
        assert fitted == Parts(amount, ZERO, ZERO)
