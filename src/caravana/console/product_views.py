"""The console's product list for a catalogue of tens of thousands of SKUs: search, filters
(store, category, stock state, status), keyset pages newest first (``?after=<id>`` /
``?before=<id>``: an index range each, never an OFFSET), the size counted as the back-office
lists count it (admin_lists.counts: an estimate or a capped count, decision 11), and bulk actions
on the chosen rows through catalog.services. A merchant's staff see its stores only."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from caravana.access.pages import merchant_required
from caravana.admin_lists.counts import list_count
from caravana.catalog import queries, services
from caravana.catalog.models import Category, Product, Stock, Store, Variant, Warehouse
from caravana.limits import INT_MAX, id_from, whole

PER_PAGE = 50
#: At most this many units available in all: "low stock".
LOW_STOCK = 5
STOCK_STATES = (
    ("out", gettext_lazy("Out of stock")),
    ("low", gettext_lazy("Low stock (%(n)d or fewer)")),
    ("in", gettext_lazy("In stock")),
)
STATUSES = (("active", gettext_lazy("Published")), ("inactive", gettext_lazy("Unpublished")))
ACTIONS = (
    ("publish", gettext_lazy("Publish")),
    ("unpublish", gettext_lazy("Unpublish")),
    ("price", gettext_lazy("Change price by %")),
    ("stock", gettext_lazy("Set stock")),
)
# A term shaped like a SKU (no spaces, a digit or a dash): looked up exactly first.
_SKU_LIKE = re.compile(r"^[\w./-]*[\d-][\w./-]*$")


def _available() -> Subquery:
    """Units available (on hand less reserved) of a product, over its variants and warehouses."""
    rows = (
        Stock.objects.filter(variant__product=OuterRef("pk"))
        .values("variant__product")
        .annotate(n=Sum(F("quantity") - F("reserved")))
        .values("n")
    )
    return Subquery(rows[:1])


def filtered(request: HttpRequest) -> tuple[QuerySet[Product], dict[str, str]]:
    """The merchant's products narrowed by the query string, and the filters understood."""
    merchant = request.merchant  # type: ignore[attr-defined]
    store_ids = list(Store.objects.filter(merchant=merchant).values_list("pk", flat=True))
    qs = Product.objects.filter(store_id__in=store_ids)
    got = {k: request.GET.get(k, "").strip() for k in ("q", "store", "category", "stock", "status")}
    store_id = id_from(got["store"])
    if store_id in store_ids:
        qs = qs.filter(store_id=store_id)
    else:
        got["store"] = ""
    cat = Category.objects.filter(slug=got["category"]).first() if got["category"] else None
    if cat is not None:
        qs = qs.filter(category_id__in=queries.category_ids_below(cat))
    else:
        got["category"] = ""
    if got["status"] in ("active", "inactive"):
        qs = qs.filter(is_active=got["status"] == "active")
    else:
        got["status"] = ""
    in_stock = Exists(
        Stock.objects.filter(variant__product=OuterRef("pk"), quantity__gt=F("reserved"))
    )
    if got["stock"] == "out":
        qs = qs.filter(~in_stock)
    elif got["stock"] == "low":
        qs = qs.alias(avail=_available()).filter(in_stock, avail__lte=LOW_STOCK)
    elif got["stock"] == "in":
        qs = qs.alias(avail=_available()).filter(avail__gt=LOW_STOCK)
    else:
        got["stock"] = ""
    term = got["q"][:100]
    if term:
        qs = qs.filter(_search(merchant, term))
    return qs, got


def _search(merchant, term: str) -> Q:
    """A SKU (exact, through the merchant's unique SKU index) or words of a title, any
    language; within one merchant's products (tens of thousands at most)."""
    term_id = id_from(term)
    by_id = Q(pk=term_id) if term_id is not None else Q(pk__in=[])
    words = Q()
    for word in term.split()[:5]:
        words &= (
            Q(title_es__icontains=word)
            | Q(title_pt_br__icontains=word)
            | Q(title_en__icontains=word)
            | Q(title_zh_hans__icontains=word)
        )
    if _SKU_LIKE.match(term):
        sku = Variant.objects.filter(merchant=merchant, sku=term).values("product_id")[:1]
        return Q(pk__in=sku) | by_id | words
    return by_id | words


