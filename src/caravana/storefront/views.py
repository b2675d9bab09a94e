"""Buyer pages. Thin: they parse the request, ask catalog.search and catalog queries, and
render. Each page does a fixed number of queries whatever the catalogue's size."""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_CEILING, Decimal, InvalidOperation
from urllib.parse import urlsplit

from django.contrib.auth import get_user_model
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from caravana import markets
from caravana.catalog import landed, queries, thumbnails, vocabulary
from caravana.catalog.models import Category, ProductImage, Store
from caravana.catalog.search import SORTS, SearchRequest, SearchResult, terms
from caravana.catalog.search import search as run_search
from caravana.guards import safe_next
from caravana.money import Money
from caravana.pricing.charge_names import rate_text, refusal_text
from caravana.promotions import queries as promotion_queries
from caravana.reviews import reputation as review_figures
from caravana.reviews import services as reviews
from caravana.reviews.views import product_context as reviews_context
from caravana.shelves import services as shelves
from caravana.shelves.models import ALL
from caravana.storefront import delivery_filters, local_stock, suggestions, wishlist
from caravana.storefront.landed import charge_label, default_state, product_quote
from caravana.storefront.middleware import COOKIE
from caravana.storefront.prices import PriceBook
from caravana.storefront.urls_cache import product_url

PER_PAGE = 24
#: A card's picture is at most this wide in CSS pixels (its 2x thumbnail is twice it).
CARD_WIDTH = 240
#: Cards in the first row at the widest layout: their pictures are not lazy.
EAGER_CARDS = 6


def _language() -> str:
    return get_language() or "en"


def _cards(request: HttpRequest, ids: list[int]) -> list[dict]:
    """Each card shows the product's landed price in the buyer's country (catalog.landed): the
    figure its product page, the cart and the checkout show. Everything a card prints is
    worked out here, once per page where it can be (the price's wording, the image storage,
    the product URL's shape), so the card template only writes values out."""
    lang = _language()
    book = PriceBook(request.country, lang)
    products = queries.products_for_cards(ids)
    prices = landed.for_cards(products, request.country.code, request.country.currency)
    storage = ProductImage._meta.get_field("image").storage
    from_price = gettext("from %(price)s")
    hearts = _hearts(request, [p.pk for p in products])
    # One query a page; a product under a live deal shows the deal's landed price, as its
    # product page's deal box (promotions.queries.deal_price), its own struck through.
    deals = promotion_queries.deal_prices([p.pk for p in products], request.country.code)
    free = promotion_queries.free_shipping_by_merchant(p.store.merchant_id for p in products)
    free_over = gettext("Free shipping over %(amount)s")
    cards = []
    for n, p in enumerate(products):
        price = _show(prices[p.pk], book)
        amount = prices[p.pk].amount
        deal = deals.get(p.pk)
        cards.append(
            {
                "product": p,
                "url": product_url(p.pk),
                "title": p.title(lang),
                "store": p.store.name,
                "price": price,
                # What {% blocktranslate %} wrote: the wording translated, the figure escaped.
                "price_text": mark_safe(from_price % {"price": conditional_escape(price)}),
                "amount": amount,
                "amount_attr": "" if amount is None else str(amount),
                "image": thumbnails.sources(storage, p.card_image, CARD_WIDTH)
                if p.card_image
                else None,
                # The first row loads at once; the rest as the buyer scrolls to it.
                "lazy": n >= EAGER_CARDS,
                **_rating(p, p.seller_badge or ""),
                "wish_html": hearts(p.pk, p.title(lang)) if hearts else "",
                "deal": _card_deal(deal, book) if deal else None,
                "ships_free": _ships_free(free.get(p.store.merchant_id), book, free_over),
            }
        )
    return cards


def _card_deal(deal: promotion_queries.DealPrice, book: PriceBook) -> dict:
    """A card's deal: its landed price, the normal one struck through and the countdown."""
    return {
        "price": Money(deal.amount, deal.currency).format(book.locale),
        "amount": str(deal.amount),
        "was": "" if deal.was is None else Money(deal.was, deal.currency).format(book.locale),
        "ends_iso": deal.deal.ends_at.isoformat(),
        "ends_at": deal.deal.ends_at,
    }


