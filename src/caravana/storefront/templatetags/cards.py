"""``{% card c %}``: one product card of a listing, written here rather than through an
included template: a page prints 12 or 24 of them, and the template engine spent a third of a
listing's time on them (variable look-ups, escaping, an include per card). Every value is
worked out by storefront.views._cards; this only writes it, escaped by format_html."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.timesince import timeuntil
from django.utils.translation import gettext

from caravana.catalog.thumbnails import picture_html

register = template.Library()

# A parcel drawn in line when the product has no picture.
_NO_IMAGE = mark_safe(
    '<svg viewBox="0 0 24 24" width="40%" aria-hidden="true"><path fill="none" '
    'stroke="currentColor" stroke-width="1.2" d="M3 7l9-4 9 4v10l-9 4-9-4zM3 7l9 4 9-4M12 11v'
    '10"/></svg>'
)


@register.simple_tag(takes_context=True)
def card(context: template.Context, c: dict[str, Any]) -> SafeString:
    """The card's link, picture, title, store, landed price ("—" when it cannot be delivered
    there) and the page's delivery promise."""
    image = (
        picture_html(c["image"], width=240, height=240, alt="", lazy=c["lazy"])
        if c["image"]
        else _NO_IMAGE
    )
    deal = c.get("deal")
    amount_attr = deal["amount"] if deal else c["amount_attr"]
    amount = format_html(' data-amount="{}"', amount_attr) if amount_attr else ""
    promise = context.get("delivery_promise")
    arrives = (
        format_html(
            '\n  <span class="arrives" data-promise="{}">{}</span>', promise.iso, promise.label
        )
        if promise
        else "\n  "
    )
    if c.get("ships_free"):
        arrives = format_html(
            '\n  <span class="ships-free" data-testid="card-free-shipping">{}</span>{}',
            c["ships_free"], arrives,
        )  # fmt: skip
    out = format_html(
        '<a class="card" href="{}" data-product="{}">\n  <div class="thumb">{}</div>\n'
        '  <span class="title">{}</span>\n  <span class="muted">{}</span>{}\n'
        '  <span class="price" data-testid="card-price"{}>{}</span>{}\n</a>\n',
        c["url"], c["product"].pk, image, c["title"], c["store"], _rating(c), amount,
        _deal_price(deal) if deal else (c["price_text"] if c["price"] else "—"), arrives,
    )  # fmt: skip
    if c.get("wish_html"):
        # The heart sits over the picture, beside the link (a form may not be inside it).
        out = format_html('<div class="card-wrap">{}{}</div>\n', out, c["wish_html"])
    return out


def _deal_price(deal: dict[str, Any]) -> SafeString:
    """The deal's landed price, the normal one struck through and the time left (counted down
    by site.js, as the product page's deal box)."""
    was = (
        format_html(' <s class="muted" data-testid="card-was">{}</s>', deal["was"])
        if deal["was"]
        else ""
    )
    return format_html(
        '<strong data-testid="card-deal-price">{}</strong>{}\n  <span class="small deal-ends">'
        '<time data-countdown="{}" data-ended="{}" datetime="{}">{}</time></span>',
        deal["price"], was, deal["ends_iso"], gettext("Ended"), deal["ends_iso"],
        timeuntil(deal["ends_at"]),
    )  # fmt: skip


def _rating(c: dict[str, Any]) -> SafeString | str:
    """Stars and count (caravana.reviews keeps them on the product) and the seller's badge."""
    out: SafeString | str = ""
    if c.get("rating"):
        out = format_html(
            '\n  <span class="rating" data-testid="card-rating" data-rating="{}" '
            'aria-label="{}"><span class="stars" aria-hidden="true">{}</span> {} ({})</span>',
            c["rating"], c["rating_label"], c["rating_stars"], c["rating"], c["rating_count"],
        )  # fmt: skip
    if c.get("deal"):
        out = format_html(
            '{}\n  <span class="deal-badge" data-testid="card-deal">{}</span>',
            out,
            gettext("Flash deal"),
        )
    if c.get("badge"):
        out = format_html(
            '{}\n  <span class="seller-badge badge-{}" data-testid="card-badge">{}</span>',
            out, c["badge"], c["badge_text"],
        )  # fmt: skip
    return out
