"""The e-mails of an order's life, sent by Celery tasks after commit through a real SMTP server
on loopback (aiosmtpd) and read as they arrived: one test per moment, the buyer's language,
text and HTML parts, the tracking link, amounts with their currency; one e-mail per moment
however often the event repeats; merchants in Chinese or English."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from caravana.accounts.models import Role
from caravana.catalog.models import MerchantMember
from caravana.network.seed import seed_network
from caravana.orders import disputes, lifecycle, notifications
from caravana.orders.models import Notification, OrderStatus
from caravana.orders.shipping import ship_as_parcel
from caravana.payments import refunds, simulate
from caravana.tracking import batch, recording
from tests import factories as f
from tests.orders.support import BR, MX, buyer, place

pytestmark = pytest.mark.django_db

BUYER = "ana@example.com.br"
SITE = "https://shop.example.com"


@pytest.fixture
def paid(market, smtp_inbox, django_capture_on_commit_callbacks):
    """A Brazilian buyer's order, paid (Pix, sandbox): the capture's transaction owes the
    receipt and the merchant's new-order e-mail; the commit sends them."""
    seed_network(timezone.now().date())
    a, _b = market
    group, payment, _r = place(buyer(), lines=[(a.pk, 2)])
    with django_capture_on_commit_callbacks(execute=True):
        assert simulate.sandbox_simulate(payment)[0] == 200
    return group.orders.get()


@pytest.fixture
def shipped(paid, smtp_inbox, django_capture_on_commit_callbacks):
    parcel = ship_as_parcel(paid, "SZX-HUB")
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.mark_shipped(paid, source="flight CV101")
    paid.refresh_from_db()
    return paid, parcel


def carrier_event(parcel, code, minutes, **extra):
    return batch.EventIn(
        parcel_id=parcel.pk,
        identifier=parcel.s10,
        source=f"carrier:{parcel.carrier.code}",
        event_id=f"{parcel.s10}-{code}-{minutes}",
        code=code,
        occurred_at=timezone.now() + dt.timedelta(seconds=10 * minutes),
        tz="America/Sao_Paulo",
        location_name="CTE Jaguaré, São Paulo",
        carrier_id=parcel.carrier_id,
        **extra,
    )


def record(capture, *events):
    with capture(execute=True):
        for ev in events:
            recording.record_batch([ev])


def only(inbox, moment, to=BUYER):
    found = [m for m in inbox.to(to) if m.message["X-Caravana-Moment"] == moment]
    assert len(found) == 1, [m.subject for m in inbox.to(to)]
    return found[0]


def test_order_paid_sends_a_receipt_in_the_buyers_language(paid, smtp_inbox):
    mail = only(smtp_inbox, notifications.ORDER_PAID)
    assert mail.subject == f"Pagamento recebido: pedido {paid.number}"
    assert mail.language == "pt-br"
    text, html = mail.text, mail.html
    # Lines with the product's title, and every component of the landed price as the order
    # snapshotted it, written the Brazilian way with the currency.
    assert "2 × Earphones" in text and "Earphones" in html
    money = notifications.Formats("pt_BR", "BRL").money
    for amount in (paid.goods, paid.shipping, paid.total):
        assert money(amount) in text and money(amount) in html
    for charge in paid.quote["duties"] + paid.quote["taxes"]:
        assert f"{charge['label']}: {money(charge['amount'])}" in text
    assert f"Total pago (BRL): {money(paid.total)}" in text
    assert "R$" in money(paid.total)
    assert (
        f"{SITE}/orders/{paid.number}/" in text and f'href="{SITE}/orders/{paid.number}/"' in html
    )
    assert html.lstrip().startswith("<!DOCTYPE html>") and 'lang="pt-br"' in html


def test_the_merchant_hears_of_a_new_order_in_chinese(paid, smtp_inbox):
    mail = only(smtp_inbox, notifications.MERCHANT_NEW_ORDER, paid.merchant.contact_email)
    assert mail.language == "zh-hans"
    assert mail.subject == f"新的已付款订单 {paid.number}"
    assert "巴西" in mail.text  # the destination, named in Chinese
    assert f"{SITE}/console/orders/{paid.number}/" in mail.text
    assert "Earphones" in mail.html