def _ships_free(offer, book: PriceBook, wording: str) -> str:
    """ "Free shipping over R$ 230": the merchant's threshold (CNY) in the buyer's currency,
    rounded up to a whole unit so a basket at the figure shown does reach it."""
    if offer is None:
        return ""
    money = book.convert(offer.threshold, offer.currency)
    if money is None:
        return ""
    whole = Money(money.amount.to_integral_value(ROUND_CEILING), money.currency)
    return wording % {"amount": whole.format(book.locale)}


def _hearts(request: HttpRequest, ids: list[int]) -> Callable[[int, str], SafeString] | None:
    """The cards' wishlist buttons (one query for which are saved), or None for staff, who do
    not shop."""
    if _staff(request):
        return None
    user = request.user
    saved = shelves.wished_among(user, ids) if ids else set()
    token, back = get_token(request), _back(request)

    def heart(pk: int, title: str) -> SafeString:
        return wishlist.button(
            pk, title, wished=pk in saved, logged_in=user.is_authenticated,
            csrf_token=token, back=back,
        )  # fmt: skip

    return heart


def _back(request: HttpRequest) -> str:
    """Where a wishlist button returns to: the page (the full page, not an htmx fragment)."""
    current = request.headers.get("HX-Current-URL", "") if request.htmx else ""
    if current:
        parts = urlsplit(current)
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return request.get_full_path()


def _rows(request: HttpRequest, rows: dict[str, list[int]]) -> dict[str, list[dict]]:
    """Several shelves of cards built in one pass (one product query, one price read): each
    row keeps its own order; only the first row's first cards load their pictures at once."""
    ids = list(dict.fromkeys(pk for row in rows.values() for pk in row))
    by_id = {c["product"].pk: c for c in _cards(request, ids)}
    out: dict[str, list[dict]] = {}
    first = True
    for name, row in rows.items():
        cards = [by_id[pk] for pk in row if pk in by_id]
        out[name] = [{**c, "lazy": not first or n >= EAGER_CARDS} for n, c in enumerate(cards)]
        first = first and not cards
    return out


def _tiles(request: HttpRequest, categories: list[Category]) -> list[dict]:
    """Category tiles: name, link and the picture the shelves' roll-up chose (one query)."""
    lang = _language()
    storage = ProductImage._meta.get_field("image").storage
    pictures = shelves.category_pictures(c.pk for c in categories)
    return [
        {
            "category": c,
            "name": c.name(lang),
            "picture": thumbnails.picture_html(
                thumbnails.sources(storage, pictures[c.pk], TILE_WIDTH),
                width=TILE_WIDTH, height=TILE_WIDTH, alt="", lazy=True,
            )
            if c.pk in pictures
            else None,
        }
        for c in categories
    ]  # fmt: skip


#: A category tile's picture, in CSS pixels.
TILE_WIDTH = 240
#: Cards per shelf on the home page.
SHELF = 12


def _rating(p, badge: str) -> dict:
    """The card's stars and count (kept on the product: no review read) and the seller's
    badge (reviews.Reputation, one query per page)."""
    count = p.rating_count
    return {
        "rating": f"{p.rating_avg:.1f}" if count else "",
        "rating_stars": review_figures.stars_text(p.rating_avg) if count else "",
        "rating_label": gettext("%(avg)s out of 5 stars, %(n)s reviews")
        % {"avg": f"{p.rating_avg:.1f}", "n": count}
        if count
        else "",
        "rating_count": count,
        "badge": badge if badge in ("top", "good") else "",
        "badge_text": BADGE_TEXT().get(badge, ""),
    }


def BADGE_TEXT() -> dict[str, str]:  # noqa: N802  (translated per request)
    return {"top": gettext("Top seller"), "good": gettext("Reliable seller")}


def _show(price: landed.CardPrice, book: PriceBook) -> str:
    if price.amount is None:
        return ""
    return Money(price.amount, price.currency).format(book.locale)


