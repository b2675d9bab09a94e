import pytest
from django.test import Client

from caravana.accounts.models import Role, User
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
    ("role", "target"),
    [
        (Role.MERCHANT, "/console/"),
        (Role.OPERATOR, "/admin/"),
        (Role.BUYER, "/"),
    ],
)
def test_home_sends_each_role_to_its_work(role, target):
    c = Client()
    c.force_login(f.user(role))
    assert c.get("/accounts/home/")["Location"] == target


def test_login_and_logout():
    f.user(Role.BUYER, username="bia")
    c = Client()
    r = c.post("/accounts/login/", {"username": "bia", "password": f.PASSWORD})
    assert r.status_code == 302
    r = c.post("/accounts/logout/")
    assert r.status_code == 302
