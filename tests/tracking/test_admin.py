"""Every tracking model is in the back office, with search and filters, in a bounded number of
queries; events and statuses are read-only there (they change only through the services)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from caravana.tracking.models import WebhookEndpoint
from tests import factories as f
from tests.tracking.conftest import walk_to_gateway

pytestmark = pytest.mark.django_db

PAGES = [
    ("trackingevent", "?q={s10}&status__exact=in_transit"),
    ("webhookendpoint", "?q=example&active__exact=1"),
    ("webhookdelivery", "?state__exact=pending"),
    ("webhookattempt", ""),
]


def test_admin_lists_search_and_filter(client, make_parcel, merchant, hub_user):
    parcel = make_parcel()
    walk_to_gateway(parcel, hub_user)
    WebhookEndpoint.objects.create(merchant=merchant, url="https://example.cn/h", secret="s")
    admin = f.user(is_staff=True, is_superuser=True)
    client.force_login(admin)
    for model, query in PAGES:
        with CaptureQueriesContext(connection) as q:
            r = client.get(f"/admin/tracking/{model}/" + query.format(s10=parcel.s10))
        assert r.status_code == 200, model
        assert len(q) <= 12, (model, len(q))
    r = client.get(f"/admin/tracking/trackingevent/?q={parcel.s10}")
    assert r.content.decode().count(parcel.s10) >= 7
    assert client.get("/admin/tracking/trackingevent/add/").status_code == 403
    assert client.get("/admin/tracking/webhookendpoint/add/").status_code == 200


def test_openapi_documents_the_tracking_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/tracking/events" in paths and "/api/v1/tracking/{identifier}" in paths