def _staff(request: HttpRequest) -> bool:
    """Staff (merchant, hub, planner, operator) browse the storefront as it is, in the default
    country: the country picker is a buyer's first step, not theirs."""
    return request.user.is_authenticated and request.user.role != "buyer"


def home(request: HttpRequest) -> HttpResponse:
    if not request.country_chosen and not _staff(request):
        return redirect("storefront:country")
    lang = _language()
    country = request.country.code
    result = run_search(
        SearchRequest(language=lang, country=country, sort="newest", per_page=SHELF, counted=False)
    )
    # Read from the shelves' roll-ups (a few rows by index), never from the orders.
    rows = _rows(
        request,
        {
            "best_sellers": shelves.best_seller_ids(country, ALL, SHELF),
            "recent": shelves.recent_ids(request.user, request.session, SHELF),
            "cards": result.ids,
        },
    )
    return render(
        request,
        "storefront/home.html",
        {"tiles": _tiles(request, queries.top_categories()), **rows},
    )


@require_http_methods(["GET", "POST"])
def choose_country(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        country = markets.get(request.POST.get("country"))
        language = request.POST.get("language") or (country.language if country else "")
        if country is None:
            return render(
                request,
                "storefront/country.html",
                {"error": _("Choose one of the countries we deliver to.")},
                status=422,
            )
        if language not in markets.BUYER_LANGUAGES:
            language = country.language
        request.session["country"] = country.code
        target = safe_next(request, "/")
        response = redirect(target)
        year = 365 * 24 * 3600
        response.set_cookie(COOKIE, country.code, max_age=year, samesite="Lax")
        response.set_cookie("django_language", language, max_age=year, samesite="Lax")
        if request.user.is_authenticated:
            get_user_model().objects.filter(pk=request.user.pk).update(language=language)
        return response
    return render(request, "storefront/country.html", {"next": request.GET.get("next", "/")})


#: Highest price filter accepted, in the buyer's currency (above any product's price in
#: any currency, COP included); beyond it a Decimal division overflowed (a 500).
PRICE_FILTER_MAX = Decimal("1000000000")


def _price(request: HttpRequest, field: str, errors: dict[str, str]) -> Decimal | None:
    """The min/max filter as a Decimal, or None; a bad value is an error naming the field."""
    value = (request.GET.get(field) or "").strip()
    if not value:
        return None
    try:
        result = Decimal(value.replace(",", "."))
    except InvalidOperation:
        result = None
    if result is None or not result.is_finite() or not 0 <= result <= PRICE_FILTER_MAX:
        label = _("Minimum price") if field == "min" else _("Maximum price")
        errors[field] = _("%(label)s: give an amount between 0 and %(max)s.") % {
            "label": label,
            "max": f"{PRICE_FILTER_MAX:,.0f}",
        }
        return None
    return result


def _page(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), 1000))
    except ValueError:
        return 1


