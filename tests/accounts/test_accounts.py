import datetime as dt

import pytest
from django.test import Client

from caravana.accounts.models import Role, User
from caravana.network.models import Hub
from caravana.network.seed import seed_network
from caravana.network.services import add_hub_member
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_signup_creates_a_buyer_and_logs_in():
    c = Client()
    r = c.post(
        "/accounts/signup/",
        {
            "username": "ana",
            "email": "ana@example.com",
            "password1": "Tr0ub4dor&3x",
            "password2": "Tr0ub4dor&3x",
        },
    )
    assert r.status_code == 302
    assert User.objects.get(username="ana").role == Role.BUYER
    assert c.get("/accounts/home/").status_code == 302


def test_signup_errors_name_the_field():
    r = Client().post(
        "/accounts/signup/",
        {"username": "ana", "email": "not-an-email", "password1": "x", "password2": "y"},
    )
    assert r.status_code == 422
    assert "email" in r.context["form"].errors and "password2" in r.context["form"].errors
    assert not User.objects.filter(username="ana").exists()


@pytest.mark.parametrize(
    ("role", "extra", "target"),
    [
        (Role.MERCHANT, {}, "/console/"),
        (Role.HUB, {}, "/hub/"),
        (Role.PLANNER, {}, "/planning/"),
        (Role.OPERATOR, {}, "/operations/review/"),
        (Role.OPERATOR, {"is_staff": True}, "/admin/"),
        (Role.BUYER, {}, "/"),
    ],
)
def test_home_sends_each_role_to_its_work(role, extra, target):
    c = Client()
    c.force_login(f.user(role, **extra))
    assert c.get("/accounts/home/")["Location"] == target


@pytest.mark.parametrize(("role", "target"), [(Role.HUB, "/hub/"), (Role.PLANNER, "/planning/")])
def test_staff_log_in_to_their_own_pages_without_the_country_picker(role, target):
    """A fresh browser (no country chosen): staff land on their pages, never on /country/."""
    user = f.user(role)
    if role == Role.HUB:
        seed_network(dt.date.today())
        add_hub_member(Hub.objects.get(code="SZX-HUB"), user)
    c = Client()
    r = c.post("/accounts/login/", {"username": user.username, "password": f.PASSWORD},
               follow=True)  # fmt: skip
    assert r.redirect_chain[-1][0] == target and r.status_code == 200
    assert "/country/" not in r.content.decode()
    assert c.get("/").status_code == 200  # the storefront, as it is, without the picker


def test_login_and_logout():
    f.user(Role.BUYER, username="bia")
    c = Client()
    r = c.post("/accounts/login/", {"username": "bia", "password": f.PASSWORD})
    assert r.status_code == 302
    r = c.post("/accounts/logout/")
    assert r.status_code == 302
