"""API tokens carry scopes: each router needs its own, a token without it gets 403 naming the
scope, session auth stays role-based, old tokens keep the scopes of their role, and the OpenAPI
document says which scope each operation needs."""

import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client

from caravana.accounts import services as accounts
from caravana.accounts.models import ApiToken, Role, Scope
from caravana.clearance.models import GatewayMember
from caravana.network import services as network
from caravana.network.models import Carrier, Gateway, Hub
from tests import factories as f
from tests.fulfillment.conftest import network as network_fixture  # noqa: F401

pytestmark = pytest.mark.django_db

#: One endpoint per scope; any answer but a scope refusal means the token got through.
ENDPOINTS = {
    Scope.CATALOG: ("get", "/api/v1/merchant/products", None),
    Scope.ORDERS: ("get", "/api/v1/cart", None),
    Scope.PARCELS: ("get", "/api/v1/parcels", None),
    Scope.TRACKING: ("post", "/api/v1/tracking/events", {"events": []}),
    Scope.PAYMENTS: ("post", "/api/v1/orders/NO-SUCH-ORDER/refunds", {}),
    Scope.CLEARANCE: ("post", "/api/v1/clearance/decisions", {"decisions": []}),
}


def call(client: Client, endpoint, secret: str | None = None):
    method, url, body = endpoint
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"} if secret else {}
    if method == "get":
        return client.get(url, **headers)
    return client.post(url, body, content_type="application/json", **headers)


@pytest.fixture
def everyone(network_fixture):  # noqa: F811
    """An operator who is also merchant staff, hub staff and a carrier's integration user, so
    every endpoint above would serve them: only the token's scopes decide."""
    user = f.user(Role.OPERATOR)
    f.merchant(staff=user)
    network.add_hub_member(Hub.objects.get(code="SZX-HUB"), user)
    network.add_carrier_member(Carrier.objects.get(code="br-correios"), user)
    GatewayMember.objects.create(user=user, gateway=Gateway.objects.get(iata="GRU"))
    user.role = Role.OPERATOR
    user.save(update_fields=["role"])
    return user


@pytest.mark.parametrize("scope", Scope.values)
def test_scope_matrix(everyone, scope):
    _t, secret = accounts.create_token(everyone, scope, [scope])
    c = Client()
    for needed, endpoint in ENDPOINTS.items():
        r = call(c, endpoint, secret)
        if needed == scope:
            assert r.status_code not in (401, 403), (needed, r.status_code, r.content)
        else:
            assert r.status_code == 403, (needed, r.status_code, r.content)
            assert r.json()["required_scope"] == needed
            assert needed in r.json()["detail"]
            assert r["WWW-Authenticate"] == (f'Bearer error="insufficient_scope", scope="{needed}"')


def test_a_catalog_token_cannot_refund(network_fixture):  # noqa: F811
    staff = f.user(Role.MERCHANT)
    f.merchant(staff=staff)
    _t, catalog_only = accounts.create_token(staff, "catalog sync", [Scope.CATALOG])
    _t, full = accounts.create_token(staff, "erp")
    c = Client()
    assert call(c, ENDPOINTS[Scope.CATALOG], catalog_only).status_code == 200
    r = call(c, ENDPOINTS[Scope.PAYMENTS], catalog_only)
    assert r.status_code == 403
    assert r.json() == {
        "detail": "This API token lacks the payments scope this endpoint needs.",
        "code": "missing_scope",
        "required_scope": "payments",
    }
    assert call(c, ENDPOINTS[Scope.PAYMENTS], full).status_code == 404  # reached the refund


def test_session_auth_stays_role_based(db):
    buyer = f.user(Role.BUYER)
    accounts.create_token(buyer, "narrow", [Scope.PAYMENTS])
    c = Client()
    c.force_login(buyer)
    assert call(c, ENDPOINTS[Scope.ORDERS]).status_code == 200


def test_default_and_allowed_scopes_follow_role_and_membership(network_fixture):  # noqa: F811
    merchant = f.user(Role.MERCHANT)
    f.merchant(staff=merchant)
    carrier = f.user(Role.BUYER)
    network.add_carrier_member(Carrier.objects.get(code="br-correios"), carrier)
    hub = f.user(Role.BUYER)
    network.add_hub_member(Hub.objects.get(code="SZX-HUB"), hub)
    assert accounts.create_token(merchant, "x")[0].scope_list == ["catalog", "parcels", "payments"]
    assert accounts.create_token(carrier, "x")[0].scope_list == ["orders", "tracking", "payments"]
    assert accounts.create_token(hub, "x")[0].scope_list == ["parcels"]
    assert accounts.create_token(f.user(Role.OPERATOR), "x")[0].scope_list == Scope.values
    with pytest.raises(ValidationError) as err:
        accounts.create_token(merchant, "x", ["orders"])  # not a scope a merchant uses
    assert "scopes" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        accounts.create_token(merchant, "x", [])
    assert "scopes" in err.value.message_dict