def _listing(
    request: HttpRequest, *, category: Category | None = None, store: Store | None = None
) -> dict:
    lang = _language()
    book = PriceBook(request.country, lang)
    text = request.GET.get("q", "").strip()[:200]
    sort = request.GET.get("sort") or ("relevance" if text else "newest")
    if sort not in SORTS:
        sort = "relevance"
    errors: dict[str, str] = {}
    price_min, price_max = _price(request, "min", errors), _price(request, "max", errors)
    if price_min is not None and price_max is not None and price_min > price_max:
        errors["max"] = _("Maximum price: give an amount no lower than the minimum price.")
        price_max = None
    rating_min = _rating_min(request.GET.get("rating"))
    delivery = delivery_filters.chosen(request.GET)
    exact = request.GET.get("exact") == "1"
    if store is None and request.GET.get("store"):
        # The search page's store filter (the stores of the results offered as choices).
        picked = Store.objects.filter(slug=request.GET["store"]).only("pk", "slug", "name")
        store_filter = picked.first()
    else:
        store_filter = None
    chosen = category
    if chosen is None and request.GET.get("category"):
        chosen = queries.category_by_slug(request.GET["category"])
    req = SearchRequest(
        text=text,
        language=lang,
        category_ids=queries.category_ids_below(chosen) if chosen else (),
        category_top=chosen.pk if chosen and chosen.parent_id is None else None,
        store_id=store.pk if store else store_filter.pk if store_filter else None,
        price_min=price_min,
        price_max=price_max,
        rates=book.listing_rates(),
        country=request.country.code,
        sort=sort,
        page=_page(request.GET.get("page")),
        per_page=PER_PAGE,
        rating_min=rating_min,
        ships_free=delivery.ships_free,
        speed_max=delivery.speed_max,
        correct=not exact,
    )
    result = run_search(req)
    query = request.GET.copy()
    query.pop("page", None)
    cards = _cards(request, result.ids)
    speeds = delivery_filters.speed_choices(request.country)
    chip_labels = {
        "free": _("Free shipping") if delivery.ships_free else "",
        "speed": dict(speeds).get(delivery.speed, ""),
        "rating": _("%(n)s stars and up") % {"n": int(rating_min)} if rating_min else "",
        "store": store_filter.name if store_filter else "",
        "min": _("From %(amount)s") % {"amount": _money(price_min, book)}
        if price_min is not None
        else "",
        "max": _("Up to %(amount)s") % {"amount": _money(price_max, book)}
        if price_max is not None
        else "",
    }
    return {
        **_findings(request, text, result, exact, lang),
        "stores": _store_choices(cards, store_filter),
        "store_filter": store_filter.slug if store_filter else "",
        "q": text,
        "sort": sort,
        "sorts": SORTS,
        "result": result,
        "cards": cards,
        "chosen_category": chosen,
        "categories": [(c, c.name(lang)) for c in queries.top_categories()],
        "min": request.GET.get("min", ""),
        "max": request.GET.get("max", ""),
        "querystring": query.urlencode(),
        "currency": request.country.currency,
        "errors": errors,
        "rating": str(int(rating_min)) if rating_min else "",
        "free": delivery.ships_free,
        "speed": delivery.speed,
        "speeds": speeds,
        "chips": delivery_filters.chips(request.GET, {k: v for k, v in chip_labels.items() if v}),
    }


def _findings(
    request: HttpRequest, text: str, result: SearchResult, exact: bool, lang: str
) -> dict:
    """What the page says about the words: the corrected ones searched instead ("showing
    results for …", with a link to the words as typed), and on an empty page a correction to
    try (when the buyer asked for the typed words) and categories to browse instead."""
    query = request.GET.copy()
    query.pop("page", None)
    found: dict = {"corrected": result.corrected, "exact_query": "", "try_query": ""}
    if result.corrected:
        query["exact"] = "1"
        found["exact_query"] = query.urlencode()
    elif not result.total and text:
        words = terms(text)
        fixed = vocabulary.correct(words, lang) if exact else words
        if fixed != words:
            query["q"], _dropped = " ".join(fixed), query.pop("exact", None)
            found["try_query"] = query.urlencode()
            found["try_text"] = query["q"]
    if not result.total:
        found["browse"] = [(c, c.name(lang)) for c in queries.top_categories()[:BROWSE]]
    return found


#: Categories an empty results page offers to browse.
BROWSE = 8


def _store_choices(cards: list[dict], chosen: Store | None) -> list[tuple[str, str]]:
    """The store filter's choices: the chosen store and the stores of the cards shown (a
    catalogue of 100,000 stores cannot be a list; the stores the words found can)."""
    seen: dict[str, str] = {}
    if chosen is not None:
        seen[chosen.slug] = chosen.name
    for c in cards:
        seen.setdefault(c["product"].store.slug, c["store"])
    return list(seen.items())[:STORE_CHOICES]


STORE_CHOICES = 12


def _money(amount: Decimal, book: PriceBook) -> str:
    """An amount the buyer typed, in their currency, as their locale writes it."""
    return Money(amount, book.country.currency).format(book.locale)


def _rating_min(value: str | None) -> Decimal | None:
    """The "N stars and up" filter: 1-4, else none."""
    return Decimal(value) if value in ("1", "2", "3", "4") else None


def _status(request: HttpRequest, context: dict) -> int:
    """A bad filter is shown on the page (naming the field), the listing unfiltered by it: a
    400, except for htmx, which swaps only 2xx answers into the page."""
    return 400 if context["errors"] and not request.htmx else 200


