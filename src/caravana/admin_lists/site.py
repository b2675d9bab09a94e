"""The admin site: Django's, with the list of apps and models kept a minute per set of
permissions and language. Django builds that list on every admin page (the navigation
sidebar's), asking each of ~80 ModelAdmins for its permissions and reversing its URLs: about
half of an empty admin list's time (docs/decisions/0033). The views still check permissions on
every request; the list is kept per set of permissions (not per user), so a changed permission
changes it at once, and whatever else a ModelAdmin reads shows within APP_LIST_SECONDS."""

from __future__ import annotations

import time
from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import get_language

#: How long a user's app list is kept before it is built again.
APP_LIST_SECONDS = 60.0
#: Users whose lists are kept at once (the back office has a few dozen staff); past this the
#: whole cache is dropped rather than tracked entry by entry.
APP_LIST_USERS = 512


class CaravanaAdminSite(admin.AdminSite):
    """Django's AdminSite with `get_app_list` (the whole list, not one app's) cached."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._app_lists: dict[tuple, tuple[float, list[dict[str, Any]]]] = {}

    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> list:
        user = getattr(request, "user", None)
        if app_label is not None or user is None or not user.is_authenticated:
            return super().get_app_list(request, app_label)
        # Superusers hold every permission; others' set is read once per request anyway (the
        # view's own permission checks share the user's cache of it).
        perms = frozenset() if user.is_superuser else frozenset(user.get_all_permissions())
        key = (user.is_superuser, user.is_staff, perms, get_language())
        now = time.monotonic()
        hit = self._app_lists.get(key)
        if hit is not None and now - hit[0] < APP_LIST_SECONDS:
            return list(hit[1])
        app_list = super().get_app_list(request)
        if len(self._app_lists) >= APP_LIST_USERS:
            self._app_lists.clear()
        self._app_lists[key] = (now, app_list)
        return list(app_list)