def test_tokens_made_before_scopes_get_their_roles(network_fixture):  # noqa: F811
    """The data migration, run on tokens as they were: no scopes at all."""
    migration = importlib.import_module("caravana.accounts.migrations.0002_token_scopes")
    merchant = f.user(Role.MERCHANT)
    f.merchant(staff=merchant)
    carrier = f.user(Role.BUYER)
    network.add_carrier_member(Carrier.objects.get(code="br-correios"), carrier)
    hub = f.user(Role.PLANNER)
    network.add_hub_member(Hub.objects.get(code="SZX-HUB"), hub)  # makes them hub staff
    admin = f.user(Role.BUYER, is_superuser=True)
    users = {"merchant": merchant, "carrier": carrier, "hub": hub, "admin": admin}
    secrets = {k: accounts.create_token(u, k)[1] for k, u in users.items()}
    ApiToken.objects.update(scopes="")
    assert call(Client(), ENDPOINTS[Scope.CATALOG], secrets["merchant"]).status_code == 403

    migration.give_scopes(apps, None)
    got = {t.name: t.scopes for t in ApiToken.objects.all()}
    assert got == {
        "merchant": "catalog parcels payments",
        "carrier": "orders tracking payments",
        "hub": "parcels",
        "admin": "catalog orders parcels tracking payments",
    }
    c = Client()
    assert call(c, ENDPOINTS[Scope.CATALOG], secrets["merchant"]).status_code == 200
    assert call(c, ENDPOINTS[Scope.TRACKING], secrets["carrier"]).status_code != 403
    hub_answer = call(c, ENDPOINTS[Scope.PARCELS], secrets["hub"])  # a merchant's list:
    assert "required_scope" not in hub_answer.json()  # refused for the role, not the scope


def test_console_picks_and_shows_scopes(db):
    staff = f.user(Role.MERCHANT)
    f.merchant(staff=staff)
    c = Client()
    c.force_login(staff)
    page = c.get("/console/tokens/").content.decode()
    for scope in ("catalog", "parcels", "payments"):
        assert f'value="{scope}"' in page and "checked" in page
    assert 'value="orders"' not in page
    r = c.post("/console/tokens/", {"name": "sync", "scopes": ["catalog"]})
    assert r.status_code == 200 and r.context["secret"]
    assert ApiToken.objects.get().scopes == "catalog"
    assert '<td data-testid="scopes">catalog</td>' in c.get("/console/tokens/").content.decode()
    r = c.post("/console/tokens/", {"name": "none"})
    assert r.status_code == 422 and 'data-field="scopes"' in r.content.decode()
    assert ApiToken.objects.count() == 1


def test_management_command_picks_scopes(network_fixture, capsys):  # noqa: F811
    user = f.user(Role.BUYER, username="correios-api")
    network.add_carrier_member(Carrier.objects.get(code="br-correios"), user)
    call_command("create_token", "correios-api", "--name", "events", "--scope", "tracking")
    secret = capsys.readouterr().out.strip()
    token = ApiToken.objects.get()
    assert secret.startswith("cvn_") and token.scopes == "tracking"
    assert call(Client(), ENDPOINTS[Scope.TRACKING], secret).status_code != 403


def test_openapi_names_each_operations_scope(db):
    schema = Client().get("/api/v1/openapi.json").json()
    refund = schema["paths"]["/api/v1/orders/{number}/refunds"]["post"]
    assert {"TokenAuth": ["payments"]} in refund["security"]
    assert "`payments`" in refund["description"]
    products = schema["paths"]["/api/v1/merchant/products"]["get"]
    assert products["security"] == [{"TokenAuth": ["catalog"]}]
    events = schema["paths"]["/api/v1/tracking/events"]["post"]
    assert events["security"] == [{"TokenAuth": ["tracking"]}]
    assert "security" not in schema["paths"]["/api/v1/tracking/{identifier}"]["get"]
    unscoped = [
        (path, method)
        for path, operations in schema["paths"].items()
        for method, op in operations.items()
        for requirement in op.get("security", [])
        if requirement.get("TokenAuth") == []
    ]
    assert unscoped == []  # every endpoint a token reaches names its scope