def search(request: HttpRequest) -> HttpResponse:
    context = _listing(request)
    template = "storefront/_results.html" if request.htmx else "storefront/search.html"
    return render(request, template, context, status=_status(request, context))


def suggest(request: HttpRequest) -> HttpResponse:
    """As-you-type suggestions under the search box (htmx, from two letters on): the searches
    the vocabulary completes the last word to, the categories it names and a few products.
    A fixed handful of small queries (catalog.vocabulary, catalog.search.titled)."""
    lang = _language()
    text = request.GET.get("q", "")[:SUGGEST_CHARS]
    context = {"searches": [], "categories": [], "products": []}
    words = terms(text)
    if len(text.strip()) >= 2 and words:
        context = suggestions.for_text(words, text.endswith(" "), lang)
    return render(request, "storefront/_suggest.html", context)


#: Characters of the search box read for suggestions.
SUGGEST_CHARS = 100


def category(request: HttpRequest, slug: str) -> HttpResponse:
    cat = queries.category_by_slug(slug)
    if cat is None:
        raise Http404("No Category matches the given query.")
    context = _listing(request, category=cat)
    context["title"] = cat.name(_language())
    if not request.htmx:
        children = queries.child_categories(cat)
        context["tiles"] = _tiles(request, children) if children else []
        first_page = not request.GET.get("page") and not context["q"]
        if cat.parent_id is None and first_page:
            context.update(
                _rows(
                    request,
                    {"best_sellers": shelves.best_seller_ids(request.country.code, cat.pk, SHELF)},
                )
            )
    template = "storefront/_results.html" if request.htmx else "storefront/category.html"
    return render(request, template, context, status=_status(request, context))


def store(request: HttpRequest, slug: str) -> HttpResponse:
    shop = get_object_or_404(Store.objects.select_related("merchant"), slug=slug)
    context = _listing(request, store=shop)
    context["store"] = shop
    context["reputation"] = reviews.reputation_of(shop.merchant_id)
    template = "storefront/_results.html" if request.htmx else "storefront/store.html"
    return render(request, template, context, status=_status(request, context))


def product(request: HttpRequest, pk: int) -> HttpResponse:
    item = queries.product_page(pk)
    if item is None:
        raise Http404(_("No such product."))
    lang = _language()
    title = item.title(lang)
    book = PriceBook(request.country, lang)
    variants = [
        {"variant": v, "price": book.show(v.price, v.currency), "available": v.available}
        for v in item.variants.all()
    ]
    found = product_quote(item, [v["variant"] for v in variants], request.country)
    quote = found[1] if found else None
    if found is None and variants:  # nothing deliverable here: say why (the cheapest's refusal)
        quote = landed.quote_one(variants[0]["variant"], item.hs_code, request.country.code)
    priced = found[0] if found else (variants[0]["variant"] if variants else None)
    for v in variants:
        v["priced"] = found is not None and v["variant"].pk == found[0].pk
    recent = [p for p in shelves.recent_ids(request.user, request.session) if p != item.pk]
    shelves.record_view(request.user, request.session, item.pk)
    rows = _rows(
        request,
        {
            "bought_together": shelves.bought_together_ids(item.pk),
            "recent": recent[:6],
        },
    )
    return render(
        request,
        "storefront/product.html",
        {
            "product": item,
            "title": title,
            "description": item.description(lang),
            "category_name": item.category.name(lang),
            "variants": variants,
            "price": book.show(priced.price, priced.currency)
            if priced
            else book.show(item.price_from, item.price_currency),
            **_pictures(item, title, [v["variant"] for v in variants]),
            "landed": landed_context(quote, book) if quote else None,
            "local_offers": local_stock.offers(
                [v["variant"] for v in variants], request.country, book.locale
            ),
            **reviews_context(request, item.pk),
            **rows,
            "wish_button": None
            if _staff(request)
            else wishlist.button(
                item.pk,
                title,
                wished=bool(shelves.wished_among(request.user, [item.pk])),
                logged_in=request.user.is_authenticated,
                csrf_token=get_token(request),
                back=request.get_full_path(),
            ),
            "deal": _deal(request, [v["variant"] for v in variants], book),
        },
    )


