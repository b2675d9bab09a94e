"""Review pages: the buyer writes one for a delivered line (storefront), any visitor reads a
product's reviews (filtered by stars or photos, most helpful first), a logged-in buyer marks
one helpful, and the merchant answers in the console (zh-Hans too). Operators hide reviews in
the back office (reviews.admin)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from caravana.access.pages import merchant_required
from caravana.admin_lists.counts import EstimatedCountPaginator as Paginator
from caravana.catalog.models import Product
from caravana.orders.models import OrderLine
from caravana.reviews import reputation, services
from caravana.reviews.models import MAX_PHOTOS, HelpfulVote, Review

PER_PAGE = 10


def _errors(exc: ValidationError) -> dict[str, list[str]]:
    return exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}


def _language() -> str:
    return (get_language() or "en").lower()


def _language_names() -> dict[str, str]:
    from django.conf import settings

    return {code: str(name) for code, name in settings.LANGUAGES}


def _filters(request: HttpRequest) -> tuple[int | None, bool]:
    try:
        stars = int(request.GET.get("stars") or 0)
    except ValueError:
        stars = 0
    return (stars if 1 <= stars <= 5 else None), request.GET.get("photos") == "1"


def product_context(request: HttpRequest, product_id: int) -> dict[str, Any]:
    """What the product page's reviews section shows: the summary, one page of reviews (most
    helpful first) with the filters asked, which the buyer already found helpful. One query
    when the product has no review; four at most otherwise (summary, page, photos, votes)."""
    summary = services.summary(product_id)
    context: dict[str, Any] = {
        "review_summary": summary,
        "review_stars": reputation.stars_text(summary.average),
        "review_rows": [],
        "review_product_id": product_id,
        "review_filter_stars": None,
        "review_filter_photos": False,
    }
    if not summary.count:
        return context
    stars, photos = _filters(request)
    try:
        number = max(1, min(int(request.GET.get("rpage") or 1), 1000))
    except ValueError:
        number = 1
    start = (number - 1) * PER_PAGE
    found = list(services.visible(product_id, stars, photos)[start : start + PER_PAGE + 1])
    reviews, more = found[:PER_PAGE], len(found) > PER_PAGE
    lang = _language()
    names = _language_names()
    voted: set[int] = set()
    if request.user.is_authenticated and reviews:
        voted = set(
            HelpfulVote.objects.filter(
                buyer=request.user, review_id__in=[r.pk for r in reviews]
            ).values_list("review_id", flat=True)
        )
    context.update(
        review_rows=[
            {
                "review": r,
                "stars": reputation.stars_text(r.stars),
                "foreign": r.language != lang,
                "language_name": names.get(r.language, r.language),
                "voted": r.pk in voted,
                "own": request.user.is_authenticated and r.buyer_id == request.user.pk,
                "author": (r.buyer.first_name or r.buyer.username)[:1].upper() + "***",
            }
            for r in reviews
        ],
        review_filter_stars=stars,
        review_filter_photos=photos,
        review_page={"number": number, "previous": number - 1 if number > 1 else None,
                     "next": number + 1 if more else None},
    )  # fmt: skip
    return context


def product_reviews(request: HttpRequest, pk: int) -> HttpResponse:
    """The reviews section alone (htmx filter), or the product page anchored on it."""
    get_object_or_404(Product.objects.only("pk"), pk=pk, is_active=True)
    if not request.htmx:
        query = request.GET.urlencode()
        return redirect(reverse("storefront:product", args=[pk]) + f"?{query}#reviews")
    return render(request, "reviews/_product_reviews.html", product_context(request, pk))


@require_POST
def helpful(request: HttpRequest, pk: int) -> HttpResponse:
    review = get_object_or_404(Review, pk=pk, hidden=False)
    back = reverse("storefront:product", args=[review.product_id]) + "#reviews"
    if not request.user.is_authenticated:
        return redirect(f"{reverse('accounts:login')}?next={back}")
    error = ""
    try:
        review = services.vote_helpful(review, request.user)
    except ValidationError as exc:
        error = " ".join(m for ms in _errors(exc).values() for m in ms)
    if request.htmx:
        return render(
            request,
            "reviews/_helpful.html",
            {"row": {"review": review, "voted": True}, "error": error},
        )
    if error:
        messages.error(request, error)
    return redirect(back)


@login_required
def write(request: HttpRequest, number: str, line: int) -> HttpResponse:
    """The buyer's review form for one line of their order: only once it is delivered."""
    found = get_object_or_404(
        OrderLine.objects.select_related("order", "variant__product"),
        pk=line, order__number=number, order__buyer=request.user,
    )  # fmt: skip
    existing = Review.objects.filter(line=found).first()
    errors: dict[str, list[str]] = {}
    status = 200
    data: Any = {"language": _language(), "stars": ""}
    if request.method == "POST":
        data = request.POST
        try:
            services.write_review(
                request.user, found, request.POST.get("stars"), request.POST.get("text"),
                request.FILES.getlist("photos"), request.POST.get("language") or _language(),
            )  # fmt: skip
        except ValidationError as exc:
            errors, status = _errors(exc), 422
        else:
            messages.success(request, _("Thank you: your review is published."))
            return redirect(reverse("orders:detail", args=[number]))
    return render(
        request,
        "reviews/write.html",
        {
            "line": found,
            "title": found.variant.product.title(_language()) or found.title,
            "order": found.order,
            "delivered": services.delivered(found),
            "existing": existing,
            "errors": errors,
            "data": data,
            "languages": list(_language_names().items()),
            "max_photos": MAX_PHOTOS,
            "star_choices": [5, 4, 3, 2, 1],
        },
        status=status,
    )