@merchant_required
def product_list(request: HttpRequest) -> HttpResponse:
    qs, got = filtered(request)
    after = id_from(request.GET.get("after", ""))
    before = id_from(request.GET.get("before", ""))
    if before is not None:
        rows = list(qs.filter(pk__gt=before).order_by("pk")[: PER_PAGE + 1])
        has_newer = len(rows) > PER_PAGE
        rows = rows[:PER_PAGE][::-1]
        has_older = True
    else:
        qs_page = qs.filter(pk__lt=after) if after is not None else qs
        rows = list(qs_page.order_by("-pk")[: PER_PAGE + 1])
        has_older = len(rows) > PER_PAGE
        rows = rows[:PER_PAGE]
        has_newer = after is not None
    _annotate(rows)
    size = list_count(qs) if rows else None
    query = {k: v for k, v in got.items() if v}
    language = get_language() or "en"
    return render(
        request,
        "console/products.html",
        {
            "rows": rows,
            "got": got,
            "size": size,
            "newer": urlencode({**query, "before": rows[0].pk}) if rows and has_newer else "",
            "older": urlencode({**query, "after": rows[-1].pk}) if rows and has_older else "",
            "stores": Store.objects.filter(merchant=request.merchant).order_by("name"),  # type: ignore[attr-defined]
            "categories": _categories(language),
            "stock_states": [
                (code, str(name) % {"n": LOW_STOCK} if code == "low" else name)
                for code, name in STOCK_STATES
            ],
            "statuses": STATUSES,
            "actions": ACTIONS,
            "back": request.get_full_path(),
            "low": LOW_STOCK,
        },
    )


def _annotate(rows: list[Product]) -> None:
    """Variants, units available and the title in the page's language, for the page's rows."""
    ids = [p.pk for p in rows]
    counts = dict(
        Variant.objects.filter(product_id__in=ids)
        .values("product_id")
        .annotate(n=Count("id"))
        .values_list("product_id", "n")
    )
    available = dict(
        Stock.objects.filter(variant__product_id__in=ids)
        .values("variant__product_id")
        .annotate(n=Sum(F("quantity") - F("reserved")))
        .values_list("variant__product_id", "n")
    )
    stores = {s.pk: s for s in Store.objects.filter(pk__in={p.store_id for p in rows})}
    categories = {c.pk: c for c in Category.objects.filter(pk__in={p.category_id for p in rows})}
    language = get_language() or "en"
    for p in rows:
        p.n_variants = counts.get(p.pk, 0)  # type: ignore[attr-defined]
        p.available = available.get(p.pk) or 0  # type: ignore[attr-defined]
        p.shown_title = p.title(language) or p.title("zh-hans")  # type: ignore[attr-defined]
        p.store_name = stores[p.store_id].name  # type: ignore[attr-defined]
        p.category_name = categories[p.category_id].name(language)  # type: ignore[attr-defined]


def _categories(language: str) -> list[tuple[str, str]]:
    cats = list(Category.objects.order_by("position", "slug")[:500])
    tops = [c for c in cats if c.parent_id is None]
    out = []
    for top in tops:
        out.append((top.slug, top.name(language)))
        out += [(c.slug, "— " + c.name(language)) for c in cats if c.parent_id == top.pk]
    return out


def _ids(request: HttpRequest) -> list[int]:
    ids = (id_from(v) for v in request.POST.getlist("ids"))
    return [i for i in ids if i is not None][: services.MAX_BULK_SELECTION + 1]


@merchant_required
@require_POST
def bulk_action(request: HttpRequest) -> HttpResponse:
    """One action on the chosen rows; its error (naming the field) shown above the list."""
    merchant = request.merchant  # type: ignore[attr-defined]
    back = request.POST.get("back", "")
    if not back.startswith("/console/products/"):
        back = "/console/products/"
    action, ids = request.POST.get("action", ""), _ids(request)
    try:
        if action in ("publish", "unpublish"):
            n = services.set_products_active(merchant, ids, action == "publish")
            done = ngettext("%(n)d product changed.", "%(n)d products changed.", n) % {"n": n}
        elif action == "price":
            try:
                percent = Decimal(request.POST.get("percent", "").replace(",", ".").strip())
            except InvalidOperation:
                percent = None
            n = services.change_prices(merchant, ids, percent)  # type: ignore[arg-type]
            done = ngettext("%(n)d variant repriced.", "%(n)d variants repriced.", n) % {"n": n}
        elif action == "stock":
            raw = request.POST.get("quantity", "").strip()
            quantity = whole(raw, INT_MAX)
            if quantity is None:
                quantity = -1  # refused by the service, naming the field
            warehouse = Warehouse.objects.filter(merchant=merchant).order_by("id").first()
            if warehouse is None:
                raise ValidationError({"warehouse": _("You have no warehouse.")})
            n = services.set_products_stock(merchant, ids, warehouse, quantity)
            done = ngettext("Stock set for %(n)d variant.", "Stock set for %(n)d variants.", n) % {
                "n": n
            }
        else:
            raise ValidationError({"action": _("Choose an action.")})
    except ValidationError as exc:
        for field, msgs in exc.message_dict.items():
            for m in msgs:
                messages.error(request, f"{_field_label(field)}: {m}")
    else:
        messages.success(request, done)
    return redirect(back)


def _field_label(field: str) -> str:
    return {
        "ids": _("Products"),
        "percent": _("Change (%)"),
        "quantity": _("Stock"),
        "action": _("Action"),
        "warehouse": _("Warehouse"),
    }.get(field, field)
