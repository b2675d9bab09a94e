"""Abuse limits: login and admin login lock out after repeated failures (django-axes), sign-up,
tracking lookups, quotes and API tokens are rate-limited with 429 and Retry-After, and every
Django password validator is on."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from caravana.accounts import services as accounts
from caravana.accounts.limits import client_ip
from caravana.accounts.models import Role, User
from tests import factories as f

pytestmark = pytest.mark.django_db


def _retry_after(response) -> int:
    value = int(response["Retry-After"])
    assert value >= 1
    return value


# Passwords


def test_a_password_of_digits_only_is_refused_on_signup():
    data = {"username": "ana", "email": "ana@example.com"}
    r = Client().post(
        "/accounts/signup/", {**data, "password1": "83749201834", "password2": "83749201834"}
    )
    assert r.status_code == 422
    assert "password2" in r.context["form"].errors
    assert "entirely numeric" in str(r.context["form"].errors["password2"])
    assert not User.objects.filter(username="ana").exists()
    ok = Client().post(
        "/accounts/signup/", {**data, "password1": "caravana-demo", "password2": "caravana-demo"}
    )
    assert ok.status_code == 302 and User.objects.filter(username="ana").exists()


# Login lockout (django-axes)


def _fail_login(client: Client, url: str, username: str, **extra):
    return client.post(url, {"username": username, "password": "wrong-password"}, **extra)


def test_login_locks_out_after_the_configured_failures(settings):
    settings.AXES_FAILURE_LIMIT = 3
    user = f.user(username="rosa")
    client = Client()
    for _ in range(2):
        assert _fail_login(client, "/accounts/login/", "rosa").status_code == 200
    locked = _fail_login(client, "/accounts/login/", "rosa")
    assert locked.status_code == 429
    assert _retry_after(locked) == 15 * 60
    assert "Too many failed logins" in locked.content.decode()
    assert 'role="alert"' in locked.content.decode()  # shown on the login page itself
    # the right password does not get in while locked out
    right = client.post("/accounts/login/", {"username": user.username, "password": f.PASSWORD})
    assert right.status_code == 429 and "_auth_user_id" not in client.session


def test_another_address_is_locked_out_of_the_same_username(settings):
    settings.AXES_FAILURE_LIMIT = 2
    f.user(username="rosa")
    for n in range(2):
        _fail_login(Client(), "/accounts/login/", "rosa", REMOTE_ADDR=f"203.0.113.{n}")
    r = _fail_login(Client(), "/accounts/login/", "rosa", REMOTE_ADDR="198.51.100.7")
    assert r.status_code == 429


def test_a_successful_login_before_the_limit_clears_the_failures(settings):
    settings.AXES_FAILURE_LIMIT = 3
    user = f.user(username="rosa")
    client = Client()
    for _ in range(2):
        _fail_login(client, "/accounts/login/", "rosa")
    ok = client.post("/accounts/login/", {"username": user.username, "password": f.PASSWORD})
    assert ok.status_code == 302
    client.post("/accounts/logout/")
    for _ in range(2):
        assert _fail_login(client, "/accounts/login/", "rosa").status_code == 200


def test_the_lockout_message_is_translated(settings):
    settings.AXES_FAILURE_LIMIT = 1
    f.user(username="rosa")
    client = Client()
    client.cookies["django_language"] = "es"
    r = _fail_login(client, "/accounts/login/", "rosa")
    assert r.status_code == 429
    assert "Demasiados inicios de sesión fallidos" in r.content.decode()


def test_admin_login_locks_out(settings):
    settings.AXES_FAILURE_LIMIT = 2
    operator = f.user(Role.OPERATOR, username="op", is_staff=True, is_superuser=True)
    client = Client()
    _fail_login(client, "/admin/login/", "op")
    locked = _fail_login(client, "/admin/login/", "op")
    assert locked.status_code == 429
    _retry_after(locked)
    html = locked.content.decode()
    assert "Too many failed logins" in html and 'class="errornote"' in html
    right = client.post("/admin/login/", {"username": operator.username, "password": f.PASSWORD})
    assert right.status_code == 429


# Rate limits


def test_signup_is_rate_limited_per_address(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "signup": "2/h"}
    client = Client()
    assert client.get("/accounts/signup/").status_code == 200  # reading the form is free
    for n in range(2):
        r = client.post("/accounts/signup/", {"username": f"u{n}", "email": "", "password1": "x"})
        assert r.status_code == 422
    r = client.post(
        "/accounts/signup/",
        {
            "username": "u9",
            "email": "u9@example.com",
            "password1": "caravana-demo",
            "password2": "caravana-demo",
        },
    )
    assert r.status_code == 429 and 3000 < _retry_after(r) <= 3600
    assert r["Content-Type"].startswith("text/html") and "Too many requests" in r.content.decode()
    assert not User.objects.filter(username="u9").exists()
    # another address is not affected
    other = Client(REMOTE_ADDR="198.51.100.9").post("/accounts/signup/", {"username": "u8"})
    assert other.status_code == 422


def test_tracking_lookups_are_rate_limited_across_page_and_api(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "tracking": "3/min"}
    client = Client()
    assert client.get("/track/").status_code == 200
    assert client.get("/track/HC123456785CN/").status_code == 404
    assert client.get("/api/v1/tracking/HC123456785CN").status_code == 404
    page = client.get("/track/HC123456785CN/")
    assert page.status_code == 429 and _retry_after(page) <= 60
    api = client.get("/api/v1/tracking/HC123456785CN")
    assert api.status_code == 429 and _retry_after(api) <= 60
    assert api.json()["detail"]


def test_quotes_are_rate_limited(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "quotes": "2/min"}
    client = Client()
    for _ in range(2):
        r = client.post("/api/v1/quotes", json.dumps({}), content_type="application/json")
        assert r.status_code == 422
    r = client.post("/api/v1/quotes", json.dumps({}), content_type="application/json")
    assert r.status_code == 429 and _retry_after(r) <= 60


def test_every_api_token_is_rate_limited_on_its_own(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "api_token": "3/min"}
    merchant = f.user(Role.MERCHANT)
    f.merchant(staff=merchant)
    _, first = accounts.create_token(merchant, "first")
    _, second = accounts.create_token(merchant, "second")
    client = Client()
    for _ in range(3):
        r = client.get("/api/v1/merchant/products", HTTP_AUTHORIZATION=f"Bearer {first}")
        assert r.status_code == 200
    r = client.get("/api/v1/merchant/products", HTTP_AUTHORIZATION=f"Bearer {first}")
    assert r.status_code == 429 and 1 <= _retry_after(r) <= 60
    r = client.get("/api/v1/merchant/products", HTTP_AUTHORIZATION=f"Bearer {second}")
    assert r.status_code == 200


def test_api_requests_without_a_token_are_rate_limited_per_address(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "api_anon": "2/min"}
    client = Client()
    for _ in range(2):
        assert client.get("/api/v1/stores").status_code == 200
    r = client.get("/api/v1/stores")
    assert r.status_code == 429 and _retry_after(r) <= 60
    assert Client(REMOTE_ADDR="198.51.100.9").get("/api/v1/stores").status_code == 200


def test_payment_webhooks_are_not_rate_limited(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "api_anon": "1/min"}
    client = Client()
    for _ in range(3):
        r = client.post("/api/v1/payments/webhooks/sandbox", b"{}", content_type="application/json")
        assert r.status_code != 429


def test_limits_count_the_client_behind_the_trusted_proxies(rf, settings):
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.5")
    settings.CARAVANA_TRUSTED_PROXIES = 0
    assert client_ip(request) == "10.0.0.2"  # the header is not trusted
    settings.CARAVANA_TRUSTED_PROXIES = 1
    assert client_ip(request) == "203.0.113.5"  # what our proxy saw; 1.2.3.4 is the client's claim
