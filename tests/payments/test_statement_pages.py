"""The merchant console's statement: its own lines only, the running balance ending on the
ledger's payable, the payout with its converted amount and dated rate, the same lines as CSV
and a PDF, in every console language."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from caravana.accounts.models import Role
from caravana.catalog import services as catalog_services
from caravana.payments import payouts
from caravana.payments.models import AccountKind, LedgerAccount, PayoutBatch
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_out(completed, settings, django_capture_on_commit_callbacks):
    settings.PAYOUTS_FEE_RATE = "0.005"  # demo figures
    settings.PAYOUTS_FX_MARGIN = "0.01"
    merchants = sorted({o.merchant for o in completed.orders.all()}, key=lambda m: m.pk)
    with django_capture_on_commit_callbacks(execute=True):
        payouts.run_payouts()
    users = []
    for n, merchant in enumerate(merchants):
        user = f.user(Role.MERCHANT, username=f"shop{n}")
        catalog_services.add_member(merchant, user)
        users.append(user)
    return merchants, users


def test_the_statement_page_shows_only_the_merchants_own_lines(client, paid_out):
    (mine, theirs), (user, _other) = paid_out
    client.force_login(user)
    response = client.get(reverse("console:statement"))
    assert response.status_code == 200
    body = response.content.decode()
    mine_orders = [o.number for o in mine.orders.all()]
    their_orders = [o.number for o in theirs.orders.all()]
    assert all(n in body for n in mine_orders)
    assert not any(n in body for n in their_orders)
    batch = PayoutBatch.objects.get(merchant=mine)
    assert (
        batch.reference in body and PayoutBatch.objects.get(merchant=theirs).reference not in body
    )
    item = batch.items.get()
    assert item.rate_date.isoformat() in body
    for category in ("order", "commission", "fx", "fee", "payout"):
        assert f'data-category="{category}"' in body


@pytest.mark.parametrize(
    "language,word",
    [("en", "Statement"), ("es", "Extracto"), ("pt-br", "Extrato"), ("zh-hans", "对账单")],
)
def test_the_statement_speaks_the_console_languages(client, paid_out, language, word):
    _merchants, (user, _other) = paid_out
    client.force_login(user)
    response = client.get(reverse("console:statement"), HTTP_ACCEPT_LANGUAGE=language)
    assert word in response.content.decode()


def test_the_csv_sums_to_the_ledger(client, paid_out):
    (mine, _theirs), (user, _other) = paid_out
    client.force_login(user)
    response = client.get(reverse("console:statement_csv"))
    assert response.status_code == 200 and response["Content-Type"] == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    lines = [r for r in rows if r["date"]]
    payable = LedgerAccount.objects.get(merchant=mine, kind=AccountKind.MERCHANT_PAYABLE)
    assert sum(Decimal(r["amount"]) for r in lines) == payable.balance == 0
    assert Decimal(lines[-1]["balance"]) == payable.balance
    paid = [r for r in lines if r["payout_amount"]]
    batch = PayoutBatch.objects.get(merchant=mine)
    assert [Decimal(r["payout_amount"]) for r in paid] == [batch.total]
    assert paid[0]["payout_currency"] == "CNY" and paid[0]["fx_rate_source"]


def test_the_csv_keeps_text_cells_from_being_read_as_formulas(client, paid_out):
    """A rate source (or any text) starting with = is written as text; amounts keep their
    minus sign."""
    from caravana.payments.models import PayoutItem

    merchants, users = paid_out
    PayoutItem.objects.filter(batch__merchant=merchants[0]).update(
        rate_source='=HYPERLINK("http://evil.example/","rate")'
    )
    client.force_login(users[0])
    response = client.get(reverse("console:statement_csv"))
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    sources = [r["fx_rate_source"] for r in rows if r["fx_rate_source"]]
    assert sources and all(s.startswith("'=") for s in sources)
    assert any(r["amount"].startswith("-") for r in rows)


def test_the_pdf_downloads(client, paid_out):
    _merchants, (user, _other) = paid_out
    client.force_login(user)
    month = timezone.localdate().strftime("%Y-%m")
    response = client.get(reverse("console:statement_pdf") + f"?month={month}")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert f"statement-{month}.pdf" in response["Content-Disposition"]
    chinese = client.get(reverse("console:statement_pdf"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert chinese.content.startswith(b"%PDF")


def test_a_bad_month_is_not_found_and_a_buyer_is_refused(client, paid_out):
    _merchants, (user, _other) = paid_out
    client.force_login(user)
    assert client.get(reverse("console:statement") + "?month=2026-13").status_code == 404
    client.force_login(f.user(Role.BUYER))
    assert client.get(reverse("console:statement")).status_code in (302, 403)
    assert client.get(reverse("console:statement_csv")).status_code in (302, 403)


def test_an_earlier_month_brings_the_balance_forward(client, paid_out):
    _merchants, (user, _other) = paid_out
    client.force_login(user)
    response = client.get(reverse("console:statement") + "?month=2020-01")
    assert response.status_code == 200 and 'data-testid="empty"' in response.content.decode()


def test_an_operator_reads_a_merchants_statement_from_payouts(client, paid_out):
    """Operations → Payouts links each batch's merchant to its statement, read-only: the same
    lines the merchant sees, no other merchant's, no form that changes anything."""
    (mine, theirs), _users = paid_out
    client.force_login(f.user(Role.OPERATOR))
    listing = client.get(reverse("operations:payouts")).content.decode()
    url = reverse("operations:merchant_statement", args=[mine.pk])
    assert f'href="{url}"' in listing
    body = client.get(url).content.decode()
    assert all(o.number in body for o in mine.orders.all())
    assert not any(o.number in body for o in theirs.orders.all())
    batch = PayoutBatch.objects.get(merchant=mine)
    assert batch.reference in body and batch.items.get().rate_date.isoformat() in body
    for category in ("order", "commission", "fx", "fee", "payout"):
        assert f'data-category="{category}"' in body
    assert 'method="post"' not in body.split("<h1>", 1)[1].split("</main>", 1)[0]
    assert client.get(url + "?month=2026-13").status_code == 404


@pytest.mark.parametrize("role", [Role.MERCHANT, Role.BUYER])
def test_only_operators_read_a_merchants_statement(client, paid_out, role):
    (mine, _theirs), (user, _other) = paid_out
    client.force_login(user if role == Role.MERCHANT else f.user(role))
    url = reverse("operations:merchant_statement", args=[mine.pk])
    assert client.get(url).status_code in (302, 403)
