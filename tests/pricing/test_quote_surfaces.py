"""The quote through its two surfaces over the database: POST /api/v1/quotes and the command."""

import copy
import datetime as dt
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from caravana.pricing import services
from caravana.pricing.engine import replay
from caravana.pricing.models import FxRate, RuleSetVersion
from tests import factories as f

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 11, 27)

REQUEST = {
    "lines": [
        {
            "hs_code": "851830",
            "unit_price": "129.00",
            "currency": "CNY",
            "quantity": 1,
            "weight_g": 180,
            "length_cm": 12,
            "width_cm": 8,
            "height_cm": 4,
        }
    ],
    "country": "BR",
    "state": "SP",
    "service_level": "standard",
    "buyer_id_type": "br.cpf",
    "quote_date": DAY.isoformat(),
}


@pytest.fixture(autouse=True)
def rates():
    f.fx_rates(DAY)


def post(body):
    return Client().post("/api/v1/quotes", json.dumps(body), content_type="application/json")


def test_api_quote_components_sum_to_the_total():
    r = post(REQUEST)
    assert r.status_code == 200, r.content
    q = r.json()
    assert q["currency"] == "BRL" and q["ddp"] is True
    parts = [q["shipping"], *q["lines"], *q["duties"], *q["taxes"]]
    if q["insurance"]:
        parts.append(q["insurance"])
    assert sum(Decimal(p["amount"]) for p in parts) == Decimal(q["total"])
    assert {d["code"] for d in q["duties"]} == {"ii"} and {t["code"] for t in q["taxes"]} == {
        "icms"
    }
    assert all(d["rule_set_id"] and d["source"] for d in q["duties"] + q["taxes"])


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"country": "FR"}, "country"),
        ({"state": "XX"}, "state"),
        ({"quote_date": "yesterday"}, "quote_date"),
        ({"lines": []}, "lines"),
    ],
)
def test_api_bad_request_is_422_naming_the_field(change, field):
    r = post({**REQUEST, **change})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"][-1] == field


@pytest.mark.parametrize(
    ("line_change", "field"),
    [
        ({"hs_code": "999999"}, "lines[0].hs_code"),
        ({"weight_g": -5}, "lines[0].weight_g"),
        ({"weight_g": 10_000_000}, "lines[0].weight_g"),
        ({"unit_price": 1.5}, "lines[0].unit_price"),
        ({"currency": "JPY"}, "fx"),
    ],
)
def test_api_bad_line_is_422(line_change, field):
    body = copy.deepcopy(REQUEST)
    body["lines"][0].update(line_change)
    r = post(body)
    assert r.status_code == 422, r.content
    assert r.json()["detail"][0]["loc"][-1] == field


def test_missing_fx_rate_is_an_error_not_a_guess():
    FxRate.objects.all().delete()
    r = post(REQUEST)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "fx"


def test_cart_over_the_cap_is_refused_with_the_reason():
    body = copy.deepcopy(REQUEST)
    body["lines"][0]["unit_price"] = "30000.00"  # about US$4,225: over Brazil's US$3,000
    r = post(body)
    assert r.status_code == 422
    assert r.json()["detail"][0]["type"] == "value_cap"


def test_command_matches_the_api(tmp_path):
    path = tmp_path / "cart.json"
    path.write_text(json.dumps(REQUEST))
    out = StringIO()
    call_command("quote", file=path, stdout=out)
    assert json.loads(out.getvalue()) == post(REQUEST).json()


def test_command_fails_with_the_reason(tmp_path):
    path = tmp_path / "cart.json"
    path.write_text(json.dumps({**REQUEST, "country": "FR"}))
    with pytest.raises(CommandError, match="country"):
        call_command("quote", file=path, stdout=StringIO())
    path.write_text("{not json")
    with pytest.raises(CommandError, match="not JSON"):
        call_command("quote", file=path, stdout=StringIO())


def test_rule_and_fx_changes_do_not_alter_a_placed_quote():
    snapshot = post(REQUEST).json()
    row = RuleSetVersion.objects.get(rule_id=snapshot["rule_set_id"])
    body = copy.deepcopy(row.body)
    text = json.dumps(body).replace('"0.17"', '"0.19"')  # ICMS up two points
    services.save_rule_set(json.loads(text))
    FxRate.objects.filter(quote="BRL").update(rate=Decimal("6.10"))
    from caravana.pricing import fx

    fx.invalidate()
    now = post(REQUEST).json()
    assert now["total"] != snapshot["total"]
    assert replay(snapshot).to_dict()["total"] == snapshot["total"]


def test_operator_edits_are_validated():
    row = RuleSetVersion.objects.filter(country="MX").first()
    bad = {**row.body, "effective_from": "not a date"}
    with pytest.raises(Exception) as err:
        services.save_rule_set(bad)
    assert "body" in err.value.message_dict
    overlapping = {**row.body, "id": "MX-OVERLAP", "effective_to": None}
    with pytest.raises(Exception) as err:
        services.save_rule_set(overlapping)
    assert not RuleSetVersion.objects.filter(rule_id="MX-OVERLAP").exists()