def order_lines(order: Any, lang: str) -> list[dict[str, Any]]:
    """Each line of the buyer's order with its review state, for the order page: one query."""
    if order.delivered_at is None:
        return []
    reviewed = dict(Review.objects.filter(line__order=order).values_list("line_id", "stars"))
    return [
        {
            "pk": line.pk,
            "title": line.variant.product.title(lang) or line.title,
            "stars": reputation.stars_text(reviewed[line.pk]) if line.pk in reviewed else "",
        }
        for line in order.lines.select_related("variant__product")[:200]
    ]


@merchant_required
def console(request: HttpRequest) -> HttpResponse:
    """The merchant's reviews, the unanswered first; each answered once."""
    qs = _console_reviews(request.merchant)
    if request.GET.get("unanswered") == "1":
        qs = qs.filter(answer="")
    return _console(request, qs)


def _console_reviews(merchant: Any) -> Any:
    """The console's reviews, the unanswered first, with product and photos fetched beside
    them (the page shows each review's photos: one query for all, not one per review)."""
    return (
        Review.objects.filter(merchant=merchant)
        .select_related("product")
        .prefetch_related("photos")
        .order_by("answered_at", "-created_at", "-id")
    )


def _console(
    request: HttpRequest, qs: Any, errors: dict | None = None, status: int = 200, pk: int = 0
) -> HttpResponse:
    lang = _language()
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    rows = [
        {
            "review": r,
            "title": r.product.title(lang),
            "stars": reputation.stars_text(r.stars),
            "errors": (errors or {}) if r.pk == pk else {},
        }
        for r in page.object_list
    ]
    return render(
        request,
        "reviews/console.html",
        {"page": page, "rows": rows, "reputation": services.reputation_of(request.merchant.pk),
         "names": _language_names()},
        status=status,
    )  # fmt: skip


@merchant_required
@require_POST
def console_answer(request: HttpRequest, pk: int) -> HttpResponse:
    review = get_object_or_404(Review, pk=pk, merchant=request.merchant)
    try:
        services.answer(review, request.user, request.POST.get("answer", ""))
    except ValidationError as exc:
        return _console(request, _console_reviews(request.merchant), _errors(exc), 422, review.pk)
    messages.success(request, _("Your answer is published."))
    return redirect(reverse("reviews:console") + f"#review-{review.pk}")