def test_a_merchant_who_chose_english_reads_english(
    market, smtp_inbox, django_capture_on_commit_callbacks
):
    a, _b = market
    staff = f.user(Role.MERCHANT, email=a.product.store.merchant.contact_email, language="en")
    MerchantMember.objects.create(user=staff, merchant=a.product.store.merchant)
    group, payment, _r = place(buyer(), lines=[(a.pk, 1)])
    with django_capture_on_commit_callbacks(execute=True):
        simulate.sandbox_simulate(payment)
    order = group.orders.get()
    mail = only(smtp_inbox, notifications.MERCHANT_NEW_ORDER, order.merchant.contact_email)
    assert (mail.language, mail.subject) == ("en", f"New paid order {order.number}")


def test_a_mexican_buyer_reads_spanish_with_pesos(
    market, smtp_inbox, django_capture_on_commit_callbacks
):
    a, _b = market
    group, payment, _r = place(buyer(), data=MX, lines=[(a.pk, 1)])
    with django_capture_on_commit_callbacks(execute=True):
        simulate.sandbox_simulate(payment)
    order = group.orders.get()
    mail = only(smtp_inbox, notifications.ORDER_PAID, "luis@example.mx")
    assert mail.language == "es"
    assert mail.subject == f"Pago recibido: pedido {order.number}"
    money = notifications.Formats("es_MX", "MXN").money
    assert f"Total pagado (MXN): {money(order.total)}" in mail.text


def test_parcel_on_its_way_with_the_tracking_link(shipped, smtp_inbox):
    order, parcel = shipped
    mail = only(smtp_inbox, notifications.ON_ITS_WAY)
    assert mail.subject == f"Seu pedido {order.number} está a caminho"
    link = f"{SITE}/track/{parcel.s10}/"
    assert link in mail.text and f'href="{link}"' in mail.html


def test_held_by_customs_says_what_to_do(shipped, smtp_inbox, django_capture_on_commit_callbacks):
    order, parcel = shipped
    smtp_inbox.clear()
    hold = carrier_event(parcel, "EME", 1, details={"reason": "conferência documental"})
    record(django_capture_on_commit_callbacks, hold)
    mail = only(smtp_inbox, notifications.CUSTOMS_HOLD)
    assert mail.subject == f"Seu pedido {order.number} está retido na alfândega"
    text = mail.text
    assert "O que fazer:" in text and "conferência documental" in text
    assert order.group.buyer_id_number in text  # check the CPF customs knows you by
    assert "nada a pagar" in text  # duties were collected at checkout (DDP)
    assert f"{SITE}/track/{parcel.s10}/" in text
    # The order's e-mail replaces tracking's generic one: the buyer is told once.
    assert len(smtp_inbox.to(BUYER)) == 1


def test_out_for_delivery(shipped, smtp_inbox, django_capture_on_commit_callbacks):
    order, parcel = shipped
    record(django_capture_on_commit_callbacks, carrier_event(parcel, "EDG", 2))
    mail = only(smtp_inbox, notifications.OUT_FOR_DELIVERY)
    assert mail.subject == f"Seu pedido {order.number} saiu para entrega"
    assert "Av. Paulista, 1000" in mail.text and f"{SITE}/track/{parcel.s10}/" in mail.html


def test_delivered(shipped, smtp_inbox, django_capture_on_commit_callbacks):
    order, parcel = shipped
    record(django_capture_on_commit_callbacks, carrier_event(parcel, "EMI", 3))
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    mail = only(smtp_inbox, notifications.DELIVERED)
    assert mail.subject == f"Seu pedido {order.number} foi entregue"
    assert f"{SITE}/orders/{order.number}/" in mail.text
    assert [m.message["X-Caravana-Moment"] for m in smtp_inbox.to(BUYER)] == [
        notifications.ORDER_PAID, notifications.ON_ITS_WAY, notifications.DELIVERED
    ]  # fmt: skip


