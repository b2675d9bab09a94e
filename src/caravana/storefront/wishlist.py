"""The wishlist's heart button, on cards and the product page: a form that saves or removes the
product (htmx swaps the button in place; without script the page reloads). An anonymous buyer's
button posts too: the view keeps the wish in the session, asks them to log in and brings them
back to the page with the product saved (shelves.services.adopt_session)."""

from __future__ import annotations

from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from caravana.storefront.urls_cache import url_with_id

_HEART = (
    '<svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">'
    '<path d="M12 20.5s-7.5-4.6-7.5-10A4.3 4.3 0 0 1 12 7.6a4.3 4.3 0 0 1 7.5 2.9c0 5.4-7.5 '
    '10-7.5 10z" fill="{}" stroke="currentColor" stroke-width="2" stroke-linejoin="round"/>'
    "</svg>"
)


def button(
    pk: int, title: str, *, wished: bool, logged_in: bool, csrf_token: str, back: str
) -> SafeString:
    """The form with its one button: pressed (a filled heart) when the product is saved."""
    url = url_with_id("account:wish", pk)
    label = (
        gettext("Remove %(title)s from your wishlist")
        if wished
        else gettext("Save %(title)s to your wishlist")
    ) % {"title": title}
    htmx = (
        format_html(' hx-post="{}" hx-target="this" hx-swap="outerHTML"', url) if logged_in else ""
    )
    return format_html(
        '<form class="wish" method="post" action="{}"{} data-testid="wish-form">'
        '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
        '<input type="hidden" name="action" value="{}">'
        '<input type="hidden" name="next" value="{}">'
        '<button type="submit" class="wish-btn" aria-pressed="{}" title="{}" data-testid="wish">'
        '{}<span class="vh">{}</span></button></form>',
        url, htmx, csrf_token, "remove" if wished else "add", back,
        "true" if wished else "false", label,
        format_html(_HEART, "currentColor" if wished else "none"), label,
    )  # fmt: skip
