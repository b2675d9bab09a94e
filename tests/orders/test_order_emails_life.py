"""One order's whole life, by the real services, with the e-mails read off a real SMTP server:
paid, on its way (the flight leaves), held by customs, out for delivery, delivered, a dispute
answered and decided with a refund. With CARAVANA_EMAIL_EXAMPLES=<dir> (`make email-examples`)
the messages as received are written there: docs/emails/ holds them."""

import datetime as dt
import os
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from caravana.accounts.models import Role
from caravana.fulfillment.services import hub_steps, loading
from caravana.network import services as network
from caravana.network.models import Flight, Hub
from caravana.network.seed import seed_network
from caravana.orders import disputes, notifications
from caravana.orders.shipping import ship_as_parcel
from caravana.payments import refunds, simulate
from caravana.tracking import batch, recording
from tests import factories as f
from tests.orders.support import buyer, place

pytestmark = pytest.mark.django_db


def test_the_emails_of_one_orders_life(market, smtp_inbox, django_capture_on_commit_callbacks):
    run = django_capture_on_commit_callbacks
    seed_network(timezone.now().date())
    a, _b = market
    user = buyer()
    group, payment, _r = place(user, lines=[(a.pk, 2)])
    with run(execute=True):
        assert simulate.sandbox_simulate(payment)[0] == 200
    order = group.orders.get()

    staff = f.user(Role.HUB)
    network.add_hub_member(Hub.objects.get(code="SZX-HUB"), staff)
    parcel = ship_as_parcel(order, "SZX-HUB")
    hub_steps.receive(staff, parcel.s10, 300, 15, 10, 5)
    bag = hub_steps.sort_into_bag(staff, parcel.s10)
    hub_steps.close_bag(staff, bag.identifier)
    loading.build_uld(staff, "PMC10001CV", bag.identifier)
    loading.close_uld(staff, "PMC10001CV")
    flight = Flight.objects.filter(origin="SZX", destination="GRU").order_by("pk").first()
    loading.load_uld_onto_flight(staff, "PMC10001CV", flight)
    now = timezone.now()
    with run(execute=True):
        network.mark_departed(flight, now + dt.timedelta(minutes=1))
        network.mark_arrived(flight, now + dt.timedelta(minutes=2))
    parcel.refresh_from_db()

    def carrier(code, minutes, **extra):
        ev = batch.EventIn(
            parcel_id=parcel.pk, identifier=parcel.s10, source=f"carrier:{parcel.carrier.code}",
            event_id=f"{parcel.s10}-{code}", code=code,
            occurred_at=now + dt.timedelta(minutes=minutes), tz="America/Sao_Paulo",
            location_name="CTE Jaguaré, São Paulo", carrier_id=parcel.carrier_id, **extra,
        )  # fmt: skip
        with run(execute=True):
            recording.record_batch([ev])

    carrier("EDB", 3)
    carrier("EME", 4, details={"reason": "conferência documental"})
    carrier("EMF", 5)
    carrier("EDG", 6)
    carrier("EMI", 7)
    with run(execute=True):
        dispute = disputes.open_dispute(order, user, "damaged", "A caixa chegou amassada.")
    with run(execute=True):
        disputes.answer_dispute(dispute, order.merchant, "Sentimos muito: reembolsamos o frete.")
    with run(execute=True):
        refunds.decide_dispute(dispute, f.user(Role.OPERATOR), order.shipping, "frete devolvido")

    buyer_moments = [m.message["X-Caravana-Moment"] for m in smtp_inbox.to(group.email)]
    assert buyer_moments == [
        notifications.ORDER_PAID,
        notifications.ON_ITS_WAY,
        None,  # arrival in Brazil (EMD): tracking's own notice
        notifications.CUSTOMS_HOLD,
        notifications.OUT_FOR_DELIVERY,
        notifications.DELIVERED,
        notifications.DISPUTE_ANSWERED,
        notifications.REFUND_ISSUED,
    ]
    merchant = [m.message["X-Caravana-Moment"] for m in smtp_inbox.to(order.merchant.contact_email)]
    assert merchant == [
        notifications.MERCHANT_NEW_ORDER,
        notifications.MERCHANT_DISPUTE,
        notifications.MERCHANT_REFUND,
    ]
    order.refresh_from_db()
    assert order.refunded == order.shipping > Decimal(0)

    target = os.environ.get("CARAVANA_EMAIL_EXAMPLES")
    if target:
        write_examples(Path(target), smtp_inbox.messages, order.number)


def write_examples(target: Path, messages, number: str) -> None:
    """Each message as the server received it (.eml), with its text and HTML parts beside it,
    and an index."""
    target.mkdir(parents=True, exist_ok=True)
    for old in target.glob("[0-9][0-9]-*"):
        old.unlink()
    rows = []
    for i, m in enumerate(messages, 1):
        moment = m.message["X-Caravana-Moment"] or "tracking_update"
        who = "merchant" if moment.startswith("merchant_") else "buyer"
        stem = f"{i:02d}-{moment.removeprefix('merchant_')}-{who}"
        (target / f"{stem}.eml").write_bytes(m.raw)
        (target / f"{stem}.txt").write_text(m.text.replace("\r\n", "\n"), encoding="utf-8")
        files = f"[.eml]({stem}.eml) · [text]({stem}.txt)"
        if m.message.get_body(preferencelist=("html",)) is not None:
            (target / f"{stem}.html").write_text(m.html.replace("\r\n", "\n"), encoding="utf-8")
            files += f" · [HTML]({stem}.html)"
        rows.append(f"| {i} | {who} | {m.language} | {m.subject} | {files} |")
    (target / "README.md").write_text(
        "# The e-mails of one order's life\n\n"
        f"Order {number}: a buyer in São Paulo (Portuguese) and a merchant in Shenzhen (Chinese), "
        "from payment to a refund after a dispute. Each message is the one the SMTP server "
        "received, written by `make email-examples` (tests/orders/test_order_emails_life.py); "
        "the .txt and .html files are its two parts. The `tracking_update` is tracking's own "
        "notice (plain text) for a key event that is not one of the order's moments: the "
        "parcel's arrival in the country.\n\n"
        "| # | to | language | subject | files |\n|---|---|---|---|---|\n" + "\n".join(rows) + "\n",
        encoding="utf-8",
    )