def test_refund_issued_to_buyer_and_merchant(paid, smtp_inbox, django_capture_on_commit_callbacks):
    operator = f.user(Role.OPERATOR)
    with django_capture_on_commit_callbacks(execute=True):
        refunds.refund(paid, Decimal("10.00"), reason="goodwill", actor=operator)
    mail = only(smtp_inbox, notifications.REFUND_ISSUED)
    money = notifications.Formats("pt_BR", "BRL").money
    assert mail.subject == f"Reembolso de {money(Decimal('10.00'))} do pedido {paid.number}"
    assert money(paid.total) in mail.text and money(Decimal("10.00")) in mail.html
    merchant = only(smtp_inbox, notifications.MERCHANT_REFUND, paid.merchant.contact_email)
    assert merchant.language == "zh-hans" and paid.number in merchant.subject
    # A second refund is a second e-mail; the first is not sent again.
    with django_capture_on_commit_callbacks(execute=True):
        refunds.refund(paid, Decimal("5.00"), reason="goodwill", actor=operator)
    assert len([m for m in smtp_inbox.to(BUYER)
                if m.message["X-Caravana-Moment"] == notifications.REFUND_ISSUED]) == 2  # fmt: skip


def test_dispute_answered(paid, smtp_inbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        dispute = disputes.open_dispute(paid, paid.buyer, "damaged", "A caixa chegou amassada.")
    opened = only(smtp_inbox, notifications.MERCHANT_DISPUTE, paid.merchant.contact_email)
    assert "A caixa chegou amassada." in opened.text and "损坏" in opened.text
    with django_capture_on_commit_callbacks(execute=True):
        disputes.answer_dispute(dispute, paid.merchant, "We will send a new one.")
        disputes.answer_dispute(dispute, paid.merchant, "We will send a new one today.")
    mail = only(smtp_inbox, notifications.DISPUTE_ANSWERED)
    assert mail.subject == f"O vendedor respondeu à sua disputa no pedido {paid.number}"
    # The answer as first given, quoted in both parts; the edit owes no second e-mail.
    assert '"We will send a new one."' in mail.text and "We will send a new one.<" in mail.html


def test_one_email_per_moment_however_often_the_event_repeats(
    shipped, smtp_inbox, django_capture_on_commit_callbacks
):
    order, parcel = shipped
    record(
        django_capture_on_commit_callbacks,
        carrier_event(parcel, "EDG", 2),
        carrier_event(parcel, "EDG", 2),  # resent as it was: tracking drops it
        carrier_event(parcel, "EDB", 3),
        carrier_event(parcel, "EDG", 4),  # out for delivery again, a new event: no new e-mail
    )
    only(smtp_inbox, notifications.OUT_FOR_DELIVERY)
    # A row sent once is never sent again, whoever asks (a repeated task, the sweep).
    row = Notification.objects.get(order=order, moment=notifications.OUT_FOR_DELIVERY)
    assert row.sent_at and row.recipient == BUYER and row.language == "pt-br"
    assert notifications.send(row.pk) == "taken"
    assert notifications.send_pending(older_than=dt.timedelta(0)) == 0
    assert len(smtp_inbox.to(BUYER)) == 3  # paid, on its way, out for delivery


def test_a_mail_server_down_leaves_the_email_owed_until_the_sweep(
    market, smtp_inbox, settings, django_capture_on_commit_callbacks
):
    a, _b = market
    group, payment, _r = place(buyer(), lines=[(a.pk, 1)])
    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = 9  # nothing listens there: connection refused
    with django_capture_on_commit_callbacks(execute=True):
        assert simulate.sandbox_simulate(payment)[0] == 200  # the payment does not care
    assert smtp_inbox.messages == []
    owed = Notification.objects.filter(sent_at__isnull=True)
    assert owed.count() == 2 and all(n.last_error for n in owed)
    settings.EMAIL_PORT = port
    assert notifications.send_pending(older_than=dt.timedelta(0)) == 2
    assert len(smtp_inbox.messages) == 2


def test_a_claimed_email_waits_for_its_lease_then_is_sent_once(
    market, smtp_inbox, django_capture_on_commit_callbacks
):
    """A sender claims a row before building it; another sender finds it taken until the lease
    runs out (its sender died), then claims and sends it, counting the attempt."""
    a, _b = market
    group, payment, _r = place(buyer(), lines=[(a.pk, 1)])
    with django_capture_on_commit_callbacks(execute=False):  # owed, not sent yet
        assert simulate.sandbox_simulate(payment)[0] == 200
    row = Notification.objects.get(order__group=group, moment=notifications.ORDER_PAID)
    assert row.sent_at is None and row.attempts == 0
    recent = timezone.now() - notifications.LEASE / 2
    Notification.objects.filter(pk=row.pk).update(claimed_at=recent, attempts=1)
    assert notifications.send(row.pk) == "taken" and smtp_inbox.messages == []
    Notification.objects.filter(pk=row.pk).update(
        claimed_at=timezone.now() - notifications.LEASE - dt.timedelta(seconds=1)
    )
    assert notifications.send(row.pk) == "sent"
    row.refresh_from_db()
    assert row.sent_at and row.attempts == 2 and row.recipient == BUYER
    assert notifications.send(row.pk) == "taken"
    assert len(smtp_inbox.to(BUYER)) == 1


def test_an_email_with_nobody_to_write_to_is_closed_not_retried(
    market, smtp_inbox, django_capture_on_commit_callbacks
):
    """A buyer who gave no address (as the network twin's): the receipt is marked done with
    "no address" and never claimed again; the merchant's e-mail still goes."""
    from caravana.orders.models import OrderGroup

    a, _b = market
    nobody = f.user(Role.BUYER, email="")
    group, payment, _r = place(nobody, data={**BR, "email": ""}, lines=[(a.pk, 1)])
    assert OrderGroup.objects.get(pk=group.pk).email == ""
    with django_capture_on_commit_callbacks(execute=True):
        assert simulate.sandbox_simulate(payment)[0] == 200
    receipt = Notification.objects.get(order__group=group, moment=notifications.ORDER_PAID)
    assert receipt.sent_at and receipt.last_error == "no address" and receipt.recipient == ""
    assert notifications.send(receipt.pk) == "taken"
    assert notifications.send_pending(older_than=dt.timedelta(0)) == 0
    merchant_mail = Notification.objects.get(
        order__group=group, moment=notifications.MERCHANT_NEW_ORDER
    )
    assert merchant_mail.sent_at and merchant_mail.recipient and not merchant_mail.last_error
    assert smtp_inbox.messages and all(m.message["X-Caravana-Moment"] != notifications.ORDER_PAID
                                       for m in smtp_inbox.messages)  # fmt: skip


def test_the_emails_one_transaction_owes_go_by_one_task_in_one_session(paid, smtp_inbox):
    """A paid order owes the buyer's receipt and the merchant's e-mail in one transaction: one
    task sends both over one connection to the mail server (a task and a connection each
    before)."""
    assert len(smtp_inbox.messages) == 2
    assert smtp_inbox.sessions == 1


def test_the_sweep_sends_what_is_owed_in_one_session(
    market, smtp_inbox, django_capture_on_commit_callbacks
):
    a, _b = market
    for _ in range(3):
        _group, payment, _r = place(buyer(), lines=[(a.pk, 1)])
        with django_capture_on_commit_callbacks(execute=False):  # owed, their tasks lost
            assert simulate.sandbox_simulate(payment)[0] == 200
    assert smtp_inbox.messages == []
    assert notifications.send_pending(older_than=dt.timedelta(0)) == 6
    assert len(smtp_inbox.messages) == 6 and smtp_inbox.sessions == 1


def test_emails_owed_in_a_rolled_back_savepoint_are_never_sent_and_the_others_are(
    paid, smtp_inbox, django_capture_on_commit_callbacks
):
    """E-mails owed in one transaction travel together; a savepoint that rolls back takes its
    own with it, whether it owed the transaction's first e-mail or came after one."""
    from django.db import transaction

    smtp_inbox.clear()

    def owe_then_fail(moment):
        try:
            with transaction.atomic():
                assert notifications.owe(paid, moment)
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass

    with django_capture_on_commit_callbacks(execute=True) as hooks, transaction.atomic():
        owe_then_fail(notifications.DELIVERED)  # the first, rolled back
        assert notifications.owe(paid, notifications.ON_ITS_WAY)
        owe_then_fail(notifications.OUT_FOR_DELIVERY)  # after one, rolled back
        assert notifications.owe(paid, notifications.CUSTOMS_HOLD)
    owed = [
        h.__self__ for h in hooks if isinstance(getattr(h, "__self__", None), notifications._Owed)
    ]
    assert [len(h.pks) for h in owed] == [2]
    moments = sorted(m.message["X-Caravana-Moment"] for m in smtp_inbox.messages)
    assert moments == sorted([notifications.ON_ITS_WAY, notifications.CUSTOMS_HOLD])
    assert set(Notification.objects.filter(order=paid).values_list("moment", flat=True)) == {
        notifications.ORDER_PAID, notifications.MERCHANT_NEW_ORDER, notifications.ON_ITS_WAY,
        notifications.CUSTOMS_HOLD,
    }  # fmt: skip


def test_a_transaction_owing_many_emails_announces_them_in_tasks_of_bounded_size(
    paid, django_capture_on_commit_callbacks
):
    from django.db import transaction

    n = notifications.OWED_PER_TASK + 1
    with django_capture_on_commit_callbacks(execute=False) as hooks, transaction.atomic():
        for i in range(n):
            assert notifications.owe(paid, notifications.REFUND_ISSUED, ref=i, amount="1.00")
    owed = [
        h.__self__ for h in hooks if isinstance(getattr(h, "__self__", None), notifications._Owed)
    ]
    assert [len(h.pks) for h in owed] == [notifications.OWED_PER_TASK, 1]
    assert len({pk for h in owed for pk in h.pks}) == n


def test_a_refused_recipient_does_not_hold_back_the_others_in_its_session(
    market, smtp_inbox, django_capture_on_commit_callbacks
):
    """The server refuses one buyer's address (550): that e-mail stays owed with the reason,
    and the e-mails after it still go over the same session."""
    a, _b = market
    owed = []
    for i in range(3):
        _group, payment, _r = place(buyer(), data={**BR, "email": f"b{i}@example.com.br"},
                                    lines=[(a.pk, 1)])  # fmt: skip
        with django_capture_on_commit_callbacks(execute=False):
            assert simulate.sandbox_simulate(payment)[0] == 200
        owed.append(
            Notification.objects.get(order__group=_group, moment=notifications.ORDER_PAID).pk
        )
    smtp_inbox.refused.add("b1@example.com.br")
    assert notifications.send_many(owed) == ["sent", "failed", "sent"]
    assert sorted(m.rcpt_tos[0] for m in smtp_inbox.messages) == [
        "b0@example.com.br", "b2@example.com.br"
    ]  # fmt: skip
    assert smtp_inbox.sessions == 1
    refused = Notification.objects.get(pk=owed[1])
    assert (
        refused.sent_at is None
        and refused.claimed_at is None
        and "No such user" in (refused.last_error)
    )
    assert notifications.send_many(owed) == ["taken", "failed", "taken"]  # a retry: only it
    smtp_inbox.refused.clear()
    assert notifications.send_many(owed) == ["taken", "sent", "taken"]


def test_a_server_that_cannot_be_reached_leaves_every_email_owed_with_the_reason(
    market, smtp_inbox, settings, django_capture_on_commit_callbacks
):
    a, _b = market
    _group, payment, _r = place(buyer(), lines=[(a.pk, 1)])
    with django_capture_on_commit_callbacks(execute=False):
        assert simulate.sandbox_simulate(payment)[0] == 200
    owed = list(Notification.objects.filter(sent_at__isnull=True).values_list("pk", flat=True))
    settings.EMAIL_PORT = 9  # nothing listens there
    assert notifications.send_many(owed) == ["failed", "failed"]
    rows = Notification.objects.filter(pk__in=owed)
    assert all(r.last_error and r.sent_at is None and r.attempts == 0 for r in rows)
    assert notifications.send_many([]) == []


def test_a_row_that_cannot_be_built_does_not_hold_back_the_others(paid, smtp_inbox):
    """A row no writer knows (a moment from a newer release, say) fails alone: logged, left
    claimed until its lease runs out; the e-mails after it go."""
    smtp_inbox.clear()
    odd = Notification.objects.create(order=paid, moment="from_a_newer_release")
    later = Notification.objects.create(order=paid, moment=notifications.DELIVERED)
    assert notifications.send_many([odd.pk, later.pk]) == ["error", "sent"]
    assert [m.message["X-Caravana-Moment"] for m in smtp_inbox.messages] == [
        notifications.DELIVERED
    ]
    odd.refresh_from_db()
    assert odd.sent_at is None and odd.claimed_at is not None
