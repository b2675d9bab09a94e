import json

import pytest
from django.test import Client

from caravana.accounts.models import Role
from caravana.pricing.models import RuleSetVersion
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator():
    user = f.user(Role.OPERATOR, is_staff=True, is_superuser=True)
    c = Client()
    c.force_login(user)
    return c


def test_operator_edits_a_rule_set_in_the_back_office(operator):
    row = RuleSetVersion.objects.filter(country="CL").order_by("effective_from").last()
    url = f"/admin/pricing/rulesetversion/{row.pk}/change/"
    assert operator.get(url).status_code == 200
    body = {**row.body, "verified": True}
    r = operator.post(url, {"body": json.dumps(body)})
    assert r.status_code == 302
    row.refresh_from_db()
    assert row.verified is True


def test_bad_rule_set_is_refused_on_the_field(operator):
    row = RuleSetVersion.objects.filter(country="CL").order_by("effective_from").last()
    url = f"/admin/pricing/rulesetversion/{row.pk}/change/"
    r = operator.post(url, {"body": json.dumps({**row.body, "effective_from": "soon"})})
    assert r.status_code == 200
    assert "body" in r.context["adminform"].form.errors
    row.refresh_from_db()
    assert row.body["effective_from"] != "soon"


def test_every_admin_list_page_loads(operator):
    for model in ("fxrate", "rulesetversion", "ratecardversion"):
        assert operator.get(f"/admin/pricing/{model}/").status_code == 200
