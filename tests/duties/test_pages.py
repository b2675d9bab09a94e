"""The operators' duty page: the reconciliation table, chart and remittance form in four
languages, the CSV, and nobody else may see it."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from caravana.accounts.models import Role
from caravana.duties import services
from caravana.duties.models import DutyAuthority, RemittanceBatch
from caravana.orders.shipping import ship_as_parcel
from caravana.payments import ledger
from tests import factories as f

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()
PERIOD = {"country": "BR", "start": TODAY.isoformat(),
          "end": (TODAY + dt.timedelta(days=1)).isoformat()}  # fmt: skip


@pytest.fixture
def assessed(paid):
    first, _second = paid
    parcel = ship_as_parcel(first, "SZX-HUB")
    by_tax = ledger.collected_by_tax(first)
    services.record_assessment(parcel, {"ii": by_tax["ii"] + Decimal("3.00"),
                                        "icms": by_tax["icms"]}, "DI 9")  # fmt: skip
    return first


@pytest.mark.parametrize(
    ("language", "words"),
    [("en", "Duties and taxes: reconciliation"), ("es", "Aranceles e impuestos: conciliación"),
     ("pt-br", "Tributos de importação: conciliação"), ("zh-hans", "关税和税款：对账")],
)  # fmt: skip
def test_operator_sees_the_balanced_report_in_four_languages(client, assessed, language, words):
    client.force_login(f.user(Role.OPERATOR))
    client.cookies["django_language"] = language
    page = client.get(reverse("duties:report"), PERIOD).content.decode()
    assert words in page
    assert 'data-testid="balanced"' in page and 'data-testid="chart"' in page
    assert "<rect" in page and "BR-RFB" in page and "Receita Federal" in page


def test_csv_and_remittance_from_the_page(client, assessed):
    client.force_login(f.user(Role.OPERATOR))
    body = client.get(reverse("duties:report_csv"), PERIOD).content.decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    total = rows[-1]
    assert total["tax"] == "total" and total["balanced"] == "yes"
    assert Decimal(total["closing"]) == assessed.duties + assessed.taxes + Decimal("3.00")
    assert {r["tax"] for r in rows[:-1]} >= {"ii", "icms"}
    rfb = DutyAuthority.objects.get(code="BR-RFB")
    data = {"authority": rfb.pk, "period_start": PERIOD["start"], "period_end": PERIOD["end"],
            "paid_reference": "DARF 42"}  # fmt: skip
    response = client.post(reverse("duties:remit"), data, follow=True)
    assert RemittanceBatch.objects.get().paid_reference == "DARF 42"
    assert 'data-testid="balanced"' in response.content.decode()
    client.post(reverse("duties:remit"), {**data, "paid_reference": ""})
    assert RemittanceBatch.objects.count() == 1
    bad = client.get(reverse("duties:report"), {**PERIOD, "end": PERIOD["start"]})
    assert "The period must end after it starts." in bad.content.decode()
    assert client.get(reverse("duties:report_csv"), {**PERIOD, "start": "x"}).status_code == 422


def test_only_operators_see_duties(client, assessed):
    client.force_login(f.user(Role.MERCHANT))
    assert client.get(reverse("duties:report")).status_code == 403
    assert client.post(reverse("duties:remit"), {}).status_code == 403
    client.logout()
    assert client.get(reverse("duties:report_csv")).status_code in (302, 403)
