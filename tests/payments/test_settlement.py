"""Settlement reconciliation: a provider's report (Stripe's itemized balance report, Mercado
Pago's released-money report) against the ledger, every planted difference found, as a job an
operator starts from the settlement page with the file."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from caravana.accounts.models import Role
from caravana.jobs.models import Job
from caravana.payments import refunds, settlement, simulate
from caravana.payments.models import Payment, Refund
from tests import factories as f
from tests.orders.support import place

pytestmark = pytest.mark.django_db

STRIPE_HEADER = (
    "balance_transaction_id,created_utc,currency,gross,fee,net,reporting_category,source_id,"
    "description,payment_intent_id,payment_metadata[caravana_reference]"
)


def test_stripe_report_differences_are_all_found():
    report = settlement.parse_stripe(
        STRIPE_HEADER + "\n"
        "txn_1,2026-11-02 10:00:00,brl,100.00,4.20,95.80,charge,ch_1,,pi_1,PAY1\n"
        "txn_2,2026-11-02 11:00:00,brl,80.00,3.00,76.00,charge,ch_2,,pi_2,PAY2\n"  # fee off
        "txn_3,2026-11-03 09:00:00,brl,-20.00,0.00,-20.00,refund,re_1,,pi_1,PAY1\n"
        "txn_4,2026-11-03 09:30:00,mxn,50.00,2.00,48.00,charge,ch_4,,pi_4,PAY4\n"  # currency
        "txn_5,2026-11-03 10:00:00,brl,30.00,1.00,29.00,charge,ch_5,,pi_9,\n"  # not ours
        "txn_6,2026-11-03 10:30:00,brl,-15.00,15.00,-30.00,dispute,dp_1,,pi_2,PAY2\n"
        "txn_7,2026-11-04 10:30:00,brl,15.00,0.00,15.00,dispute_reversal,dp_1,,pi_2,PAY2\n"
        "txn_8,2026-11-04 11:00:00,brl,-95.80,0.00,-95.80,payout,po_1,,,\n"
    )
    ledger_lines = [
        settlement.Line("payment:pi_1", "payment", Decimal("100.00"), "BRL", "PAY1"),
        settlement.Line("payment:pi_2", "payment", Decimal("79.00"), "BRL", "PAY2"),  # amount
        settlement.Line("refund:re_1", "refund", Decimal("-20.00"), "BRL", "PAY1"),
        settlement.Line("payment:pi_4", "payment", Decimal("50.00"), "BRL", "PAY4"),
        settlement.Line("payment:pi_5", "payment", Decimal("12.00"), "BRL", "PAY5"),  # no row
    ]
    found = {(d.problem, d.key) for d in settlement.compare(report, ledger_lines)}
    assert found == {
        (settlement.AMOUNT, "payment:pi_2"),
        (settlement.FEE, "payment:pi_2"),
        (settlement.CURRENCY, "payment:pi_4"),
        (settlement.MISSING_IN_LEDGER, "payment:pi_9"),
        (settlement.MISSING_IN_REPORT, "payment:pi_5"),
    }  # the dispute reversed in full and the payout are no difference


def test_mercadopago_release_report_is_read():
    data = (
        "DATE;SOURCE_ID;EXTERNAL_REFERENCE;RECORD_TYPE;DESCRIPTION;NET_CREDIT_AMOUNT;"
        "NET_DEBIT_AMOUNT;GROSS_AMOUNT;MP_FEE_AMOUNT\n"
        "2026-11-02T10:00:00.000-03:00;;;initial_available_balance;;0;0;0;0\n"
        "2026-11-02T10:00:00.000-03:00;1300000001;PAY1;release;payment;95.01;0;100.00;-4.99\n"
        "2026-11-03T10:00:00.000-03:00;1300000001;PAY1;release;refund;0;10.00;10.00;0\n"
        "2026-11-03T10:00:00.000-03:00;1300000002;PAY2;release;payment;50.00;0;55.00;-4.99\n"
    )
    lines = {line.key: line for line in settlement.parse_mercadopago(data, "brl")}
    assert set(lines) == {"payment:1300000001", "refund:1300000001", "payment:1300000002"}
    assert lines["refund:1300000001"].amount == Decimal("-10.00")
    assert lines["payment:1300000001"].currency == "BRL"
    differences = settlement.compare(
        list(lines.values()),
        [
            settlement.Line("payment:1300000001", "payment", Decimal("100.00"), "BRL", "PAY1"),
            settlement.Line("refund:1300000001", "refund", Decimal("-10.00"), "BRL", "PAY1"),
            settlement.Line("payment:1300000002", "payment", Decimal("55.00"), "BRL", "PAY2"),
        ],
    )
    assert [(d.problem, d.key) for d in differences] == [(settlement.FEE, "payment:1300000002")]


@pytest.mark.parametrize(
    "data, column",
    [
        ("currency,gross\nbrl,1\n", "fee"),
        (STRIPE_HEADER + "\nt,,brl,abc,0,0,charge,c,,pi_1,\n", "gross"),
    ],
)
def test_a_bad_report_names_the_column(data, column):
    with pytest.raises(settlement.ReportError) as err:
        settlement.parse_stripe(data)
    assert err.value.field == column


@pytest.fixture
def books(market, django_capture_on_commit_callbacks):
    """Three payments captured (by the sandbox, then said to be Stripe's as the ledger would
    have them with Stripe) and one partial refund paid."""
    a, _b = market
    out = []
    for n in range(3):
        user = f.user(Role.BUYER, email=f"b{n}@example.com")
        group, payment, _r = place(user, lines=[(a.pk, 1)])
        assert simulate.sandbox_simulate(payment)[0] == 200
        out.append((group, payment))
    with django_capture_on_commit_callbacks(execute=True):
        refund, _ = refunds.refund(out[0][0].orders.get(), Decimal("10.00"), reason="merchant")
    for n, (_g, payment) in enumerate(out):
        Payment.objects.filter(pk=payment.pk).update(
            provider="stripe", artefact={"provider_id": f"pi_{n}"}
        )
    Refund.objects.filter(pk=refund.pk).update(provider_reference="re_0")
    return [p for _g, p in out]


def report_for(payments, *, plant: bool) -> bytes:
    """A report of today (a report covers its period: ledger lines outside it are not missing)."""
    day = timezone.now().date().isoformat()
    rows = [STRIPE_HEADER]
    for n, p in enumerate(payments):
        if plant and n == 2:
            continue  # planted: a payment the report lacks
        gross = p.amount + (Decimal("1.00") if plant and n == 1 else 0)  # planted: amount
        rows.append(
            f"txn_{n},{day} 10:00:00,brl,{gross},1.00,{gross - 1},charge,ch_{n},,"
            f"pi_{n},{p.reference}"
        )
    rows.append(f"txn_r,{day} 11:00:00,brl,-10.00,0.00,-10.00,refund,re_0,,pi_0,")
    if plant:
        rows.append(f"txn_x,{day} 12:00:00,brl,42.00,1.00,41.00,charge,ch_x,,pi_x,")
    return ("\n".join(rows) + "\n").encode()


def _run(client: Client, data: bytes) -> Job:
    r = client.post(
        reverse("operations:settlement"),
        {"provider": "stripe", "currency": "", "file": SimpleUploadedFile("report.csv", data)},
    )
    assert r.status_code == 302, r.content
    return Job.objects.order_by("-pk").first()


def test_the_job_finds_the_planted_differences_and_the_page_lists_them(books, media_root):
    client = Client()
    client.force_login(f.user(Role.OPERATOR))
    clean = _run(client, report_for(books, plant=False))
    assert clean.state == "done", clean.error
    with clean.result_file.open("rb") as fh:
        assert list(csv.reader(io.StringIO(fh.read().decode("utf-8-sig"))))[1:] == []

    job = _run(client, report_for(books, plant=True))
    assert job.state == "done", job.error
    with job.result_file.open("rb") as fh:
        rows = list(csv.reader(io.StringIO(fh.read().decode("utf-8-sig"))))
    assert rows[0] == settlement.HEADER
    found = {(r[0], r[2]) for r in rows[1:]}
    assert found == {
        (settlement.AMOUNT, "payment:pi_1"),
        (settlement.MISSING_IN_REPORT, "payment:pi_2"),
        (settlement.MISSING_IN_LEDGER, "payment:pi_x"),
    }
    page = client.get(reverse("operations:settlement"))
    assert page.status_code == 200
    assert b"pi_x" in page.content and books[2].reference.encode() in page.content


def test_only_operators_reconcile_and_a_bad_file_names_the_column(books, media_root):
    merchant = Client()
    merchant.force_login(f.user(Role.BUYER, email="x@example.com"))
    assert merchant.get(reverse("operations:settlement")).status_code in (302, 403, 404)
    client = Client()
    client.force_login(f.user(Role.OPERATOR))
    job = _run(client, b"currency,gross\nbrl,1\n")
    assert job.state == "failed" and "fee" in job.error


def test_mercado_pagos_documented_example_adds_up():
    """The example file in Mercado Pago's docs (mercadopago/devsite-docs, released-money
    api.es.md): a payment of 269.00 with a −43.04 fee released as 225.96; the opening balance and
    the withdrawal are not Caravana's. Its rows carry no ids: matched by nothing, so listed."""
    data = (
        "DATE,SOURCE_ID,EXTERNAL_REFERENCE,RECORD_TYPE,DESCRIPTION,NET_CREDIT_AMOUNT,"
        "NET_DEBIT_AMOUNT,GROSS_AMOUNT,MP_FEE_AMOUNT,FINANCING_FEE_AMOUNT,SHIPPING_FEE_AMOUNT,"
        "TAXES_AMOUNT,COUPON_AMOUNT,INSTALLMENTS,PAYMENT_METHOD\n"
        "2018-04-17T15:07:53.000-04:00,,,initial_available_balance,,813439.19,0.00,813439.19,"
        "0.00,0.00,0.00,0.00,0.00,1,\n"
        "2018-04-17T15:07:53.000-04:00,,,release,withdrawal,0.00,813363.45,-813360.45,-3.00,"
        "0.00,0.00,0.00,0.00,1,\n"
        "2018-04-17T15:11:12.000-04:00,,,release,payment,225.96,0.00,269.00,-43.04,0.00,0.00,"
        "0.00,0.00,1,account_money\n"
    )
    [line] = settlement.parse_mercadopago(data, "ARS")
    assert (line.amount, line.fee, line.net) == (
        Decimal("269.00"),
        Decimal("43.04"),
        Decimal("225.96"),
    )
    [diff] = settlement.compare([line], [])
    assert diff.problem == settlement.MISSING_IN_LEDGER and diff.key == "payment:row4"
