"""Mercado Pago beyond the happy path: notifications out of order and for payments not ours,
errors that must not be retried or must be, and its `chargebacks` topic opening and closing a
case (GET /v1/chargebacks/{id}, as
https://www.mercadopago.com.br/developers/en/docs/checkout-api/payment-management/chargebacks
describes it: payments, amount, currency, coverage_applied, documentation_status,
date_documentation_deadline)."""

from __future__ import annotations

import time

import pytest

from caravana.payments import ledger, mercadopago, providers
from caravana.payments.models import (
    Chargeback,
    ChargebackStatus,
    LedgerTransaction,
    PaymentStatus,
    WebhookEvent,
)
from tests.payments.test_mercadopago import SECRET, mp, notify, pix  # noqa: F401

pytestmark = pytest.mark.django_db


def chargeback_notice(client, cb_id: str, request_id: str):
    ts = int(time.time())
    return client.post(
        f"/api/v1/payments/webhooks/mercadopago?data.id={cb_id}&type=chargebacks",
        data="{}",
        content_type="application/json",
        HTTP_X_REQUEST_ID=request_id,
        HTTP_X_SIGNATURE=mercadopago.sign(SECRET, cb_id, request_id, ts),
    )


@pytest.fixture
def chargebacks_api(mp):  # noqa: F811
    """The fake answers GET /v1/chargebacks/{id} from its own table."""
    table: dict[str, dict] = {}
    route = mp.route

    def routed(method, path, req):
        parts = path.strip("/").split("/")
        if method == "GET" and len(parts) == 3 and parts[1] == "chargebacks":
            found = table.get(parts[2])
            return (200, found) if found else (404, {"message": "chargeback not found"})
        return route(method, path, req)

    mp.route = routed
    return table


def test_a_late_pending_notification_never_undoes_an_approval(client, mp, pix):  # noqa: F811
    _group, payment = pix
    data_id = mp.approve(payment.reference)
    assert notify(client, data_id, request_id="r-approved").status_code == 200
    # A notification sent while it was pending arrives after: the API says approved.
    assert notify(client, data_id, request_id="r-pending-late").status_code == 200
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED
    assert LedgerTransaction.objects.filter(kind="capture").count() == 1
    assert WebhookEvent.objects.count() == 2


def test_a_notification_for_a_payment_not_ours_is_404(client, mp):  # noqa: F811
    mp.payments["1399999999"] = {
        "id": 1399999999,
        "status": "approved",
        "external_reference": "SOMEONE-ELSE",
        "transaction_amount": 5,
        "currency_id": "BRL",
    }
    assert notify(client, "1399999999").status_code == 404


def test_an_unknown_id_or_a_bad_token_asks_again_later(client, mp, pix, settings):  # noqa: F811
    _group, payment = pix
    data_id = mp.approve(payment.reference)
    settings.MERCADOPAGO_ACCESS_TOKEN = "APP_USR-revoked"
    resp = notify(client, data_id, request_id="r-401")
    assert resp.status_code == 503  # 401 is a ProviderError: Mercado Pago sends it again
    assert not WebhookEvent.objects.exists()
    with pytest.raises(providers.ProviderError):
        providers.get("mercadopago").retrieve_id(data_id)


def test_a_chargeback_opens_then_closes_lost_once(client, mp, pix, chargebacks_api):  # noqa: F811
    group, payment = pix
    data_id = mp.approve(payment.reference)
    assert notify(client, data_id).status_code == 200
    chargebacks_api["cb-1"] = {
        "id": "cb-1",
        "payments": [int(data_id)],
        "amount": float(group.total),
        "currency": "BRL",
        "coverage_applied": None,
        "coverage_elegible": True,
        "documentation_required": True,
        "documentation_status": "pending",
        "date_documentation_deadline": "2026-12-13T23:59:59.000-04:00",
    }
    assert chargeback_notice(client, "cb-1", "r-cb-1").status_code == 200
    case = Chargeback.objects.get()
    assert (case.status, case.amount, case.payment) == (ChargebackStatus.OPEN, group.total, payment)
    assert case.due_by is not None
    assert chargeback_notice(client, "cb-1", "r-cb-1").json()["duplicate"] is True
    chargebacks_api["cb-1"].update(coverage_applied=False, documentation_status="invalid")
    assert chargeback_notice(client, "cb-1", "r-cb-2").status_code == 200
    assert chargeback_notice(client, "cb-1", "r-cb-3").status_code == 200  # again: nothing more
    case.refresh_from_db()
    assert case.status == ChargebackStatus.LOST
    assert LedgerTransaction.objects.filter(kind="chargeback_lost").count() == 1
    assert ledger.reconcile() == []


def test_a_covered_chargeback_is_won(client, mp, pix, chargebacks_api):  # noqa: F811
    group, payment = pix
    data_id = mp.approve(payment.reference)
    assert notify(client, data_id).status_code == 200
    chargebacks_api["cb-2"] = {
        "id": "cb-2",
        "payments": [int(data_id)],
        "amount": 10.0,
        "currency": "BRL",
        "coverage_applied": True,
        "documentation_status": "valid",
    }
    assert chargeback_notice(client, "cb-2", "r-cb-won").status_code == 200
    assert Chargeback.objects.get().status == ChargebackStatus.WON
    assert not LedgerTransaction.objects.filter(kind__startswith="chargeback").exists()


def test_an_unknown_chargeback_asks_again_later(client, mp, chargebacks_api):  # noqa: F811
    resp = chargeback_notice(client, "cb-missing", "r-x")
    assert resp.status_code == 503
    assert not Chargeback.objects.exists()
