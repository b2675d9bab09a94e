"""Issue 14 item 9: operators read a gateway's day — arrived, presented, cleared, held by reason,
released, returned, average clearance time, and the duties collected, assessed and remitted — in
es, pt-BR, en and zh-Hans. The words are written out here, so an untranslated label fails."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from caravana.accounts.models import Role
from caravana.clearance import services
from caravana.duties import services as duties
from caravana.duties.seed import ensure_reference
from caravana.payments import ledger
from tests import factories as f

pytestmark = pytest.mark.django_db

WORDS = {
    "en": ["Clearance dashboard", "Arrived", "Presented", "Cleared", "Held", "Released",
           "Returned", "Average clearance time", "Duties collected", "Duties assessed",
           "Duties remitted", "Inspection"],
    "es": ["Panel de despacho", "Llegó", "Presentado", "Despachado", "Retenido", "Liberado",
           "Devuelto", "Tiempo medio de despacho", "Aranceles cobrados", "Aranceles liquidados",
           "Aranceles remitidos", "Inspección"],
    "pt-br": ["Painel de desembaraço", "Chegou", "Apresentado", "Desembaraçado", "Retido",
              "Liberado", "Devolvido", "Tempo médio de desembaraço", "Tributos cobrados",
              "Tributos lançados", "Tributos recolhidos", "Inspeção"],
    "zh-hans": ["清关仪表板", "已到达", "已申报", "已清关", "已扣留", "已放行", "已退回",
                "平均清关时间", "已收关税", "核定关税", "已缴纳的关税", "查验"],
}  # fmt: skip


@pytest.fixture
def busy_day(world):
    """One parcel of each fate at GRU today, and the buyer's duties assessed."""
    ensure_reference()
    services.present_manifest(world["flight"], world["gateway"], world["operator"])
    at = timezone.now() + dt.timedelta(seconds=1)
    parcel, (a, b, c) = world["parcel"], world["others"]
    services.decide(parcel, "cleared", at=at)
    services.decide(a, "held", "inspection", at=at)
    services.decide(a, "released", at=at + dt.timedelta(seconds=1))
    services.decide(b, "held", "inspection", at=at)
    services.decide(c, "returned", at=at)
    duties.record_assessment(parcel, ledger.collected_by_tax(world["order"]), "DI 1")
    return world


@pytest.mark.parametrize("language", list(WORDS))
def test_operators_read_the_gateways_day_in_their_language(busy_day, language):
    operator = Client()
    operator.force_login(f.user(Role.OPERATOR))
    r = operator.get("/clearance/GRU/dashboard/", HTTP_ACCEPT_LANGUAGE=language)
    assert r.status_code == 200
    html = r.content.decode()
    missing = [w for w in WORDS[language] if w not in html]
    assert not missing, (language, missing)
    assert html.count("<svg") >= 2  # decisions per day and clearance time, as charts
    today = r.context["days"][-1]
    assert (today.arrived, today.presented, today.cleared, today.released) == (4, 4, 1, 1)
    assert (today.held, today.returned) == ({"inspection": 2}, 1)
    assert today.avg_hours is not None
