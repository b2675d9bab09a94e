"""The admin's app list (its navigation sidebar) is built once per set of permissions and
language and kept a minute: a second admin page asks no ModelAdmin for its permissions and runs
no query for it."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext

from caravana.accounts.models import Role
from caravana.admin_lists import site as site_module
from caravana.admin_lists.site import CaravanaAdminSite
from tests import factories as f

pytestmark = pytest.mark.django_db
URL = "/admin/accounts/apitoken/"


def _builds(monkeypatch) -> list[object]:
    built: list[object] = []
    original = admin.AdminSite._build_app_dict

    def counting(self, request, label=None):
        built.append(label)
        return original(self, request, label)

    monkeypatch.setattr(admin.AdminSite, "_build_app_dict", counting)
    return built


def test_the_default_site_is_caravanas():
    admin.site.get_app_list  # noqa: B018  (sets up the lazy default site)
    assert isinstance(admin.site._wrapped, CaravanaAdminSite)


def test_the_app_list_is_built_once_per_permissions_and_language(client, monkeypatch):
    admin.site._app_lists.clear()
    built = _builds(monkeypatch)
    operator = f.user(Role.OPERATOR, username="op-a", is_staff=True, is_superuser=True)
    client.force_login(operator)
    first = client.get(URL)
    assert first.status_code == 200 and len(built) == 1
    with CaptureQueriesContext(connection) as again:
        second = client.get(URL)
    assert second.status_code == 200 and len(built) == 1  # kept
    assert second.context["available_apps"] == first.context["available_apps"]
    assert len(again.captured_queries) <= 3, again.captured_queries  # session, user, the list
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    spanish = client.get(URL)
    assert spanish.context["LANGUAGE_CODE"] == "es"
    assert len(built) == 2  # another language, another list (its names translated)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    other = f.user(Role.OPERATOR, username="op-b", is_staff=True, is_superuser=True)
    client.force_login(other)
    client.get(URL)
    assert len(built) == 2  # another superuser: the same permissions, the same list


def test_a_changed_permission_changes_the_list_at_once(client, monkeypatch):
    from django.contrib.auth.models import Permission

    admin.site._app_lists.clear()
    built = _builds(monkeypatch)
    staff = f.user(Role.OPERATOR, username="op-e", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_apitoken"))
    client.force_login(staff)
    assert client.get(URL).status_code == 200
    assert client.get("/admin/accounts/user/").status_code == 403
    staff.user_permissions.add(Permission.objects.get(codename="view_user"))
    page = client.get("/admin/accounts/user/")
    assert page.status_code == 200 and len(built) == 2  # built again for the new set
    names = [m["object_name"] for a in page.context["available_apps"] for m in a["models"]]
    assert "User" in names


def test_a_kept_list_is_built_again_after_its_minute(client, monkeypatch):
    admin.site._app_lists.clear()
    built = _builds(monkeypatch)
    client.force_login(f.user(Role.OPERATOR, username="op-c", is_staff=True, is_superuser=True))
    client.get(URL)
    now = site_module.time.monotonic()
    monkeypatch.setattr(site_module.time, "monotonic", lambda: now + site_module.APP_LIST_SECONDS)
    client.get(URL)
    assert len(built) == 2


def test_one_apps_index_is_never_served_from_the_kept_list(client, monkeypatch):
    admin.site._app_lists.clear()
    built = _builds(monkeypatch)
    client.force_login(f.user(Role.OPERATOR, username="op-d", is_staff=True, is_superuser=True))
    assert client.get("/admin/accounts/").status_code == 200
    assert "accounts" in built  # the app's own list, built for its page
