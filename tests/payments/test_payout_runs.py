"""Payouts through a payout provider: each merchant paid once per period of its schedule, the
FX margin and the fee as their own ledger transactions, a crash or a retry at any step never
paying twice (one database transaction keyed by merchant and period, then an outbox request
the provider dedupes on the same key), and statements that sum to the ledger."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db.models import Sum

from caravana.catalog.models import Merchant
from caravana.money import round_money
from caravana.payments import ledger, outbox, payout_providers, payouts, statements
from caravana.payments.models import (
    AccountKind,
    CallStatus,
    LedgerAccount,
    LedgerTransaction,
    PayoutBatch,
    PayoutItem,
    ProviderCall,
    SandboxOperation,
)

pytestmark = pytest.mark.django_db

TODAY = dt.date.today()  # the factories' FX rates are dated today
WEEK = "{}-W{:02d}".format(*TODAY.isocalendar()[:2])


@pytest.fixture
def demo_shares(settings):
    """Demo figures (not any partner's price): a 0.5 % fee and a 1 % FX margin."""
    settings.PAYOUTS_FEE_RATE = "0.005"
    settings.PAYOUTS_FX_MARGIN = "0.01"


def owed() -> dict[tuple[int, str], Decimal]:
    return {
        (a.merchant_id, a.currency): a.balance
        for a in LedgerAccount.objects.filter(kind=AccountKind.MERCHANT_PAYABLE)
    }


def check_statements_sum_to_ledger() -> None:
    """Every merchant's statement closes on its payable balances; its payout lines are the
    batches' items; its fee and margin lines are what those accounts received."""
    for merchant in Merchant.objects.all():
        for cs in statements.statement(merchant):
            acct = LedgerAccount.objects.get(
                merchant=merchant, kind=AccountKind.MERCHANT_PAYABLE, currency=cs.currency
            )
            assert cs.opening == 0
            assert cs.closing == acct.balance
            assert sum((line.amount for line in cs.lines), Decimal(0)) == acct.balance
            totals = {code: amount for code, _l, amount in cs.totals()}
            assert totals["coupon"] == 0
            items = PayoutItem.objects.filter(batch__merchant=merchant, source_currency=cs.currency)
            gross = items.aggregate(s=Sum("source_amount"))["s"] or 0
            assert -(totals["payout"] + totals["fx"] + totals["fee"]) == gross
            assert -totals["fee"] == (items.aggregate(s=Sum("fee"))["s"] or 0)
            assert -totals["fx"] == (items.aggregate(s=Sum("fx_margin"))["s"] or 0)
            converted = [line.payout.amount for line in cs.lines if line.payout]
            assert sum(converted, Decimal(0)) == (items.aggregate(s=Sum("amount"))["s"] or 0)


def test_a_run_pays_every_merchant_once_with_fee_and_margin(
    completed, demo_shares, django_capture_on_commit_callbacks
):
    before = owed()
    assert len(before) == 2 and all(v > 0 for v in before.values())
    with django_capture_on_commit_callbacks(execute=True):
        batches = payouts.run_payouts(TODAY)
    assert len(batches) == 2
    for batch in batches:
        batch.refresh_from_db()
        assert (batch.status, batch.provider, batch.period) == ("paid", "sandbox", WEEK)
        (item,) = batch.items.all()
        gross = before[(batch.merchant_id, item.source_currency)]
        assert item.source_amount == gross
        assert item.fee == round_money(gross * Decimal("0.005"), item.source_currency)
        assert item.fx_margin == round_money(gross * Decimal("0.01"), item.source_currency)
        net = gross - item.fee - item.fx_margin
        assert item.amount == round_money(net * item.rate, "CNY") == batch.total
        keys = set(
            LedgerTransaction.objects.filter(key__startswith=f"payout:m{batch.merchant_id}:")
            .values_list("key", flat=True)
        )  # fmt: skip
        prefix = f"payout:m{batch.merchant_id}:{WEEK}:{item.source_currency}"
        assert keys == {prefix, f"{prefix}:fx_margin", f"{prefix}:payout_fee"}
    assert all(v == 0 for v in owed().values())
    fees = LedgerAccount.objects.get(kind=AccountKind.PAYOUT_FEES)
    margin = LedgerAccount.objects.get(kind=AccountKind.FX_MARGIN)
    assert fees.balance == sum(i.fee for i in PayoutItem.objects.all())
    assert margin.balance == sum(i.fx_margin for i in PayoutItem.objects.all())
    assert SandboxOperation.objects.filter(kind="payout").count() == 2
    assert ledger.reconcile() == []
    check_statements_sum_to_ledger()
    # The same period again (the beat's next hour, an operator's run): nothing more.
    assert payouts.run_payouts(TODAY) == []
    assert PayoutBatch.objects.count() == 2


def test_the_period_follows_the_merchant_schedule(completed):
    merchant = completed.orders.first().merchant
    monday = dt.date(2026, 11, 30)
    assert payouts.period_of(merchant, monday) == "2026-W49"
    assert payouts.period_of(merchant, dt.date(2027, 1, 1)) == "2026-W53"
    merchant.payout_schedule = "monthly"
    assert payouts.period_of(merchant, monday) == "2026-11"


def test_a_second_run_in_the_period_pays_nothing_new_until_the_next(
    completed, django_capture_on_commit_callbacks
):
    merchant = completed.orders.order_by("pk").first().merchant
    with django_capture_on_commit_callbacks(execute=True):
        first = payouts.run_payout(merchant, TODAY)
    assert first is not None
    # Money released after the payout waits for the next period.
    acct = LedgerAccount.objects.get(merchant=merchant, kind=AccountKind.MERCHANT_PAYABLE)
    LedgerAccount.objects.filter(pk=acct.pk).update(balance=Decimal("0"))
    assert payouts.run_payout(merchant, TODAY) is None
    assert PayoutBatch.objects.filter(merchant=merchant).count() == 1


def test_merchants_paid_this_period_do_not_fill_the_runs_limit(
    completed, django_capture_on_commit_callbacks
):
    """The hourly run pays at most `limit` merchants: those already paid this period (owed
    again since) are left out before the limit, so the next ids get their turn."""
    first, second = sorted({o.merchant for o in completed.orders.all()}, key=lambda m: m.pk)
    with django_capture_on_commit_callbacks(execute=True):
        assert payouts.run_payout(first, TODAY) is not None
    # Money owed to the first again within the same period (a later order's release).
    LedgerAccount.objects.filter(merchant=first, kind=AccountKind.MERCHANT_PAYABLE).update(
        balance=Decimal("10.00")
    )
    with django_capture_on_commit_callbacks(execute=True):
        batches = payouts.run_payouts(TODAY, limit=1)
    assert [b.merchant_id for b in batches] == [second.pk]
    assert PayoutBatch.objects.filter(merchant=first).count() == 1


@pytest.mark.parametrize("step", ["batch", "posted:BRL", "requested"])
def test_a_crash_inside_the_run_leaves_nothing_and_the_retry_pays_once(
    completed, demo_shares, monkeypatch, step, django_capture_on_commit_callbacks
):
    before = owed()
    entries = LedgerTransaction.objects.count()

    def crash(name: str) -> None:
        if name == step:
            raise RuntimeError(f"killed at {name}")

    monkeypatch.setattr(payouts, "_step", crash)
    with pytest.raises(RuntimeError), django_capture_on_commit_callbacks(execute=True) as sent:
        payouts.run_payouts(TODAY)
    assert sent == []  # nothing committed, so no transfer was asked for
    assert owed() == before and LedgerTransaction.objects.count() == entries
    assert not PayoutBatch.objects.exists() and not ProviderCall.objects.exists()
    monkeypatch.setattr(payouts, "_step", lambda name: None)
    with django_capture_on_commit_callbacks(execute=True):
        assert len(payouts.run_payouts(TODAY)) == 2
        assert payouts.run_payouts(TODAY) == []
    assert SandboxOperation.objects.filter(kind="payout").count() == 2
    assert ledger.reconcile() == []
    check_statements_sum_to_ledger()


def test_a_crash_after_commit_is_sent_by_the_sweeper_once(
    completed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):  # the task is lost
        batches = payouts.run_payouts(TODAY)
    calls = ProviderCall.objects.filter(kind="payout")
    assert calls.count() == 2 and not SandboxOperation.objects.filter(kind="payout").exists()
    later = calls.first().next_attempt_at + dt.timedelta(seconds=1)
    assert outbox.sweep_outbox(later) == 2
    for call in calls:  # a duplicate task, a second worker
        assert outbox.perform_call(call.pk) == CallStatus.DONE
    # The provider moved each payout once, under the run's key.
    ops = SandboxOperation.objects.filter(kind="payout")
    assert sorted(ops.values_list("key", flat=True)) == sorted(c.key for c in calls)
    assert {b.reference for b in batches} == set(
        PayoutBatch.objects.filter(status="paid").values_list("reference", flat=True)
    )


def test_the_bank_file_adapter_writes_one_wise_row_per_payout(
    completed, settings, tmp_path, monkeypatch, django_capture_on_commit_callbacks, payout_files
):
    settings.PAYOUTS_PROVIDER = "wise_batch"
    settings.PAYOUTS_BANK_FILE_DIR = f"test-payouts-{tmp_path.name}"
    merchant = completed.orders.order_by("pk").first().merchant
    settings.PAYOUTS_WISE_RECIPIENT_IDS = f"{merchant.pk}:148105813"
    # The provider crashes after writing the file, before answering: retried, one file.
    real = payout_providers.WiseBatchFile.send
    failures = []

    def send_then_crash(self, order):
        reference = real(self, order)
        if not failures:
            failures.append(order.key)
            raise ConnectionError("worker killed after the file was written")
        return reference

    monkeypatch.setattr(payout_providers.WiseBatchFile, "send", send_then_crash)
    with django_capture_on_commit_callbacks(execute=True):
        batch = payouts.run_payout(merchant, TODAY)
    call = ProviderCall.objects.get(payout=batch)
    assert (call.provider, call.status, call.attempts) == ("wise_batch", "pending", 1)
    assert outbox.perform_call(call.pk) == CallStatus.DONE
    batch.refresh_from_db()
    path = payout_providers.bank_file_name(call.key)
    assert batch.status == "paid" and batch.file == path
    storage = payout_providers.file_storage()
    assert storage.listdir(settings.PAYOUTS_BANK_FILE_DIR)[1] == [path.rsplit("/", 1)[1]]
    with storage.open(path) as fh:
        rows = list(csv.DictReader(io.StringIO(fh.read().decode("utf-8"))))
    assert rows == [
        {
            "recipientId": "148105813", "name": merchant.legal_name,
            "recipientEmail": merchant.contact_email, "recipientType": "BUSINESS",
            "sourceCurrency": "BRL", "targetCurrency": "CNY", "amount": f"{batch.total:.2f}",
            "amountCurrency": "target", "paymentReference": batch.reference,
        }
    ]  # fmt: skip


def test_the_bank_file_keeps_a_merchants_text_from_being_read_as_a_formula(
    completed, settings, django_capture_on_commit_callbacks, payout_files
):
    settings.PAYOUTS_PROVIDER = "wise_batch"
    merchant = completed.orders.order_by("pk").first().merchant
    Merchant.objects.filter(pk=merchant.pk).update(
        legal_name='=HYPERLINK("http://evil.example/","pay")', contact_email="+1@evil.example"
    )
    merchant.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        batch = payouts.run_payout(merchant, TODAY)
    batch.refresh_from_db()
    with payout_providers.file_storage().open(batch.file) as fh:
        rows = list(csv.DictReader(io.StringIO(fh.read().decode("utf-8"))))
    assert rows[0]["name"] == "'" + merchant.legal_name
    assert rows[0]["recipientEmail"] == "'+1@evil.example"


def test_a_merchant_owed_in_two_currencies_gets_one_row_per_currency(
    completed, settings, django_capture_on_commit_callbacks, payout_files
):
    """Each PayoutItem is its own row, funded from its own currency (the clearing account the
    ledger credited), for its own converted amount; the rows sum to the batch."""
    settings.PAYOUTS_PROVIDER = "wise_batch"
    merchant = completed.orders.order_by("pk").first().merchant
    mxn = ledger.account(AccountKind.MERCHANT_PAYABLE, "MXN", merchant=merchant)
    clearing = ledger.account(AccountKind.CLEARING, "MXN")
    LedgerAccount.objects.filter(pk__in=[mxn.pk, clearing.pk]).update(balance=Decimal("500.00"))
    with django_capture_on_commit_callbacks(execute=True):
        batch = payouts.run_payout(merchant, TODAY)
    batch.refresh_from_db()
    items = {i.source_currency: i.amount for i in batch.items.all()}
    assert set(items) == {"BRL", "MXN"}
    with payout_providers.file_storage().open(batch.file) as fh:
        rows = list(csv.DictReader(io.StringIO(fh.read().decode("utf-8"))))
    assert {r["sourceCurrency"]: Decimal(r["amount"]) for r in rows} == items
    assert {r["targetCurrency"] for r in rows} == {"CNY"}
    assert sum(Decimal(r["amount"]) for r in rows) == batch.total


def test_without_a_payout_provider_nothing_is_paid(completed, settings):
    settings.PAYOUTS_PROVIDER = "nowhere"
    merchant = completed.orders.first().merchant
    with pytest.raises(Exception) as err:
        payouts.run_payout(merchant, TODAY)
    assert "provider" in err.value.message_dict
    assert not PayoutBatch.objects.exists()


def test_a_share_out_of_range_is_refused_naming_the_setting(completed, settings):
    settings.PAYOUTS_FX_MARGIN = "1.5"
    merchant = completed.orders.first().merchant
    with pytest.raises(Exception) as err:
        payouts.run_payout(merchant, TODAY)
    assert "PAYOUTS_FX_MARGIN" in err.value.message_dict
    assert not PayoutBatch.objects.exists()


@pytest.mark.parametrize(
    ("fee", "margin", "named"),
    [
        ("1%", "0", "PAYOUTS_FEE_RATE"),
        ("0", "abc", "PAYOUTS_FX_MARGIN"),
        ("NaN", "0", "PAYOUTS_FEE_RATE"),
        ("0.6", "0.5", "PAYOUTS_FEE_RATE"),
    ],
)
def test_a_malformed_share_or_shares_summing_to_one_are_refused(
    completed, settings, fee, margin, named
):
    settings.PAYOUTS_FEE_RATE, settings.PAYOUTS_FX_MARGIN = fee, margin
    merchant = completed.orders.first().merchant
    with pytest.raises(ValidationError) as err:
        payouts.run_payout(merchant, TODAY)
    assert named in err.value.message_dict
    assert not PayoutBatch.objects.exists()


def test_a_balance_the_shares_would_take_whole_stays_owed(completed, settings):
    settings.PAYOUTS_FEE_RATE, settings.PAYOUTS_FX_MARGIN = "0.39", "0.6"
    merchant = completed.orders.first().merchant
    LedgerAccount.objects.filter(merchant=merchant, kind=AccountKind.MERCHANT_PAYABLE).update(
        balance=Decimal("0.01")
    )
    assert payouts.run_payout(merchant, TODAY) is None
    assert not PayoutBatch.objects.exists()


def test_an_operator_downloads_the_bank_file_and_a_merchant_cannot(
    completed, settings, tmp_path, client, django_capture_on_commit_callbacks, payout_files
):
    from django.urls import reverse

    from caravana.accounts.models import Role
    from tests import factories as f

    settings.PAYOUTS_PROVIDER = "wise_batch"
    settings.PAYOUTS_BANK_FILE_DIR = f"test-payouts-{tmp_path.name}"
    with django_capture_on_commit_callbacks(execute=True):
        batch = payouts.run_payout(completed.orders.order_by("pk").first().merchant, TODAY)
    batch.refresh_from_db()
    url = reverse("operations:payout_file", args=[batch.reference])
    client.force_login(f.user(Role.MERCHANT))
    assert client.get(url).status_code in (302, 403)
    client.force_login(f.user(Role.OPERATOR))
    page = client.get(reverse("operations:payouts")).content.decode()
    assert url in page
    response = client.get(url)
    body = b"".join(response.streaming_content).decode()
    assert response.status_code == 200 and body.startswith("recipientId,name,")
    assert batch.reference in body


def test_the_bank_file_is_private_never_public_media(
    completed, settings, client, django_capture_on_commit_callbacks, payout_files
):
    """The file names are guessable (merchant id and period): the file lives outside the media
    root, so /media/ never serves it, signed in or not; only the operators' view does."""
    from django.urls import reverse

    from caravana.accounts.models import Role
    from tests import factories as f

    settings.PAYOUTS_PROVIDER = "wise_batch"
    with django_capture_on_commit_callbacks(execute=True):
        batch = payouts.run_payout(completed.orders.order_by("pk").first().merchant, TODAY)
    batch.refresh_from_db()
    assert batch.file and (payout_files / batch.file).is_file()
    assert not (settings.MEDIA_ROOT / batch.file).exists()
    assert not default_storage.exists(batch.file)
    assert client.get(f"/media/{batch.file}").status_code == 404
    url = reverse("operations:payout_file", args=[batch.reference])
    assert client.get(url).status_code in (302, 403)
    client.force_login(f.user(Role.OPERATOR))
    assert client.get(f"/media/{batch.file}").status_code == 404
    response = client.get(url)
    assert response.status_code == 200
    assert batch.reference in b"".join(response.streaming_content).decode()
    with pytest.raises(ValueError):
        payout_providers.file_storage().url(batch.file)