def _deal(request: HttpRequest, variants: list, book: PriceBook) -> dict | None:
    """The product's live flash deal (the one ending first): its price landed in the buyer's
    country, the variant's own price crossed out, units left and the end for the countdown."""
    deals = promotion_queries.live_deals([v.pk for v in variants])
    if not deals:
        return None
    deal = min(deals.values(), key=lambda d: (d.ends_at, d.pk))
    variant = next(v for v in variants if v.pk == deal.variant_id)
    deal.variant = variant
    priced = promotion_queries.deal_price(deal, request.country.code)
    return {
        "deal": deal,
        "variant": variant,
        "price": book.show(deal.price, variant.currency),
        "was": book.show(variant.price, variant.currency),
        # The deal's landed price (the cards' and the sticky bar's figure); "" when it cannot
        # be quoted here: the bar then shows the normal price only.
        "landed": Money(priced.amount, priced.currency).format(book.locale) if priced else "",
        "landed_amount": priced.amount if priced else None,
        "landed_was": Money(priced.was, priced.currency).format(book.locale)
        if priced and priced.was is not None
        else "",
        "ends_iso": deal.ends_at.isoformat(),
        "left": deal.remaining,
        "sold_share": round(100 * deal.sold / deal.cap) if deal.cap else 0,
    }


#: The product page's picture, in CSS pixels (its 2x thumbnail is twice it).
PAGE_WIDTH = 480


def _pictures(item, title: str, variants: list) -> dict:
    """The page's pictures from the images already fetched with the product (no query): the
    main one, the gallery, and each variant's main picture for the option picker."""
    storage = ProductImage._meta.get_field("image").storage
    pictures = []
    for n, im in enumerate(item.images.all()):
        ratio = im.height / im.width if im.width and im.height else 1
        big = thumbnails.sources(storage, im.image.name, PAGE_WIDTH)
        pictures.append(
            {
                "pk": im.pk,
                "variant": im.variant_id,
                "big": big,
                "small": thumbnails.sources(storage, im.image.name, 240),
                "height": round(PAGE_WIDTH * ratio),
                "alt": _("%(title)s, picture %(n)d of %(total)d")
                % {"title": title, "n": n + 1, "total": len(item.images.all())},
            }
        )
    main = None
    if pictures:
        first = pictures[0]
        main = thumbnails.picture_html(
            first["big"], width=PAGE_WIDTH, height=first["height"], alt=first["alt"], lazy=False
        )
    picks = []
    for v in variants:
        pic = next((p for p in pictures if p["variant"] == v.pk), None)
        if pic is not None:
            picks.append({"variant": v, "picture": pic})
    return {"pictures": pictures, "main_picture": main, "variant_picks": picks}


def landed_context(quote, book: PriceBook) -> dict:
    """What the template needs: the total, each component formatted, and why it may not ship."""

    def fmt(amount):
        return Money(amount, quote.currency).format(book.locale)

    def row(c) -> dict:
        return {
            "label": charge_label(c, quote),
            "kind": c.kind,
            "amount": fmt(c.amount),
            "rate": rate_text(c.rate, book.locale),
            "source": c.source,
            "estimate": c.estimate,
        }

    # The headline is what the checkout charges; duties and taxes a country's rule set leaves
    # to be paid on arrival are listed apart, after it, so each list adds up to its figure.
    return {
        "ok": quote.ok,
        "total": fmt(quote.collect_at_checkout) if quote.ok else "",
        "amount": quote.collect_at_checkout,
        "ddp": quote.ddp,
        "due_on_arrival": fmt(quote.due_on_arrival) if quote.ok and quote.due_on_arrival else "",
        "arrival_rows": [row(c) for c in quote.charges() if c.estimate],
        "rows": [row(c) for c in quote.charges() if not c.estimate],
        "refusals": [refusal_text(r, quote.request.country) for r in quote.refusals],
        "state": default_state(quote.request.country),
        "rule_set": quote.rule_set.id,
    }
